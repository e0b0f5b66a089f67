"""/api/v1/visits, /subjects, /pairings, /coverage, /plan: the visit side (issue 4)."""

import datetime as dt
from typing import Annotated

from django.db.models import Max, Q
from ninja import Field, Query, Router, Schema

from minqing.cases.errors import Forbidden, InvalidInput, NotFound
from minqing.cases.models import Case
from minqing.insights import figures
from minqing.people.models import Role
from minqing.people.scoping import region_scope
from minqing.visits import actions
from minqing.visits.models import Pairing, Subject, Visit

from .auth import actor
from .errors import MAX_LIST, Code, Day, Id, Page, PageSize, Query_, responses, text
from .schemas import Listing

router = Router(tags=["visits"])
MAX_PAGE_SIZE = 200
COVERAGE_ROLES = (Role.LEADER, Role.DISPATCHER, Role.SUPERVISOR, Role.RETURN_VISITOR, Role.CADRE)


class ProblemIn(Schema):
    text: text()
    category: Code | None = None
    kind: Code | None = None
    subject: Code | None = None


Codes = Annotated[list[Code], Field(max_length=MAX_LIST)]


class VisitIn(Schema):
    cadre: Code
    subjects: Codes = []
    date: Code
    method: Code
    notes: text() = ""
    problems: Annotated[list[ProblemIn], Field(max_length=100)] = []
    region: Code | None = None
    # 组团式走访: the other cadres of the team (usernames), each credited in participation
    members: Annotated[list[Code], Field(max_length=50)] = []
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    lng: Annotated[float, Field(ge=-180, le=180)] | None = None
    # idempotency key: the same caller sending the same key again gets the first visit back (200)
    client_token: Code = ""


class SubjectIn(Schema):
    external_id: Code
    kind: Code
    name: text(200)
    region_code: Code
    tags: Annotated[list[Code], Field(max_length=100)] = []
    credit_code: Code | None = None
    address: text(300) = ""
    phone: text(30) = ""
    household_no: Code = ""
    contact_name: text(100) = ""


class PairingIn(Schema):
    cadre: Code
    subjects: Codes
    role: Code = "paired"
    since: Code | None = None


class VisitFilters(Schema):
    cadre: Code | None = None
    subject: Code | None = None
    region: Code | None = None
    date_from: dt.date | None = Field(None, alias="from")
    date_to: dt.date | None = Field(None, alias="to")
    page: Page = 1
    page_size: PageSize(MAX_PAGE_SIZE) = 50


class SubjectFilters(Schema):
    region: Code | None = None
    kind: Code | None = None
    tag: Code | None = None
    q: Query_ | None = None
    page: Page = 1
    page_size: PageSize(MAX_PAGE_SIZE) = 50


class CoverageQuery(Schema):
    region: Code | None = None
    date_from: dt.date | None = Field(None, alias="from")
    date_to: dt.date | None = Field(None, alias="to")
    rules: bool = False
    limit: Annotated[int, Field(ge=0, le=5000)] = 200


class PlanQuery(Schema):
    region: Code
    date_from: dt.date | None = Field(None, alias="from")
    date_to: dt.date | None = Field(None, alias="to")
    load: Annotated[int, Field(ge=-1_000_000, le=1_000_000)] = 3
    per_visit: Annotated[int, Field(ge=-1_000_000, le=1_000_000)] = 20


def _page(qs, page, page_size):
    if page < 1:
        raise InvalidInput("page must be >= 1", field="page")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InvalidInput(f"page_size must be 1..{MAX_PAGE_SIZE}", field="page_size")
    total = qs.count()
    return total, qs[(page - 1) * page_size: page * page_size]


def visible_visits(a, qs):
    if a.is_admin:
        return qs
    cond = region_scope(a)
    if cond is None:
        return qs
    if a.user is not None:
        cond |= Q(cadre=a.user) | Q(recorded_by=a.user)
    return qs.filter(cond)


def visit_queryset():
    return Visit.objects.select_related("cadre", "cadre__profile", "region").prefetch_related("subjects")


@router.post("/visits", response={**responses(dict, 201), 200: dict}, summary="Record a visit; each problem becomes a case (channel visit)")
def record_visit(request, payload: VisitIn):
    data = payload.dict()
    a = actor(request)
    token = data.get("client_token") or ""
    before = (token and a.user is not None and Visit.objects.filter(recorded_by=a.user, client_token=token).exists())
    visit = actions.record_visit(a, **data)
    return (200 if before else 201), actions.visit_dict(visit_queryset().get(pk=visit.pk), a)


@router.get("/visits", response=responses(Listing), summary="Visits the caller may see")
def list_visits(request, f: Query[VisitFilters]):
    a = actor(request)
    qs = visible_visits(a, visit_queryset())
    if f.cadre:
        qs = qs.filter(cadre__username=f.cadre)
    if f.subject:
        qs = qs.filter(visitsubject__subject__external_id=f.subject)
    if f.region:
        region = figures.Region.objects.filter(code=f.region).first()
        if region is None:
            raise InvalidInput(f"区划不存在 / unknown region: {f.region}", field="region")
        qs = qs.filter(region_path__startswith=region.path)
    if f.date_from:
        qs = qs.filter(date__gte=f.date_from)
    if f.date_to:
        qs = qs.filter(date__lte=f.date_to)
    total, page = _page(qs.order_by("-date", "-id"), f.page, f.page_size)
    return {"count": total, "page": f.page, "results": [actions.visit_dict(v, a) for v in page]}


