from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "minqing.policies"
    label = "policies"
    verbose_name = "免申即享"
