"""包案 and the petition backlog: /api/v1/cases/{id}/own|release|agreements, /api/v1/backlog,
/api/v1/receptions (固定接待日). The changes are ``minqing.backlog.actions``."""


from ninja import Body, Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile

from minqing.backlog import actions, figures
from minqing.backlog.actions import visible_receptions
from minqing.cases.errors import InvalidInput
from minqing.cases.models import Case
from minqing.people.scoping import text_masker, visible_cases
from minqing.regions.models import Region

from .auth import actor
from .cases import case_queryset, get_visible_case
from .errors import Code, Day, Id, Page, PageSize, responses, text
from .schemas import Listing
from .serializers import _iso, case_detail, case_summary

router = Router(tags=["backlog"])


def person(user):
    if user is None:
        return None
    profile = getattr(user, "profile", None)
    return {"username": user.get_username(), "name": (profile.display_name if profile else "") or user.get_username(),
            "unit": profile.unit if profile else ""}


class OwnIn(Schema):
    note: text(2000) = ""


@router.post("/cases/{case_id}/own", response=responses(), summary="包案: a leader of the case's region owns it")
def own_case(request, case_id: Id, payload: OwnIn = Body(None)):
    case = get_visible_case(request, case_id)
    actions.do_own_case(actor(request), case, note=payload.note if payload else "")
    return case_detail(case_queryset().get(pk=case_id), actor(request))


@router.post("/cases/{case_id}/release", response=responses(), summary="解除包案")
def release_case(request, case_id: Id, payload: OwnIn = Body(None)):
    case = get_visible_case(request, case_id)
    actions.do_release_case(actor(request), case, note=payload.note if payload else "")
    return case_detail(case_queryset().get(pk=case_id), actor(request))


def agreement_dict(a, shown):
    return {"id": a.id, "case": a.case_id, "signed_on": _iso(a.signed_on), "parties": shown(a.parties),
            "summary": shown(a.summary), "content_type": a.content_type, "size": a.size,
            "recorded_by": a.recorded_by.username if a.recorded_by_id else None, "recorded_at": _iso(a.recorded_at),
            "document_url": f"/work/backlog/agreements/{a.id}/document"}


@router.get("/cases/{case_id}/agreements", response=responses(Listing), summary="息访协议 of a case")
def list_agreements(request, case_id: Id):
    case = get_visible_case(request, case_id)
    shown = text_masker(actor(request), case)
    rows = list(case.agreements.select_related("recorded_by").order_by("signed_on", "id"))
    return {"count": len(rows), "results": [agreement_dict(a, shown) for a in rows]}


@router.post("/cases/{case_id}/agreements", response=responses(dict, 201),
             summary="Record a settlement agreement (息访协议): multipart, a PDF or image of at most 10 MB")
def record_agreement(request, case_id: Id, signed_on: Form[Day], parties: Form[text(500)],
                     summary: Form[text()] = "", document: File[UploadedFile] = None):
    case = get_visible_case(request, case_id)
    a = actions.do_record_agreement(actor(request), case, signed_on=signed_on, parties=parties, summary=summary,
                                    document=document)
    return 201, agreement_dict(a, text_masker(actor(request), case))


class BacklogQuery(Schema):
    region: Code | None = None
    channel: Code | None = None
    owned: bool | None = None
    page: Page = 1
    page_size: PageSize(200) = 50


def _region(code, field="region"):
    actions.case_actions.no_nul(code, field)
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise InvalidInput(f"区划不存在 / unknown region: {code}", field=field)
    return region


def backlog_row(c, a, since, now):
    shown = text_masker(a, c)
    return {
        "id": c.pk, "tracking_code": c.tracking_code, "channel": c.channel, "state": c.state,
        "petition": c.petition_first == 0, "text": shown(c.text)[:200],
        "region": c.region.code if c.region_id else None, "region_name": c.region.name if c.region_id else None,
        "age_days": (now - c.registered_at).days, "registered_at": _iso(c.registered_at),
        "owner": person(c.leader), "owned_since": _iso(since.get(c.pk)),
        "meetings": c.n_meetings, "agreements": c.n_agreements,
        "deadline": _iso(c.deadline), "lead_department": c.lead_department.name if c.lead_department_id else None,
    }


