"""不重不漏统筹下: where the cadres of a region should go in a period.

The places are the villages/communities of the region.  Each has a *need*: its
subjects not visited in the window, its subjects (or itself) failing a coverage
rule, and its red (overdue) cases; and a *problem factor*: 1 + 10·open cases per
subject + 20·red cases per subject (ten open cases per hundred households doubles
the value of each visit there).  One cadre visit ("slot") to a place meets up to
``per_visit`` units of its need; the k-th cadre at a place meets what the first
k-1 left, so the gain of more cadres at one place falls to zero once its need is
met: easy places are not crowded, problem-heavy places are not left out.

A cadre may go only to places inside their home region (a grid-level home means
its village), at most ``load`` places in the period, each place at most once.

The assignment is a mixed-integer linear programme solved with SciPy's HiGHS
(``scipy.optimize.milp``): maximise Σ slot gains − ε·distance, subject to the load
of each cadre and "slots filled at a place = cadres sent there".  The problem is a
transportation problem with concave gains, so its LP relaxation is already integral
and HiGHS solves a county in well under a second.

The baseline the bench compares with sends each cadre to the ``load`` places
nearest their home region (the tree distance; among equally near places the least
visited so far, so cadres spread evenly), regardless of need.
"""

import io
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Count
from django.utils.translation import gettext as _
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix

from minqing.cases.models import OPEN_STATES, Case, State
from minqing.insights import figures
from minqing.people.models import Membership, Rank, Role
from minqing.regions.models import Level, Region
from minqing.supervision.alerts import alert_q

from .models import Subject, VisitSubject

OPEN_WEIGHT = 10.0
RED_WEIGHT = 20.0
DISTANCE_EPS = 1e-3
MAX_PAIRS = 2_000_000
PLAN_OPEN_STATES = (State.REGISTERED, *OPEN_STATES)


class PlanError(ValueError):
    def __init__(self, message, field=None):
        super().__init__(message)
        self.field = field


@dataclass
class Place:
    """A village/community (or a township/county for the subjects registered there directly).

    ``uncovered`` subjects had no visit in the window; ``rule_gap`` subjects (or, for a
    village-target rule, the village itself) fail an active coverage rule.  A subject that is
    both counts once in ``need``: ``to_visit`` is the distinct subjects needing a visit
    (uncovered, plus those visited but still failing a rule), ``need`` adds one follow-up visit
    per red case and one visit for a village-rule gap when no subject needs a visit anyway.
    Every unit of ``need`` is one visit, so a plan's expected visits at a place never exceed it."""

    region: Region
    subjects: int = 0
    visited: int = 0
    open: int = 0
    red: int = 0
    rule_gap: int = 0          # subjects failing a rule (visited or not) + village-rule gaps
    rule_gap_visited: int = 0  # of those subjects, the ones visited in the window (not in ``uncovered``)
    village_gap: int = 0       # village-target rules this village fails
    direct: bool = False       # subjects registered on a township/county itself

    @property
    def uncovered(self):
        return self.subjects - self.visited

    @property
    def to_visit(self):
        return self.uncovered + self.rule_gap_visited

    @property
    def need(self):
        village = 1 if self.village_gap and self.to_visit == 0 else 0
        return self.to_visit + village + self.red

    @property
    def factor(self):
        n = max(self.subjects, 1)
        return 1.0 + OPEN_WEIGHT * self.open / n + RED_WEIGHT * self.red / n

    def slots(self, per_visit, limit):
        """Visits made by the 1st, 2nd … cadre here (non-increasing; their sum is at most ``need``)."""
        out, left = [], self.need
        while left > 0 and len(out) < limit:
            out.append(min(per_visit, left))
            left -= per_visit
        return out

    def new_subjects(self, planned):
        """Subjects first visited in the window by ``planned`` visits here (uncovered ones go first)."""
        return min(planned, self.uncovered)


@dataclass
class Cadre:
    user_id: int
    username: str
    name: str
    rank: str
    unit: str
    home: Region | None
    load: int

    def reach(self, place):
        """Tree distance from the home region to a place inside it, or None if outside."""
        if self.home is None:
            return place.region.depth
        home = self.home
        if place.region.path.startswith(home.path):
            return place.region.depth - home.depth
        return None


