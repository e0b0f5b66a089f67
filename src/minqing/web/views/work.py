"""The working pages: dispatcher's inbox, department workbench, return-visit desk,
supervisor view, and the plain case list."""

import datetime as dt

from django.contrib import messages
from django.db import connection
from django.db.models import Case as DbCase
from django.db.models import CharField, Count, F, Q, Value, When
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from minqing.cases import actions
from minqing.cases.errors import ActionError
from minqing.cases.models import (
    OPEN_STATES,
    Case,
    Category,
    Channel,
    ExtensionRequest,
    Kind,
    ReturnVisit,
    State,
    Summons,
    SupervisionOrder,
)
from minqing.insights import search
from minqing.insights.figures import region_prefix_q
from minqing.people.models import Role
from minqing.people.scoping import visible_cases
from minqing.regions.models import Region
from minqing.supervision.alerts import alert_q, cutoffs

from ..figcache import cached_figures
from ..forms import BulkAssignForm, CloseByRuleForm, SuperviseForm, VisitBackForm
from ..suggest import Suggester, similar_cases
from .common import Page, get_actor, live_alert, reporter_view, role_required, state_in_newest_first, today

CASE_RELATED = ("category", "region", "lead_department", "owner_region")


def base_cases(request):
    actor = get_actor(request)
    return visible_cases(actor, Case.objects.select_related(*CASE_RELATED))


class ByDeadline:
    """Open cases of a queryset, most urgent deadline first, sliceable like a queryset.

    One query per open state (``state = X ORDER BY deadline`` walks the index
    (state, deadline) and stops after the page), merged here: a single
    ``state IN (…) ORDER BY deadline`` would sort every open case of a large region
    first."""

    def __init__(self, qs, states=OPEN_STATES):
        self.qs, self.states = qs, states

    def __getitem__(self, item):
        assert isinstance(item, slice)
        stop = item.stop
        rows = []
        for state in self.states:
            part = self.qs.filter(state=state).order_by(F("deadline").asc(nulls_last=True), "id")
            rows += list(part[:stop])
        far = dt.date.max
        rows.sort(key=lambda c: (c.deadline or far, c.pk))
        return rows[item]


def alert_counts(qs):
    red_before, green_from = cutoffs()
    return qs.filter(state__in=OPEN_STATES).aggregate(
        red=Count("id", filter=Q(deadline__lt=red_before)),
        yellow=Count("id", filter=Q(deadline__gte=red_before, deadline__lt=green_from)),
        green=Count("id", filter=Q(deadline__gte=green_from) | Q(deadline__isnull=True)),
    )


def apply_filters(request, qs, newest_first=False):
    """The filters every list shares; returns (qs, the filter values for the form).
    ``newest_first``: the list is ordered by registration time, newest first."""
    g = request.GET
    f = {k: (g.get(k) or "").strip() for k in ("q", "category", "channel", "kind", "region", "alert", "state")}
    if f["q"]:
        # a tracking code, or every word in the text or the address (traditional or simplified)
        try:
            qs = search.filter_cases_or_code(qs, f["q"], get_actor(request))
        except search.SearchError as e:
            f["q_error"] = str(e)
            qs = qs.none()
    if f["category"]:
        qs = qs.filter(category__code=f["category"])
    if f["channel"] in Channel.values:
        qs = qs.filter(channel=f["channel"])
    if f["kind"] in Kind.values:
        qs = qs.filter(kind=f["kind"])
    if f["region"]:
        region = Region.objects.filter(code=f["region"]).first()
        if region:
            qs = qs.filter(region_path__startswith=region.path)
    if f["alert"] in ("red", "yellow", "green"):
        qs = qs.filter(alert_q(f["alert"]))
    if f["state"] in State.values:
        qs = state_in_newest_first(qs, [f["state"]]) if newest_first else qs.filter(state=f["state"])
    return qs, f


