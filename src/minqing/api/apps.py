from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "minqing.api"
    label = "api"
