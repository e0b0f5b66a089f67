"""The backlog's list and figures (积案, 包案, 息访协议), over cases in a region.

- backlog: cases not finished (not closed, merged or invalid) that a leader owns or that
  have been open for at least ``backlog_days()`` (``MINQING_BACKLOG_DAYS``, default 30);
  petitions (信访: channels petition, letter, reception) first, then the oldest.
- backlog_resolved: closed cases that a leader owned or that were closed at least
  ``backlog_days()`` after registration; resolution_rate = resolved / (resolved + open).
- agreements_signed: 息访协议 recorded on cases of the region (signed in the window).
"""

import datetime as dt

from django.conf import settings
from django.db.models import Case as When_
from django.db.models import Count, F, IntegerField, Q, Value, When
from django.utils import timezone

from minqing.cases.models import Case, Channel, Event, State

from .models import Agreement

PETITION_CHANNELS = (Channel.PETITION, Channel.LETTER, Channel.RECEPTION)
FINISHED = (State.CLOSED, State.MERGED, State.INVALID)


def backlog_days():
    return int(getattr(settings, "MINQING_BACKLOG_DAYS", 30))


def backlog_q(now=None):
    now = now or timezone.now()
    old = now - dt.timedelta(days=backlog_days())
    return ~Q(state__in=FINISHED) & (Q(leader__isnull=False) | Q(registered_at__lte=old))


def backlog_cases(qs, *, owned=None, now=None):
    """The backlog of a case queryset (already scoped), petitions first, then the oldest."""
    qs = qs.filter(backlog_q(now))
    if owned is True:
        qs = qs.filter(leader__isnull=False)
    elif owned is False:
        qs = qs.filter(leader__isnull=True)
    petition = When_(When(channel__in=PETITION_CHANNELS, then=Value(0)), default=Value(1), output_field=IntegerField())
    return qs.annotate(petition_first=petition, n_meetings=Count("meetings", distinct=True),
                       n_agreements=Count("agreements", distinct=True)).order_by(
        "petition_first", "registered_at", "id")


def owned_since(case_ids):
    """{case id: when its current owner took it} from the latest ``own`` events."""
    out = {}
    for case_id, at in Event.objects.filter(case_id__in=case_ids, action="own").order_by("at", "id").values_list(
            "case_id", "at"):
        out[case_id] = at
    return out


def _region_q(region, field="region_path"):
    return Q() if region is None else Q(**{f"{field}__startswith": region.path})


def compute(region=None, date_from=None, date_to=None, now=None):
    """The backlog's figures for a region (None: everything)."""
    now = now or timezone.now()
    cases = Case.objects.filter(_region_q(region)).exclude(state__in=(State.MERGED, State.INVALID))
    late = dt.timedelta(days=backlog_days())
    resolved_q = Q(state=State.CLOSED) & (Q(leader__isnull=False) | Q(closed_at__gte=F("registered_at") + late))
    if date_from:
        resolved_q &= Q(closed_at__date__gte=date_from)
    if date_to:
        resolved_q &= Q(closed_at__date__lte=date_to)
    c = cases.aggregate(
        backlog_open=Count("pk", filter=backlog_q(now)),
        owned_open=Count("pk", filter=backlog_q(now) & Q(leader__isnull=False)),
        petitions_open=Count("pk", filter=backlog_q(now) & Q(channel__in=PETITION_CHANNELS)),
        backlog_resolved=Count("pk", filter=resolved_q),
    )
    agreements = Agreement.objects.filter(_region_q(region))
    if date_from:
        agreements = agreements.filter(signed_on__gte=date_from)
    if date_to:
        agreements = agreements.filter(signed_on__lte=date_to)
    c["agreements_signed"] = agreements.count()
    done = c["backlog_resolved"] + c["backlog_open"]
    c["resolution_rate"] = round(c["backlog_resolved"] / done, 4) if done else None
    c["backlog_days"] = backlog_days()
    return c
