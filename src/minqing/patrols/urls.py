from django.urls import path

from . import views

app_name = "patrols"
urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.new_patrol, name="new"),
    path("<int:pk>/", views.patrol_page, name="patrol"),
]
