"""Every figure of DOMAIN.md, computed in one place.

Over a set of cases chosen by region, department, channel, category and a
registration-date window; merged and invalid cases are left out of every
denominator. Dashboards, reports, the CLI and the API read from here.

Definitions (the counts behind each rate are returned with it):

- intake              cases registered
- response_rate       accepted_on_time / assigned (cases ever assigned; the first
                      acceptance counts, on or before the response deadline)
- completion_rate     handled / intake, where handled = now handled or closed
- on_time_rate        handled_on_time / handled (handled on or before the deadline; a
                      redo — an unsatisfied return visit or a reopen — has its own
                      deadline, so a redo answered in time counts as on time while the
                      earlier overdue stays in the history and in reopen_rate)
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

from django.db.models import Count, Q, Sum, Value
from django.utils import timezone

from minqing.cases.models import (
    EXCLUDED_STATES,
    OPEN_STATES,
    SATISFIED_RATINGS,
    Case,
    Category,
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
            q &= region_prefix_q(self.region.path, f"{p}region_path")
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


def region_prefix_q(path, field="region_path"):
    """Rows whose materialized path starts with ``path`` (which ends with "/").

    On SQLite, LIKE is case-insensitive and so cannot use an index; the same set
    is the binary range [path, path with its last "/" raised to "0"), which the
    index case_figures (cases 0004) answers. Elsewhere, LIKE 'path%' with the
    pattern-ops index.
    """
    from django.db import connection

    if connection.vendor == "sqlite" and path.endswith("/"):
        return Q(**{f"{field}__gte": path, f"{field}__lt": path[:-1] + "0"})
    return Q(**{f"{field}__startswith": path})


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
    for field, value in (("region", region), ("department", department), ("channel", channel),
                         ("category", category), ("from", date_from), ("to", date_to)):
        if isinstance(value, str) and "\x00" in value:
            raise FigureError(f"{field} contains a NUL character", field)
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


# COUNT(1) rather than COUNT(id): SQLite then reads no column for the count itself
# (prefecture over 1M cases: 0.86 s → 0.67 s for the same counts). Django refuses
# COUNT(*) with a filter, so the constant stands in for it.
ONE = Value(1)
CASE_COUNTS = {
    "intake": Count(ONE),
    "assigned": Count(ONE, filter=Q(assigned_at__isnull=False)),
    "accepted_on_time": Count(ONE, filter=Q(accepted_on_time=True)),
    "handled": Count(ONE, filter=Q(state__in=DONE_STATES)),
    "handled_on_time": Count(ONE, filter=Q(state__in=DONE_STATES, handled_on_time=True)),
    "resolved": Count(ONE, filter=Q(state=State.CLOSED, resolved=True)),
    "closed": Count(ONE, filter=Q(state=State.CLOSED)),
    "ever_handled": Count(ONE, filter=Q(ever_handled=True)),
    "reopened": Count(ONE, filter=Q(reopen_count__gt=0)),
    "open": Count(ONE, filter=Q(state__in=OPEN_STATES)),
    # red and yellow: see count_aggregates(); the live level from the deadline, not the stored one
}

# Return visits are counted from the per-case counters that actions.visit_back keeps
# (cases.Case.rated_visits …, migration cases 0006), so every figure is one pass over
# the case rows (answered from the covering index case_figures) with no join.
VISIT_COUNTS = {
    "rated_visits": Sum("rated_visits", default=0),
    "satisfied_visits": Sum("satisfied_visits", default=0),
    "scored_visits": Sum("scored_visits", default=0),
    "score_sum": Sum("score_sum", default=0),
}


def count_aggregates(day=None):
    """Every count behind the figures, as aggregates. ``red`` and ``yellow`` are the open
    cases' live alert levels from their deadline and today's cut-offs (what the sweep will
    store), so the figures need not wait for a sweep and the covering index need not hold
    the alert level (which the sweep rewrites: a cold sweep's UPDATE of 750k rows paid for it)."""
    from minqing.supervision.alerts import alert_q

    return {
        **CASE_COUNTS,
        "red": Count(ONE, filter=alert_q("red", day)),
        "yellow": Count(ONE, filter=alert_q("yellow", day)),
        **VISIT_COUNTS,
    }


COUNT_NAMES = [*CASE_COUNTS, "red", "yellow", *VISIT_COUNTS]


def rates(c):
    """The rates from the counts (a dict with the keys of CASE_COUNTS and VISIT_COUNTS)."""
    mean = c["score_sum"] / c["scored_visits"] if c.get("scored_visits") else None
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
    """All figures for a scope, in one query."""
    scope = scope or Scope()
    counts = Case.objects.filter(scope.case_filter()).aggregate(**count_aggregates())
    out = rates(counts)
    out["counts"] = counts
    out["scope"] = scope.as_dict()
    return out


def combine(items, scope=None):
    """compute()'s answer from rows that partition the scope (a trend, say): every count
    is additive, so the whole is the sum of its parts (the dashboard saves one scan)."""
    counts = dict.fromkeys(COUNT_NAMES, 0)
    for item in items:
        for k in counts:
            counts[k] += item["counts"].get(k) or 0
    out = rates(counts)
    out["counts"] = counts
    out["scope"] = (scope or Scope()).as_dict()
    return out


def department_ranking(scope=None, order_by="completion_rate"):
    """The same figures per lead department, best first, in one query (and one for the names)."""
    scope = scope or Scope()
    rows = list(
        Case.objects.filter(scope.case_filter(), lead_department__isnull=False)
        .values("lead_department")
        .annotate(**count_aggregates())
        .order_by()
    )
    depts = Department.objects.in_bulk([r["lead_department"] for r in rows])
    out = []
    for r in rows:
        dept = depts[r.pop("lead_department")]
        item = rates(r)
        item.update({"department": dept.code, "name": dept.name, "counts": r})
        out.append(item)
    out.sort(key=lambda i: (-(i[order_by] if i[order_by] is not None else -1), i["department"]))
    for pos, item in enumerate(out, 1):
        item["rank"] = pos
    return out


def breakdown(scope, field):
    """Intake and the main rates grouped by a case field (channel, category, …), one query."""
    rows = Case.objects.filter(scope.case_filter()).values(field).annotate(**count_aggregates()).order_by(field)
    out = []
    for r in rows:
        key = r.pop(field)
        item = rates(r)
        item["key"] = key
        item["counts"] = r
        out.append(item)
    return out


def from_events(case_ids):
    """The case counts recomputed by replaying each case's event log (for checking
    that the stored state and the history agree). Events replay in the order
    they were appended (id), not by ``at``: a sweep stamps its overdue events
    with the time it ran, an import may stamp history in the past."""
    from minqing.cases.models import Event

    state, acc_on_time, assigned, handled_on_time, ever, reopened, resolved = {}, {}, set(), {}, set(), set(), {}
    deadline, resp_deadline, disposition = {}, {}, {}
    visits = {}  # case -> [rated, satisfied, scored, score_sum]
    for e in Event.objects.filter(case_id__in=case_ids).order_by("case_id", "id"):
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
        elif e.action == "visit_back" and e.data.get("reached"):
            v = visits.setdefault(cid, [0, 0, 0, 0])
            rating, score = e.data.get("rating") or "", e.data.get("score")
            v[0] += 1 if rating else 0
            v[1] += 1 if rating in SATISFIED_RATINGS else 0
            v[2] += 0 if score is None else 1
            v[3] += score or 0
        if e.to_state == State.REOPENED and e.from_state != State.REOPENED:
            reopened.add(cid)
            if e.data.get("deadline"):
                deadline[cid] = e.data["deadline"]  # the redo's own clock
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
        **{name: sum(visits.get(c, (0, 0, 0, 0))[i] for c in live) for i, name in enumerate(VISIT_COUNTS)},
    }