@router.get("/visits/{int:visit_id}", response=responses(), summary="One visit with its subjects and cases")
def get_visit(request, visit_id: Id):
    a = actor(request)
    visit = visible_visits(a, visit_queryset()).filter(pk=visit_id).first()
    if visit is None:
        raise NotFound("走访记录不存在 / visit not found")
    return actions.visit_dict(visit, a)


@router.post("/subjects", response=responses(dict, 201), summary="Register or update a subject (by external id)")
def save_subject(request, payload: SubjectIn):
    data = payload.dict()
    data["region"] = data.pop("region_code")
    s = actions.save_subject(actor(request), **data)
    return 201, actions.subject_dict(Subject.objects.select_related("region").get(pk=s.pk), actor(request))


@router.get("/subjects", response=responses(Listing), summary="Subjects the caller may see (contact data masked by role)")
def list_subjects(request, f: Query[SubjectFilters]):
    a = actor(request)
    qs = actions.visible_subjects(a, Subject.objects.select_related("region").prefetch_related("tags"))
    if f.region:
        region = figures.Region.objects.filter(code=f.region).first()
        if region is None:
            raise InvalidInput(f"区划不存在 / unknown region: {f.region}", field="region")
        qs = qs.filter(region_path__startswith=region.path)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.tag:
        qs = qs.filter(tags__name=f.tag)
    if f.q:
        qs = qs.filter(Q(name__icontains=f.q) | Q(external_id=f.q) | Q(address__icontains=f.q))
    total, page = _page(qs.order_by("region_path", "external_id"), f.page, f.page_size)
    page = list(page)
    paired = set(Pairing.objects.filter(cadre=a.user, subject__in=page, until__isnull=True)
                 .values_list("subject_id", flat=True)) if a.user else set()
    return {"count": total, "page": f.page,
            "results": [actions.subject_dict(s, a, s.pk in paired) for s in page]}


@router.get("/subjects/{external_id}", response=responses(),
            summary="A subject with its pairings, visits and cases")
def get_subject(request, external_id: Code):
    a = actor(request)
    s = actions.visible_subjects(a, Subject.objects.select_related("region")).filter(external_id=external_id).first()
    if s is None:
        raise NotFound("走访对象不存在 / subject not found")
    out = actions.subject_dict(s, a)
    visits = list(s.visits.select_related("cadre", "cadre__profile").order_by("-date", "-id")[:100])
    out["last_visit"] = visits[0].date.isoformat() if visits else None
    out["visits"] = [{"id": v.pk, "date": v.date.isoformat(), "method": v.method, "cadre": v.cadre.get_username()}
                     for v in visits]
    cases = Case.objects.filter(visits__subjects=s).annotate(visit_id=Max("visits__id")).order_by("-id")[:100]
    out["cases"] = [{"id": c.pk, "tracking_code": c.tracking_code, "state": c.state, "text": c.text,
                     "visit": c.visit_id} for c in cases]
    out["card"] = actions.contact_card(s)["cadres"]
    return out


@router.get("/subjects/{external_id}/card", response=responses(errors=(400, 404, 413, 422)), auth=None,
            summary="党群连心公示牌: the paired cadres' name, unit and phone (public)")
def subject_card(request, external_id: Code):
    return actions.contact_card(actions.load_subject(external_id))


@router.post("/pairings", response=responses(dict, 201), summary="结对: pair a cadre with subjects")
def create_pairings(request, payload: PairingIn):
    pairings = actions.pair(actor(request), **payload.dict())
    return 201, {"pairings": [{"id": p.pk, "cadre": p.cadre.get_username(), "subject": p.subject.external_id,
                               "role": p.role, "since": p.since.isoformat()} for p in pairings]}


@router.delete("/pairings/{int:pairing_id}", response=responses(), summary="End a pairing (today)")
def end_pairing(request, pairing_id: Id):
    p = actions.unpair(actor(request), pairing_id)
    return {"id": p.pk, "until": p.until.isoformat()}


def coverage_scope(request, region, date_from, date_to):
    """Parse and keep a region-scoped caller inside their region."""
    a = actor(request)
    try:
        scope = figures.make_visit_scope(region, date_from, date_to)
    except figures.FigureError as e:
        raise InvalidInput(str(e), field=e.field) from None
    if a.is_admin or any(m.role in COVERAGE_ROLES and m.region_id is None for m in a.memberships):
        return scope
    regions = a.regions_for(*COVERAGE_ROLES)
    if scope.region is None and regions:
        scope.region = regions[0]
    if scope.region is not None and any(scope.region.path.startswith(r.path) for r in regions):
        return scope
    raise Forbidden("无权查看该范围的走访统计 / you may not see visit figures for this scope")


