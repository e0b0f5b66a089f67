"""/api/v1/campaigns: 金点子 suggestion campaigns (the ``ideas`` app), their submissions'
review, the digest (摘编) as DOCX/XLSX, the QR code and poster, and 金果子 typical cases.

A submission is a case registered with ``"campaign": SLUG`` (``POST /api/v1/cases``) or
through the portal's ``/report/?campaign=SLUG``."""

from django.db.models import Q
from django.http import HttpResponse
from django.utils import timezone
from ninja import Field, Router, Schema

from minqing.cases.errors import NotFound
from minqing.cases.models import Case
from minqing.ideas import actions, digest, figures, poster
from minqing.ideas.models import Campaign, Review
from minqing.intake import exports
from minqing.people.scoping import region_scope, text_masker, visible_cases

from .auth import actor
from .errors import Code, Day, Id, Page, PageSize, responses, text

router = Router(tags=["campaigns"])

MAX_LIST_PAGE = 100


class CampaignIn(Schema):
    slug: Code
    title: text(actions.MAX_TITLE)
    region: Code
    starts: Day
    ends: Day
    kind: Code = "suggestion"
    description: text(actions.MAX_DESCRIPTION) = ""
    categories: list[Code] = Field(default_factory=list, max_length=actions.MAX_CATEGORIES)
    target_groups: text(actions.MAX_TARGET_GROUPS) = ""


class CampaignEdit(Schema):
    title: text(actions.MAX_TITLE)
    region: Code
    starts: Day
    ends: Day
    kind: Code = "suggestion"
    description: text(actions.MAX_DESCRIPTION) = ""
    categories: list[Code] = Field(default_factory=list, max_length=actions.MAX_CATEGORIES)
    target_groups: text(actions.MAX_TARGET_GROUPS) = ""
    active: bool = True


def visible(a, qs=None):
    """Campaigns in the actor's scope: those whose region lies within a region of one of the
    actor's region roles (all for admins and a region role without a region)."""
    qs = Campaign.objects.select_related("region") if qs is None else qs
    if a.is_admin:
        return qs
    cond = region_scope(a, "region__path")
    if cond is None:
        return qs
    if a.user is not None:
        cond |= Q(created_by=a.user)
    return qs.filter(cond)


def get_visible(request, slug):
    c = None if "\x00" in slug else visible(actor(request)).filter(slug=slug).first()
    if c is None:
        raise NotFound("征集活动不存在 / campaign not found")
    return c


def as_dict(c, *, full=False):
    d = {
        "slug": c.slug, "title": c.title, "region": c.region.code if c.region_id else None,
        "region_name": c.region.name if c.region_id else None, "kind": c.kind, "description": c.description,
        "starts": c.starts.isoformat() if c.starts else None, "ends": c.ends.isoformat() if c.ends else None,
        "active": c.active, "open": c.is_open(), "target_groups": c.target_groups,
        "categories": [cat.code for cat in c.categories.all()],
        "created_at": c.created_at.isoformat(), "submit_url": poster.submit_path(c),
        "page_url": f"/ideas/{c.slug}/",
    }
    if full:
        d["figures"] = figures.campaign_figures(c)
    return d


@router.post("/campaigns", response=responses(status=201), summary="Create a campaign (leaders, admins)")
def create_campaign(request, payload: CampaignIn):
    c = actions.do_create_campaign(actor(request), **payload.dict())
    return 201, as_dict(c, full=True)


@router.get("/campaigns", response=responses(), summary="Campaigns in the caller's scope, newest first")
def list_campaigns(request, page: Page = 1, page_size: PageSize(MAX_LIST_PAGE) = 20):
    qs = visible(actor(request)).prefetch_related("categories")
    total = qs.count()
    start = (page - 1) * page_size
    return {"total": total, "page": page, "page_size": page_size,
            "results": [as_dict(c) for c in qs.order_by("-created_at", "slug")[start:start + page_size]]}


@router.get("/campaigns/{slug}", response=responses(), summary="One campaign with its figures")
def get_campaign(request, slug: Code):
    return as_dict(get_visible(request, slug), full=True)


@router.put("/campaigns/{slug}", response=responses(), summary="Edit a campaign (leaders of its region, admins)")
def edit_campaign(request, slug: Code, payload: CampaignEdit):
    c = actions.do_edit_campaign(actor(request), get_visible(request, slug), **payload.dict())
    return as_dict(c, full=True)


@router.get("/campaigns/{slug}/figures", response=responses(),
            summary="Figures: submissions, adopted, implemented, by region and category")
def campaign_figures(request, slug: Code, region: Code | None = None):
    c = get_visible(request, slug)
    r = None
    if region:
        from minqing.cases.actions import _region

        r = _region(region)
    return figures.campaign_figures(c, region=r)


@router.get("/campaigns/{slug}/submissions", response=responses(), summary="The campaign's submissions")
def list_submissions(request, slug: Code, status: Code | None = None, page: Page = 1,
                     page_size: PageSize(MAX_LIST_PAGE) = 50):
    a = actor(request)
    c = get_visible(request, slug)
    qs = figures.submissions(c).select_related("case__category", "case__region", "case__owner_region",
                                               "case__lead_department", "campaign")
    if status:
        if status not in Review.values:
            from minqing.cases.errors import InvalidInput

            raise InvalidInput(f"status must be one of {', '.join(Review.values)}", field="status")
        qs = qs.filter(status=status)
    total = qs.count()
    start = (page - 1) * page_size
    rows = []
    for link in qs.order_by("-id")[start:start + page_size]:
        show = text_masker(a, link.case)
        d = figures.idea_dict(link)
        d.update(case=link.case.pk, text=show(link.case.text), answer=show(link.answer), outcome=show(link.outcome))
        rows.append(d)
    return {"total": total, "page": page, "page_size": page_size, "results": rows}


