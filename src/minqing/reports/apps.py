from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "minqing.reports"
    label = "reports"
    verbose_name = "报告"