@dataclass
class Assignment:
    cadre: Cadre
    place: Place
    slot: int
    met: int
    gain: float
    distance: int

    def explanation(self):
        p, c = self.place, self.cadre
        who = "，".join(x for x in (str(Rank(c.rank).label) if c.rank else "", c.unit) if x)
        where = _("本地") if self.distance == 0 else _("属地内，相隔%(n)s级") % {"n": self.distance}
        return _("%(name)s（%(who)s）→ %(place)s：未覆盖 %(uncovered)s/%(subjects)s，在办问题 %(open)s"
                 "（红牌 %(red)s），规则缺口 %(gap)s；第%(slot)s位前往，预计走访 %(met)s 次；%(where)s") % {
            "name": c.name, "who": who or "—", "place": p.region.name, "uncovered": p.uncovered,
            "subjects": p.subjects, "open": p.open, "red": p.red, "gap": p.rule_gap, "slot": self.slot,
            "met": self.met, "where": where}

    def explanation_en(self):
        p, c = self.place, self.cadre
        return (f"{c.username} → {p.region.code}: {p.uncovered} of {p.subjects} not visited, {p.open} open cases "
                f"({p.red} red), {p.rule_gap} rule gaps; cadre #{self.slot} there, {self.met} visits expected; "
                f"{'own area' if self.distance == 0 else f'{self.distance} level(s) below home'}")

    def as_dict(self):
        return {
            "cadre": self.cadre.username, "cadre_name": self.cadre.name, "rank": self.cadre.rank or None,
            "unit": self.cadre.unit, "region": self.place.region.code, "region_name": self.place.region.name,
            "slot": self.slot, "expected_visits": self.met, "gain": round(self.gain, 3),
            "distance": self.distance, "explanation": self.explanation(), "explanation_en": self.explanation_en(),
        }


def planned_visits(places, assignments, per_visit):
    """{place region id: visits the assignments make there} (the sum of their slots)."""
    count = {}
    for a in assignments:
        count[a.place.region.pk] = count.get(a.place.region.pk, 0) + 1
    return {p.region.pk: sum(p.slots(per_visit, count.get(p.region.pk, 0))) for p in places}


def evaluate(places, assignments, per_visit):
    """Problem-weighted gap met and subjects newly covered by a set of assignments."""
    planned = planned_visits(places, assignments, per_visit)
    pw_gap_met = sum(planned[p.region.pk] * p.factor for p in places)
    covered = sum(p.new_subjects(planned[p.region.pk]) for p in places)
    return pw_gap_met, covered


