from django.apps import AppConfig


class IdeasConfig(AppConfig):
    name = "minqing.ideas"
    label = "ideas"