# ---- figures for the pages (leader dashboard, public board) ------------------------
# Added for the web pages (issue 3): trends, the channel × category share table,
# the region breakdown with drill-down and the top recurring problems. Each is one
# or two grouped queries over the same Scope as compute().


def period_starts(first, last, period):
    """The local dates starting each week (Monday) or month from ``first``'s to ``last``'s."""
    if period == "month":
        day = first.replace(day=1)
    else:
        day = first - dt.timedelta(days=first.weekday())
    out = []
    while day <= last:
        out.append(day)
        day = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1) if period == "month" else day + dt.timedelta(days=7)
    return out


def trend(scope, period="week"):
    """The figures per registration week (or month): [{"period": date, ...rates, "counts"}].

    The periods are numbered by a CASE over their local start times (a comparison per
    period, in the database's C code) instead of a per-row date-truncation function (on
    SQLite a Python callback per row: 13.7 s of 14 over a prefecture's million cases)."""
    from django.db.models import Case as Case_
    from django.db.models import IntegerField, Max, Min, Value, When

    tz = timezone.get_current_timezone()
    first, last = scope.date_from, scope.date_to
    if first is None or last is None:
        bounds = Case.objects.aggregate(lo=Min("registered_at"), hi=Max("registered_at"))  # the time index: O(1)
        if bounds["lo"] is None:
            return []
        first = first or timezone.localtime(bounds["lo"], tz).date()
        last = last or timezone.localtime(bounds["hi"], tz).date()
    starts = period_starts(first, last, period)
    if not starts:
        return []
    edges = [dt.datetime.combine(d, dt.time.min, tzinfo=tz) for d in starts[1:]]
    bucket = Case_(*[When(registered_at__lt=e, then=Value(i)) for i, e in enumerate(edges)],
                   default=Value(len(edges)), output_field=IntegerField())
    rows = (
        Case.objects.filter(scope.case_filter())
        .annotate(period=bucket)
        .values("period")
        .annotate(**count_aggregates())
        .order_by("period")
    )
    out = []
    for r in rows:
        key = r.pop("period")
        item = rates(r)
        item["period"] = starts[key]
        item["counts"] = r
        out.append(item)
    return out


