"""/api/v1/cases: list, detail, register, and every transition as POST …/{action}."""

import datetime as dt
import json
from typing import Annotated

from django.db.models import Q
from django.http import HttpResponse
from ninja import Body, Field, Query, Router, Schema

from minqing.cases import actions
from minqing.cases.errors import Forbidden, InvalidInput, NotFound
from minqing.cases.models import AlertLevel, Case
from minqing.cases.phones import cases_by_phone
from minqing.insights import search
from minqing.people.models import Role
from minqing.people.scoping import visible_cases
from minqing.supervision.alerts import shown_level_q

from .auth import actor
from .errors import Code, Id, Page, PageSize, Query_, responses, text
from .schemas import CaseDetailOut, CaseOut, CasePage
from .serializers import case_detail, case_summary

router = Router(tags=["cases"])

MAX_PAGE_SIZE = 200
# who may look a caller up by phone: those who talk to callers
PHONE_LOOKUP_ROLES = (Role.OPERATOR, Role.DISPATCHER, Role.RETURN_VISITOR)


class CaseIn(Schema):
    text: text()
    channel: Code
    kind: Code
    category: Code | None = None
    region: Code | None = None
    address: text(300) = ""
    reporter_name: text(100) = ""
    reporter_phone: text(30) = ""
    anonymous: bool = False
    lat: float | None = Field(None, ge=-90, le=90, allow_inf_nan=False)
    lng: float | None = Field(None, ge=-180, le=180, allow_inf_nan=False)
    external_id: text(100) = ""
    campaign: Code | None = None  # a 金点子 campaign's slug: the case is one of its submissions


class CaseListFilters(Schema):
    """The case-list filters, shared by the list and its exports."""

    state: Query_ | None = None
    channel: Code | None = None
    kind: Code | None = None
    category: Code | None = None
    region: Code | None = None
    department: Code | None = None
    alert_level: Code | None = None
    q: Query_ | None = None
    tracking_code: Code | None = None
    date_from: dt.date | None = Field(None, alias="from")
    date_to: dt.date | None = Field(None, alias="to")


class CaseFilters(CaseListFilters):
    phone: str | None = Field(None, max_length=40)
    page: Page = 1
    page_size: PageSize(MAX_PAGE_SIZE) = 50


def case_queryset():
    return Case.objects.select_related(
        "category", "region", "owner_region", "lead_department", "region__parent"
    ).prefetch_related("co_departments")


def get_visible_case(request, case_id):
    case = visible_cases(actor(request), case_queryset()).filter(pk=case_id).first()
    if case is None:
        raise NotFound("案件不存在 / case not found")
    return case


@router.post("/cases", response=responses(CaseOut, 201), summary="Register a case")
def register_case(request, payload: CaseIn):
    # register() hands back the case with its category, region and owner region loaded:
    # no second read of the row just written
    data = payload.dict()
    slug = data.pop("campaign", None)
    if slug:  # a submission to a campaign: checked first, linked in the same transaction
        from django.db import transaction

        from minqing.ideas import actions as ideas

        campaign = ideas.find_open_campaign(slug)
        with transaction.atomic():
            case = actions.register(actor(request), **data)
            ideas.do_link_submission(campaign, case, actor=actor(request))
    else:
        case = actions.register(actor(request), **data)
    # A case just registered has no co-handlers: the summary needs no query for them.
    # The summary is plain JSON types already: written straight out, as the API's renderer
    # would (UTF-8, not ASCII-escaped), without ninja re-validating it against `dict`.
    body = json.dumps(case_summary(case, actor(request), co_departments=()), ensure_ascii=False)
    return HttpResponse(body, status=201, content_type="application/json; charset=utf-8")


@router.get("/cases", response=responses(CasePage), summary="List cases visible to the caller")
def list_cases(request, filters: Query[CaseFilters]):
    f = filters
    if f.page < 1:
        raise InvalidInput("page must be >= 1", field="page")
    if not 1 <= f.page_size <= MAX_PAGE_SIZE:
        raise InvalidInput(f"page_size must be 1..{MAX_PAGE_SIZE}", field="page_size")
    for name, value in f.dict().items():
        actions.no_nul(value, name)
    qs = visible_cases(actor(request), case_queryset())
    if f.phone is not None:
        a = actor(request)
        if not (a.is_admin or any(a.has_role(r) for r in PHONE_LOOKUP_ROLES)):
            raise Forbidden("只有接诉员、调度员和回访员可以按电话查询 / only operators, dispatchers and return "
                            "visitors may look cases up by phone", code="forbidden", field="phone")
        qs = cases_by_phone(qs, f.phone)
    if f.state:
        qs = qs.filter(state__in=f.state.split(","))
    for field in ("channel", "kind", "tracking_code"):
        value = getattr(f, field)
        if value:
            qs = qs.filter(**{field: value})
    if f.alert_level:
        if f.alert_level not in AlertLevel.values:
            raise InvalidInput(f"alert_level must be one of {', '.join(AlertLevel.values)}", field="alert_level")
        qs = qs.filter(shown_level_q(f.alert_level))  # the level the answer shows: live while open
    if f.category:
        qs = qs.filter(category__code=f.category)
    if f.department:
        qs = qs.filter(Q(lead_department__code=f.department) | Q(co_departments__code=f.department)).distinct()
    if f.region:
        from minqing.regions.models import Region

        region = Region.objects.filter(code=f.region).first()
        if region is None:
            raise InvalidInput(f"unknown region: {f.region}", field="region")
        qs = qs.filter(region_path__startswith=region.path)
    if f.q:
        try:  # a tracking code, or every word of q in the text or address (traditional or simplified)
            qs = search.filter_cases_or_code(qs, f.q, actor(request))
        except search.SearchError as e:
            raise InvalidInput(str(e), field="q") from None
    if f.date_from:
        qs = qs.filter(registered_at__date__gte=f.date_from)
    if f.date_to:
        qs = qs.filter(registered_at__date__lte=f.date_to)
    total = qs.count()
    start = (f.page - 1) * f.page_size
    rows = list(qs.order_by("-registered_at", "-id")[start : start + f.page_size])
    a = actor(request)
    return {
        "count": total,
        "page": f.page,
        "page_size": f.page_size,
        "results": [case_summary(c, a) for c in rows],
    }


