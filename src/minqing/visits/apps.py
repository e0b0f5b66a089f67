from django.apps import AppConfig


class VisitsConfig(AppConfig):
    name = "minqing.visits"
    label = "visits"
