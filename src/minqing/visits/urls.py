from django.urls import path

from . import views

app_name = "visits"
urlpatterns = [
    path("", views.home, name="home"),
    path("new/", views.new_visit, name="new"),
    path("<int:pk>/", views.visit_page, name="visit"),
    path("case/<int:case_id>/", views.case_visits, name="case"),
    path("region/", views.region_page, name="region_home"),
    path("region/<str:code>/", views.region_page, name="region"),
    path("subject/<str:external_id>/", views.subject_page, name="subject"),
    path("coverage/", views.coverage_page, name="coverage"),
    path("plan/", views.plan_page, name="plan"),
    path("card/<str:external_id>/", views.card_page, name="card"),
    path("days/", views.days_page, name="days"),
    path("days/<int:pk>/", views.day_page, name="day"),
]