def backlog_page(a, *, region=None, channel=None, owned=None, page=1, page_size=50):
    from django.utils import timezone

    qs = visible_cases(a, Case.objects.select_related("region", "leader__profile", "lead_department"))
    if region is not None:
        qs = qs.filter(region_path__startswith=region.path)
    if channel:
        qs = qs.filter(channel=channel)
    qs = figures.backlog_cases(qs, owned=owned)
    total = qs.count()
    rows = list(qs[(page - 1) * page_size: page * page_size])
    since = figures.owned_since([c.pk for c in rows if c.leader_id])
    now = timezone.now()
    return total, [backlog_row(c, a, since, now) for c in rows]


@router.get("/backlog", response=responses(Listing), summary="Owned and long-open cases, petitions (信访) first")
def backlog(request, q: Query[BacklogQuery]):
    region = _region(q.region) if q.region else None
    actions.case_actions.no_nul(q.channel, "channel")
    total, rows = backlog_page(actor(request), region=region, channel=q.channel, owned=q.owned, page=q.page,
                               page_size=q.page_size)
    return {"count": total, "page": q.page, "page_size": q.page_size, "backlog_days": figures.backlog_days(),
            "results": rows}


# ---- 固定接待日 ---------------------------------------------------------------------------------


def reception_dict(r):
    return {"id": r.id, "leader": person(r.leader), "region": r.region.code, "region_name": r.region.name,
            "date": _iso(r.date), "place": r.place, "note": r.note, "cases": r.cases.count()}


class ReceptionQuery(Schema):
    region: Code | None = None
    date_from: Day | None = Field(None, alias="from")
    date_to: Day | None = Field(None, alias="to")
    page: Page = 1
    page_size: PageSize(200) = 50


@router.get("/receptions", response=responses(Listing), summary="固定接待日: the schedule")
def list_receptions(request, q: Query[ReceptionQuery]):
    qs = visible_receptions(actor(request))
    if q.region:
        qs = qs.filter(region_path__startswith=_region(q.region).path)
    if q.date_from:
        qs = qs.filter(date__gte=q.date_from)
    if q.date_to:
        qs = qs.filter(date__lte=q.date_to)
    total = qs.count()
    rows = qs.order_by("date", "id")[(q.page - 1) * q.page_size: q.page * q.page_size]
    return {"count": total, "page": q.page, "page_size": q.page_size, "results": [reception_dict(r) for r in rows]}


class ReceptionIn(Schema):
    leader: Code
    region: Code
    date: Day
    place: text(200)
    note: text(500) = ""


@router.post("/receptions", response=responses(dict, 201), summary="Schedule a reception day")
def create_reception(request, payload: ReceptionIn):
    r = actions.do_schedule_reception(actor(request), **payload.dict())
    return 201, reception_dict(r)


class ReceptionCaseIn(Schema):
    text: text()
    kind: Code
    category: Code | None = None
    region: Code | None = None
    address: text(300) = ""
    reporter_name: text(100) = ""
    reporter_phone: text(30) = ""
    anonymous: bool = False


@router.post("/receptions/{reception_id}/cases", response=responses(dict, 201),
             summary="Register a case heard at a reception: channel reception, owned by the receiving leader")
def reception_case(request, reception_id: Id, payload: ReceptionCaseIn):
    a = actor(request)
    r = visible_receptions(a).filter(pk=reception_id).first()
    if r is None:
        from minqing.cases.errors import NotFound

        raise NotFound("接待日不存在 / reception not found")
    case = actions.do_register_at_reception(a, r, **payload.dict())
    case = case_queryset().get(pk=case.pk)
    out = case_summary(case, a)
    out["owner"] = person(case.leader)
    return 201, out
