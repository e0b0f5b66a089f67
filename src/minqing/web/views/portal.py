"""The reporter's pages (no login): the form, the tracking page, QR codes."""

import io

import segno
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET

from minqing import images
from minqing.cases import actions
from minqing.cases.errors import ActionError
from minqing.cases.models import Attachment, Case, Category, Channel, State
from minqing.people.scoping import Actor
from minqing.regions.models import Region

from .. import ratelimit
from ..forms import PublicVisitForm, ReportForm, TrackForm
from ..models import Campaign, FormSubmission, PendingUpload
from .common import client_ip, mask_text

# plain-word progress of a case for its reporter
STEPS = [
    ("registered", gettext_noop("已受理")),
    ("assigned", gettext_noop("已交办")),
    ("in_progress", gettext_noop("办理中")),
    ("handled", gettext_noop("已答复")),
    ("closed", gettext_noop("已办结")),
]
STEP_OF_STATE = {"registered": 0, "assigned": 1, "in_progress": 2, "reopened": 2, "handled": 3, "closed": 4}
PUBLIC_ACTIONS = {
    "register": gettext_noop("已收到您的反映"),
    "assign": gettext_noop("已交由承办部门办理"),
    "accept": gettext_noop("承办部门已签收"),
    "return": gettext_noop("正在重新分派"),
    "escalate": gettext_noop("已提交上级统筹办理"),
    "meet": gettext_noop("多部门会商办理"),
    "whistle": gettext_noop("街道吹哨，部门报到"),
    "report": gettext_noop("召集部门已报到"),
    "supervise": gettext_noop("上级已督办"),
    "approve_extension": gettext_noop("办理时限已调整"),
    "handle": gettext_noop("承办部门已答复"),
    "progress": gettext_noop("办理进展"),
    "visit_back": gettext_noop("已回访"),
    "close_by_rule": gettext_noop("已办结销号"),
    "reopen": gettext_noop("重新办理"),
    "merge_in": gettext_noop("相同问题已合并办理"),
    "unmerge": gettext_noop("已恢复单独办理"),
    "invalidate": gettext_noop("经核实不予受理"),
}


def region_chain(region):
    """[(level regions, selected)] for the cascading picker down from the roots."""
    levels = []
    chain = region.ancestors() if region else []
    for depth in range(len(chain) + 1):
        parent = chain[depth - 1] if depth else None
        options = list(Region.objects.filter(parent=parent).order_by("code").only("code", "name", "level"))
        if not options:
            break
        selected = chain[depth].code if depth < len(chain) else ""
        levels.append({"parent": parent.code if parent else "", "options": options, "selected": selected})
    return levels


@require_GET
def region_picker(request):
    """htmx: the picker re-rendered for the chosen region (its chain plus its children)."""
    code = request.GET.get("region_pick") or request.GET.get("region") or ""
    region = Region.objects.filter(code=code).first() if code else None
    return render(request, "web/portal/_region_picker.html", {"levels": region_chain(region), "region": region,
                                                              "confirmed": request.GET.get("confirmed") == "1"})


@require_GET
def category_options(request):
    """htmx: the category select filtered by a search word (name, English name, keywords)."""
    q = (request.GET.get("q") or "").strip()
    cats = Category.objects.filter(active=True)
    q = q[:50]
    selected = request.GET.get("category", "")
    if q:
        cats = cats.filter(Q(name__icontains=q) | Q(name_en__icontains=q) | Q(keywords__icontains=q) | Q(code__icontains=q))
        found = list(cats[:2])
        if len(found) == 1:  # a search that leaves one category chooses it
            selected = found[0].code
    return render(request, "web/portal/_category_options.html", {"categories": cats, "selected": selected, "q": q})


PLACE_TEXT_MAX = 5000


@require_GET
def place_suggestion(request):
    """htmx: the place the text names, as it is typed, to confirm in one tap (the cascading
    picker stays for everything else). Only places of this deployment's region tree."""
    from minqing.insights.text import read

    text = (request.GET.get("text") or "")[:PLACE_TEXT_MAX]
    current = request.GET.get("region") or ""
    region = None
    if len(text.strip()) >= 2:
        place = read(text).place
        if place and place.get("region_id"):
            region = Region.objects.filter(pk=place["region_id"]).first()
    if region is not None and region.code == current:
        region = None  # already chosen
    return render(request, "web/portal/_place_suggestion.html", {"suggested": region})


