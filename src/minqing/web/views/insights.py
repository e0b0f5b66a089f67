"""一类问题 (ranked topics) and 工作专班 (task forces) pages, for leaders and dispatchers.

Thin: the topics come from ``insights.topics.find_topics`` (scoped exactly as the API:
a topic is shown only to someone whose scope covers all its cases), every change
goes through ``insights.taskforces``."""

import datetime as dt

from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minqing.cases.errors import ActionError
from minqing.cases.models import Case
from minqing.insights import figures, taskforces, topics
from minqing.people.models import Role
from minqing.people.scoping import text_masker
from minqing.regions.models import Department, Region

from .common import get_actor, not_found, parse_date, role_required, today

PAGE_ROLES = (Role.LEADER, Role.DISPATCHER)
CASES_SHOWN = 30
TOPICS_SHOWN = 30


def _window(request):
    to = parse_date(request.GET.get("to")) or today()
    frm = parse_date(request.GET.get("from")) or (to - dt.timedelta(days=89))
    if frm > to:
        frm, to = to, frm
    if (to - frm).days > 3 * 366:
        frm = to - dt.timedelta(days=3 * 366)
    return frm, to


def _regions(actor):
    """The regions whose topics the viewer reads: their leader/dispatcher regions (None: all)."""
    paths = topics.covered_paths(actor)
    if paths is None:
        return [None]
    regions = list(Region.objects.filter(path__in=paths).order_by("path"))
    # a region inside another of the viewer's is already read with it
    return [r for r in regions if not any(o.pk != r.pk and r.path.startswith(o.path) for o in regions)]


def _departments_for(place_code):
    """Departments a task force on a topic here may take: those of the place, above or below it."""
    place = Region.objects.filter(code=place_code).first() if place_code else None
    qs = Department.objects.select_related("region").order_by("region__path", "code")
    if place is None:
        return list(qs[:200])
    above = [c for c in place.path.strip("/").split("/") if c]
    return list(qs.filter(Q(region__code__in=above) | Q(region__path__startswith=place.path))[:200])


def _cases(actor, ids):
    rows = []
    for c in Case.objects.filter(pk__in=ids[:CASES_SHOWN]).select_related("region").order_by("-registered_at"):
        text = text_masker(actor, c)(c.text)
        rows.append({"case": c, "text": text[:60] + ("…" if len(text) > 60 else "")})
    return rows


def _bars(series):
    top = max(series.values(), default=0) or 1
    return [{"period": p, "n": n, "h": max(4, round(100 * n / top)) if n else 0} for p, n in series.items()]


@role_required(*PAGE_ROLES)
def topic_list(request):
    actor = get_actor(request)
    frm, to = _window(request)
    covered = topics.covered_paths(actor)
    found = []
    for region in _regions(actor):
        scope = figures.make_scope(region=region, date_from=frm, date_to=to)
        found.extend(topics.find_topics(scope, limit=TOPICS_SHOWN, covered=covered))
    found.sort(key=lambda t: (-t["score"], -t["size"], t["title"], t["id"]))
    found = found[:TOPICS_SHOWN]
    seen_candidate = False
    for rank, t in enumerate(found, 1):
        t["rank"] = rank
        if t.get("candidate"):
            t["candidate"], seen_candidate = not seen_candidate, True
        t["bars"] = _bars(t["trend"])
        periods = list(t["trend"])
        t["period_first"], t["period_last"] = (periods[0], periods[-1]) if periods else ("", "")
        t["cases"] = _cases(actor, t["case_ids"])
        t["more"] = max(0, len(t["case_ids"]) - CASES_SHOWN)
    may_adopt = taskforces.may_adopt(actor)
    for t in found:
        t["dept_choices"] = _departments_for(t["place"]["code"]) if may_adopt and not t["taskforce"] else []
    tfs = list(taskforces.visible(actor, taskforces.TaskForce.objects.select_related("lead", "place"))[:20])
    return render(request, "web/insights/topics.html", {
        "topics": found, "frm": frm, "to": to, "may_adopt": may_adopt, "taskforces": tfs,
        "due_default": today() + dt.timedelta(days=90), "month": to.strftime("%Y-%m"),
    })


@role_required(*PAGE_ROLES)
@require_POST
def topic_adopt(request, key):
    actor = get_actor(request)
    frm, to = parse_date(request.POST.get("from")), parse_date(request.POST.get("to"))
    topic = taskforces.find_topic(actor, key, date_from=frm, date_to=to)
    if topic is None:
        return not_found(request)
    due = parse_date(request.POST.get("due"))
    members = [m for m in request.POST.getlist("members") if m][: taskforces.MAX_MEMBERS + 1]
    try:
        if due is None:
            raise ActionError(_("请填写完成时限"), field="due")
        tf = taskforces.create(actor, topic, lead=request.POST.get("lead", ""), members=members, due=due,
                               goal=request.POST.get("goal", ""))
    except ActionError as e:
        if e.status == 404:
            return not_found(request)
        return render(request, "web/error.html", {"status": 422, "title": _("未能成立工作专班"), "message": e.message},
                      status=e.status if e.status in (403, 409) else 422)
    return redirect("web:taskforce", pk=tf.pk)


def _taskforce_context(request, tf, **extra):
    actor = get_actor(request)
    effect = taskforces.effect(tf)
    prog = taskforces.progress(tf)
    ids = list(tf.topic.cases.order_by("-registered_at").values_list("pk", flat=True))
    top = max(effect["before"]["per_week"], effect["after"]["per_week"]) or 1
    return {
        "tf": tf, "progress": prog, "effect": effect,
        "closed_pct": round(100 * prog["closed"] / prog["cases"]) if prog["cases"] else 0,
        "bar_before": round(100 * effect["before"]["per_week"] / top),
        "bar_after": round(100 * effect["after"]["per_week"] / top),
        "change_pct": round(100 * effect["change"]) if effect["change"] is not None else None,
        "members": list(tf.members.order_by("code")), "notes": list(tf.notes.all()),
        "cases": _cases(actor, ids), "more": max(0, len(ids) - CASES_SHOWN),
        "may_note": taskforces._may_write(actor, tf), "overdue": tf.due < today(), **extra,
    }


@role_required(Role.LEADER, Role.DISPATCHER, Role.HANDLER)
def taskforce_page(request, pk):
    try:
        tf = taskforces.get_visible(get_actor(request), pk)
    except ActionError:
        return not_found(request)
    return render(request, "web/insights/taskforce.html", _taskforce_context(request, tf))


@role_required(Role.LEADER, Role.DISPATCHER, Role.HANDLER)
@require_POST
def taskforce_note(request, pk):
    actor = get_actor(request)
    try:
        tf = taskforces.get_visible(actor, pk)
    except ActionError:
        return not_found(request)
    try:
        taskforces.add_note(actor, tf, request.POST.get("text", ""))
    except ActionError as e:
        ctx = _taskforce_context(request, tf, note_error=e.message, note_text=request.POST.get("text", "")[:2000])
        return render(request, "web/insights/taskforce.html", ctx, status=e.status)
    return redirect("web:taskforce", pk=tf.pk)