def filter_context():
    return {
        "categories": Category.objects.filter(active=True).only("code", "name", "name_en"),
        "channels": Channel.choices,
        "kinds": Kind.choices,
        "states": State.choices,
    }


def decorate(cases, actor):
    for c in cases:
        c.alert = live_alert(c)
        c.reporter_shown = reporter_view(c, actor)
    return cases


def render_list(request, template, ctx, partial="web/work/_case_list.html"):
    """Full page, or only the list when htmx asks for it (filters, paging)."""
    if partial and request.htmx and request.htmx.target == "case-list":
        return render(request, partial, ctx)
    return render(request, template, ctx)


# ---- dispatcher ---------------------------------------------------------------------

INBOX_TABS = [
    ("new", gettext_noop("待交办")),
    ("open", gettext_noop("办理中")),
    ("extensions", gettext_noop("延期待批")),
    ("handled", gettext_noop("待回访")),
]


def owned_cases(request, by_time=False):
    """Cases whose owning region is one of this dispatcher's (or below it).

    ``by_time``: the caller lists them newest first; on SQLite the owner test is
    then written so that the planner walks the registration-time index instead."""
    actor = get_actor(request)
    qs = base_cases(request)
    if actor.is_admin:
        return qs
    paths = []
    for m in actor.memberships:
        if m.role == Role.DISPATCHER:
            if m.region_id is None:
                return qs
            paths.append(m.region.path)
    if not paths:
        return qs.none()
    # a case is owned by a township or a region above it: few ids, so an IN list on owner_region
    cond = Q()
    for p in paths:
        cond |= Q(path__startswith=p)
    owners = list(Region.objects.filter(cond).exclude(level__in=("village", "grid")).values_list("pk", flat=True))
    if by_time and connection.vendor == "sqlite":
        return qs.alias(owner_plus=F("owner_region_id") + 0).filter(owner_plus__in=owners)
    return qs.filter(owner_region_id__in=owners)


def newest_registered(qs):
    """Registered cases, newest first. On SQLite the state test is written so that it
    cannot use the (state, deadline) index: walking the registration-time index
    backwards finds a page of new cases at once, where the state index would sort
    every registered case first."""
    return state_in_newest_first(qs, [State.REGISTERED])


@role_required(Role.DISPATCHER)
def inbox(request):
    actor = get_actor(request)
    tab = request.GET.get("tab", "new")
    if tab not in ("open", "extensions", "handled"):
        tab = "new"
    qs = owned_cases(request, by_time=tab == "new")
    if tab == "open":
        qs = qs.filter(state__in=OPEN_STATES)
    elif tab == "extensions":
        pending = ExtensionRequest.objects.filter(status=ExtensionRequest.PENDING).values("case_id")
        qs = qs.filter(pk__in=pending).order_by("-registered_at")
    elif tab == "handled":
        qs = qs.filter(state=State.HANDLED).order_by("deadline", "id")  # the (state, deadline) index
    else:
        tab = "new"
        qs = newest_registered(qs)
    qs, filters = apply_filters(request, qs)
    page = Page(request, ByDeadline(qs) if tab == "open" else qs)
    cases = decorate(page.object_list, actor)
    if tab == "new":
        # 可能重复: by text similarity (insights.duplicates), the best score shown
        similar = similar_cases(cases, visible=visible_cases(actor, Case.objects.all()))
        for c in cases:
            c.suggest_url = f"/work/suggest/{c.pk}/"  # loaded after the list by htmx
            c.similar = similar.get(c.pk, [])
            c.dups = len(c.similar)
    ctx = {
        "page": page, "cases": cases, "tab": tab, "tabs": INBOX_TABS, "filters": filters,
        "bulk_form": BulkAssignForm(), "selectable": tab == "new", "list_url": request.path,
        **filter_context(),
    }
    return render_list(request, "web/work/inbox.html", ctx)