def _initial_from_query(request):
    initial = {}
    region = Region.objects.filter(code=request.GET.get("region", "")).first()
    campaign = Campaign.objects.filter(slug=request.GET.get("campaign", ""), active=True).select_related(
        "region", "category").first()
    if campaign:
        initial["campaign"] = campaign.slug
        initial["kind"] = campaign.kind
        if campaign.category_id:
            initial["category"] = campaign.category.code
        region = region or campaign.region
    if region:
        initial["region"] = region.code
    cat = request.GET.get("category")
    if cat:
        initial["category"] = cat
    return initial, region, campaign


def report(request):
    initial, region, campaign = _initial_from_query(request)
    if request.method == "POST":
        form = ReportForm(request.POST, request.FILES)
        if ratelimit.hit("report", client_ip(request), "REPORT_RATE"):
            return too_many(request)
        if form.is_valid():
            existing = FormSubmission.objects.filter(token=form.cleaned_data["token"]).select_related("case").first()
            if existing:  # the same form sent twice: one case
                return redirect("web:report_done", code=existing.case.tracking_code)
            try:
                case = _register(request, form)
            except ActionError as e:
                form.add_error(e.field if e.field in form.fields else None, e.message)
            except IntegrityError:  # a concurrent double submission won the token first
                existing = FormSubmission.objects.filter(token=form.cleaned_data["token"]).select_related("case").first()
                if existing is None:
                    raise
                return redirect("web:report_done", code=existing.case.tracking_code)
            else:
                return redirect("web:report_done", code=case.tracking_code)
        region = Region.objects.filter(code=request.POST.get("region", "")).first()
        pending = _keep_photo(form)
        status = 422
    else:
        form = ReportForm(initial=initial)
        pending = None
        status = 200
    selected_cat = form["category"].value() or ""
    ctx = {
        "form": form,
        "levels": region_chain(region),
        "region": region,
        "campaign": campaign,
        "categories": Category.objects.filter(active=True),
        "selected_category": selected_cat,
        "pending": pending,
    }
    return render(request, "web/portal/report.html", ctx, status=status)


def _keep_photo(form):
    """The photo to carry over a form error: a newly accepted upload is stored as a pending
    upload of this form (its token proves which form), else the one carried so far."""
    data = getattr(form, "cleaned_data", {})
    token = data.get("token")
    if not token:  # an expired or forged form: nothing to bind the photo to
        return None
    if data.get("photo"):
        return PendingUpload.keep(data["photo"], token)
    return data.get("pending")


def _register(request, form):
    d = form.cleaned_data
    campaign = Campaign.objects.filter(slug=d.get("campaign") or "", active=True).first()
    with transaction.atomic():
        case = actions.register(
            Actor.public("public-web"),
            text=d["text"],
            channel=Channel.QR if (campaign or request.GET.get("via") == "qr" or request.POST.get("via") == "qr")
            else Channel.WEB,
            kind=d["kind"],
            category=d["category"],
            region=d["region"],
            address=d["address"],
            reporter_name=d["reporter_name"],
            reporter_phone=d["reporter_phone"],
            anonymous=d["anonymous"],
        )
        FormSubmission.objects.create(token=d["token"], case=case)
        if campaign and campaign.is_open():
            from minqing.ideas.actions import do_link_submission

            do_link_submission(campaign, case)
        photo = d.get("photo")
        pending = d.get("pending")
        if photo:
            Attachment.objects.create(case=case, file=photo, content_type=photo.sniffed_type, size=photo.size)
        elif pending:  # chosen on an earlier try of this form
            with pending.file.open("rb") as fh:
                # named by its checked type, never by the name the client sent
                Attachment.objects.create(case=case, file=File(fh, name=images.filename_for(pending.content_type)),
                                          content_type=pending.content_type, size=pending.size)
            transaction.on_commit(pending.discard)
        if photo or d.get("photo_clear"):
            for old in PendingUpload.objects.filter(form_token=d["token"]):
                transaction.on_commit(old.discard)
    return case


