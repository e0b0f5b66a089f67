from django.urls import path

from . import views

app_name = "surveys"
urlpatterns = [
    path("", views.desk, name="desk"),
    path("<int:survey_id>/call/<int:case_id>/", views.call, name="call"),
    path("<int:survey_id>/answer/<int:case_id>/", views.answer, name="answer"),
    path("results/", views.results_page, name="results"),
]
