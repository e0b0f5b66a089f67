"""The deadline sweep (`minqing sweep`) over 1,000,000 open cases.

Fixture: 1,000,000 open cases (assigned / in progress / reopened) registered over the
last 60 days, so their deadlines fall on both sides of today. Two runs:

- daily: the alerts as yesterday's sweep raised them; today's sweep raises red on the cases
  whose deadline passed yesterday (one overdue event each), and yellow on the new yellows;
- cold: no alert raised yet (a first sweep, or after a long outage); every overdue case
  turns red with its event.

The sweep claims each (case, deadline, level) with one narrow row (``AlertMark``) and
rewrites no case row. Baseline, same run: what the sweep did before, one bare UPDATE
setting the same alert levels on the same case rows, without events or notifications.
Target: < 30 s.

    .venv/bin/python bench/sweep_1m.py [--db sqlite|postgres] [--n 1000000]
"""

import datetime as dt
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402

DB = common.arg_db()
N = common.arg_int("n", 1_000_000)
common.setup_django(DB, "sweep", fresh=False)

import fixture  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from minqing.cases.models import Case, Event  # noqa: E402
from minqing.people.models import Notification  # noqa: E402
from minqing.supervision.alerts import cutoffs, today  # noqa: E402
from minqing.supervision.sweep import sweep  # noqa: E402

OPEN = "('assigned', 'in_progress', 'reopened')"
LEVEL = "(CASE WHEN deadline < %s THEN 'red' WHEN deadline < %s THEN 'yellow' ELSE 'green' END)"


def ensure_fixture():
    if Case.objects.count() == N:
        print(f"fixture: {N} open cases already in the {DB} bench database")
        return
    print(f"fixture: generating {N} open cases into the {DB} bench database …", flush=True)
    common.reset_database(DB, "sweep")
    fixture.load(N, fixture.OPEN_MIX, log=lambda m: print(m, flush=True), window_days=60)
    # supervisors and handlers to notify
    from django.contrib.auth import get_user_model

    from minqing.people.models import Membership
    from minqing.regions.models import Department, Region

    User = get_user_model()
    for r in Region.objects.filter(level__in=["city", "county"]):
        u = User.objects.create(username=f"sup_{r.code}")
        Membership.objects.create(user=u, role="supervisor", region=r)
    for d in Department.objects.all():
        u = User.objects.create(username=f"h_{d.code}")
        Membership.objects.create(user=u, role="handler", department=d)


def set_levels(day):
    """The alerts raised (and, for the baseline, every open case's stored level) as a sweep on
    ``day`` leaves them (None: none raised, all green)."""
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM supervision_alertmark")
        if day is None:
            cur.execute(f"UPDATE cases_case SET alert_level = 'green' WHERE state IN {OPEN} AND alert_level <> 'green'")
        else:
            red_before, green_from = cutoffs(day)
            cur.execute(
                f"UPDATE cases_case SET alert_level = {LEVEL} WHERE state IN {OPEN} AND deadline IS NOT NULL "
                f"AND alert_level <> {LEVEL}",
                [red_before, green_from, red_before, green_from],
            )
            cur.execute(
                "INSERT INTO supervision_alertmark (case_id, deadline, level, at) "
                f"SELECT id, deadline, alert_level, updated_at FROM cases_case WHERE state IN {OPEN} "
                "AND deadline IS NOT NULL AND alert_level IN ('red', 'yellow')"
            )
        cur.execute("DELETE FROM cases_event WHERE action = 'overdue'")
        cur.execute("DELETE FROM people_notification WHERE kind = 'overdue'")


def bare_update(day):
    """The baseline: one UPDATE giving the same rows (the open cases whose level changes) their new level."""
    red_before, green_from = cutoffs(day)
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            f"UPDATE cases_case SET alert_level = {LEVEL} WHERE state IN {OPEN} AND deadline IS NOT NULL "
            f"AND alert_level <> {LEVEL}",
            [red_before, green_from, red_before, green_from],
        )
        return cur.rowcount


def main():
    ensure_fixture()
    day = today()
    yesterday = day - dt.timedelta(days=1)
    rows = []
    for label, start in (("daily", yesterday), ("cold", None)):
        set_levels(start)
        t = time.perf_counter()
        n = bare_update(day)
        base = time.perf_counter() - t
        set_levels(start)
        t = time.perf_counter()
        result = sweep(day)
        took = time.perf_counter() - t
        events = Event.objects.filter(action="overdue").count()
        assert events == result["red"], (events, result)
        from minqing.supervision.models import AlertMark

        overdue = Case.objects.filter(state__in=["assigned", "in_progress", "reopened"], deadline__lt=day)
        assert overdue.count() == AlertMark.objects.filter(level="red").count()
        print(f"  {label}: sweep {took:.2f} s {result}; bare UPDATE of the {n} changed rows {base:.2f} s; "
              f"{Notification.objects.filter(kind='overdue').count()} notifications", flush=True)
        rows.append(common.row("sweep", DB, f"sweep, {label} ({result['red']:,} newly red)", took, "s", base,
                               "bare UPDATE (the old sweep's core)", target=30, higher_is_better=False,
                               note=f"{Case.objects.count():,} open cases, {n:,} change level; {result}"))
    common.save(f"sweep-{DB}", rows)


if __name__ == "__main__":
    main()
