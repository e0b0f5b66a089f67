from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PatrolsConfig(AppConfig):
    name = "minqing.patrols"
    label = "patrols"
    verbose_name = _("安全先锋行")
