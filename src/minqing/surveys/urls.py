from django.urls import path

from . import views

app_name = "surveys"
urlpatterns = [
    path("", views.desk, name="desk"),
    path("<int:survey_id>/call/<int:case_id>/", views.call, name="call"),
    path("<int:survey_id>/answer/<int:case_id>/", views.answer, name="answer"),
    path("<int:survey_id>/call/subject/<int:subject_id>/", views.call_subject, name="call_subject"),
    path("<int:survey_id>/answer/subject/<int:subject_id>/", views.answer_subject, name="answer_subject"),
    path("results/", views.results_page, name="results"),
]