@dataclass
class PlanResult:
    scope: object
    places: list
    cadres: list
    assignments: list
    per_visit: int
    load: int
    baseline: list = field(default_factory=list)

    def summary(self):
        """The plan's figures; they add up: ``subjects`` = ``visited`` + ``uncovered`` (the coverage figures
        of the same scope and window), ``expected_visits`` = the assignments' expected visits = the places'
        planned visits, ``expected_new_subjects`` ≤ both ``expected_visits`` and ``uncovered``."""
        subjects = sum(p.subjects for p in self.places)
        visited = sum(p.visited for p in self.places)
        pw_gap = sum(p.need * p.factor for p in self.places)
        met, covered = evaluate(self.places, self.assignments, self.per_visit)
        b_met, b_covered = evaluate(self.places, self.baseline, self.per_visit)
        rate = figures._rate
        return {
            "places": len(self.places), "cadres": len(self.cadres), "assigned": len(self.assignments),
            "subjects": subjects, "visited": visited, "uncovered": subjects - visited,
            "to_visit": sum(p.to_visit for p in self.places), "need": sum(p.need for p in self.places),
            "coverage_before": rate(visited, subjects),
            "coverage_expected": rate(visited + covered, subjects),
            "expected_visits": sum(a.met for a in self.assignments),
            "expected_new_subjects": covered,
            "problem_weighted_gap": round(pw_gap, 2),
            "problem_weighted_gap_met": round(met, 2),
            "share_of_gap_met": rate(met, pw_gap),
            "baseline_nearest": {
                "assigned": len(self.baseline), "problem_weighted_gap_met": round(b_met, 2),
                "share_of_gap_met": rate(b_met, pw_gap), "expected_new_subjects": b_covered,
                "expected_visits": sum(a.met for a in self.baseline),
                "coverage_expected": rate(visited + b_covered, subjects),
            },
        }

    def as_dict(self):
        by_place = {}
        for a in self.assignments:
            by_place.setdefault(a.place.region.pk, []).append(a)
        places = []
        for p in self.places:
            sent = by_place.get(p.region.pk, [])
            planned = sum(a.met for a in sent)
            places.append({
                "region": p.region.code, "name": p.region.name, "level": p.region.level, "direct": p.direct,
                "subjects": p.subjects, "visited": p.visited, "uncovered": p.uncovered, "open": p.open,
                "red": p.red, "rule_gap": p.rule_gap, "to_visit": p.to_visit, "need": p.need,
                "factor": round(p.factor, 3), "planned_visits": planned, "new_subjects": p.new_subjects(planned),
                "cadres": [a.cadre.username for a in sent], "cadre_names": [a.cadre.name for a in sent],
            })
        return {
            "scope": self.scope.as_dict(),
            "load": self.load, "per_visit": self.per_visit,
            "summary": self.summary(),
            "assignments": [a.as_dict() for a in self.assignments],
            "places": places,
            "unassigned_cadres": sorted({c.username for c in self.cadres} - {a.cadre.username for a in self.assignments}),
        }

    def to_xlsx(self):
        import openpyxl
        from openpyxl.styles import Font

        from minqing.tabular import safe_row

        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "部署方案 plan"
        bold = Font(bold=True)
        ws.append(["干部 cadre", "姓名 name", "职级 rank", "单位 unit", "前往 region", "村社区 place", "第几位 slot",
                   "预计走访 visits", "加权收益 gain", "说明 explanation"])
        for a in self.assignments:
            d = a.as_dict()
            ws.append(safe_row([d["cadre"], d["cadre_name"], d["rank"] or "", d["unit"], d["region"], d["region_name"],
                       d["slot"], d["expected_visits"], d["gain"], d["explanation"]]))
        ws2 = wb.create_sheet("村情 places")
        ws2.append(["区划 region", "名称 name", "对象 subjects", "已走访 visited", "未覆盖 uncovered", "在办 open",
                    "红牌 red", "规则缺口 rule gaps", "问题系数 factor", "派出干部 cadres"])
        for p in self.as_dict()["places"]:
            ws2.append(safe_row([p["region"], p["name"], p["subjects"], p["visited"], p["uncovered"], p["open"], p["red"],
                        p["rule_gap"], p["factor"], "、".join(p["cadres"])]))
        ws3 = wb.create_sheet("汇总 summary")
        s = self.summary()
        scope = self.scope.as_dict()
        rows = [("区划 region", scope["region"]), ("开始 from", scope["from"]), ("结束 to", scope["to"]),
                ("每人最多 load", self.load), ("每次走访 per visit", self.per_visit)]
        rows += [(k, v) for k, v in s.items() if k != "baseline_nearest"]
        rows += [(f"baseline_nearest.{k}", v) for k, v in s["baseline_nearest"].items()]
        for k, v in rows:
            ws3.append(safe_row([k, v]))
        for sheet in (ws, ws2):
            for cell in sheet[1]:
                cell.font = bold
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()


def _unit_of(path, units_by_path):
    parts = path.strip("/").split("/")
    for i in range(len(parts), 0, -1):
        unit = units_by_path.get("/" + "/".join(parts[:i]) + "/")
        if unit is not None:
            return unit
    return None


def rule_gaps(scope, rules=None):
    """Per region id: (subjects failing an active rule, of which visited in the window) — each subject
    once however many rules it fails — and per village id the village-target rules it fails."""
    from django.db.models import Exists, OuterRef

    from .models import CoverageRule

    rules = rules if rules is not None else CoverageRule.objects.filter(active=True).select_related("region")
    failing, villages = {}, {}
    for rule in rules:
        start, end = figures.rule_window(rule, scope.date_to)
        until = min(end, scope.date_to) if end else scope.date_to
        live = start is not None and until >= start
        if rule.target == "village":
            vs = figures._rule_villages(rule, scope)
            ok = figures._visited_villages(rule, vs, start, until) if live else set()
            for v in vs:
                if v.pk not in ok:
                    villages[v.pk] = villages.get(v.pk, 0) + 1
            continue
        qs = figures._rule_subjects(rule, scope)
        if live:
            qs = qs.filter(~Exists(figures._rule_links(rule, scope, start, until).filter(subject_id=OuterRef("pk"))))
        for pk, rid in qs.values_list("pk", "region_id").iterator(chunk_size=5000):
            failing[pk] = rid
    visited = set()
    ids = list(failing)
    for i in range(0, len(ids), 5000):
        visited |= set(VisitSubject.objects.filter(subject_id__in=ids[i:i + 5000], date__gte=scope.date_from,
                                                   date__lte=scope.date_to).values_list("subject_id", flat=True))
    by_region = {}
    for pk, rid in failing.items():
        row = by_region.setdefault(rid, [0, 0])
        row[0] += 1
        row[1] += pk in visited
    return by_region, villages


