"""Working days on the official calendar: the Spring Festival and National Day
weeks of 2025 and 2026 with their adjusted working weekends, add_workdays
across them, alert levels at the boundaries, CalendarDay overrides and the
weekday fallback for years the package does not cover."""

import datetime as dt

import pytest

from minqing.regions import workdays
from minqing.regions.workdays import add_workdays, is_workday, workdays_between, workdays_left
from minqing.supervision import deadlines
from minqing.supervision.alerts import alert_level

D = dt.date.fromisoformat
pytestmark = pytest.mark.django_db  # CalendarDay overrides live in the database


@pytest.fixture(autouse=True)
def _fresh_calendar_cache():
    workdays.clear_cache()
    yield
    workdays.clear_cache()


def _days(first, last):
    d = D(first)
    while d <= D(last):
        yield d
        d += dt.timedelta(days=1)


HOLIDAY_WEEKS = [
    # (first day off, last day off, working weekend days)
    ("2025-01-28", "2025-02-04", ["2025-01-26", "2025-02-08"]),  # 春节 2025
    ("2025-10-01", "2025-10-08", ["2025-09-28", "2025-10-11"]),  # 国庆中秋 2025
    ("2026-02-15", "2026-02-23", ["2026-02-14", "2026-02-28"]),  # 春节 2026
    ("2026-10-01", "2026-10-07", ["2026-09-20", "2026-10-10"]),  # 国庆 2026
]


@pytest.mark.parametrize("first,last,worked", HOLIDAY_WEEKS, ids=[h[0] for h in HOLIDAY_WEEKS])
def test_holiday_weeks_and_adjusted_weekends(first, last, worked):
    for day in _days(first, last):
        assert not is_workday(day), day
    for day in worked:
        assert D(day).weekday() >= 5, "an adjusted working day falls on a weekend"
        assert is_workday(D(day)), day
    # the day after the holiday is a working day again
    assert is_workday(D(last) + dt.timedelta(days=1))


ADD = [
    ("2025-01-24", 1, "2025-01-26"),  # Fri -> the worked Sunday
    ("2025-01-26", 1, "2025-01-27"),
    ("2025-01-27", 1, "2025-02-05"),  # over the whole Spring Festival week
    ("2025-01-24", 3, "2025-02-05"),
    ("2025-02-07", 1, "2025-02-08"),  # the worked Saturday
    ("2025-02-07", 2, "2025-02-10"),
    ("2025-09-26", 1, "2025-09-28"),  # Sat 27th is off, Sun 28th worked
    ("2025-09-30", 1, "2025-10-09"),  # over National Day
    ("2025-09-30", 3, "2025-10-11"),  # 9th, 10th, the worked Saturday 11th
    ("2026-02-13", 1, "2026-02-14"),
    ("2026-02-14", 1, "2026-02-24"),
    ("2026-02-13", 5, "2026-02-27"),  # 14th, 24th, 25th, 26th, 27th
    ("2026-09-18", 1, "2026-09-20"),
    ("2026-09-30", 1, "2026-10-08"),
    ("2026-10-09", 1, "2026-10-10"),
    ("2026-10-09", 0, "2026-10-09"),
    ("2026-11-20", 5, "2026-11-27"),  # an ordinary week
]


@pytest.mark.parametrize("start,n,expected", ADD, ids=[f"{s}+{n}" for s, n, _ in ADD])
def test_add_workdays(start, n, expected):
    assert add_workdays(D(start), n) == D(expected)
    if n:
        assert workdays_between(D(start), D(expected)) == n


def test_add_workdays_refuses_negative():
    with pytest.raises(ValueError):
        add_workdays(D("2025-01-01"), -1)


def test_workdays_left_counts_today_when_it_is_one():
    assert workdays_left(D("2025-09-30"), D("2025-10-09")) == 2  # 30th and 9th
    assert workdays_left(D("2025-10-03"), D("2025-10-09")) == 1  # only the 9th
    assert workdays_left(D("2025-10-10"), D("2025-10-09")) == -1


