from django.apps import AppConfig


class RegionsConfig(AppConfig):
    name = "minqing.regions"
    label = "regions"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from minqing import deploycheck  # noqa: F401 - registers `minqing check --deploy`'s own checks

        from . import workdays
        from .models import CalendarDay

        def _calendar_changed(**_):
            workdays.clear_cache()

        post_save.connect(_calendar_changed, sender=CalendarDay, dispatch_uid="calendar_day_saved", weak=False)
        post_delete.connect(_calendar_changed, sender=CalendarDay, dispatch_uid="calendar_day_deleted", weak=False)