def channel_category(scope):
    """Intake by channel × category: {"channels", "categories", "cells": {(ch, cat): n}, totals, shares}.

    Each cell's share is of its channel's intake (the column sums to 100 %)."""
    rows = Case.objects.filter(scope.case_filter()).values("channel", "category_id").annotate(n=Count("id")).order_by()
    cats = {pk: (code, name) for pk, code, name in Category.objects.values_list("pk", "code", "name")}
    cells, by_channel, by_category, names = {}, {}, {}, {}
    for r in rows:
        ch = r["channel"]
        cat, names[cat] = cats.get(r["category_id"], ("", "")) if r["category_id"] else ("", "")
        cells[(ch, cat)] = cells.get((ch, cat), 0) + r["n"]
        by_channel[ch] = by_channel.get(ch, 0) + r["n"]
        by_category[cat] = by_category.get(cat, 0) + r["n"]
    channels = sorted(by_channel, key=lambda c: (-by_channel[c], c))
    categories = sorted(by_category, key=lambda c: (-by_category[c], c))
    shares = {k: round(v / by_channel[k[0]], 4) for k, v in cells.items() if by_channel[k[0]]}
    return {
        "channels": channels,
        "categories": [(c, names[c]) for c in categories],
        "cells": cells,
        "shares": shares,
        "by_channel": by_channel,
        "by_category": by_category,
        "total": sum(by_channel.values()),
    }


def region_breakdown(scope, parent):
    """The figures for each child region of ``parent`` (scope's other filters kept), one query.

    The counts are grouped by the cases' region path (the covering index's first column,
    so the scan streams in order) and summed per child in Python: no per-row CASE."""
    children = list(Region.objects.filter(parent=parent).order_by("code"))
    if not children:
        return []
    sub = Scope(**{**scope.__dict__, "region": parent})
    rows = Case.objects.filter(sub.case_filter()).values("region_path").annotate(**count_aggregates()).order_by()
    by_child = {c.code: dict.fromkeys(COUNT_NAMES, 0) for c in children}
    for r in rows:
        acc = by_child.get(_child_code(parent, r.pop("region_path")))
        if acc is None:
            continue  # a case placed on the parent itself belongs to no child
        for k, v in r.items():
            acc[k] += v or 0
    out = []
    for c in children:
        counts = by_child[c.code]
        item = rates(counts)
        item.update({"region": c.code, "name": c.name, "level": c.level, "counts": counts})
        out.append(item)
    return out


def top_problems(scope, limit=10):
    """The most frequent (category, place) pairs: recurring problems, with how many are still open."""
    rows = list(
        Case.objects.filter(scope.case_filter(), category__isnull=False, region__isnull=False)
        .values("category_id", "region_id")
        .annotate(n=Count("id"), open=Count("id", filter=Q(state__in=OPEN_STATES + (State.REGISTERED,))))
        .filter(n__gte=2)
        .order_by("-n", "category_id", "region_id")[:limit]
    )  # grouped by ids (answered from the covering index), named afterwards
    cats = Category.objects.in_bulk({r["category_id"] for r in rows})
    regions = Region.objects.in_bulk({r["region_id"] for r in rows})
    return [
        {"category": cats[r["category_id"]].code, "category_name": cats[r["category_id"]].name,
         "region": regions[r["region_id"]].code, "region_name": regions[r["region_id"]].name,
         "count": r["n"], "open": r["open"]}
        for r in rows
    ]