def gather(scope, load=3, cadres=None):
    """The places of the scope with their need, and the cadres available.

    Every subject of the scope belongs to exactly one place (its village, or the township/county it
    is registered on directly), so the places' subjects and visited add up to the coverage figures
    of the same scope and window."""
    region = scope.region
    if region is None:
        raise PlanError("请指定区划 / a region is required", "region")
    if region.level == Level.GRID:
        raise PlanError("网格以上才能编制方案 / plan for a village or a larger region", "region")
    if region.level == Level.VILLAGE:
        regions = [region]
    else:
        regions = list(Region.objects.filter(level=Level.VILLAGE, path__startswith=region.path).order_by("path"))
    places = [Place(r) for r in regions]
    by_path = {p.region.path: p for p in places}
    paths = dict(Region.objects.filter(path__startswith=region.path).values_list("pk", "path"))
    subject_counts = list(Subject.objects.filter(region_path__startswith=region.path).values_list("region_id")
                          .annotate(n=Count("id")))
    # subjects registered above village level (an enterprise of a development zone on its county):
    # their own region is a place of its own
    direct = [rid for rid, _n in subject_counts if _unit_of(paths[rid], by_path) is None]
    for r in Region.objects.filter(pk__in=direct).order_by("path"):
        place = Place(r, direct=True)
        places.append(place)
        by_path[r.path] = place

    def add(rid_or_path, attr, n):
        path = paths.get(rid_or_path) if isinstance(rid_or_path, int) else rid_or_path
        place = _unit_of(path, by_path) if path else None
        if place is not None:
            setattr(place, attr, getattr(place, attr) + n)

    for rid, n in subject_counts:
        add(rid, "subjects", n)
    links = VisitSubject.objects.filter(date__gte=scope.date_from, date__lte=scope.date_to,
                                        subject_region_path__startswith=region.path)
    for rid, n in links.values_list("subject_region_id").annotate(n=Count("subject_id", distinct=True)):
        add(rid, "visited", n)
    cases = Case.objects.filter(region_path__startswith=region.path, state__in=PLAN_OPEN_STATES)
    for path, n, red in cases.values_list("region_path").annotate(n=Count("id"), red=Count("id", filter=alert_q("red"))):
        add(path, "open", n)
        add(path, "red", red)
    gaps, village_gaps = rule_gaps(scope)
    for rid, (n, visited) in gaps.items():
        add(rid, "rule_gap", n)
        add(rid, "rule_gap_visited", visited)
    for rid, n in village_gaps.items():
        add(rid, "rule_gap", n)
        add(rid, "village_gap", n)

    ms = (Membership.objects.filter(role=Role.CADRE, user__is_active=True)
          .select_related("user", "user__profile", "user__profile__home_region", "region"))
    if cadres is not None:
        ms = ms.filter(user__username__in=list(cadres))
    out, seen = [], set()
    for m in ms.order_by("user__username"):
        if m.user_id in seen:
            continue
        profile = getattr(m.user, "profile", None)
        home = (profile.home_region if profile and profile.home_region_id else None) or m.region
        if home is not None and home.level == Level.GRID and home.parent_id:
            home = home.parent
        if cadres is None and (home is None or not home.path.startswith(region.path)):
            continue
        seen.add(m.user_id)
        out.append(Cadre(user_id=m.user_id, username=m.user.username,
                         name=(profile.display_name if profile else "") or m.user.username,
                         rank=profile.rank if profile else "", unit=profile.unit if profile else "",
                         home=home, load=load))
    return places, out