@role_required(Role.DISPATCHER)
def suggestion(request, pk):
    """htmx: the suggested category and lead department of one case in the inbox."""
    case = owned_cases(request).filter(pk=pk).first()
    if case is None:
        return render(request, "web/work/_suggestion.html", {"c": None}, status=404)
    case.suggestion = Suggester().for_case(case)
    return render(request, "web/work/_suggestion.html", {"c": case})


@role_required(Role.DISPATCHER)
@require_POST
def adopt_suggestion(request, pk):
    """htmx: 采纳建议 — the suggested category and place of one case in one click
    (``actions.categorize`` and ``actions.locate``); answers the case's list item again."""
    actor = get_actor(request)
    case = owned_cases(request).filter(pk=pk).first()
    if case is None:
        return render(request, "web/work/_suggestion.html", {"c": None}, status=404)
    category = (request.POST.get("category") or "").strip()[:64]
    region = (request.POST.get("region") or "").strip()[:32]
    done, errors = [], []
    try:
        if category and (case.category is None or case.category.code != category):
            actions.categorize(actor, case, category=category, note=_("采纳建议"))
            done.append("category")
        if region and (case.region is None or case.region.code != region):
            actions.locate(actor, case, region=region, note=_("采纳建议"))
            done.append("region")
    except ActionError as e:
        errors.append(e.message)
        status = e.status
    else:
        status = 200
    if not done and not errors:
        errors.append(_("没有可采纳的建议。"))
        status = 422
    case = owned_cases(request).filter(pk=pk).first()
    decorate([case], actor)
    case.suggest_url = f"/work/suggest/{case.pk}/" if case.state == State.REGISTERED else ""
    case.adopted = done
    case.adopt_errors = errors
    # htmx swaps only 2xx answers: the refusal is shown in the item itself
    return render(request, "web/work/_case_item.html", {"c": case, "selectable": case.state == State.REGISTERED},
                  status=200 if request.htmx else status)


@role_required(Role.DISPATCHER)
@require_POST
def bulk_assign(request):
    actor = get_actor(request)
    form = BulkAssignForm(request.POST)
    ids = [i for i in request.POST.getlist("case") if i.isdigit()]
    if not ids:
        messages.error(request, _("请先勾选要交办的案件。"))
        return redirect("web:inbox")
    if not form.is_valid():
        for field, errs in form.errors.items():
            messages.error(request, f"{form.fields[field].label if field in form.fields else ''}: {' '.join(errs)}")
        return redirect("web:inbox")
    done, failed = [], []
    for case in owned_cases(request).filter(pk__in=ids):
        try:
            actions.assign(actor, case, **form.action_kwargs())
            done.append(case.tracking_code)
        except ActionError as e:
            failed.append(f"{case.tracking_code}: {e.message}")
    if done:
        messages.success(request, _("已交办 %(n)d 件：%(codes)s") % {"n": len(done), "codes": "、".join(done)})
    for f in failed:
        messages.error(request, f)
    missing = len(ids) - len(done) - len(failed)
    if missing > 0:
        messages.error(request, _("%(n)d 件不在您的权限范围内。") % {"n": missing})
    return redirect("web:inbox")


# ---- department ------------------------------------------------------------------------

DEPT_TABS = [
    ("todo", gettext_noop("待签收")),
    ("doing", gettext_noop("办理中")),
    ("summoned", gettext_noop("吹哨报到")),
    ("supervised", gettext_noop("督办")),
    ("co", gettext_noop("协办")),
    ("done", gettext_noop("已办结")),
]