@router.get("/coverage", response=responses(), summary="走访覆盖率 and 干部参与率 (with the counts), optionally rule compliance")
def coverage(request, q: Query[CoverageQuery]):
    if not 0 <= q.limit <= 5000:
        raise InvalidInput("limit must be 0..5000", field="limit")
    scope = coverage_scope(request, q.region, q.date_from, q.date_to)
    from minqing.visits.naming import name_coverage

    return name_coverage(figures.coverage(scope, rules=q.rules, limit=q.limit, never_limit=min(q.limit, 200)),
                         actor(request))


@router.get("/plan", response=responses(), summary="不重不漏: a deployment plan for the cadres of a region")
def plan(request, q: Query[PlanQuery]):
    from minqing.visits import plan as planning

    scope = coverage_scope(request, q.region, q.date_from, q.date_to)
    a = actor(request)
    if not (a.is_admin or a.covers_region(scope.region, Role.DISPATCHER, Role.LEADER)):
        raise Forbidden("只有该区划的调度员或领导可以编制部署方案 / only a dispatcher or leader of the region may plan")
    try:
        result = planning.make_plan(scope, load=q.load, per_visit=q.per_visit)
    except planning.PlanError as e:
        raise InvalidInput(str(e), field=e.field) from None
    return result.as_dict()


# ---- 集中走访日 and 频次规则 (issue 16 part 5) -------------------------------------------------


class VisitDayIn(Schema):
    region: Code
    date: Day
    title: text(200)
    notes: text() = ""
    targets: Codes = []
    target_kind: Code | None = None
    target_tag: Code | None = None


class VisitDayFilters(Schema):
    region: Code | None = None
    date_from: Day | None = Field(None, alias="from")
    date_to: Day | None = Field(None, alias="to")
    page: Page = 1
    page_size: PageSize(MAX_PAGE_SIZE) = 50


class FrequencyRuleIn(Schema):
    name: text(200)
    kind: Code
    times: Annotated[int, Field(ge=-1_000_000, le=1_000_000)]
    tag: Code = ""
    region: Code | None = None
    active: bool = True
    description: text(2000) = ""


def _day_queryset():
    from minqing.visits.models import VisitDay

    return VisitDay.objects.select_related("region")


@router.post("/visit-days", response=responses(dict, 201),
             summary="集中走访日: schedule a collective visit day of a region with a target list")
def create_visit_day(request, payload: VisitDayIn):
    a = actor(request)
    day = actions.do_schedule_visit_day(a, **payload.dict())
    return 201, actions.day_dict(_day_queryset().get(pk=day.pk), a, with_targets=True)


@router.get("/visit-days", response=responses(Listing), summary="Collective visit days the caller may see, with progress")
def list_visit_days(request, f: Query[VisitDayFilters]):
    a = actor(request)
    qs = actions.visible_days(a, _day_queryset())
    if f.region:
        region = figures.Region.objects.filter(code=f.region).first()
        if region is None:
            raise InvalidInput(f"区划不存在 / unknown region: {f.region}", field="region")
        qs = qs.filter(region_path__startswith=region.path)
    if f.date_from:
        qs = qs.filter(date__gte=f.date_from)
    if f.date_to:
        qs = qs.filter(date__lte=f.date_to)
    total, page = _page(qs.order_by("-date", "-id"), f.page, f.page_size)
    return {"count": total, "page": f.page, "results": [actions.day_dict(d, a) for d in page]}


@router.get("/visit-days/{int:day_id}", response=responses(),
            summary="One visit day with its target list (names masked by role) and progress")
def get_visit_day(request, day_id: Id):
    a = actor(request)
    day = actions.visible_days(a, _day_queryset()).filter(pk=day_id).first()
    if day is None:
        raise NotFound("集中走访日不存在 / visit day not found")
    return actions.day_dict(day, a, with_targets=True)


@router.post("/frequency-rules", response=responses(dict, 201),
             summary="频次规则: a subject kind (and tag) visited at least N times a month")
def create_frequency_rule(request, payload: FrequencyRuleIn):
    r = actions.do_save_frequency_rule(actor(request), **payload.dict())
    return 201, _rule_dict(r)


def _rule_dict(r):
    return {"id": r.pk, "name": r.name, "kind": r.kind, "tag": r.tag or None, "times": r.times,
            "region": r.region.code if r.region_id else None, "active": r.active}


@router.get("/frequency-rules", response=responses(), summary="The frequency rules with their compliance this month")
def list_frequency_rules(request, q: Query[CoverageQuery]):
    from minqing.visits.models import FrequencyRule

    if not 0 <= q.limit <= 5000:
        raise InvalidInput("limit must be 0..5000", field="limit")
    scope = coverage_scope(request, q.region, q.date_from, q.date_to)
    rules = list(FrequencyRule.objects.select_related("region").order_by("id"))
    compliance = {c["rule"]: c for c in figures.frequency_rules_compliance(
        scope, limit=q.limit, rules=[r for r in rules if r.active])}
    return {"scope": scope.as_dict(),
            "rules": [{**_rule_dict(r), "compliance": compliance.get(r.pk)} for r in rules]}
