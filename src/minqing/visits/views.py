"""Visit pages: the phone-friendly visit form, drill-down (点村知户、点户知人), coverage and rules,
the deployment plan with its XLSX, and the public contact card (党群连心公示牌).

Views stay thin: changes go through ``minqing.visits.actions``, figures through
``minqing.insights.figures``, the plan through ``minqing.visits.plan``."""

import secrets

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Max, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from minqing.cases.errors import ActionError
from minqing.cases.models import OPEN_STATES, Case, Category, State
from minqing.insights import figures
from minqing.people.models import Role
from minqing.people.scoping import Actor, text_masker, visible_cases
from minqing.regions.models import Level, Region

from . import actions
from .models import Method, Pairing, Subject, Visit
from .naming import name_coverage

VIEW_ROLES = (Role.LEADER, Role.DISPATCHER, Role.SUPERVISOR, Role.RETURN_VISITOR, Role.CADRE)
PROBLEM_ROWS = 3
HOME_ROWS = 20


def page_message(message):
    """An action's error on a page, in the page's language: the actions answer Chinese, " / ", English (the
    API passes both on), a page shows the half its reader chose."""
    from django.utils.translation import get_language

    zh, sep, en = str(message).partition(" / ")
    if not sep:
        return zh
    return en if (get_language() or "").startswith("en") else zh


def _actor(request):
    return Actor.for_user(request.user)


def _home_region(a):
    regions = a.regions_for(*VIEW_ROLES)
    if regions:
        return regions[0]
    return Region.objects.filter(parent__isnull=True).first() if a.is_admin else None


def _require_region(a, region):
    if not (a.is_admin or a.covers_region(region, *VIEW_ROLES)):
        raise PermissionDenied(_("无权查看该区划"))


def _window(request):
    try:
        return figures.make_visit_scope(None, request.GET.get("from") or None, request.GET.get("to") or None)
    except figures.FigureError:
        return figures.make_visit_scope(None)


@login_required
def home(request):
    a = _actor(request)
    pairings = (Pairing.objects.filter(cadre=request.user, until__isnull=True)
                .select_related("subject", "subject__region").order_by("subject__region_path", "subject__external_id"))
    last = dict(Visit.objects.filter(cadre=request.user).values_list("subjects").annotate(last=Max("date")))
    today = timezone.localdate()
    paired, by_subject = [], {}
    for p in pairings:  # one row per subject, with each of the cadre's roles for it (结对帮扶, 红色管家 …)
        if p.subject_id in by_subject:
            by_subject[p.subject_id]["roles"].append(p.get_role_display())
            continue
        row = {"p": p, "roles": [p.get_role_display()], "last": last.get(p.subject_id),
               "days": (today - last[p.subject_id]).days if p.subject_id in last else None}
        by_subject[p.subject_id] = row
        paired.append(row)
    # the longest unvisited first (never visited at the top); a long list is cut unless asked for all
    paired.sort(key=lambda r: (r["days"] is not None, -(r["days"] or 0)))
    total = len(paired)
    if not request.GET.get("all"):
        paired = paired[:HOME_ROWS]
    visits = (Visit.objects.filter(Q(cadre=request.user) | Q(recorded_by=request.user)).select_related("region")
              .prefetch_related("cases")[:20])
    region = _home_region(a)
    can_plan = a.is_admin or bool(a.regions_for(Role.DISPATCHER, Role.LEADER))
    return render(request, "visits/home.html", {"paired": paired, "paired_total": total, "visits": visits,
                                                 "region": region,
                                                 "can_plan": can_plan, "is_cadre": Role.CADRE in a.roles()})


def _form_context(request, a, data=None, error=None):
    data = data or {}
    paired = (Subject.objects.filter(pairings__cadre=request.user, pairings__until__isnull=True)
              .select_related("region").order_by("region_path", "external_id").distinct())
    problems = data.get("problems") or []
    rows = [problems[i] if i < len(problems) else {"text": "", "category": ""}
            for i in range(max(PROBLEM_ROWS, len(problems)))]
    return {
        "paired": [(s, actions.display_name(s, True)) for s in paired],
        "methods": Method.choices,
        "categories": Category.objects.filter(active=True).order_by("position", "code"),
        "data": data, "problem_rows": rows, "error": error,
        "today": timezone.localdate().isoformat(),
        "may_choose_cadre": a.is_admin or bool(a.regions_for(Role.DISPATCHER)),
        "error_field": field_label(error.field) if error is not None and error.field else "",
        "error_message": page_message(error.message) if error is not None else "",
    }