@role_required(Role.HANDLER)
def dept(request):
    actor = get_actor(request)
    depts = actor.department_ids()
    tab = request.GET.get("tab", "todo")
    mine = Case.objects.select_related(*CASE_RELATED)
    if not actor.is_admin or depts:
        mine = mine.filter(lead_department_id__in=depts)
    ordered = None
    if tab == "doing":
        qs = mine.filter(state=State.IN_PROGRESS).order_by(F("deadline").asc(nulls_last=True), "-id")
    elif tab == "summoned":
        pending = Summons.objects.filter(department_id__in=depts, reported_at__isnull=True).values("case_id")
        qs = Case.objects.select_related(*CASE_RELATED).filter(pk__in=pending, state__in=OPEN_STATES)
        qs = qs.order_by("deadline", "-id")
    elif tab == "supervised":
        qs = mine.filter(pk__in=open_orders(depts).values("case_id")).order_by("deadline", "-id")
    elif tab == "co":
        qs = Case.objects.select_related(*CASE_RELATED).filter(
            co_departments__id__in=depts, state__in=OPEN_STATES).distinct().order_by("deadline", "-id")
    elif tab == "done":
        qs = state_in_newest_first(mine, (State.HANDLED, State.CLOSED))
    else:
        tab = "todo"
        qs = mine
        ordered = (State.ASSIGNED, State.REOPENED)
    qs, filters = apply_filters(request, qs)
    page = Page(request, ByDeadline(qs, ordered) if ordered else qs)
    cases = mark_asks(decorate(page.object_list, actor), depts)
    asks = {"orders": open_orders(depts).count(), "summons": pending_summons(depts).count()} if depts else {}
    ctx = {
        "page": page, "cases": cases, "tab": tab, "tabs": DEPT_TABS, "asks": asks,
        "filters": filters, "counts": alert_counts(mine), "departments": actor.departments(),
        "progress_link": tab in ("doing", "co"), "list_url": request.path, **filter_context(),
    }
    return render_list(request, "web/work/dept.html", ctx)


def open_orders(depts):
    """Supervision orders not yet answered on open cases these departments lead."""
    return SupervisionOrder.objects.filter(
        resolved_at__isnull=True, case__lead_department_id__in=depts, case__state__in=OPEN_STATES)


def pending_summons(depts):
    """Summons (吹哨) of these departments not yet reported on, on open cases."""
    return Summons.objects.filter(department_id__in=depts, reported_at__isnull=True, case__state__in=OPEN_STATES)


def mark_asks(cases, depts):
    """What was asked of the department on each listed case, shown on the item: the open
    supervision orders (督办, with note and due) and its pending summons (吹哨, with deadline)."""
    ids = [c.pk for c in cases]
    orders, summons = {}, {}
    if ids:
        for o in SupervisionOrder.objects.filter(case_id__in=ids, resolved_at__isnull=True).order_by("due", "id"):
            orders.setdefault(o.case_id, []).append(o)
        for s in Summons.objects.filter(case_id__in=ids, reported_at__isnull=True, department_id__in=depts
                                        ).select_related("department").order_by("deadline"):
            summons.setdefault(s.case_id, []).append(s)
    day = today()
    for c in cases:
        c.open_orders = orders.get(c.pk, [])
        for o in c.open_orders:
            o.overdue = o.due < day
        c.pending_summons = summons.get(c.pk, []) if c.state in OPEN_STATES else []
    return cases


# ---- return visits -------------------------------------------------------------------------


@role_required(Role.RETURN_VISITOR, Role.DISPATCHER)
def visits_desk(request):
    actor = get_actor(request)
    # by deadline: the index (state, deadline) answers it without sorting every handled case
    qs = base_cases(request).filter(state=State.HANDLED).order_by("deadline", "id")
    qs, filters = apply_filters(request, qs)
    page = Page(request, qs)
    cases = decorate(page.object_list, actor)
    attempts = {}
    for case_id, at in ReturnVisit.objects.filter(case__in=[c.pk for c in cases], reached=False).values_list(
            "case_id", "at"):
        attempts.setdefault(case_id, []).append(at)
    for c in cases:
        c.unreachable = sum(1 for at in attempts.get(c.pk, []) if c.handled_at is None or at >= c.handled_at)
        c.may_visit = actor.covers_region(c.region or c.owner_region, Role.RETURN_VISITOR, Role.DISPATCHER)
    ctx = {
        "page": page, "cases": cases, "filters": filters, "visit_form": VisitBackForm(),
        "rule_form": CloseByRuleForm(), "list_url": request.path, **filter_context(),
    }
    return render_list(request, "web/work/visits.html", ctx, partial=None)


