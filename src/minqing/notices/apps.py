from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "minqing.notices"
    label = "notices"
    verbose_name = _("消息提醒")
    default_auto_field = "django.db.models.BigAutoField"