FIELD_LABELS = {"cadre": gettext_noop("走访干部"), "date": gettext_noop("日期"), "method": gettext_noop("方式"),
                "subjects": gettext_noop("走访对象"), "region": gettext_noop("区划"), "notes": gettext_noop("走访情况"),
                "problems": gettext_noop("发现的问题"), "members": gettext_noop("同行干部")}
PROBLEM_FIELD_LABELS = {"text": gettext_noop("问题 %(n)s"), "category": gettext_noop("问题 %(n)s 的分类"),
                        "kind": gettext_noop("问题 %(n)s 的类型"), "subject": gettext_noop("问题 %(n)s 的对象")}


def field_label(field):
    """The form's own words for an action error's field ("problems.0.category" → 问题 1 的分类)."""
    parts = field.split(".")
    if parts[0] == "problems" and len(parts) >= 2 and parts[1].isdigit():
        return _(PROBLEM_FIELD_LABELS.get(parts[2] if len(parts) > 2 else "text", "问题 %(n)s")) % {
            "n": int(parts[1]) + 1}
    return _(FIELD_LABELS[field]) if field in FIELD_LABELS else field


@login_required
def new_visit(request):
    """The phone-friendly visit form: who, whom, when, how, what was heard, problems found."""
    a = _actor(request)
    if request.method != "POST":
        # a one-time token: a double click (or a resent form) records one visit
        initial = {"cadre": request.user.get_username(), "date": timezone.localdate().isoformat(), "method": "door",
                   "subjects": request.GET.getlist("subject"), "client_token": secrets.token_urlsafe(16)}
        # a subject asked for (a visit day's target, say) that is not one of the cadre's own: in the ids field
        paired_ids = set(Pairing.objects.filter(cadre=request.user, until__isnull=True)
                         .values_list("subject__external_id", flat=True))
        initial["more_subjects"] = ",".join(s for s in initial["subjects"] if s not in paired_ids)
        return render(request, "visits/new.html", _form_context(request, a, initial))
    p = request.POST
    subjects = list(p.getlist("subjects"))
    for part in (p.get("more_subjects") or "").replace("，", ",").replace("\n", ",").split(","):
        if part.strip():
            subjects.append(part.strip())
    problems = []
    for text, cat in zip(p.getlist("problem_text"), p.getlist("problem_category")):
        if text.strip():
            problems.append({"text": text.strip(), "category": cat or None})
    data = {"cadre": p.get("cadre") or request.user.get_username(), "date": p.get("date"), "method": p.get("method"),
            "notes": p.get("notes", ""), "subjects": subjects, "problems": problems,
            "region": p.get("region") or None, "more_subjects": p.get("more_subjects", ""),
            "members": p.get("members", ""), "client_token": p.get("client_token", "")[:64]}
    try:
        visit = actions.record_visit(a, cadre=data["cadre"], subjects=subjects, date=data["date"],
                                     method=data["method"], notes=data["notes"], problems=problems,
                                     region=data["region"], members=data["members"],
                                     client_token=data["client_token"])
    except ActionError as e:
        ctx = _form_context(request, a, data, error=e)
        return render(request, "visits/new.html", ctx, status=e.status)
    return redirect("visits:visit", pk=visit.pk)


def _visible_visit(a, pk):
    from minqing.api.visits import visible_visits

    visit = visible_visits(a, Visit.objects.select_related("cadre", "cadre__profile", "region", "recorded_by__profile")).filter(pk=pk).first()
    if visit is None:
        raise Http404(_("走访记录不存在"))
    return visit


@login_required
def visit_page(request, pk):
    a = _actor(request)
    visit = _visible_visit(a, pk)
    d = actions.visit_dict(visit, a)
    visible = set(visible_cases(a, Case.objects.filter(pk__in=[c["id"] for c in d["cases"]]))
                  .values_list("pk", flat=True))
    for c in d["cases"]:
        c["visible"] = c["id"] in visible
        c["state_label"] = State(c["state"]).label
    recorder = ""
    if visit.recorded_by_id and visit.recorded_by_id != visit.cadre_id:
        name, unit = actions.person(visit.recorded_by)
        recorder = f"{name} · {unit}" if unit else name
    return render(request, "visits/visit.html", {"visit": visit, "d": d, "recorder": recorder})


@login_required
def case_visits(request, case_id):
    """A case back to the visit(s) that found it."""
    a = _actor(request)
    case = visible_cases(a, Case.objects.filter(pk=case_id)).first()
    if case is None:
        raise Http404(_("案件不存在"))
    from minqing.api.visits import visible_visits

    visits = list(visible_visits(a, case.visits.select_related("cadre", "region")).order_by("-date"))
    if len(visits) == 1:
        return redirect("visits:visit", pk=visits[0].pk)
    return render(request, "visits/case_visits.html", {"case": case, "visits": visits})


