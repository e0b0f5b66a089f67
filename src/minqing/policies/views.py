"""免申即享 pages: the policies with their figures (/policies/), one policy with the subjects
still to serve (/policies/CODE/), a delivery from the page. Thin: ``actions``, ``figures``."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minqing.cases.errors import ActionError, NotFound
from minqing.people.models import Role
from minqing.people.scoping import Actor
from minqing.visits.actions import subject_dict, visible_subjects
from minqing.visits.models import Pairing, Subject, Visit

from . import actions, eligibility, figures

PAGE_ROLES = (Role.LEADER, Role.DISPATCHER, Role.SUPERVISOR, Role.OPERATOR, Role.CADRE)


def _actor(request):
    a = Actor.for_user(request.user)
    if not (a.is_admin or a.roles() & set(PAGE_ROLES)):
        raise PermissionDenied(_("只有领导、调度员和干部可以查看"))
    return a


def _region(a):
    regions = [m.region for m in a.memberships if m.role in PAGE_ROLES and m.region_id]
    return regions[0] if regions and not a.is_admin else None


@login_required
def policy_list(request):
    a = _actor(request)
    region = _region(a)
    f = figures.compute(region)
    today = timezone.localdate()
    active = {p.code: p.active_on(today) for p in figures.policies_in(region)}
    for row in f["by_policy"]:
        row["active"] = active.get(row["code"], False)
        row["pct"] = round(row["delivery_rate"] * 100) if row["delivery_rate"] is not None else None
    return render(request, "policies/list.html", {"f": f, "region": region})


@login_required
def policy_page(request, code):
    a = _actor(request)
    try:
        p = actions.load_policy(code)
    except NotFound:
        raise Http404(_("政策不存在")) from None
    region = _region(a)
    qs = eligibility.not_served(p, visible_subjects(a, Subject.objects.select_related("region"))).prefetch_related(
        "tags").order_by("region_path", "external_id")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    paired = set(Pairing.objects.filter(cadre=request.user, until__isnull=True, subject__in=[s.pk for s in page])
                 .values_list("subject_id", flat=True))
    rows = [subject_dict(s, a, paired=s.pk in paired) for s in page]
    return render(request, "policies/policy.html", {
        "p": p, "rows": rows, "page": page, "counts": figures.policy_counts(p, region),
        "by_region": figures.by_region(p, region), "region": region,
        "active": p.active_on(timezone.localdate()),
    })


@login_required
@require_POST
def deliver(request, code):
    a = _actor(request)
    subject = request.POST.get("subject", "")
    try:
        # a delivery from the page is on the reader's visit to the subject today, if they recorded one
        visit = Visit.objects.filter(cadre=request.user, subjects__external_id=subject,
                                     date=timezone.localdate()).values_list("pk", flat=True).first()
        _delivery, created = actions.do_deliver(a, code, subject=subject, visit=visit,
                                                note=request.POST.get("note", ""))
        messages.success(request, _("已登记送达") if created else _("此前已送达"))
    except ActionError as e:
        from minqing.visits.views import page_message

        messages.error(request, page_message(e.message))
    nxt = request.POST.get("next") or ""
    if nxt.startswith("/visits/subject/") or nxt.startswith("/policies/"):
        return redirect(nxt)
    return redirect("policies:policy", code=code)
