"""Alert levels (红黄预警) from a deadline on the working-day calendar.

green while more than ``YELLOW_DAYS`` working days are left (today counted),
yellow within the last ``YELLOW_DAYS`` working days, red once overdue.
"""

import datetime as dt

from django.conf import settings
from django.utils import timezone

from minqing.regions.workdays import nth_workday_from


def today():
    return timezone.localdate()


def yellow_days():
    return settings.MINQING["YELLOW_DAYS"]


def cutoffs(day=None):
    """(red_before, green_from): a deadline before ``red_before`` is red, one on or
    after ``green_from`` is green, anything between is yellow."""
    day = day or today()
    green_from = nth_workday_from(day, yellow_days() + 1)
    return day, green_from


def alert_level(deadline, day=None):
    if deadline is None:
        return "green"
    red_before, green_from = cutoffs(day)
    if deadline < red_before:
        return "red"
    if deadline < green_from:
        return "yellow"
    return "green"


def as_date(value):
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date()
    return value