# today, deadline, level (yellow = within the last working day)
ALERTS = [
    ("2025-11-12", "2025-11-11", "red"),     # yesterday: overdue
    ("2025-11-12", "2025-11-12", "yellow"),  # due today: last working day
    ("2025-11-12", "2025-11-13", "green"),   # two working days left
    ("2025-11-14", "2025-11-15", "yellow"),  # Fri; due on Saturday, before Monday
    ("2025-11-14", "2025-11-17", "green"),   # due Monday: Fri and Mon left
    ("2025-09-30", "2025-10-08", "yellow"),  # the holiday week does not count
    ("2025-09-30", "2025-10-09", "green"),
    ("2025-10-03", "2025-10-02", "red"),
    ("2025-10-03", "2025-10-09", "yellow"),  # on a holiday: the 9th is the next working day
    ("2025-10-03", "2025-10-10", "green"),
    ("2026-02-14", "2026-02-23", "yellow"),  # the worked Saturday before Spring Festival 2026
    ("2026-02-14", "2026-02-24", "green"),
]


@pytest.mark.parametrize("today,deadline,level", ALERTS, ids=[f"{t}-due-{d}" for t, d, _ in ALERTS])
def test_alert_levels_at_the_boundaries(today, deadline, level):
    assert alert_level(D(deadline), D(today)) == level


def test_no_deadline_is_green():
    assert alert_level(None, D("2025-01-01")) == "green"


def test_yellow_window_is_configurable(settings):
    settings.MINQING = {**settings.MINQING, "YELLOW_DAYS": 3}
    assert alert_level(D("2025-11-14"), D("2025-11-12")) == "yellow"  # Wed: Wed, Thu, Fri left
    assert alert_level(D("2025-11-17"), D("2025-11-12")) == "green"


def test_default_deadlines_by_mode_and_category(db):
    from minqing.cases.models import Category

    start = D("2025-09-30")
    assert deadlines.default_deadline(start, "immediate") == D("2025-10-11")  # 3 working days
    assert deadlines.default_deadline(start, "joint") == add_workdays(start, 10)
    assert deadlines.response_deadline(start) == D("2025-10-09")
    cat = Category.objects.get(code="water_supply")
    cat.deadline_days = 1
    assert deadlines.default_deadline(start, "joint", cat) == D("2025-10-09")


def test_calendar_day_overrides_the_official_calendar(db):
    from minqing.regions.models import CalendarDay

    CalendarDay.objects.create(date=D("2025-11-12"), is_workday=False, note="本地停工")
    CalendarDay.objects.create(date=D("2025-11-15"), is_workday=True, note="补班")
    workdays.clear_cache()
    assert not is_workday(D("2025-11-12"))
    assert is_workday(D("2025-11-15"))
    assert add_workdays(D("2025-11-11"), 1) == D("2025-11-13")
    assert add_workdays(D("2025-11-14"), 1) == D("2025-11-15")


def test_calendar_day_changes_apply_without_a_restart(db):
    from minqing.regions.models import CalendarDay

    assert is_workday(D("2025-11-12"))
    day = CalendarDay.objects.create(date=D("2025-11-12"), is_workday=False)
    assert not is_workday(D("2025-11-12"))
    day.delete()
    assert is_workday(D("2025-11-12"))


def test_years_the_package_does_not_cover_fall_back_to_weekdays(db):
    from minqing.regions.models import CalendarDay

    # 2030: no official data in the package; plain Monday to Friday
    assert is_workday(D("2030-01-01"))  # a Tuesday
    assert not is_workday(D("2030-01-05"))  # a Saturday
    assert add_workdays(D("2030-01-04"), 1) == D("2030-01-07")
    # a deployment fills the year in by hand
    CalendarDay.objects.create(date=D("2030-01-01"), is_workday=False, note="元旦")
    workdays.clear_cache()
    assert not is_workday(D("2030-01-01"))
    assert add_workdays(D("2029-12-31"), 1) == D("2030-01-02")