# ==== 走访覆盖率 / 干部参与率 / 覆盖规则: visit coverage, participation, coverage rules (issue 4) ====
# Definitions (DOMAIN.md):
#   visit_coverage      subjects with at least one visit in the window / subjects registered
#                       (overall, per subject kind, per tag, per child region)
#   participation_rate  cadres (users with the cadre role, in the region) with at least one visit
#                       in the window / cadres registered
#   days since last visit (as of the window's end) in buckets; subjects never visited in the window
#   a coverage rule's compliance: its subjects (kind + tag, or villages with a region tag) with a
#   visit by a cadre of at least the rule's rank inside the rule's period (the month / quarter /
#   half year / year containing the reference date, or the campaign's dates), counted up to the
#   reference date (the window's end) inclusive.
# Every figure is a few grouped queries over the denormalised visit links (visits.VisitSubject),
# so a province (tens of millions of subjects and visits) stays a handful of scans.


from django.db.models import Max  # noqa: E402  (visit figures)


@dataclass
class VisitScope:
    region: Region | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    @property
    def path(self):
        return self.region.path if self.region is not None else ""

    def as_dict(self):
        return {
            "region": self.region.code if self.region else None,
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
        }


def quarter_start(day):
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def make_visit_scope(region=None, date_from=None, date_to=None, today=None):
    """Window defaults: ``to`` today, ``from`` the first day of ``to``'s quarter."""
    s = VisitScope()
    if region:
        s.region = region if isinstance(region, Region) else Region.objects.filter(code=region).first()
        if s.region is None:
            raise FigureError(f"unknown region: {region}", "region")
    s.date_to = _parse_date(date_to, "to") or today or timezone.localdate()
    s.date_from = _parse_date(date_from, "from") or quarter_start(s.date_to)
    if s.date_from > s.date_to:
        raise FigureError("from is after to", "from")
    return s


def _counted(num, den):
    return {"rate": _rate(num, den), "visited": num, "subjects": den}


def _visit_links(vscope, until=None, since=None):
    from minqing.visits.models import VisitSubject

    qs = VisitSubject.objects.filter(date__lte=until or vscope.date_to)
    since = vscope.date_from if since is None else since
    if since:
        qs = qs.filter(date__gte=since)
    if vscope.region is not None:
        qs = qs.filter(subject_region_path__startswith=vscope.path)
    return qs


def _subjects(vscope):
    from minqing.visits.models import Subject

    qs = Subject.objects.all()
    if vscope.region is not None:
        qs = qs.filter(region_path__startswith=vscope.path)
    return qs


def _child_code(scope_region, path):
    """The code of the scope region's child containing a region path (or the region itself)."""
    depth = scope_region.depth + 1 if scope_region is not None else 0
    parts = path.strip("/").split("/")
    return parts[depth] if len(parts) > depth else parts[-1]


RECENCY_BUCKETS = [(30, "0-30"), (90, "31-90"), (180, "91-180"), (365, "181-365")]


