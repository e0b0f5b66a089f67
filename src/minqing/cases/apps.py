from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "minqing.cases"
    label = "cases"

    def ready(self):
        from . import lookups

        lookups.connect()
