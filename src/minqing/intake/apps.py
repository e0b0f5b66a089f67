from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "minqing.intake"
    label = "intake"
