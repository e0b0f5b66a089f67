"""金点子 pages: the staff list of campaigns, the create/edit form (leaders, admins), the review
desk (leaders, dispatchers), the public campaign page ``/ideas/SLUG/`` (masked), its QR code
and A4 poster, the 金果子 board ``/board/typical/`` and marking a closed case typical.

Views are thin: changes go through ``ideas.actions``, figures through ``ideas.figures``."""

from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from minqing.cases.errors import ActionError
from minqing.cases.models import Case, Category, Kind
from minqing.people.masking import mask_name, mask_text
from minqing.people.models import Role
from minqing.regions.models import Region
from minqing.web.views.common import Page, get_actor, role_required

from . import actions, figures, poster
from .models import Campaign, CampaignCase, Review

STAFF_ROLES = (Role.LEADER, Role.DISPATCHER)
PUBLIC_PER_PAGE = 20


def _message(e):
    from minqing.visits.views import page_message

    return page_message(e.message)


def _visible(a):
    from minqing.api.campaigns import visible

    return visible(a, Campaign.objects.select_related("region"))


@role_required(*STAFF_ROLES)
def campaign_list(request):
    a = get_actor(request)
    rows = list(_visible(a).annotate(n=Count("links")).order_by("-created_at", "slug")[:200])
    return render(request, "ideas/list.html", {"campaigns": rows, "may_create": actions.may_edit(a)})


def _form_values(post):
    return {
        "title": post.get("title", ""), "region": post.get("region", ""), "starts": post.get("starts", ""),
        "ends": post.get("ends", ""), "kind": post.get("kind", "suggestion"),
        "description": post.get("description", ""), "categories": post.getlist("categories")[:actions.MAX_CATEGORIES],
        "target_groups": post.get("target_groups", ""),
    }


def _form_ctx(a, campaign, values, error=None, field=None):
    regions = Region.objects.exclude(level__in=("village", "grid")).order_by("path")
    if not a.is_admin:
        regions = [r for r in regions if a.covers_region(r, *actions.EDIT_ROLES)]
    return {"campaign": campaign, "values": values, "error": error, "error_field": field, "regions": regions,
            "kinds": Kind.choices, "all_categories": Category.objects.filter(active=True)}


@role_required(Role.LEADER)
def campaign_new(request):
    a = get_actor(request)
    if request.method == "POST":
        values = _form_values(request.POST)
        values["slug"] = request.POST.get("slug", "")
        try:
            c = actions.do_create_campaign(a, **values)
        except ActionError as e:
            return render(request, "ideas/form.html", _form_ctx(a, None, values, _message(e), e.field), status=422)
        return redirect("ideas:review", slug=c.slug)
    values = {"kind": "suggestion", "categories": []}
    return render(request, "ideas/form.html", _form_ctx(a, None, values))


@role_required(Role.LEADER)
def campaign_edit(request, slug):
    a = get_actor(request)
    c = _visible(a).filter(slug=slug).first()
    if c is None:
        raise Http404
    if request.method == "POST":
        values = _form_values(request.POST)
        values["active"] = request.POST.get("active") == "on"
        try:
            actions.do_edit_campaign(a, c, **values)
        except ActionError as e:
            return render(request, "ideas/form.html", _form_ctx(a, c, values, _message(e), e.field), status=422)
        return redirect("ideas:review", slug=c.slug)
    values = {"title": c.title, "region": c.region.code if c.region_id else "",
              "starts": c.starts.isoformat() if c.starts else "", "ends": c.ends.isoformat() if c.ends else "",
              "kind": c.kind, "description": c.description, "target_groups": c.target_groups,
              "categories": [cat.code for cat in c.categories.all()], "active": c.active}
    return render(request, "ideas/form.html", _form_ctx(a, c, values))


REVIEW_ACTIONS = ("adopt", "merge", "answer", "outcome")


