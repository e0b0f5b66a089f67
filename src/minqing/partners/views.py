"""Partner pages: the partner's own desk (its tasks, summons and the wishes it may claim — the
handler's pages limited to its tasks), the wishes board for cadres, and the partners of a region.

Thin: every change goes through ``minqing.partners.actions`` or ``minqing.cases.actions``."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from minqing.cases import actions as case_actions
from minqing.cases.errors import ActionError
from minqing.cases.models import Case, State, Task
from minqing.people.models import Role
from minqing.people.scoping import Actor, text_masker
from minqing.visits.views import page_message

from . import actions, figures
from .models import Partner, PartnerSummons, Wish

STAFF = (Role.CADRE, Role.DISPATCHER, Role.LEADER, Role.SUPERVISOR)


def _staff(request):
    a = Actor.for_user(request.user)
    if not (a.is_admin or any(r in a.roles() for r in STAFF)):
        raise PermissionDenied(_("您的角色不能打开此页面。"))
    return a


def _act(request, fn):
    try:
        fn()
    except ActionError as e:
        messages.error(request, page_message(e.message))
        return False
    return True


@login_required
def tasks_page(request):
    """合伙人工作台: the partner's tasks (with their cases, masked), summons to report on, wishes."""
    a = Actor.for_user(request.user)
    partner_ids = a.partner_ids()
    if not partner_ids:
        raise PermissionDenied(_("您不是社区合伙人的联系人。"))
    if request.method == "POST":
        p = request.POST
        what = p.get("action")
        if what == "complete":
            task = Task.objects.filter(pk=p.get("task") or 0, partner_id__in=partner_ids).first()
            if task is not None and _act(request, lambda: case_actions.complete_task(a, task, outcome=p.get("outcome", ""))):
                messages.success(request, _("任务已完成"))
        elif what == "report":
            case = Case.objects.filter(pk=p.get("case") or 0, partner_summons__partner_id__in=partner_ids).first()
            if case is not None and _act(request, lambda: actions.do_partner_report(a, case, text=p.get("text", ""))):
                messages.success(request, _("已报到"))
        elif what == "claim":
            if _act(request, lambda: actions.do_claim_wish(a, int(p.get("wish") or 0))):
                messages.success(request, _("已认领"))
        elif what == "fulfil":
            if _act(request, lambda: actions.do_fulfil_wish(a, int(p.get("wish") or 0), outcome=p.get("outcome", ""))):
                messages.success(request, _("心愿已实现"))
        return redirect("partners:tasks")
    cases = Prefetch("cases", queryset=Case.objects.select_related("region", "owner_region", "category"))
    tasks = list(Task.objects.filter(partner_id__in=partner_ids).select_related("partner").prefetch_related(cases)
                 .order_by("status", "due", "-id"))
    for t in tasks:
        t.shown_cases = [(c, text_masker(a, c)(c.text), State(c.state).label) for c in t.cases.all()]
    summons = list(PartnerSummons.objects.filter(partner_id__in=partner_ids).select_related("case", "partner")
                   .order_by("reported_at", "-summoned_at"))
    for s in summons:
        s.shown_text = text_masker(a, s.case)(s.case.text)
    wishes = [actions.wish_dict(w, a) for w in actions.visible_wishes(a).exclude(status=Wish.FULFILLED)[:50]]
    return render(request, "partners/tasks.html", {
        "partners": Partner.objects.filter(pk__in=partner_ids), "tasks": tasks, "summons": summons,
        "wishes": wishes})


@login_required
def wishes_page(request):
    """微心愿: the wishes of the caller's region; a cadre claims and fulfils them here."""
    a = _staff(request)
    if request.method == "POST":
        p = request.POST
        if p.get("action") == "claim" and _act(request, lambda: actions.do_claim_wish(a, int(p.get("wish") or 0))):
            messages.success(request, _("已认领"))
        elif p.get("action") == "fulfil" and _act(
                request, lambda: actions.do_fulfil_wish(a, int(p.get("wish") or 0), outcome=p.get("outcome", ""))):
            messages.success(request, _("心愿已实现"))
        return redirect("partners:wishes")
    wishes = [actions.wish_dict(w, a) for w in actions.visible_wishes(a)[:100]]
    uid = request.user.pk
    for w, row in zip(actions.visible_wishes(a)[:100], wishes):
        row["mine"] = w.claimed_by_id == uid and w.partner_id is None
    regions = a.regions_for(*STAFF)
    return render(request, "partners/wishes.html", {
        "wishes": wishes, "figures": figures.wishes(regions[0] if regions else None)})


@login_required
def home(request):
    """The partners of the caller's region, with their tasks and wishes."""
    a = _staff(request)
    regions = a.regions_for(*STAFF)
    region = regions[0] if regions else None
    partners = [actions.partner_dict(p, a) for p in actions.visible_partners(a).filter(active=True)[:200]]
    return render(request, "partners/home.html", {"partners": partners, "summary": figures.summary(region),
                                                  "region": region})