def too_many(request, bucket="report", name="REPORT_RATE"):
    retry = ratelimit.retry_after(name, bucket, client_ip(request)) or 1
    resp = render(request, "web/portal/429.html", {"retry": retry}, status=429)
    resp["Retry-After"] = str(retry)
    return resp


def report_done(request, code):
    case = get_object_or_404(Case, tracking_code=code)
    url = request.build_absolute_uri(reverse("web:track", args=[case.tracking_code]))
    return render(request, "web/portal/done.html", {"case": case, "track_url": url})


def track_lookup(request):
    form = TrackForm(request.GET or None)
    if form.is_bound and form.is_valid():
        code = form.cleaned_data["code"].strip().upper()
        if Case.objects.filter(tracking_code=code).exists():
            return redirect("web:track", code=code)
        form.add_error("code", _("没有找到这个查询码，请核对。"))
    return render(request, "web/portal/track_lookup.html", {"form": form}, status=404 if form.errors else 200)


def track(request, code):
    case = Case.objects.filter(tracking_code=code.upper()).select_related("region", "category", "lead_department").first()
    if case is None:
        return render(request, "web/portal/track_lookup.html",
                      {"form": TrackForm(), "missing": code}, status=404)
    followed = None
    # a merged case follows its original (one level or more)
    seen = set()
    while case.state == State.MERGED and case.merged_into_id and case.pk not in seen:
        seen.add(case.pk)
        followed = followed or case
        case = Case.objects.select_related("region", "category", "lead_department").get(pk=case.merged_into_id)
    form = None
    if case.state == State.HANDLED:
        if request.method == "POST":
            if ratelimit.hit("visit", client_ip(request), "VISIT_RATE"):
                return too_many(request, "visit", "VISIT_RATE")
            form = PublicVisitForm(request.POST)
            if form.is_valid():
                d = form.cleaned_data
                try:
                    actions.visit_back(Actor.public("reporter"), case, rating=d["rating"], score=d["score"],
                                       note=d["note"], solved=d["solved"], reached=True)
                except ActionError as e:
                    form.add_error(e.field if e.field in form.fields else None, e.message)
                else:
                    return redirect("web:track", code=code)
        else:
            form = PublicVisitForm()
    elif request.method == "POST":
        return redirect("web:track", code=code)
    # a progress note is shown only when the department ticked 公开 (its event is public), masked
    events = [
        {"at": e.at, "label": PUBLIC_ACTIONS.get(e.action), "action": e.action,
         "note": mask_text(e.note) if e.action == "progress" else ""}
        for e in case.events.filter(public=True).only("at", "action", "note")
        if e.action in PUBLIC_ACTIONS
    ]
    step = STEP_OF_STATE.get(case.state, 0)
    ctx = {
        "case": case,
        "followed": followed,
        "steps": [(i, label, i <= step) for i, (_s, label) in enumerate(STEPS)],
        "step": step,
        "events": events,
        "text": mask_text(case.text),
        "result": mask_text(case.result),
        "form": form,
        "invalid": case.state == State.INVALID,
    }
    return render(request, "web/portal/track.html", ctx, status=422 if form is not None and form.errors else 200)


# ---- QR codes ------------------------------------------------------------------------


def _qr_svg(url):
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=6, border=2, xmldecl=False, svgns=True)
    return out.getvalue().decode()


def qr_region(request, code):
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise Http404
    url = request.build_absolute_uri(reverse("web:report") + f"?region={region.code}&via=qr")
    return render(request, "web/portal/qr.html",
                  {"title": region.full_name(), "url": url, "svg": _qr_svg(url), "region": region})


def qr_campaign(request, slug):
    campaign = get_object_or_404(Campaign, slug=slug)
    url = request.build_absolute_uri(reverse("web:report") + f"?campaign={campaign.slug}")
    return render(request, "web/portal/qr.html",
                  {"title": campaign.title, "url": url, "svg": _qr_svg(url), "campaign": campaign})


def qr_svg(request, kind, key):
    if kind == "region":
        get_object_or_404(Region, code=key)
        url = request.build_absolute_uri(reverse("web:report") + f"?region={key}&via=qr")
    else:
        get_object_or_404(Campaign, slug=key)
        url = request.build_absolute_uri(reverse("web:report") + f"?campaign={key}")
    return HttpResponse(_qr_svg(url), content_type="image/svg+xml")
