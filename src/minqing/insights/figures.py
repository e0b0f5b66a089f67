"""Every figure of DOMAIN.md, computed in one place.

Over a set of cases chosen by region, department, channel, category and a
registration-date window; merged and invalid cases are left out of every
denominator. Dashboards, reports, the CLI and the API read from here.

Definitions (the counts behind each rate are returned with it):

- intake              cases registered
- response_rate       accepted_on_time / assigned (cases ever assigned; the first
                      acceptance counts, on or before the response deadline)
- completion_rate     handled / intake, where handled = now handled or closed
- on_time_rate        handled_on_time / handled (handled on or before the deadline)
- resolution_rate     resolved / intake (closed, disposition solved, satisfied visit)
- satisfaction_rate   satisfied_visits / rated_visits (满意 or 基本满意 among
                      return visits with a rating); mean_score over scored visits
- reopen_rate         reopened / ever_handled (reopened at least once among cases
                      handled at least once)

A case reopened and back in progress is not "handled" for completion; it is
"ever handled" for the reopen rate, so the reopen numerator is always a part
of its denominator.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Avg, Count, Q
from django.utils import timezone

from minqing.cases.models import (
    EXCLUDED_STATES,
    OPEN_STATES,
    SATISFIED_RATINGS,
    Case,
    Category,
    ReturnVisit,
    State,
)
from minqing.regions.models import Department, Region

DONE_STATES = (State.HANDLED, State.CLOSED)


class FigureError(ValueError):
    def __init__(self, message, field):
        super().__init__(message)
        self.field = field


@dataclass
class Scope:
    region: Region | None = None
    department: Department | None = None
    channel: str | None = None
    category: Category | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def case_filter(self, prefix=""):
        p = prefix
        q = ~Q(**{f"{p}state__in": EXCLUDED_STATES})
        if self.region is not None:
            q &= Q(**{f"{p}region_path__startswith": self.region.path})
        if self.department is not None:
            q &= Q(**{f"{p}lead_department_id": self.department.pk})
        if self.channel:
            q &= Q(**{f"{p}channel": self.channel})
        if self.category is not None:
            codes = category_subtree(self.category)
            q &= Q(**{f"{p}category_id__in": codes})
        tz = timezone.get_current_timezone()
        if self.date_from:
            start = dt.datetime.combine(self.date_from, dt.time.min, tzinfo=tz)
            q &= Q(**{f"{p}registered_at__gte": start})
        if self.date_to:
            end = dt.datetime.combine(self.date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
            q &= Q(**{f"{p}registered_at__lt": end})
        return q

    def as_dict(self):
        return {
            "region": self.region.code if self.region else None,
            "department": self.department.code if self.department else None,
            "channel": self.channel,
            "category": self.category.code if self.category else None,
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
        }


def category_subtree(category):
    ids, frontier = [category.pk], [category.pk]
    while frontier:
        frontier = list(Category.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        ids += frontier
    return ids


def _parse_date(value, field):
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise FigureError(f"{field} must be a date YYYY-MM-DD", field) from None


def make_scope(region=None, department=None, channel=None, category=None, date_from=None, date_to=None):
    """Build a Scope from codes (as given on the command line or in a query string)."""
    from minqing.cases.models import Channel

    s = Scope()
    if region:
        s.region = region if isinstance(region, Region) else Region.objects.filter(code=region).first()
        if s.region is None:
            raise FigureError(f"unknown region: {region}", "region")
    if department:
        s.department = (
            department if isinstance(department, Department) else Department.objects.filter(code=department).first()
        )
        if s.department is None:
            raise FigureError(f"unknown department: {department}", "department")
    if channel:
        if channel not in Channel.values:
            raise FigureError(f"unknown channel: {channel}", "channel")
        s.channel = channel
    if category:
        s.category = category if isinstance(category, Category) else Category.objects.filter(code=category).first()
        if s.category is None:
            raise FigureError(f"unknown category: {category}", "category")
    s.date_from = _parse_date(date_from, "from")
    s.date_to = _parse_date(date_to, "to")
    if s.date_from and s.date_to and s.date_from > s.date_to:
        raise FigureError("from is after to", "from")
    return s


def _rate(num, den):
    return round(num / den, 4) if den else None


CASE_COUNTS = {
    "intake": Count("id"),
    "assigned": Count("id", filter=Q(assigned_at__isnull=False)),
    "accepted_on_time": Count("id", filter=Q(accepted_on_time=True)),
    "handled": Count("id", filter=Q(state__in=DONE_STATES)),
    "handled_on_time": Count("id", filter=Q(state__in=DONE_STATES, handled_on_time=True)),
    "resolved": Count("id", filter=Q(state=State.CLOSED, resolved=True)),
    "closed": Count("id", filter=Q(state=State.CLOSED)),
    "ever_handled": Count("id", filter=Q(ever_handled=True)),
    "reopened": Count("id", filter=Q(reopen_count__gt=0)),
    "open": Count("id", filter=Q(state__in=OPEN_STATES)),
    "red": Count("id", filter=Q(state__in=OPEN_STATES, alert_level="red")),
    "yellow": Count("id", filter=Q(state__in=OPEN_STATES, alert_level="yellow")),
}

VISIT_COUNTS = {
    "rated_visits": Count("id", filter=~Q(rating="")),
    "satisfied_visits": Count("id", filter=Q(rating__in=SATISFIED_RATINGS)),
    "scored_visits": Count("id", filter=Q(score__isnull=False)),
    "mean_score": Avg("score"),
}


def rates(c):
    """The rates from the counts (a dict with the keys of CASE_COUNTS and VISIT_COUNTS)."""
    mean = c.get("mean_score")
    return {
        "intake": c["intake"],
        "response_rate": _rate(c["accepted_on_time"], c["assigned"]),
        "completion_rate": _rate(c["handled"], c["intake"]),
        "on_time_rate": _rate(c["handled_on_time"], c["handled"]),
        "resolution_rate": _rate(c["resolved"], c["intake"]),
        "satisfaction_rate": _rate(c["satisfied_visits"], c["rated_visits"]),
        "mean_score": round(float(mean), 2) if mean is not None else None,
        "reopen_rate": _rate(c["reopened"], c["ever_handled"]),
    }


def compute(scope=None):
    """All figures for a scope, in two queries."""
    scope = scope or Scope()
    counts = Case.objects.filter(scope.case_filter()).aggregate(**CASE_COUNTS)
    visits = ReturnVisit.objects.filter(scope.case_filter("case__"), reached=True).aggregate(**VISIT_COUNTS)
    counts.update(visits)
    out = rates(counts)
    counts.pop("mean_score", None)
    out["counts"] = counts
    out["scope"] = scope.as_dict()
    return out


def department_ranking(scope=None, order_by="completion_rate"):
    """The same figures per lead department, best first, in two queries."""
    scope = scope or Scope()
    rows = (
        Case.objects.filter(scope.case_filter(), lead_department__isnull=False)
        .values("lead_department")
        .annotate(**CASE_COUNTS)
    )
    visits = (
        ReturnVisit.objects.filter(scope.case_filter("case__"), reached=True, case__lead_department__isnull=False)
        .values("case__lead_department")
        .annotate(**VISIT_COUNTS)
    )
    vby = {v.pop("case__lead_department"): v for v in visits}
    depts = Department.objects.in_bulk([r["lead_department"] for r in rows])
    empty = {"rated_visits": 0, "satisfied_visits": 0, "scored_visits": 0, "mean_score": None}
    out = []
    for r in rows:
        dept = depts[r.pop("lead_department")]
        r.update(vby.get(dept.pk, empty))
        item = rates(r)
        r.pop("mean_score", None)
        item.update({"department": dept.code, "name": dept.name, "counts": r})
        out.append(item)
    out.sort(key=lambda i: (-(i[order_by] if i[order_by] is not None else -1), i["department"]))
    for pos, item in enumerate(out, 1):
        item["rank"] = pos
    return out


def breakdown(scope, field):
    """Intake and the main rates grouped by a case field (channel, category, …), one query."""
    rows = Case.objects.filter(scope.case_filter()).values(field).annotate(**CASE_COUNTS).order_by(field)
    out = []
    for r in rows:
        key = r.pop(field)
        r.update({"rated_visits": 0, "satisfied_visits": 0, "scored_visits": 0, "mean_score": None})
        item = rates(r)
        item.pop("satisfaction_rate")
        item.pop("mean_score")
        item["key"] = key
        item["counts"] = {k: v for k, v in r.items() if k in CASE_COUNTS}
        out.append(item)
    return out


def from_events(case_ids):
    """The case counts recomputed by replaying each case's event log (for checking
    that the stored state and the history agree)."""
    from minqing.cases.models import Event

    state, acc_on_time, assigned, handled_on_time, ever, reopened, resolved = {}, {}, set(), {}, set(), set(), {}
    deadline, resp_deadline, disposition = {}, {}, {}
    for e in Event.objects.filter(case_id__in=case_ids).order_by("case_id", "at", "id"):
        cid = e.case_id
        if e.action == "assign":
            assigned.add(cid)
            deadline[cid] = e.data.get("deadline")
            resp_deadline[cid] = e.data.get("response_deadline")
        elif e.action == "approve_extension" and e.data.get("approved"):
            deadline[cid] = e.data.get("new_deadline")
        elif e.action == "accept" and cid not in acc_on_time and e.data.get("first"):
            day = timezone.localtime(e.at).date().isoformat()
            acc_on_time[cid] = resp_deadline.get(cid) is None or day <= resp_deadline[cid]
        elif e.action == "handle":
            ever.add(cid)
            day = timezone.localtime(e.at).date().isoformat()
            handled_on_time[cid] = deadline.get(cid) is None or day <= deadline[cid]
            disposition[cid] = e.data.get("disposition")
        if e.to_state == State.REOPENED and e.from_state != State.REOPENED:
            reopened.add(cid)
        if e.to_state == State.CLOSED and e.from_state != State.CLOSED:
            resolved[cid] = e.action == "visit_back" and disposition.get(cid) == "solved"
        state[cid] = e.to_state
    live = [c for c, s in state.items() if s not in EXCLUDED_STATES]
    done = [c for c in live if state[c] in DONE_STATES]
    return {
        "intake": len(live),
        "assigned": sum(1 for c in live if c in assigned),
        "accepted_on_time": sum(1 for c in live if acc_on_time.get(c)),
        "handled": len(done),
        "handled_on_time": sum(1 for c in done if handled_on_time.get(c)),
        "resolved": sum(1 for c in live if state[c] == State.CLOSED and resolved.get(c)),
        "closed": sum(1 for c in live if state[c] == State.CLOSED),
        "ever_handled": sum(1 for c in live if c in ever),
        "reopened": sum(1 for c in live if c in reopened),
        "open": sum(1 for c in live if state[c] in OPEN_STATES),
    }
