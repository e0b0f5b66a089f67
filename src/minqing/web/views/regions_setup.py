"""从全国区划表建立辖区: the admin page of ``minqing init`` (``/work/regions/setup/``).

Province → prefecture → county are plain selects of a GET form (the page works without
scripts); ``setup.js`` refills the lower selects from ``options`` as one is chosen. The plan
(counts, or why it would be refused) is shown before anything changes; the confirmation runs
``actions.do_init_region`` in the request (a county takes seconds) and the page lists what
was created."""

from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from minqing.people.models import Role
from minqing.regions import divisions as dv
from minqing.regions.actions import InitRefused, do_init_region, plan_init
from minqing.web.views.common import role_required

LEVELS = ("province", "city", "county")


def _label(level):
    return {"province": _("省"), "city": _("市"), "county": _("县区"), "township": _("乡镇街道"),
            "village": _("村社区"), "department": _("部门")}[level]


def _chosen(data):
    """The codes chosen at each level, each one inside the one above (others are dropped)."""
    chosen = {}
    parent = None
    for level in LEVELS:
        raw = (data.get(level) or "")[:12]
        options = {d.code for d in dv.children(parent)} if level == "province" or parent else set()
        if raw in options:
            chosen[level] = raw
            parent = raw
        else:
            break
    return chosen


def _rows(counts):
    return [(_label(k), v) for k, v in counts.items() if v]


@role_required(Role.ADMIN)
def options(request):
    """The prefectures of a province or the counties of a prefecture, as JSON."""
    parent = (request.GET.get("parent") or "")[:12]
    if parent and parent not in dv.upper():
        return JsonResponse({"error": "unknown parent", "field": "parent"}, status=422)
    return JsonResponse({"options": [{"code": d.code, "name": d.name} for d in dv.children(parent or None)]})


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def setup(request):
    data = request.POST if request.method == "POST" else request.GET
    chosen = _chosen(data)
    villages = data.get("villages", "1" if request.method == "GET" and not chosen else "") == "1"
    selects = []
    parent = None
    for level in LEVELS:
        if level != "province" and parent is None:
            opts = []
        else:
            opts = dv.children(parent)
        selects.append({"level": level, "label": _label(level), "options": opts, "value": chosen.get(level, "")})
        parent = chosen.get(level)
    code = chosen.get("county") or chosen.get("city") or chosen.get("province")
    ctx = {"selects": selects, "villages": villages, "code": code, "plan": None, "created": None, "refused": None}
    status = 200
    if code and request.method == "POST":
        try:
            created = do_init_region(code, villages=villages)
        except InitRefused as e:
            ctx["refused"] = e.problems
            status = 409
        else:
            ctx["created"] = created
            ctx["created_rows"] = _rows(created.plan.counts())
    if code and ctx["created"] is None:
        plan = plan_init(code, villages=villages)
        ctx["plan"] = plan
        ctx["plan_rows"] = _rows(plan.counts())
    return render(request, "regions/setup.html", ctx, status=status)
