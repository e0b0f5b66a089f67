"""Default deadlines by handling mode and category, in working days."""

from django.conf import settings

from minqing.regions.workdays import add_workdays


def handling_days(mode, category=None):
    if category is not None and category.deadline_days:
        return category.deadline_days
    table = settings.MINQING["DEADLINE_DAYS"]
    return table.get(mode or "immediate", table["immediate"])


def default_deadline(start, mode, category=None):
    return add_workdays(start, handling_days(mode, category))


def response_deadline(start):
    return add_workdays(start, settings.MINQING["RESPONSE_DAYS"])