def _like_prefix(path):
    return path.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _per_subject_counts(vscope, source=None):
    """{(region_path, kind): [subjects, visited in window, ever visited up to the end, bucket counts…]}.

    When no visit is dated after the window's end (the usual "to date" question) every
    subject's ``last_visit`` lies inside [.., end] and one index-only pass over the subjects
    answers everything; otherwise the visit links are aggregated per subject (one pass)."""
    from django.db import connection

    from minqing.visits.models import VisitSubject

    end, start = vscope.date_to, vscope.date_from
    bounds = [end - dt.timedelta(days=days) for days, _ in RECENCY_BUCKETS]
    out = {}
    fast = not VisitSubject.objects.filter(date__gt=end).exists()
    if source is not None:  # tests compare both ways
        fast = source == "subjects.last_visit" and fast
    if fast:
        buckets = {}
        upper = None
        for i, lower in enumerate(bounds):
            q = Q(last_visit__gte=lower) if upper is None else Q(last_visit__gte=lower, last_visit__lt=upper)
            buckets[f"b{i}"] = Count("id", filter=q)
            upper = lower
        rows = _subjects(vscope).values("region_path", "kind").annotate(
            n=Count("id"), visited=Count("id", filter=Q(last_visit__gte=start)), ever=Count("last_visit"), **buckets)
        for r in rows:
            out[(r["region_path"], r["kind"])] = [r["n"], r["visited"], r["ever"]] + [
                r[f"b{i}"] for i in range(len(bounds))]
        return out, "subjects.last_visit"
    for r in _subjects(vscope).values("region_path", "kind").annotate(n=Count("id")):
        out[(r["region_path"], r["kind"])] = [r["n"], 0, 0] + [0] * len(bounds)
    table = VisitSubject._meta.db_table
    where, params = ["date <= %s"], [end]
    if vscope.region is not None:
        where.append("subject_region_path LIKE %s ESCAPE '\\'")
        params.append(_like_prefix(vscope.path))
    cases, case_params, upper = [], [], end + dt.timedelta(days=1)
    for lower in bounds:
        cases.append("SUM(CASE WHEN last_date >= %s AND last_date < %s THEN 1 ELSE 0 END)")
        case_params += [lower, upper]
        upper = lower
    sql = (
        f"SELECT p, k, SUM(w), COUNT(*), {', '.join(cases)} FROM ("
        f"SELECT subject_id, MIN(subject_region_path) AS p, MIN(subject_kind) AS k, MAX(date) AS last_date, "
        f"MAX(CASE WHEN date >= %s THEN 1 ELSE 0 END) AS w FROM {table} WHERE {' AND '.join(where)} "
        f"GROUP BY subject_id) t GROUP BY p, k"
    )
    with connection.cursor() as cur:
        cur.execute(sql, case_params + [start] + params)
        for p, k, visited, ever, *bucket in cur.fetchall():
            row = out.setdefault((p, k), [0, 0, 0] + [0] * len(bounds))
            row[1] += int(visited or 0)
            row[2] += int(ever or 0)
            for i, b in enumerate(bucket):
                row[3 + i] += int(b or 0)
    return out, "visit links"


def visit_coverage(vscope, *, by_region=True, by_tag=True, recency=True, never_limit=100, source=None):
    """走访覆盖率 for a VisitScope, with the counts behind each rate.  ``source`` None picks the
    fastest correct way ("subjects.last_visit" or "visit links")."""
    from django.db.models import Exists, OuterRef

    from minqing.visits.models import SubjectTag

    counts, source = _per_subject_counts(vscope, source)
    kinds, per = {}, {}
    bucket_sum = [0] * len(RECENCY_BUCKETS)
    n_subjects = n_visited = n_ever = 0
    for (path, kind), row in counts.items():
        n, visited, ever = row[0], row[1], row[2]
        k = kinds.setdefault(kind, [0, 0])
        k[0] += visited
        k[1] += n
        if by_region:
            c = per.setdefault(_child_code(vscope.region, path), [0, 0])
            c[0] += visited
            c[1] += n
        n_subjects += n
        n_visited += visited
        n_ever += ever
        for i, b in enumerate(row[3:]):
            bucket_sum[i] += b
    out = _counted(n_visited, n_subjects)
    out["by_kind"] = {k: _counted(*v) for k, v in sorted(kinds.items())}
    if by_tag:
        st = SubjectTag.objects.all()
        if vscope.region is not None:
            st = st.filter(subject__region_path__startswith=vscope.path)
        tag_total = dict(st.values_list("tag__name").annotate(n=Count("id")))
        in_window = _visit_links(vscope).filter(subject_id=OuterRef("subject_id"))
        tag_visited = dict(st.filter(Exists(in_window)).values_list("tag__name").annotate(n=Count("id")))
        out["by_tag"] = {t: _counted(tag_visited.get(t, 0), n) for t, n in sorted(tag_total.items())}
    if by_region:
        names = dict(Region.objects.filter(code__in=per).values_list("code", "name"))
        out["by_region"] = [
            {"region": code, "name": names.get(code, code), **_counted(*per[code])} for code in sorted(per)
        ]
    if recency:
        rec = {label: bucket_sum[i] for i, (_, label) in enumerate(RECENCY_BUCKETS)}
        rec["over_365"] = n_ever - sum(bucket_sum)
        rec["never"] = n_subjects - n_ever
        rec["as_of"] = vscope.date_to.isoformat()
        out["days_since_last_visit"] = rec
    out["never_visited"] = never_visited(vscope, n_subjects - n_visited, limit=never_limit,
                                         fast=source == "subjects.last_visit")
    out["computed_from"] = source
    return out


