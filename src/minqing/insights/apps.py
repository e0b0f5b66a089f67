from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "minqing.insights"
    label = "insights"
    verbose_name = "分析研判 / Insights"

    def ready(self):
        from . import classify, indexing, places

        indexing.connect_signals()
        places.connect_signals()
        classify.connect_signals()
