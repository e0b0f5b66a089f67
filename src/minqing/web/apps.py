from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "minqing.web"
    label = "web"

    def ready(self):
        from . import edge

        edge.connect_signals()
