"""Pages: 包案 and the petition backlog (/work/backlog/), 固定接待日 (/work/reception/) and an
agreement's document. Thin: the changes are ``actions``, the list and figures ``figures``."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minqing.cases.errors import ActionError
from minqing.cases.models import Case, Kind
from minqing.people.models import Membership, Role
from minqing.people.scoping import Actor, text_masker, visible_cases
from minqing.regions.models import Region

from . import actions, figures
from .models import Agreement

PAGE_ROLES = (Role.LEADER, Role.DISPATCHER, Role.SUPERVISOR, Role.OPERATOR)
PAGE_SIZE = 30


def _message(error):
    from minqing.visits.views import page_message

    return page_message(error.message)


def _actor(request):
    a = Actor.for_user(request.user)
    if not (a.is_admin or a.roles() & set(PAGE_ROLES)):
        raise PermissionDenied(_("只有领导、调度员、督办员和接诉员可以查看"))
    return a


def _home_region(a):
    regions = a.regions_for(*PAGE_ROLES)
    return regions[0] if regions else None


@login_required
def backlog_page(request):
    a = _actor(request)
    owned = {"mine": True, "owned": True, "unowned": False}.get(request.GET.get("show", ""))
    qs = visible_cases(a, Case.objects.select_related("region", "leader__profile", "lead_department"))
    if request.GET.get("show") == "mine":
        qs = qs.filter(leader=request.user)
    rows = figures.backlog_cases(qs, owned=owned)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    since = figures.owned_since([c.pk for c in page if c.leader_id])
    now = timezone.now()
    for c in page:
        c.shown_text = text_masker(a, c)(c.text)
        c.age_days = (now - c.registered_at).days
        c.since = since.get(c.pk)
        c.may_own = c.leader_id is None and actions.may_own(a, c)
        c.may_release = actions.may_release(a, c)
        c.may_agree = actions.may_record_agreement(a, c)
        c.is_petition = c.petition_first == 0
    region = _home_region(a)
    return render(request, "backlog/backlog.html", {
        "page": page, "show": request.GET.get("show", ""), "f": figures.compute(region), "region": region,
        "today": timezone.localdate().isoformat(),
    })


def _case_for(request, a, pk):
    case = visible_cases(a, Case.objects.select_related("region", "owner_region")).filter(pk=pk).first()
    if case is None:
        raise Http404(_("案件不存在"))
    return case


def _back(request):
    nxt = request.POST.get("next") or ""
    return redirect(nxt if nxt.startswith("/work/backlog/") else reverse("backlog:list"))


@login_required
@require_POST
def own(request, pk):
    a = _actor(request)
    case = _case_for(request, a, pk)
    try:
        if request.POST.get("release"):
            actions.do_release_case(a, case, note=request.POST.get("note", ""))
            messages.success(request, _("已解除包案 %(code)s") % {"code": case.tracking_code})
        else:
            actions.do_own_case(a, case, note=request.POST.get("note", ""))
            messages.success(request, _("已包案 %(code)s") % {"code": case.tracking_code})
    except ActionError as e:
        messages.error(request, _message(e))
    return _back(request)


@login_required
@require_POST
def agreement(request, pk):
    a = _actor(request)
    case = _case_for(request, a, pk)
    try:
        actions.do_record_agreement(a, case, signed_on=request.POST.get("signed_on") or None,
                                    parties=request.POST.get("parties", ""), summary=request.POST.get("summary", ""),
                                    document=request.FILES.get("document"))
        messages.success(request, _("息访协议已登记 %(code)s") % {"code": case.tracking_code})
    except ActionError as e:
        messages.error(request, _message(e))
    return _back(request)


@login_required
def agreement_document(request, pk):
    a = Actor.for_user(request.user)
    ag = Agreement.objects.filter(pk=pk).first()
    if ag is None or not visible_cases(a, Case.objects.filter(pk=ag.case_id)).exists():
        raise Http404(_("协议不存在"))
    ext = "pdf" if ag.content_type == actions.PDF else ag.document.name.rsplit(".", 1)[-1]
    resp = FileResponse(ag.document.open("rb"), content_type=ag.content_type, as_attachment=True,
                        filename=f"agreement-{ag.pk}.{ext}")
    resp["X-Content-Type-Options"] = "nosniff"
    return resp


# ---- 固定接待日 ---------------------------------------------------------------------------------


def _leaders(region):
    """Leaders who may receive in ``region`` (their region covers it)."""
    if region is None:
        ms = Membership.objects.filter(role=Role.LEADER)
    else:
        codes = [c for c in region.path.strip("/").split("/") if c]
        ms = Membership.objects.filter(role=Role.LEADER, region__code__in=codes)
    ids = ms.values_list("user_id", flat=True)
    return list(get_user_model().objects.filter(pk__in=ids, is_active=True).select_related("profile")
                .order_by("username"))


@login_required
def reception_page(request):
    a = _actor(request)
    region = _home_region(a)
    error = None
    if request.method == "POST":
        try:
            if request.POST.get("reception"):
                case = actions.do_register_at_reception(
                    a, actions.load_reception(int(request.POST["reception"]) if request.POST["reception"].isdigit()
                                              else 0),
                    text=request.POST.get("text", ""), kind=request.POST.get("kind", ""),
                    region=request.POST.get("region") or None, reporter_name=request.POST.get("reporter_name", ""),
                    reporter_phone=request.POST.get("reporter_phone", ""))
                messages.success(request, _("已登记 %(code)s，包案领导已确定") % {"code": case.tracking_code})
                return redirect("web:case", pk=case.pk)
            actions.do_schedule_reception(a, leader=request.POST.get("leader"),
                                          region=request.POST.get("region_code") or (region.code if region else None),
                                          date=request.POST.get("date") or None, place=request.POST.get("place", ""),
                                          note=request.POST.get("note", ""))
            messages.success(request, _("接待日已安排"))
            return redirect("backlog:reception")
        except ActionError as e:
            error = _message(e)
    today = timezone.localdate()
    receptions = list(actions.visible_receptions(a).filter(date__gte=today - dt.timedelta(days=30)).order_by("date", "id")[:100])
    for r in receptions:
        r.leader_name = (getattr(r.leader, "profile", None) and r.leader.profile.display_name) or r.leader.username
        r.may_register = actions.may_register_at(a, r)
        r.n_cases = r.cases.count()
    regions = [r for r in a.regions_for(Role.LEADER, Role.DISPATCHER)] or (
        list(Region.objects.filter(parent__isnull=True)) if a.is_admin else [])
    return render(request, "backlog/reception.html", {
        "receptions": receptions, "today": today, "error": error, "kinds": Kind.choices,
        "may_schedule": a.is_admin or bool(a.regions_for(Role.LEADER, Role.DISPATCHER)),
        "leaders": _leaders(regions[0] if len(regions) == 1 else None), "regions": regions,
    })