def never_visited(vscope, count, limit=100, fast=False):
    """Subjects with no visit in the window: the count and the first ``limit`` (None: all) by region,
    each with its last visit before the window (if any) and the days since, as of the window's end."""
    from django.db.models import Exists, OuterRef

    from minqing.visits.models import VisitSubject

    items = []
    if limit is None or limit > 0:
        qs = _subjects(vscope)
        if fast:
            qs = qs.filter(Q(last_visit__isnull=True) | Q(last_visit__lt=vscope.date_from))
        else:
            qs = qs.filter(~Exists(_visit_links(vscope).filter(subject_id=OuterRef("pk"))))
        rows = list(qs.order_by("region_path", "kind").values("pk", "external_id", "kind", "region__code")[:limit])
        last = dict(
            VisitSubject.objects.filter(subject_id__in=[r["pk"] for r in rows], date__lte=vscope.date_to)
            .values_list("subject_id").annotate(last=Max("date"))
        )
        for r in rows:
            lv = last.get(r["pk"])
            items.append({
                "external_id": r["external_id"], "kind": r["kind"], "region": r["region__code"],
                "last_visit": lv.isoformat() if lv else None,
                "days_since_last_visit": (vscope.date_to - lv).days if lv else None,
            })
        items.sort(key=lambda i: (i["region"], i["external_id"]))
    return {"count": count, "subjects": items, "truncated": count > len(items)}


def participation(vscope):
    """干部参与率: cadres with a visit in the window / cadres registered (cadre role, in the region)."""
    from minqing.people.models import Membership, Profile, Role
    from minqing.visits.models import Visit

    cadres = Membership.objects.filter(role=Role.CADRE)
    if vscope.region is not None:
        cadres = cadres.filter(region__path__startswith=vscope.path)
    cadre_ids = cadres.values("user_id")
    n_cadres = cadres.values("user_id").distinct().count()
    visits = Visit.objects.filter(date__gte=vscope.date_from, date__lte=vscope.date_to, cadre_id__in=cadre_ids)
    # 组团式走访: every member of a team is credited with the visit, as its lead cadre is
    from minqing.visits.models import VisitMember

    window = Visit.objects.filter(date__gte=vscope.date_from, date__lte=vscope.date_to)
    member_rows = VisitMember.objects.filter(date__gte=vscope.date_from, date__lte=vscope.date_to,
                                             user_id__in=cadre_ids)
    active_set = set(visits.values_list("cadre_id", flat=True).distinct()) | set(
        member_rows.values_list("user_id", flat=True).distinct())
    active_ids = list(active_set)
    active = len(active_set)
    team_visits = window.filter(pk__in=VisitMember.objects.values("visit_id")).filter(
        Q(cadre_id__in=cadre_ids) | Q(members__user_id__in=cadre_ids)).distinct().count()
    member_credits = member_rows.count()
    by_method = dict(visits.values_list("method").annotate(n=Count("id")))
    n_visits = sum(by_method.values())
    profiles = Profile.objects.filter(user_id__in=cadre_ids)
    rank_total = dict(profiles.values_list("rank").annotate(n=Count("id")))
    rank_active = dict(profiles.filter(user_id__in=active_ids).values_list("rank").annotate(n=Count("id")))
    no_profile = n_cadres - sum(rank_total.values())
    if no_profile:
        rank_total[""] = rank_total.get("", 0) + no_profile
        rank_active[""] = rank_active.get("", 0) + active - sum(rank_active.values())
    by_rank = {
        (rank or "none"): {"rate": _rate(rank_active.get(rank, 0), n), "active_cadres": rank_active.get(rank, 0),
                           "cadres": n}
        for rank, n in sorted(rank_total.items())
    }
    return {
        "rate": _rate(active, n_cadres),
        "active_cadres": active,
        "cadres": n_cadres,
        "visits": n_visits,
        "visits_per_cadre": round(n_visits / n_cadres, 2) if n_cadres else None,
        "visits_per_active_cadre": round(n_visits / active, 2) if active else None,
        "by_method": by_method,
        "by_rank": by_rank,
        "team_visits": team_visits,
        "member_credits": member_credits,
    }


