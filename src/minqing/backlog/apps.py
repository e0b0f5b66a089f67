from django.apps import AppConfig


class BacklogConfig(AppConfig):
    name = "minqing.backlog"
    label = "backlog"
    verbose_name = "包案与信访积案"
