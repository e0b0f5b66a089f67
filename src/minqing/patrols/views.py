"""Patrol pages: the home (recent patrols and the hazard figures), the phone form, one patrol.

Thin: the patrol and its photos go through ``minqing.patrols.actions`` in one transaction,
the figures through ``minqing.patrols.figures``."""

import secrets

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from minqing.cases.errors import ActionError, NotFound
from minqing.cases.models import Case, State
from minqing.people.models import Role
from minqing.people.scoping import Actor, visible_cases
from minqing.visits.views import page_message

from . import actions, figures
from .models import Checklist, Patrol

ROLES = (Role.CADRE, Role.DISPATCHER, Role.LEADER, Role.SUPERVISOR)


def _actor(request):
    a = Actor.for_user(request.user)
    if not (a.is_admin or any(r in a.roles() for r in ROLES)):
        raise PermissionDenied(_("您的角色不能打开此页面。"))
    return a


def _home_region(a):
    regions = a.regions_for(*ROLES)
    return regions[0] if regions else None


@login_required
def home(request):
    a = _actor(request)
    rows = actions.visible_patrols(a, Patrol.objects.select_related("region", "checklist", "cadre__profile"))
    region = _home_region(a)
    scope = figures.make_scope(region.code if region else None)
    return render(request, "patrols/home.html", {
        "patrols": list(rows.order_by("-date", "-id")[:30]), "figures": figures.hazards(scope), "region": region,
        "checklists": Checklist.objects.filter(active=True),
    })


def _form_context(a, request, checklist, data, error=None):
    items = list(checklist.items.filter(active=True)) if checklist else []
    answers = data.get("answers", {})
    rows = [{"item": i, "ok": answers.get(i.code, {}).get("ok"), "note": answers.get(i.code, {}).get("note", "")}
            for i in items]
    region = _home_region(a)
    return {
        "checklists": Checklist.objects.filter(active=True), "checklist": checklist, "rows": rows, "data": data,
        "today": timezone.localdate().isoformat(), "default_region": region.code if region else "",
        "may_choose_cadre": a.is_admin or bool(a.regions_for(Role.DISPATCHER)), "error": error,
        "error_message": page_message(error.message) if error is not None else "",
    }


@login_required
def new_patrol(request):
    """The phone form: pick a checklist, then pass or fail each item with a note and a photo."""
    a = _actor(request)
    code = request.POST.get("checklist") or request.GET.get("checklist")
    checklist = Checklist.objects.filter(code=code, active=True).first() if code else None
    if request.method != "POST" or checklist is None:
        data = {"cadre": request.user.get_username(), "date": timezone.localdate().isoformat(),
                "client_key": secrets.token_hex(12)}
        return render(request, "patrols/new.html", _form_context(a, request, checklist, data))
    p = request.POST
    answers, items = {}, []
    for item in checklist.items.filter(active=True):
        value = p.get(f"ok_{item.code}")
        row = {"item": item.code, "ok": {"1": True, "0": False}.get(value), "note": p.get(f"note_{item.code}", "")}
        answers[item.code] = row
        if row["ok"] is not None:  # an unanswered item: the action names what is missing
            items.append(row)
    data = {"cadre": p.get("cadre") or request.user.get_username(), "date": p.get("date"),
            "region": p.get("region", "").strip(), "subject": p.get("subject", "").strip(), "notes": p.get("notes", ""),
            "client_key": p.get("client_key", ""), "answers": answers}
    try:
        with transaction.atomic():
            patrol, _created = actions.do_record_patrol(
                a, cadre=data["cadre"], region=data["region"], subject=data["subject"] or None, date=data["date"],
                checklist=checklist, items=items, notes=data["notes"], client_key=data["client_key"])
            if _created:
                for item in checklist.items.filter(active=True):
                    for f in request.FILES.getlist(f"photo_{item.code}"):
                        actions.do_add_photo(a, patrol, f, item=item.code)
    except ActionError as e:
        return render(request, "patrols/new.html", _form_context(a, request, checklist, data, e), status=e.status)
    return redirect("patrols:patrol", pk=patrol.pk)


@login_required
def patrol_page(request, pk):
    a = _actor(request)
    try:
        patrol = actions.load_patrol(a, pk)
    except NotFound:
        from django.http import Http404

        raise Http404(_("巡查记录不存在")) from None
    d = actions.patrol_dict(patrol, a)
    ids = [i["case"]["id"] for i in d["items"] if i["case"]]
    visible = set(visible_cases(a, Case.objects.filter(pk__in=ids))
                  .values_list("pk", flat=True))
    for i in d["items"]:
        if i["case"]:
            i["case"]["visible"] = i["case"]["id"] in visible
            i["case"]["state_label"] = State(i["case"]["state"]).label
    return render(request, "patrols/patrol.html", {"d": d, "patrol": patrol})