@login_required
def region_page(request, code=None):
    """点村知户: a region's coverage with its children; a village or grid lists its households and firms."""
    a = _actor(request)
    region = Region.objects.filter(code=code).first() if code else _home_region(a)
    if region is None:
        raise Http404(_("区划不存在"))
    _require_region(a, region)
    win = _window(request)
    scope = figures.make_visit_scope(region, win.date_from, win.date_to)
    vc = figures.visit_coverage(scope, recency=False, never_limit=0)
    children = region.level not in (Level.VILLAGE, Level.GRID)
    ctx = {"region": region, "ancestors": region.ancestors()[:-1], "scope": scope, "vc": vc, "children": children}
    # a village or grid lists all its subjects; a township or county those registered on it directly
    # (an enterprise of a development zone sits on its county)
    own = (Subject.objects.filter(region=region) if children
           else Subject.objects.filter(region_path__startswith=region.path))
    if not children or own.exists():
        subjects = actions.visible_subjects(a, own)
        kind = request.GET.get("kind")
        if kind in ("household", "enterprise"):
            subjects = subjects.filter(kind=kind)
        subjects = subjects.select_related("region").prefetch_related("tags").annotate(
            last=Max("visit_links__date", filter=Q(visit_links__date__lte=scope.date_to)),
            in_window=Count("visit_links", filter=Q(visit_links__date__gte=scope.date_from,
                                                    visit_links__date__lte=scope.date_to)),
        ).order_by("region_path", "external_id")
        page = Paginator(subjects, 50).get_page(request.GET.get("page"))
        paired = set(Pairing.objects.filter(cadre=request.user, subject__in=list(page), until__isnull=True)
                     .values_list("subject_id", flat=True))
        case_counts = dict(
            Case.objects.filter(visits__subjects__in=[s.pk for s in page], state__in=(State.REGISTERED, *OPEN_STATES))
            .values_list("visits__subjects").annotate(n=Count("id", distinct=True)))
        ctx["page"] = page
        ctx["rows"] = [{"s": s, "name": actions.display_name(s, actions.can_see_subject_contact(a, s, s.pk in paired)),
                        "open": case_counts.get(s.pk, 0),
                        "days": (scope.date_to - s.last).days if s.last else None} for s in page]
        ctx["kind"] = kind or ""
    ctx["from_s"], ctx["to_s"] = scope.date_from.isoformat(), scope.date_to.isoformat()
    return render(request, "visits/region.html", ctx)


@login_required
def subject_page(request, external_id):
    """点户知人: one household or enterprise, its cadres, visits and the cases they found."""
    a = _actor(request)
    subject = actions.visible_subjects(a, Subject.objects.select_related("region")).filter(
        external_id=external_id).first()
    if subject is None:
        raise Http404(_("走访对象不存在"))
    d = actions.subject_dict(subject, a)
    visits = list(subject.visits.select_related("cadre", "cadre__profile").order_by("-date", "-id")[:100])
    for v in visits:
        v.cadre_name, v.cadre_unit = actions.person(v.cadre)
    cases = list(visible_cases(a, Case.objects.filter(visits__subjects=subject))
                 .annotate(visit_id=Max("visits__id")).select_related("category").order_by("-id")[:100])
    for c in cases:  # masked for those who may not see the case's contact data
        c.shown_text = text_masker(a, c)(c.text)
    today = timezone.localdate()
    return render(request, "visits/subject.html", {
        "subject": subject, "d": d, "visits": visits, "cases": cases, "card": actions.contact_card(subject),
        "days": (today - visits[0].date).days if visits else None,
        "region_chain": subject.region.ancestors(),
    })


@login_required
def coverage_page(request):
    a = _actor(request)
    code = request.GET.get("region") or None
    region = Region.objects.filter(code=code).first() if code else _home_region(a)
    if region is None and not a.is_admin:
        raise PermissionDenied(_("无权查看"))
    if region is not None:
        _require_region(a, region)
    win = _window(request)
    scope = figures.make_visit_scope(region, win.date_from, win.date_to)
    result = name_coverage(figures.coverage(scope, rules=True, limit=50, never_limit=50), a)
    return render(request, "visits/coverage.html", {"scope": scope, "r": result, "region": region,
                                                     "rules_admin": request.user.is_staff})


