"""The 五个一 cadence's periods: week (Monday–Sunday), month, quarter, year.

``window(period, day)`` is the period containing ``day``; ``previous`` the one before it
(环比); ``year_ago`` the same period a year earlier (同比: the same months, or for a
week the week 52 weeks earlier, which keeps Monday–Sunday)."""

import calendar
import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

PERIODS = ("week", "month", "quarter", "year")
QUARTER_NAMES = {1: "一", 2: "二", 3: "三", 4: "四"}


class PeriodError(ValueError):
    pass


@dataclass(frozen=True)
class Window:
    period: str
    start: dt.date
    end: dt.date

    @property
    def label(self):
        s = self.start
        if self.period == "week":
            iso = s.isocalendar()
            return _("%(y)d年第%(w)d周（%(a)s—%(b)s）") % {
                "y": iso[0], "w": iso[1], "a": s.strftime("%m.%d"), "b": self.end.strftime("%m.%d")}
        if self.period == "month":
            return _("%(y)d年%(m)d月") % {"y": s.year, "m": s.month}
        if self.period == "quarter":
            q = (s.month - 1) // 3 + 1
            return _("%(y)d年第%(q)s季度") % {"y": s.year, "q": QUARTER_NAMES[q], "n": q}
        return _("%(y)d年") % {"y": s.year}

    @property
    def slug(self):
        return f"{self.period}-{self.start.isoformat()}"


def _months(start_month, months, year):
    end_month = start_month + months - 1
    return dt.date(year, start_month, 1), dt.date(year, end_month, calendar.monthrange(year, end_month)[1])


def window(period, day):
    """The period of kind ``period`` that contains ``day``."""
    if period not in PERIODS:
        raise PeriodError(f"period must be one of {', '.join(PERIODS)}")
    if period == "week":
        start = day - dt.timedelta(days=day.weekday())
        return Window(period, start, start + dt.timedelta(days=6))
    if period == "month":
        return Window(period, *_months(day.month, 1, day.year))
    if period == "quarter":
        return Window(period, *_months(3 * ((day.month - 1) // 3) + 1, 3, day.year))
    return Window(period, *_months(1, 12, day.year))


def previous(w):
    """环比: the period just before ``w``."""
    return window(w.period, w.start - dt.timedelta(days=1))


def year_ago(w):
    """同比: the same period a year earlier."""
    if w.period == "week":
        return window("week", w.start - dt.timedelta(weeks=52))
    return window(w.period, w.start.replace(year=w.start.year - 1))


def last_ended(period, today):
    """The latest period of this kind that has ended by ``today`` (its end is before today)."""
    return previous(window(period, today))
