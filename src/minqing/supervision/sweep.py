"""The deadline sweep: raise alert levels, record overdue events, notify.

Runs from ``minqing sweep`` and on a schedule in ``minqing worker``. It changes
no case state (so it never races a person's transition); it moves alert
levels, appends one ``overdue`` event per case the day it turns red, and
leaves one in-app notification per lead-department handler and per covering
supervisor with the count of their newly red cases.
"""

import logging
from collections import Counter

from django.db import transaction
from django.utils import timezone

from minqing.cases.models import OPEN_STATES, Case, Event
from minqing.people.models import Membership, Notification, Role

from .alerts import cutoffs, today

log = logging.getLogger(__name__)
CHUNK = 5000


def _chunks(seq, size=CHUNK):
    for i in range(0, len(seq), size):
        yield seq[i : i + size]


def sweep(day=None):
    day = day or today()
    red_before, green_from = cutoffs(day)
    now = timezone.now()
    open_cases = Case.objects.filter(state__in=OPEN_STATES, deadline__isnull=False)
    result = {"date": day.isoformat(), "red": 0, "yellow": 0, "green": 0, "notified": 0}

    with transaction.atomic():
        newly_red = list(
            open_cases.filter(deadline__lt=red_before)
            .exclude(alert_level="red")
            .values_list("id", "state", "lead_department_id", "region_path", "deadline")
        )
        for chunk in _chunks(newly_red):
            ids = [r[0] for r in chunk]
            Case.objects.filter(id__in=ids).update(alert_level="red")
            Event.objects.bulk_create(
                [
                    Event(
                        case_id=cid, action="overdue", from_state=state, to_state=state, actor_label="system",
                        at=now, note=f"超期（时限 {deadline}）", data={"deadline": deadline.isoformat()}, public=False,
                    )
                    for cid, state, _dept, _path, deadline in chunk
                ],
                batch_size=CHUNK,
            )
        result["red"] = len(newly_red)
        result["yellow"] = (
            open_cases.filter(deadline__gte=red_before, deadline__lt=green_from)
            .exclude(alert_level="yellow")
            .update(alert_level="yellow")
        )
        result["green"] = open_cases.filter(deadline__gte=green_from).exclude(alert_level="green").update(
            alert_level="green"
        )
        result["notified"] = _notify(newly_red, now)
    log.info("sweep %s", result)
    return result


def _notify(newly_red, now):
    if not newly_red:
        return 0
    by_dept = Counter(r[2] for r in newly_red if r[2])
    by_path = Counter(r[3] for r in newly_red)
    per_user = Counter()
    for user_id, dept_id in Membership.objects.filter(role=Role.HANDLER, department_id__in=by_dept).values_list(
        "user_id", "department_id"
    ):
        per_user[user_id] += by_dept[dept_id]
    for user_id, region_path in Membership.objects.filter(role=Role.SUPERVISOR).values_list("user_id", "region__path"):
        n = sum(c for p, c in by_path.items() if region_path is None or p.startswith(region_path))
        if n:
            per_user[user_id] += n
    Notification.objects.bulk_create(
        [
            Notification(user_id=u, kind="overdue", message=f"{n} 件案件超期，已亮红灯 / {n} cases are now overdue (red)",
                         created_at=now)
            for u, n in per_user.items()
        ]
    )
    return len(per_user)


def run():
    return sweep()
