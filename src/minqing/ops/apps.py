from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Operations: backup and restore (``minqing backup`` / ``minqing restore``)."""

    name = "minqing.ops"
    label = "ops"
    verbose_name = "运维"