def rule_window(rule, ref):
    """The period of a rule that contains the reference date: (start, end)."""
    import calendar

    period = rule.period
    if period == "campaign":
        return rule.starts_on, rule.ends_on
    if period == "month":
        start_month, months = ref.month, 1
    elif period == "quarter":
        start_month, months = 3 * ((ref.month - 1) // 3) + 1, 3
    elif period == "half_year":
        start_month, months = (1 if ref.month <= 6 else 7), 6
    else:
        start_month, months = 1, 12
    end_month = start_month + months - 1
    return dt.date(ref.year, start_month, 1), dt.date(ref.year, end_month, calendar.monthrange(ref.year, end_month)[1])


def _rule_subjects(rule, vscope):
    from minqing.visits.models import Subject, SubjectTag

    qs = Subject.objects.filter(kind=rule.target)
    if rule.tag:
        from django.db.models import Exists, OuterRef

        qs = qs.filter(Exists(SubjectTag.objects.filter(subject_id=OuterRef("pk"), tag__name=rule.tag)))
    for region in (rule.region, vscope.region):
        if region is not None:
            qs = qs.filter(region_path__startswith=region.path)
    return qs


def _rule_links(rule, vscope, start, end):
    from minqing.people.models import RANK_ORDER
    from minqing.visits.models import VisitSubject

    level = RANK_ORDER.index(rule.min_rank) if rule.min_rank in RANK_ORDER else 0
    return VisitSubject.objects.filter(date__gte=start, date__lte=end, rank_level__gte=level)


def _rule_villages(rule, vscope):
    qs = Region.objects.filter(level="village")
    for region in (rule.region, vscope.region):
        if region is not None:
            qs = qs.filter(path__startswith=region.path)
    return [r for r in qs.only("pk", "code", "name", "path", "depth", "tags") if not rule.tag or rule.tag in (r.tags or [])]


def _visited_villages(rule, villages, start, end):
    from minqing.people.models import RANK_ORDER
    from minqing.visits.models import Visit

    if not villages:
        return set()
    level = RANK_ORDER.index(rule.min_rank) if rule.min_rank in RANK_ORDER else 0
    depths = {v.depth for v in villages}
    paths = set(
        Visit.objects.filter(date__gte=start, date__lte=end, rank_level__gte=level)
        .values_list("region_path", flat=True).distinct()
    )
    prefixes = set()
    for p in paths:
        parts = p.strip("/").split("/")
        for d in depths:
            if len(parts) > d:
                prefixes.add("/" + "/".join(parts[: d + 1]) + "/")
    return {v.pk for v in villages if v.path in prefixes}


def rule_compliance(rule, vscope, *, limit=1000):
    """One rule's compliant and non-compliant subjects (or villages), with the counts."""
    ref = vscope.date_to
    start, end = rule_window(rule, ref)
    until = min(end, ref) if end else ref
    out = {
        "rule": rule.pk, "name": rule.name, "target": rule.target, "tag": rule.tag or None,
        "region": rule.region.code if rule.region_id else None, "min_rank": rule.min_rank or None,
        "period": rule.period, "window": {"from": start.isoformat() if start else None,
                                          "to": end.isoformat() if end else None,
                                          "counted_until": until.isoformat()},
    }
    if rule.target == "village":
        villages = _rule_villages(rule, vscope)
        ok = _visited_villages(rule, villages, start, until) if start and until >= start else set()
        compliant = [v.code for v in villages if v.pk in ok]
        non = [v.code for v in villages if v.pk not in ok]
        n_ok, n_all = len(compliant), len(villages)
        compliant, non = compliant[:limit or None], non[:limit or None]
    else:
        subjects = _rule_subjects(rule, vscope)
        if start and until >= start:
            from django.db.models import Exists, OuterRef

            ok = Exists(_rule_links(rule, vscope, start, until).filter(subject_id=OuterRef("pk")))
            ok_q = subjects.filter(ok)
            non_q = subjects.filter(~ok)
        else:
            ok_q, non_q = subjects.none(), subjects
        n_all = subjects.count()
        n_ok = ok_q.count()
        ordered = ("region_path", "external_id")
        compliant = list(ok_q.order_by(*ordered).values_list("external_id", flat=True)[:limit or None])
        non = list(non_q.order_by(*ordered).values_list("external_id", flat=True)[:limit or None])
    out.update({
        "subjects": n_all, "compliant": n_ok, "non_compliant": n_all - n_ok, "rate": _rate(n_ok, n_all),
        "compliant_subjects": compliant, "non_compliant_subjects": non,
        "truncated": len(compliant) < n_ok or len(non) < n_all - n_ok,
    })
    return out


def rules_compliance(vscope, *, limit=1000, rules=None):
    from minqing.visits.models import CoverageRule

    rules = rules if rules is not None else CoverageRule.objects.filter(active=True).select_related("region")
    return [rule_compliance(r, vscope, limit=limit) for r in rules]


def rule_gaps_by_region(vscope, rules=None):
    """Non-compliant subjects (or villages) per region id, over the active rules (for the plan)."""
    from minqing.visits.models import CoverageRule

    rules = rules if rules is not None else CoverageRule.objects.filter(active=True).select_related("region")
    gaps = {}
    for rule in rules:
        start, end = rule_window(rule, vscope.date_to)
        until = min(end, vscope.date_to) if end else vscope.date_to
        live = start is not None and until >= start
        if rule.target == "village":
            villages = _rule_villages(rule, vscope)
            ok = _visited_villages(rule, villages, start, until) if live else set()
            for v in villages:
                if v.pk not in ok:
                    gaps[v.pk] = gaps.get(v.pk, 0) + 1
            continue
        qs = _rule_subjects(rule, vscope)
        if live:
            from django.db.models import Exists, OuterRef

            qs = qs.filter(~Exists(_rule_links(rule, vscope, start, until).filter(subject_id=OuterRef("pk"))))
        for rid, n in qs.values_list("region_id").annotate(n=Count("id")):
            gaps[rid] = gaps.get(rid, 0) + n
    return gaps


def month_window(ref):
    import calendar

    return dt.date(ref.year, ref.month, 1), dt.date(ref.year, ref.month, calendar.monthrange(ref.year, ref.month)[1])


def frequency_compliance(rule, vscope, *, limit=1000):
    """A frequency rule's compliance in the month containing the reference date (the window's end),
    counted up to that date: a subject complies with at least ``times`` distinct visits that month."""
    from minqing.visits.models import Subject, SubjectTag, VisitSubject

    start, end = month_window(vscope.date_to)
    until = min(end, vscope.date_to)
    subjects = Subject.objects.filter(kind=rule.kind)
    if rule.tag:
        from django.db.models import Exists, OuterRef

        subjects = subjects.filter(Exists(SubjectTag.objects.filter(subject_id=OuterRef("pk"), tag__name=rule.tag)))
    for region in (rule.region, vscope.region):
        if region is not None:
            subjects = subjects.filter(region_path__startswith=region.path)
    counts = dict(
        VisitSubject.objects.filter(date__gte=start, date__lte=until, subject_id__in=subjects.values("pk"))
        .values_list("subject_id").annotate(n=Count("visit_id", distinct=True)))
    rows = list(subjects.order_by("region_path", "external_id").values_list("pk", "external_id"))
    ok = [(eid, counts.get(pk, 0)) for pk, eid in rows if counts.get(pk, 0) >= rule.times]
    non = [(eid, counts.get(pk, 0)) for pk, eid in rows if counts.get(pk, 0) < rule.times]
    return {
        "rule": rule.pk, "name": rule.name, "kind": rule.kind, "tag": rule.tag or None,
        "region": rule.region.code if rule.region_id else None, "times": rule.times,
        "window": {"from": start.isoformat(), "to": end.isoformat(), "counted_until": until.isoformat()},
        "subjects": len(rows), "compliant": len(ok), "non_compliant": len(non), "rate": _rate(len(ok), len(rows)),
        "visits": sum(counts.values()),
        "compliant_subjects": [e for e, _n in ok[:limit or None]],
        "non_compliant_subjects": [{"external_id": e, "visits": n} for e, n in non[:limit or None]],
        "truncated": len(ok) > (limit or len(ok)) or len(non) > (limit or len(non)),
    }


def frequency_rules_compliance(vscope, *, limit=1000, rules=None):
    from minqing.visits.models import FrequencyRule

    rules = rules if rules is not None else FrequencyRule.objects.filter(active=True).select_related("region")
    return [frequency_compliance(r, vscope, limit=limit) for r in rules]


def coverage(vscope, *, rules=False, limit=1000, never_limit=100):
    """Everything ``GET /api/v1/coverage`` and ``minqing coverage`` answer."""
    out = {
        "scope": vscope.as_dict(),
        "visit_coverage": visit_coverage(vscope, never_limit=never_limit),
        "participation_rate": participation(vscope),
    }
    if rules:
        out["rules"] = rules_compliance(vscope, limit=limit)
        out["frequency_rules"] = frequency_rules_compliance(vscope, limit=limit)
    return out