# ---- supervisor -------------------------------------------------------------------------------


def alert_summary(root, everything=False):
    """Red and yellow open cases by lead department and by the regions under ``root``
    (cached per data version and day: grouping a large region's open cases is slow)."""
    if root is None and not everything:
        return [], []
    red_before, green_from = cutoffs()

    def compute():
        base = Case.objects.filter(state__in=OPEN_STATES, deadline__lt=green_from)
        if root is not None:
            base = base.filter(region_prefix_q(root.path))
        is_red = Q(deadline__lt=red_before)
        by_dept = list(
            base.values("lead_department__code", "lead_department__name")
            .annotate(red=Count("id", filter=is_red), yellow=Count("id", filter=~is_red))
            .order_by("-red", "-yellow")[:30]
        )
        by_region = []
        children = list(Region.objects.filter(parent=root).order_by("code")) if root is not None else []
        if children:
            bucket = DbCase(*[When(region_prefix_q(c.path), then=Value(c.code)) for c in children],
                            default=Value(""), output_field=CharField())
            counts = {
                r["bucket"]: r for r in base.annotate(bucket=bucket).values("bucket").annotate(
                    red=Count("id", filter=is_red), yellow=Count("id", filter=~is_red))
            }
            by_region = [{"region": c, "red": counts.get(c.code, {}).get("red", 0),
                          "yellow": counts.get(c.code, {}).get("yellow", 0)} for c in children]
        return by_dept, by_region

    data, _at = cached_figures(f"alerts|{root.code if root else ''}|{red_before}|{green_from}", compute)
    return data


@role_required(Role.SUPERVISOR, Role.LEADER)
def supervise(request):
    actor = get_actor(request)
    level = request.GET.get("alert") or "red"
    scoped = base_cases(request)
    regions = actor.regions_for(Role.SUPERVISOR, Role.LEADER)
    root = regions[0] if len(regions) == 1 else None
    by_dept, by_region = alert_summary(root, everything=actor.is_admin or not regions)
    qs = scoped.filter(alert_q(level if level in ("red", "yellow") else "red"))
    qs, filters = apply_filters(request, qs)
    filters["alert"] = level
    page = Page(request, ByDeadline(qs))
    cases = decorate(page.object_list, actor)
    recent = list(
        SupervisionOrder.objects.select_related("case", "issued_by", "case__lead_department")
        .order_by("-issued_at", "-id")[:300]
    )
    mine = set(scoped.filter(pk__in={o.case_id for o in recent}).values_list("pk", flat=True))
    orders = [o for o in recent if o.case_id in mine][:30]
    day = today()
    for o in orders:
        o.status = "resolved" if o.resolved_at else ("overdue" if o.due < day else "open")
    ctx = {
        "page": page, "cases": cases, "filters": filters, "by_dept": by_dept, "by_region": by_region,
        "root": root, "orders": orders, "supervise_form": SuperviseForm(), "level": level,
        "list_url": request.path, **filter_context(),
    }
    return render_list(request, "web/work/supervise.html", ctx, partial=None)


# ---- every visible case ---------------------------------------------------------------------------


@role_required()
def cases(request):
    actor = get_actor(request)
    qs, filters = apply_filters(request, base_cases(request).order_by("-registered_at", "-id"), newest_first=True)
    page = Page(request, qs)
    ctx = {"page": page, "cases": decorate(page.object_list, actor), "filters": filters,
           "list_url": request.path, **filter_context()}
    return render_list(request, "web/work/cases.html", ctx)
