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


def alert_q(level, day=None):
    """Open cases whose alert colour today is ``level``, from their deadline (as the sweep
    computes it, so lists need not wait for a sweep)."""
    from django.db.models import Q

    from minqing.cases.models import OPEN_STATES

    red_before, green_from = cutoffs(day)
    open_q = Q(state__in=OPEN_STATES)
    if level == "red":
        return open_q & Q(deadline__lt=red_before)
    if level == "yellow":
        return open_q & Q(deadline__gte=red_before, deadline__lt=green_from)
    if level == "green":
        return open_q & (Q(deadline__gte=green_from) | Q(deadline__isnull=True))
    return Q()


def shown_level_q(level, day=None):
    """Cases whose alert level as the API and exports show it is ``level``: the live one
    for an open case, the one it had when it left the open states otherwise."""
    from django.db.models import Q

    from minqing.cases.models import OPEN_STATES

    return alert_q(level, day) | (~Q(state__in=OPEN_STATES) & Q(alert_level=level))


def as_date(value):
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date()
    return value
