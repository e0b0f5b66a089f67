"""Working days (工作日) on the official Chinese calendar.

The official holidays and adjusted working weekends come from the maintained
``chinese-calendar`` package; a deployment can override single dates in the
``CalendarDay`` table (e.g. for a year the package does not cover yet, in
which case plain weekends are used until the year is published).
"""

import datetime as dt
import logging
import time
from functools import lru_cache

import chinese_calendar

log = logging.getLogger(__name__)
# Overrides are read once and kept; a save in this process clears them at once
# (signal in apps.py), other processes (server workers) re-read them after this
# many seconds.
OVERRIDES_TTL = 300
_overrides_cache = {"loaded": False, "data": {}, "at": 0.0}


def _overrides():
    if _overrides_cache["loaded"] and time.monotonic() - _overrides_cache["at"] > OVERRIDES_TTL:
        _overrides_cache["loaded"] = False
    if not _overrides_cache["loaded"]:
        from django.db import DatabaseError

        from .models import CalendarDay

        try:
            _overrides_cache["data"] = dict(CalendarDay.objects.values_list("date", "is_workday"))
        except DatabaseError:  # table not migrated yet
            _overrides_cache["data"] = {}
        _overrides_cache["loaded"] = True
        _overrides_cache["at"] = time.monotonic()
    return _overrides_cache["data"]


def clear_cache():
    _overrides_cache["loaded"] = False
    _official_workday.cache_clear()


@lru_cache(maxsize=8192)
def _official_workday(day):
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        log.warning("no official calendar for %s; counting weekdays only", day.year)
        return day.weekday() < 5


def is_workday(day):
    if isinstance(day, dt.datetime):
        day = day.date()
    override = _overrides().get(day)
    if override is not None:
        return override
    return _official_workday(day)


def add_workdays(start, n):
    """The date ``n`` working days after ``start`` (start itself not counted)."""
    if isinstance(start, dt.datetime):
        start = start.date()
    if n < 0:
        raise ValueError("n must be >= 0")
    day = start
    while n > 0:
        day += dt.timedelta(days=1)
        if is_workday(day):
            n -= 1
    return day


def workdays_between(start, end):
    """Working days in (start, end]; negative if end is before start."""
    if end < start:
        return -workdays_between(end, start)
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        if is_workday(day):
            count += 1
    return count


def workdays_left(today, deadline):
    """Working days left until the deadline, today included if it is one."""
    if deadline < today:
        return -workdays_between(deadline, today)
    return workdays_between(today, deadline) + (1 if is_workday(today) else 0)


def nth_workday_from(today, n):
    """The n-th working day counting from today (today is the 1st if it is one)."""
    day = today if is_workday(today) else add_workdays(today, 1)
    return add_workdays(day, n - 1) if n > 1 else day
