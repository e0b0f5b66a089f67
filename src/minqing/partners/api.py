"""/api/v1/partners, /wishes, partner summons and meetings: 社区合伙人 (issue 16, part 4).

Tasks owned by a partner are created through the existing ``POST /api/v1/tasks`` with
``"partner": CODE`` instead of ``"department"`` (``minqing.api.tasks``)."""

from typing import Annotated

from ninja import Field, Query, Router, Schema

from minqing.api.auth import actor
from minqing.api.errors import MAX_LIST, Code, Day, Id, Page, PageSize, Query_, responses, text
from minqing.api.schemas import Listing
from minqing.cases.actions import no_nul
from minqing.cases.errors import Forbidden, InvalidInput, NotFound
from minqing.cases.models import Case
from minqing.people.models import Role
from minqing.people.scoping import visible_cases
from minqing.regions.models import Region

from . import actions, figures
from .models import Wish

router = Router(tags=["partners"])
FIGURE_ROLES = (Role.LEADER, Role.DISPATCHER, Role.SUPERVISOR, Role.CADRE)


class PartnerFilters(Schema):
    region: Code | None = None
    kind: Code | None = None
    q: Query_ | None = None
    page: Page = 1
    page_size: PageSize(200) = 50


class PartnerIn(Schema):
    code: Code
    name: text(200)
    kind: Code
    region_code: Code
    contact: text(100) = ""
    phone: text(30) = ""


class SummonIn(Schema):
    partner: Code
    deadline: Day | None = None
    note: text() = ""


class ReportIn(Schema):
    text: text()


class MeetIn(Schema):
    minutes: text()
    partners: Annotated[list[Code], Field(max_length=MAX_LIST)]
    departments: Annotated[list[Code], Field(max_length=MAX_LIST)] = []


class WishIn(Schema):
    text: text()
    region: Code
    reporter_name: text(100) = ""
    reporter_phone: text(30) = ""
    channel: Code = "visit"


class WishFilters(Schema):
    status: Code | None = None
    region: Code | None = None
    page: Page = 1
    page_size: PageSize(200) = 50


class ClaimIn(Schema):
    partner: Code | None = None


class FulfilIn(Schema):
    outcome: text()


def _region(code):
    if not code:
        return None
    no_nul(code, "region")
    r = Region.objects.filter(code=code).first()
    if r is None:
        raise InvalidInput(f"区划不存在 / unknown region: {code}", field="region")
    return r


@router.get("/partners", response=responses(Listing), summary="Partners in the caller's scope (contact masked by role)")
def list_partners(request, f: Query[PartnerFilters]):
    a = actor(request)
    no_nul(f.kind, "kind")
    no_nul(f.q, "q")
    qs = actions.visible_partners(a).filter(active=True)
    region = _region(f.region)
    if region is not None:
        qs = qs.filter(region_path__startswith=region.path)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    if f.q:
        qs = qs.filter(name__icontains=f.q)
    total = qs.count()
    rows = qs.order_by("region_path", "code")[(f.page - 1) * f.page_size: f.page * f.page_size]
    return {"count": total, "page": f.page, "results": [actions.partner_dict(p, a) for p in rows]}


@router.post("/partners", response=responses(dict, 201), summary="Register or update a partner (by code)")
def save_partner(request, payload: PartnerIn):
    data = payload.dict()
    data["region"] = data.pop("region_code")
    p = actions.do_save_partner(actor(request), **data)
    return 201, actions.partner_dict(p, actor(request))


@router.get("/partners/figures", response=responses(), summary="Wishes fulfilled and partners' tasks, in a region")
def partner_figures(request, region: Code | None = None):
    a = actor(request)
    r = _region(region)
    if not a.is_admin and not any(m.role in FIGURE_ROLES and m.region_id is None for m in a.memberships):
        regions = a.regions_for(*FIGURE_ROLES)
        if r is None and regions:
            r = regions[0]
        if r is None or not any(r.path.startswith(x.path) for x in regions):
            raise Forbidden("无权查看该范围的统计 / you may not see figures for this scope")
    return figures.summary(r)


def _case(request, case_id):
    case = visible_cases(actor(request), Case.objects.filter(pk=case_id)).first()
    if case is None:
        raise NotFound("案件不存在 / case not found")
    return case


@router.post("/cases/{int:case_id}/partner-summons", response=responses(dict, 201),
             summary="吹哨 a partner to a case")
def summon_partner(request, case_id: Id, payload: SummonIn):
    s = actions.do_summon_partner(actor(request), _case(request, case_id), **payload.dict())
    return 201, {"case": case_id, "partner": s.partner.code, "deadline": s.deadline.isoformat() if s.deadline else None}


@router.post("/cases/{int:case_id}/partner-report", response=responses(),
             summary="报到: the summoned partner's contact reports on the case")
def partner_report(request, case_id: Id, payload: ReportIn):
    s = actions.do_partner_report(actor(request), _case(request, case_id), text=payload.text)
    return {"case": case_id, "partner": s.partner.code, "reported_at": s.reported_at.isoformat()}


@router.post("/cases/{int:case_id}/partner-meetings", response=responses(dict, 201),
             summary="会办 with partners attending (and departments)")
def meet_partners(request, case_id: Id, payload: MeetIn):
    m = actions.do_meet_with_partners(actor(request), _case(request, case_id), **payload.dict())
    return 201, {"meeting": m.pk, "case": case_id, "partners": sorted(p.code for p in m.partners.all()),
                 "departments": sorted(d.code for d in m.departments.all())}


@router.post("/wishes", response=responses(dict, 201), summary="微心愿: register a resident's small wish")
def register_wish(request, payload: WishIn):
    w = actions.do_register_wish(actor(request), **payload.dict())
    return 201, actions.wish_dict(w, actor(request))


@router.get("/wishes", response=responses(Listing), summary="Wishes in scope; a partner sees its region's open wishes")
def list_wishes(request, f: Query[WishFilters]):
    a = actor(request)
    no_nul(f.status, "status")
    qs = actions.visible_wishes(a)
    if f.status:
        if f.status not in (Wish.OPEN, Wish.CLAIMED, Wish.FULFILLED):
            raise InvalidInput("status 应为 open、claimed 或 fulfilled / status must be open, claimed or fulfilled",
                               field="status")
        qs = qs.filter(status=f.status)
    region = _region(f.region)
    if region is not None:
        qs = qs.filter(region_path__startswith=region.path)
    total = qs.count()
    rows = qs.order_by("-created_at", "-id")[(f.page - 1) * f.page_size: f.page * f.page_size]
    return {"count": total, "page": f.page, "results": [actions.wish_dict(w, a) for w in rows]}


@router.post("/wishes/{int:wish_id}/claim", response=responses(),
             summary="认领 a wish (one claim wins; the other gets 409 already_claimed)")
def claim_wish(request, wish_id: Id, payload: ClaimIn):
    w = actions.do_claim_wish(actor(request), wish_id, partner=payload.partner)
    return actions.wish_dict(w, actor(request))


@router.post("/wishes/{int:wish_id}/fulfil", response=responses(), summary="Record a claimed wish fulfilled")
def fulfil_wish(request, wish_id: Id, payload: FulfilIn):
    w = actions.do_fulfil_wish(actor(request), wish_id, outcome=payload.outcome)
    return actions.wish_dict(w, actor(request))
