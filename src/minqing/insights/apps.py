from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "minqing.insights"
    label = "insights"
