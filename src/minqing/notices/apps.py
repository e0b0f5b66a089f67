from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "minqing.notices"
    label = "notices"
    verbose_name = _("消息提醒")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from . import core
        from .models import MessageTemplate

        post_save.connect(core.forget_templates, sender=MessageTemplate, dispatch_uid="notices_templates_saved")
        post_delete.connect(core.forget_templates, sender=MessageTemplate, dispatch_uid="notices_templates_deleted")
