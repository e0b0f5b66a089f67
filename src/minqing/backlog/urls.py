from django.urls import path

from . import views

app_name = "backlog"
urlpatterns = [
    path("backlog/", views.backlog_page, name="list"),
    path("backlog/<int:pk>/own/", views.own, name="own"),
    path("backlog/<int:pk>/agreement/", views.agreement, name="agreement"),
    path("backlog/agreements/<int:pk>/document", views.agreement_document, name="document"),
    path("reception/", views.reception_page, name="reception"),
]
