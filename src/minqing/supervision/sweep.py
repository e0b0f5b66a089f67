"""The deadline sweep: raise alert levels, record overdue events, notify.

Runs from ``minqing sweep`` and on a schedule in ``minqing worker``. It changes
no case row at all (so it never races a person's transition, and a cold sweep over a
million open cases rewrites no wide row): an open case's colour is computed from its
deadline wherever it is shown (``alerts.alert_q``). The sweep raises alerts: it appends one ``overdue`` event per case the day it turns red, gives
each handler of the lead department one ``red`` (or ``yellow``) notice per case
that turned red (or yellow), linked to the case, and leaves each covering
supervisor one ``overdue`` notice with the count of their newly red cases.

Two sweeps at once (two workers, or ``minqing sweep`` beside the worker) write
each overdue event and notice once: the claims come first, one narrow row per
(case, deadline, level) in ``AlertMark``, as ``INSERT … SELECT … ON CONFLICT DO
NOTHING RETURNING case_id`` — each case goes to the one sweep whose INSERT wrote its
row, and only that sweep writes its event and notices (once per (case, deadline): a
moved deadline is a new key).

The work stays in the database however many cases are open: the overdue
events are one INSERT … SELECT per 10,000 newly red cases, the per-case notices
two more (cases joined with their departments' handlers), the supervisors'
counts a GROUP BY, the claims two INSERTs — only the ids of the newly raised
cases come into Python. The sweep sends no e-mail or SMS.
"""

import logging
from collections import Counter

from django.db import connection, transaction
from django.db.models import CharField, Count, DateTimeField, F, Value
from django.db.models.functions import Cast, Concat, JSONObject
from django.utils import timezone

from minqing.cases.models import OPEN_STATES, Case, Event
from minqing.people.models import Membership, Notification, Role

from .alerts import cutoffs, today
from .models import AlertMark

log = logging.getLogger(__name__)


def sweep(day=None):
    day = day or today()
    red_before, green_from = cutoffs(day)
    now = timezone.now()
    open_cases = Case.objects.filter(state__in=OPEN_STATES, deadline__isnull=False).order_by()
    result = {"date": day.isoformat(), "red": 0, "yellow": 0, "notified": 0, "notices": 0}

    with transaction.atomic():
        # Claim first: one INSERT … ON CONFLICT DO NOTHING RETURNING per level, so of two
        # sweeps at once only one gets each (case, deadline) (the other's INSERT waits for the
        # key and then skips it); events and notices go to the claimed cases only.
        red_ids = _claim(open_cases.filter(deadline__lt=red_before), "red")
        by_path = Counter()
        for newly_red in _chunks(red_ids):
            by_path.update(dict(newly_red.values_list("region_path").annotate(n=Count("id"))))
            result["red"] += _record_overdue(newly_red, now)
            result["notices"] += _notify_cases(newly_red, "red", now)
        yellow_ids = _claim(open_cases.filter(deadline__gte=red_before, deadline__lt=green_from), "yellow")
        for newly_yellow in _chunks(yellow_ids):
            result["notices"] += _notify_cases(newly_yellow, "yellow", now)
        result["yellow"] = len(yellow_ids)
        result["notified"] = _notify(by_path, now)
    log.info("sweep %s", result)
    return result


def _chunks(ids, size=10_000):
    for i in range(0, len(ids), size):
        yield Case.objects.filter(pk__in=ids[i:i + size]).order_by()


def _claim(cases, level):
    """Raise ``level`` for those of ``cases`` not raised yet against their current deadline;
    returns the ids this call raised (one ``INSERT INTO AlertMark … SELECT … ON CONFLICT DO
    NOTHING RETURNING case_id``)."""
    now = timezone.now()
    rows = cases.annotate(_level=Value(level), _at=Value(now, output_field=DateTimeField())).values_list(
        "id", "deadline", "_level", "_at")
    sql, params = rows.query.sql_with_params()
    qn = connection.ops.quote_name
    columns = ", ".join(qn(c) for c in ("case_id", "deadline", "level", "at"))
    with connection.cursor() as cur:
        # (the SELECT always has a WHERE, which SQLite needs before an upsert's ON CONFLICT)
        cur.execute(
            f"INSERT INTO {qn(AlertMark._meta.db_table)} ({columns}) {sql} "
            f"ON CONFLICT DO NOTHING RETURNING {qn('case_id')}",
            params,
        )
        return [row[0] for row in cur.fetchall()]


def _record_overdue(cases, now):
    """One ``overdue`` event per case (note "超期（时限 YYYY-MM-DD）", data {"deadline": …}), in one statement."""
    deadline = Cast("deadline", CharField())
    rows = cases.annotate(
        _action=Value("overdue"),
        _to=F("state"),
        _label=Value("system"),
        _at=Value(now, output_field=DateTimeField()),
        _note=Concat(Value("超期（时限 "), deadline, Value("）"), output_field=CharField()),
        _data=JSONObject(deadline=deadline),
        _public=Value(False),
    ).values_list("id", "_action", "state", "_to", "_label", "_at", "_note", "_data", "_public")
    sql, params = rows.query.sql_with_params()
    columns = ["case_id", "action", "from_state", "to_state", "actor_label", "at", "note", "data", "public"]
    qn = connection.ops.quote_name
    with connection.cursor() as cur:
        cur.execute(f"INSERT INTO {qn(Event._meta.db_table)} ({', '.join(qn(c) for c in columns)}) {sql}", params)
        return cur.rowcount


# the notices' stored (Chinese) text; pages render it from kind and data in the reader's language
NOTICE_TEXT = {"red": ("红色预警：案件 ", " 已超期（时限 ", "）"), "yellow": ("黄色预警：案件 ", " 将于 ", " 到期")}


def _notify_cases(cases, kind, now):
    """One ``kind`` notice per case and handler of its lead department, in one INSERT … SELECT."""
    deadline = Cast("deadline", CharField())
    a, b, c = NOTICE_TEXT[kind]
    rows = cases.filter(lead_department__membership__role=Role.HANDLER).annotate(
        _user=F("lead_department__membership__user_id"),
        _kind=Value(kind),
        _message=Concat(Value(a), F("tracking_code"), Value(b), deadline, Value(c), output_field=CharField()),
        _at=Value(now, output_field=DateTimeField()),
        _data=JSONObject(code=F("tracking_code"), due=deadline),
    ).values_list("_user", "id", "_kind", "_message", "_at", "_data")
    sql, params = rows.query.sql_with_params()
    columns = ["user_id", "case_id", "kind", "message", "created_at", "data"]
    qn = connection.ops.quote_name
    with connection.cursor() as cur:
        cur.execute(f"INSERT INTO {qn(Notification._meta.db_table)} ({', '.join(qn(c) for c in columns)}) {sql}",
                    params)
        return cur.rowcount


def _notify(by_path, now):
    """The supervisors' count of newly red cases under their regions (handlers get one notice per case)."""
    if not by_path:
        return 0
    per_user = Counter()
    for user_id, region_path in Membership.objects.filter(role=Role.SUPERVISOR).values_list("user_id", "region__path"):
        n = sum(c for p, c in by_path.items() if region_path is None or p.startswith(region_path))
        if n:
            per_user[user_id] += n
    Notification.objects.bulk_create(
        [
            Notification(user_id=u, kind="overdue", message=f"{n} 件案件超期，已亮红灯", data={"n": n},
                         created_at=now)
            for u, n in per_user.items()
        ]
    )
    return len(per_user)


def run():
    return sweep()
