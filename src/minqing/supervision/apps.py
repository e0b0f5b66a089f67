from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "minqing.supervision"
    label = "supervision"
