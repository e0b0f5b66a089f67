from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "minqing.imports"
    label = "imports"
    verbose_name = _("导入与人员")
    default_auto_field = "django.db.models.BigAutoField"