class AdoptIn(Schema):
    note: text(actions.MAX_ANSWER) = ""
    topic: text(actions.MAX_TOPIC) = ""


class MergeIn(Schema):
    into: Id


class AnswerIn(Schema):
    text: text(actions.MAX_ANSWER)
    topic: text(actions.MAX_TOPIC) = ""


class OutcomeIn(Schema):
    text: text(actions.MAX_ANSWER)
    implemented: bool = False


def _link(request, slug, link_id):
    return actions.load_link(get_visible(request, slug), link_id)


@router.post("/campaigns/{slug}/submissions/{link_id}/adopt", response=responses(),
             summary="采纳: adopt a submission")
def adopt(request, slug: Code, link_id: Id, payload: AdoptIn):
    link = actions.do_adopt(actor(request), _link(request, slug, link_id), **payload.dict())
    return figures.idea_dict(link)


@router.post("/campaigns/{slug}/submissions/{link_id}/merge", response=responses(),
             summary="Merge a submission into an adopted one")
def merge(request, slug: Code, link_id: Id, payload: MergeIn):
    link = actions.do_merge(actor(request), _link(request, slug, link_id), into=payload.into)
    return figures.idea_dict(link)


@router.post("/campaigns/{slug}/submissions/{link_id}/answer", response=responses(),
             summary="Answer a submission without adopting it")
def answer(request, slug: Code, link_id: Id, payload: AnswerIn):
    link = actions.do_answer(actor(request), _link(request, slug, link_id), **payload.dict())
    return figures.idea_dict(link)


@router.post("/campaigns/{slug}/submissions/{link_id}/outcome", response=responses(),
             summary="What became of an adopted idea (落实情况)")
def outcome(request, slug: Code, link_id: Id, payload: OutcomeIn):
    link = actions.do_record_outcome(actor(request), _link(request, slug, link_id), **payload.dict())
    return figures.idea_dict(link)


def _file(content, content_type, name):
    resp = HttpResponse(content, content_type=content_type)
    resp["Content-Disposition"] = f'attachment; filename="{name}"'
    resp["Cache-Control"] = "no-store"
    return resp


@router.get("/campaigns/{slug}/digest.docx", response=responses(None), summary="The digest (摘编) as DOCX")
def digest_docx(request, slug: Code):
    c = get_visible(request, slug)
    stamp = timezone.localtime().strftime("%Y%m%d")
    return _file(digest.docx_bytes(digest.build(c)),
                 "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                 f"digest-{c.slug}-{stamp}.docx")


@router.get("/campaigns/{slug}/digest.xlsx", response=responses(None), summary="The digest (摘编) as XLSX")
def digest_xlsx(request, slug: Code):
    c = get_visible(request, slug)
    return exports.response("xlsx", f"digest-{c.slug}", digest.xlsx_sheets(digest.build(c)))


@router.get("/campaigns/{slug}/poster.pdf", response=responses(None), summary="The A4 poster with the QR code")
def poster_pdf(request, slug: Code):
    c = get_visible(request, slug)
    url = request.build_absolute_uri(poster.submit_path(c))
    return _file(poster.poster_pdf(c, url), "application/pdf", f"poster-{c.slug}.pdf")


@router.get("/campaigns/{slug}/qr.svg", response=responses(None), summary="The campaign's QR code (SVG)")
def qr(request, slug: Code):
    c = get_visible(request, slug)
    return HttpResponse(poster.qr_svg(request.build_absolute_uri(poster.submit_path(c))),
                        content_type="image/svg+xml")


# ---- 金果子 ---------------------------------------------------------------------------------

class TypicalIn(Schema):
    title: text(actions.MAX_TYPICAL_TITLE)
    writeup: text(actions.MAX_WRITEUP)


@router.post("/cases/{case_id}/typical", response=responses(status=201),
             summary="Mark a closed case as typical (金果子), with a short public write-up")
def mark_typical(request, case_id: Id, payload: TypicalIn):
    a = actor(request)
    case = visible_cases(a, Case.objects.select_related("region", "owner_region")).filter(pk=case_id).first()
    if case is None:
        raise NotFound("案件不存在 / case not found")
    row = actions.do_mark_typical(a, case, **payload.dict())
    return 201, {"case": case.pk, "title": row.title, "writeup": row.writeup, "marked_at": row.marked_at.isoformat()}


@router.delete("/cases/{case_id}/typical", response=responses(), summary="Withdraw a typical case")
def unmark_typical(request, case_id: Id):
    a = actor(request)
    case = visible_cases(a, Case.objects.all()).filter(pk=case_id).first()
    if case is None:
        raise NotFound("案件不存在 / case not found")
    actions.do_unmark_typical(a, case)
    return {"case": case_id, "typical": False}


@router.get("/typical", response=responses(), summary="金果子: typical cases and adopted ideas (masked)")
def list_typical(request, region: Code | None = None, limit: PageSize(200) = 50):
    r = None
    if region:
        from minqing.cases.actions import _region

        r = _region(region)
    return {"typical_cases": figures.typical_cases(region=r, limit=limit),
            "adopted_ideas": figures.adopted_ideas(region=r, limit=limit)}
