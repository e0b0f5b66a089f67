from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "minqing.api"
    label = "api"

    def ready(self):
        from . import auth

        auth.connect()