@router.get("/cases/{case_id}", response=responses(CaseDetailOut), summary="One case with its events")
def get_case(request, case_id: Id):
    case = get_visible_case(request, case_id)
    return case_detail(case, actor(request))


# ---- transitions ---------------------------------------------------------------


Codes = Annotated[list[Code], Field(max_length=100)]


class AssignIn(Schema):
    department: Code
    co_departments: Codes = []
    mode: Code | None = None
    deadline: dt.date | None = None
    note: text() = ""


class NoteIn(Schema):
    note: text() = ""


class ReasonIn(Schema):
    reason: text()


class MeetIn(Schema):
    minutes: text()
    departments: Codes = []


class WhistleIn(Schema):
    departments: Codes
    deadline: dt.date | None = None
    note: text() = ""


class ReportIn(Schema):
    text: text()
    department: Code | None = None


class SuperviseIn(Schema):
    note: text() = ""
    due: dt.date | None = None


class ExtendIn(Schema):
    deadline: dt.date
    reason: text()


class ApproveIn(Schema):
    approved: bool = True
    note: text() = ""


class HandleIn(Schema):
    result: text()
    disposition: Code


class ProgressIn(Schema):
    note: text()
    public: bool = False


class VisitBackIn(Schema):
    rating: Code | None = None
    score: int | None = Field(None, ge=-1000, le=1000)
    note: text() = ""
    reached: bool = True
    solved: bool | None = None


class CloseByRuleIn(Schema):
    rule: Code


class MergeIn(Schema):
    into: Id


class CategorizeIn(Schema):
    category: str = Field(..., max_length=64)
    note: str = Field("", max_length=1000)


class LocateIn(Schema):
    region: str = Field(..., max_length=32)
    note: str = Field("", max_length=1000)


class UnmergeIn(Schema):
    note: str = Field("", max_length=1000)


# action name -> (input schema or None, function, keyword arguments taken from the body)
TRANSITIONS = {
    "assign": AssignIn,
    "accept": NoteIn,
    "return": ReasonIn,
    "escalate": NoteIn,
    "meet": MeetIn,
    "whistle": WhistleIn,
    "report": ReportIn,
    "supervise": SuperviseIn,
    "extend": ExtendIn,
    "approve_extension": ApproveIn,
    "handle": HandleIn,
    "progress": ProgressIn,
    "visit_back": VisitBackIn,
    "close_by_rule": CloseByRuleIn,
    "reopen": ReasonIn,
    "merge": MergeIn,
    "invalidate": ReasonIn,
    "categorize": CategorizeIn,
    "locate": LocateIn,
    "unmerge": UnmergeIn,
}


def _make_endpoint(name, schema):
    fn = actions.ACTIONS[name]
    optional_body = all(not f.is_required() for f in schema.model_fields.values())

    if optional_body:

        def endpoint(request, case_id: Id, payload: schema = Body(None)):  # type: ignore[valid-type]
            case = get_visible_case(request, case_id)
            data = payload.dict() if payload is not None else {}
            fn(actor(request), case, **data)
            return case_detail(case_queryset().get(pk=case_id), actor(request))

    else:

        def endpoint(request, case_id: Id, payload: schema):  # type: ignore[valid-type]
            case = get_visible_case(request, case_id)
            fn(actor(request), case, **payload.dict())
            return case_detail(case_queryset().get(pk=case_id), actor(request))

    endpoint.__name__ = f"case_{name}"
    router.post(
        f"/cases/{{case_id}}/{name}",
        response=responses(CaseDetailOut),
        summary=f"Transition: {name}",
        operation_id=f"case_{name}",
    )(endpoint)


for _name, _schema in TRANSITIONS.items():
    _make_endpoint(_name, _schema)