def solve(places, cadres, per_visit):
    """The optimal assignment (HiGHS MILP); returns a list of Assignment."""
    pairs = []  # (cadre index, place index, distance)
    for ci, c in enumerate(cadres):
        for pi, p in enumerate(places):
            if p.need <= 0:
                continue
            d = c.reach(p)
            if d is not None:
                pairs.append((ci, pi, d))
        if len(pairs) > MAX_PAIRS:
            raise PlanError("区划过大，请按县或乡镇分别编制 / too large: plan per county or township", "region")
    reach_count = np.zeros(len(places), dtype=int)
    for _ci, pi, _d in pairs:
        reach_count[pi] += 1
    slots = []  # (place index, k, met, gain)
    for pi, p in enumerate(places):
        for k, met in enumerate(p.slots(per_visit, int(reach_count[pi])), 1):
            slots.append((pi, k, met, met * p.factor))
    if not pairs or not slots:
        return []
    nx, ny = len(pairs), len(slots)
    c = np.concatenate([np.array([DISTANCE_EPS * d for *_, d in pairs]), -np.array([s[3] for s in slots])])
    rows, cols, vals = [], [], []
    # load: one row per cadre
    for j, (ci, _pi, _d) in enumerate(pairs):
        rows.append(ci), cols.append(j), vals.append(1.0)
    n_c = len(cadres)
    # balance: one row per place: Σ x − Σ y = 0
    for j, (_ci, pi, _d) in enumerate(pairs):
        rows.append(n_c + pi), cols.append(j), vals.append(1.0)
    for k, (pi, *_rest) in enumerate(slots):
        rows.append(n_c + pi), cols.append(nx + k), vals.append(-1.0)
    A = coo_matrix((vals, (rows, cols)), shape=(n_c + len(places), nx + ny)).tocsr()
    lb = np.concatenate([np.zeros(n_c), np.zeros(len(places))])
    ub = np.concatenate([np.array([cd.load for cd in cadres], dtype=float), np.zeros(len(places))])
    res = milp(c, constraints=LinearConstraint(A, lb, ub), integrality=np.ones(nx + ny),
               bounds=Bounds(np.zeros(nx + ny), np.ones(nx + ny)), options={"time_limit": 60})
    if res.x is None:
        raise PlanError(f"求解失败 / the optimiser found no plan: {res.message}")
    chosen = [pairs[j] for j in range(nx) if res.x[j] > 0.5]
    return _number(places, cadres, [(ci, pi) for ci, pi, _ in chosen], per_visit)


def _number(places, cadres, chosen, per_visit):
    """Turn (cadre, place) pairs into Assignments, the nearest cadre first at each place."""
    by_place = {}
    for ci, pi in chosen:
        by_place.setdefault(pi, []).append(ci)
    out = []
    for pi, cis in by_place.items():
        p = places[pi]
        cis.sort(key=lambda ci: (cadres[ci].reach(p), cadres[ci].username))
        slots = p.slots(per_visit, len(cis))
        for k, ci in enumerate(cis, 1):
            met = slots[k - 1] if k <= len(slots) else 0
            out.append(Assignment(cadres[ci], p, k, met, met * p.factor, cadres[ci].reach(p)))
    out.sort(key=lambda a: (a.cadre.username, a.place.region.code))
    return out


def nearest(places, cadres, per_visit):
    """Baseline: each cadre to the ``load`` places nearest their home, need ignored; among equally
    near places the ones fewer cadres were sent to so far (cadres spread evenly, not piled up)."""
    chosen, sent = [], [0] * len(places)
    for ci, c in enumerate(cadres):
        options = sorted((d, sent[pi], p.region.code, pi) for pi, p in enumerate(places)
                         if (d := c.reach(p)) is not None)
        for *_rest, pi in options[: c.load]:
            chosen.append((ci, pi))
            sent[pi] += 1
    return _number(places, cadres, chosen, per_visit)


def make_plan(scope, *, load=3, per_visit=20, cadres=None, baseline=True):
    if not 1 <= int(load) <= 100:
        raise PlanError("load 应为 1–100 / load must be 1..100", "load")
    if not 1 <= int(per_visit) <= 1000:
        raise PlanError("per_visit 应为 1–1000 / per_visit must be 1..1000", "per_visit")
    places, cadre_list = gather(scope, load=int(load), cadres=cadres)
    assignments = solve(places, cadre_list, int(per_visit))
    base = nearest(places, cadre_list, int(per_visit)) if baseline else []
    return PlanResult(scope, places, cadre_list, assignments, int(per_visit), int(load), base)