@role_required(*STAFF_ROLES)
def review(request, slug):
    """The review desk: each submission with its review forms (adopt, merge, answer, outcome)."""
    a = get_actor(request)
    c = _visible(a).filter(slug=slug).first()
    if c is None:
        raise Http404
    error = None
    status = 200
    if request.method == "POST":
        act = request.POST.get("action")
        try:
            if act not in REVIEW_ACTIONS:
                raise ActionError(_("未知操作"))
            link = actions.load_link(c, request.POST.get("link", ""))
            p = request.POST
            if act == "adopt":
                actions.do_adopt(a, link, note=p.get("note", ""), topic=p.get("topic", ""))
            elif act == "merge":
                actions.do_merge(a, link, into=p.get("into", ""))
            elif act == "answer":
                actions.do_answer(a, link, text=p.get("text", ""), topic=p.get("topic", ""))
            else:
                actions.do_record_outcome(a, link, text=p.get("text", ""), implemented=p.get("implemented") == "on")
        except ActionError as e:
            error, status = _message(e), 422 if e.status == 422 else e.status
        else:
            return redirect(reverse("ideas:review", kwargs={"slug": c.slug}) + f"?status={request.GET.get('status', '')}"
                            + f"#link-{link.pk}")
    wanted = request.GET.get("status") or ""
    qs = figures.submissions(c).select_related("case__category", "case__region", "case__owner_region",
                                              "case__lead_department", "merged_into").order_by("-id")
    if wanted in Review.values:
        qs = qs.filter(status=wanted)
    page = Page(request, qs, per_page=30)
    from minqing.people.scoping import text_masker

    for link in page.object_list:
        link.shown_text = text_masker(a, link.case)(link.case.text)
    adopted = list(figures.submissions(c).filter(status=Review.ADOPTED).select_related("case").order_by("id"))
    ctx = {"campaign": c, "page": page, "links": page.object_list, "adopted": adopted, "error": error,
           "figures": figures.campaign_figures(c), "statuses": Review.choices, "wanted": wanted,
           "may_review": actions.may_review(a, c), "may_edit": actions.may_edit(a, c.region)}
    return render(request, "ideas/review.html", ctx, status=status)


def _public_campaign(slug):
    c = Campaign.objects.select_related("region").filter(slug=slug).first()
    if c is None:
        raise Http404
    return c


def public_page(request, slug):
    """The public campaign page: what it asks, how to take part, the adopted ideas and every
    submission (masked) with its status."""
    c = _public_campaign(slug)
    qs = (figures.submissions(c).select_related("case__category", "case__region", "campaign")
          .annotate(merged_count=Count("merged_links")).order_by("-id"))
    page = Page(request, qs, per_page=PUBLIC_PER_PAGE)
    rows = []
    for link in page.object_list:
        d = figures.idea_dict(link)
        d["reporter"] = "" if link.case.anonymous else mask_name(link.case.reporter_name)
        rows.append(d)
    url = request.build_absolute_uri(poster.submit_path(c))
    ctx = {"campaign": c, "page": page, "rows": rows, "adopted": figures.adopted_ideas(campaign=c, limit=100),
           "figures": figures.campaign_figures(c), "submit_url": poster.submit_path(c), "qr": poster.qr_svg(url, 4),
           "description": mask_text(c.description)}
    return render(request, "ideas/public.html", ctx)


def qr_svg(request, slug):
    c = _public_campaign(slug)
    return HttpResponse(poster.qr_svg(request.build_absolute_uri(poster.submit_path(c))),
                        content_type="image/svg+xml")


def poster_pdf(request, slug):
    c = _public_campaign(slug)
    pdf = poster.poster_pdf(c, request.build_absolute_uri(poster.submit_path(c)))
    resp = HttpResponse(pdf, content_type="application/pdf")
    resp["Content-Disposition"] = f'inline; filename="poster-{c.slug}.pdf"'
    return resp


def typical_board(request):
    """金果子: adopted ideas and typical solved cases, masked."""
    region = Region.objects.filter(code=request.GET.get("region", "")).first()
    return render(request, "ideas/typical.html", {
        "region": region, "typical": figures.typical_cases(region=region, limit=100),
        "adopted": figures.adopted_ideas(region=region, limit=100),
    })


@role_required(*actions.TYPICAL_ROLES)
def mark_typical(request, case_id):
    from minqing.people.scoping import visible_cases

    a = get_actor(request)
    case = visible_cases(a, Case.objects.select_related("region", "owner_region")).filter(pk=case_id).first()
    if case is None:
        raise Http404
    values = {"title": "", "writeup": ""}
    error = None
    if request.method == "POST":
        values = {"title": request.POST.get("title", ""), "writeup": request.POST.get("writeup", "")}
        try:
            actions.do_mark_typical(a, case, **values)
        except ActionError as e:
            error = _message(e)
        else:
            return redirect("typical_board")
    return render(request, "ideas/mark_typical.html",
                  {"case": case, "values": values, "error": error, "text": mask_text(case.text)},
                  status=422 if error else 200)


def campaign_for_case(case):
    return CampaignCase.objects.filter(case=case).select_related("campaign").first()