@login_required
def plan_page(request):
    from .plan import PlanError, make_plan

    a = _actor(request)
    code = request.GET.get("region") or None
    region = Region.objects.filter(code=code).first() if code else _home_region(a)
    if region is None:
        raise Http404(_("区划不存在"))
    if not (a.is_admin or a.covers_region(region, Role.DISPATCHER, Role.LEADER)):
        raise PermissionDenied(_("只有该区划的调度员或领导可以编制部署方案"))
    win = _window(request)
    scope = figures.make_visit_scope(region, win.date_from, win.date_to)
    ctx = {"region": region, "scope": scope, "load": request.GET.get("load", "3"),
           "per_visit": request.GET.get("per_visit", "20"), "result": None, "error": None}
    if request.GET.get("run") or request.GET.get("format") == "xlsx":
        result = None
        try:
            load, per_visit = int(ctx["load"]), int(ctx["per_visit"])
        except ValueError:
            load = per_visit = None
            ctx["error"] = _("每人最多去几处和每次可走访户数须为整数")
        try:
            result = make_plan(scope, load=load, per_visit=per_visit) if load is not None else None
        except PlanError as e:
            ctx["error"] = page_message(e)
        if result is not None:
            if request.GET.get("format") == "xlsx":
                resp = HttpResponse(result.to_xlsx(), content_type=(
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
                resp["Content-Disposition"] = (f'attachment; filename="plan-{region.code}-'
                                               f'{scope.date_from}-{scope.date_to}.xlsx"')
                return resp
            d = result.as_dict()
            summary = d["summary"]
            for key in ("coverage_before", "coverage_expected", "share_of_gap_met"):
                summary[f"{key}_pct"] = _pct(summary[key])
            summary["baseline_nearest"]["share_of_gap_met_pct"] = _pct(summary["baseline_nearest"]["share_of_gap_met"])
            d["totals"] = {"red": sum(p["red"] for p in d["places"])}
            names = {c.username: c.name for c in result.cadres}
            d["unassigned_names"] = [names.get(u, u) for u in d["unassigned_cadres"]]
            ctx["result"] = d
    return render(request, "visits/plan.html", ctx, status=422 if ctx["error"] else 200)


def _pct(rate):
    return "—" if rate is None else f"{rate * 100:.1f}%"


def card_page(request, external_id):
    """党群连心公示牌: public, no login; the subject's own data masked."""
    subject = Subject.objects.select_related("region").filter(external_id=external_id).first()
    if subject is None:
        raise Http404(_("走访对象不存在"))
    return render(request, "visits/card.html", {"card": actions.contact_card(subject)})


# ---- 集中走访日 (issue 16 part 5) --------------------------------------------------------------


@login_required
def days_page(request):
    """集中走访日: the days of the viewer's regions with their progress; a dispatcher or leader
    schedules one (a target list of subject ids and/or a kind and tag)."""
    from .models import VisitDay

    a = _actor(request)
    region = _home_region(a)
    if region is None and not a.is_admin and not a.regions_for(*VIEW_ROLES):
        raise PermissionDenied(_("无权查看"))
    may_schedule = a.is_admin or bool(a.regions_for(Role.DISPATCHER, Role.LEADER))
    error, data = None, {}
    if request.method == "POST":
        if not may_schedule:
            raise PermissionDenied(_("只有调度员或领导可以安排集中走访日"))
        p = request.POST
        data = {k: p.get(k, "") for k in ("region", "date", "title", "notes", "target_kind", "target_tag", "targets")}
        targets = [t.strip() for t in data["targets"].replace("，", ",").replace("\n", ",").split(",") if t.strip()]
        try:
            day = actions.do_schedule_visit_day(a, region=data["region"], date=data["date"], title=data["title"],
                                                notes=data["notes"], targets=targets,
                                                target_kind=data["target_kind"] or None,
                                                target_tag=data["target_tag"] or None)
        except ActionError as e:
            error = e
        else:
            return redirect("visits:day", pk=day.pk)
    days = actions.visible_days(a, VisitDay.objects.select_related("region")).order_by("-date", "-id")
    page = Paginator(days, 20).get_page(request.GET.get("page"))
    rows = [actions.day_dict(d, a) for d in page]
    for r in rows:
        r["pct"] = _pct(r["progress"]["rate"])
    schedule_regions = (a.regions_for(Role.DISPATCHER, Role.LEADER) or ([region] if region else []))
    return render(request, "visits/days.html", {
        "rows": rows, "page": page, "may_schedule": may_schedule, "error": error,
        "error_message": page_message(error.message) if error else "",
        "data": data or {"region": schedule_regions[0].code if schedule_regions else "",
                         "date": timezone.localdate().isoformat()},
        "schedule_regions": schedule_regions,
    }, status=error.status if error else 200)


@login_required
def day_page(request, pk):
    from .models import VisitDay

    a = _actor(request)
    day = actions.visible_days(a, VisitDay.objects.select_related("region")).filter(pk=pk).first()
    if day is None:
        raise Http404(_("集中走访日不存在"))
    d = actions.day_dict(day, a, with_targets=True)
    d["pct"] = _pct(d["progress"]["rate"])
    return render(request, "visits/day.html", {"day": day, "d": d})
