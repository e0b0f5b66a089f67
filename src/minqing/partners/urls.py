from django.urls import path

from . import views

app_name = "partners"
urlpatterns = [
    path("", views.home, name="home"),
    path("tasks/", views.tasks_page, name="tasks"),
    path("wishes/", views.wishes_page, name="wishes"),
]
