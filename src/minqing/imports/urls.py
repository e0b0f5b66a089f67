from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("imports/", views.imports_home, name="home"),
    path("imports/<int:pk>/", views.job_page, name="job"),
    path("imports/<int:pk>/map/", views.job_map, name="map"),
    path("imports/<int:pk>/confirm/", views.job_confirm, name="confirm"),
    path("imports/<int:pk>/status.json", views.job_status, name="status"),
    path("imports/<int:pk>/rejected.<str:fmt>", views.job_rejected, name="rejected"),
    path("people/", views.people_home, name="people"),
    path("people/<int:pk>/", views.person_page, name="person"),
    path("people/<int:pk>/<str:what>/", views.person_action, name="person_action"),
]
