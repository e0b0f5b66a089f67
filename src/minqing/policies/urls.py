from django.urls import path

from . import views

app_name = "policies"
urlpatterns = [
    path("", views.policy_list, name="list"),
    path("<str:code>/", views.policy_page, name="policy"),
    path("<str:code>/deliver/", views.deliver, name="deliver"),
]
