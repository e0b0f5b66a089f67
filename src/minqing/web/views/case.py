"""One case whole, and the forms of the actions the viewer may take on it."""

from urllib.parse import urlencode

from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_POST

from minqing.cases import actions
from minqing.cases.errors import ActionError
from minqing.cases.models import Attachment, Case, Category, State, Task

from ..forms import ACTION_FORMS, TaskDoneForm, TaskForm
from ..models import CampaignCase
from ..suggest import Suggester, similar_cases
from .common import get_actor, live_alert, mask_text, not_found, reporter_view, role_required
from .portal import PUBLIC_ACTIONS

ACTION_LABELS = {
    "register": gettext_noop("登记"), "assign": gettext_noop("交办"), "accept": gettext_noop("签收"), "return": gettext_noop("退回"), "escalate": gettext_noop("上报"),
    "meet": gettext_noop("会办"), "whistle": gettext_noop("吹哨"), "report": gettext_noop("报到"), "supervise": gettext_noop("督办"), "extend": gettext_noop("申请延期"),
    "approve_extension": gettext_noop("审批延期"), "handle": gettext_noop("办结答复"), "progress": gettext_noop("办理进展"), "visit_back": gettext_noop("回访"), "close_by_rule": gettext_noop("按规则销号"),
    "reopen": gettext_noop("重办"), "merge": gettext_noop("合并"), "merge_in": gettext_noop("并入相同问题"), "invalidate": gettext_noop("作废"), "task_created": gettext_noop("新建任务"),
    "task_done": gettext_noop("完成任务"), "overdue": gettext_noop("超期预警"), "alert": gettext_noop("预警"),
    "categorize": gettext_noop("确定分类"), "locate": gettext_noop("确定地点"), "unmerge": gettext_noop("撤销合并"), "merge_undone": gettext_noop("并入案件已撤销合并"),
    "own": gettext_noop("领导包案"), "release": gettext_noop("解除包案"), "agreement": gettext_noop("签订息访协议"),
}
STATUS_FOR = {"InvalidInput": 422, "Forbidden": 403, "NotFound": 404, "IllegalTransition": 409, "Conflict": 409}


def event_person(event):
    """Who acted, as the timeline names them: the person's display name and unit (民情办 · 张三),
    not their login; the recorded label for the system and the public."""
    user = event.actor
    if user is None:
        return event.actor_label
    profile = getattr(user, "profile", None)
    name = (profile.display_name if profile else "") or user.get_username()
    unit = profile.unit if profile else ""
    return f"{name}（{unit}）" if unit else name


def visible_case(request, pk):
    from minqing.people.scoping import visible_cases

    actor = get_actor(request)
    qs = Case.objects.select_related("category", "region", "owner_region", "lead_department", "merged_into")
    return visible_cases(actor, qs).filter(pk=pk).first()


def may_task(actor, case):
    return case.state not in (State.CLOSED, State.MERGED, State.INVALID) and (
        actor.is_admin or actor.is_lead_handler(case) or "assign" in actions.available_actions(actor, case)
        or actions._owns_dispatch(actor, case)
    )


def _as_written(text):
    return text or ""


def case_context(request, case, bound=None, revealed=False, reveal_error=None):
    """Everything the case page shows; ``bound`` = (action, form) re-shown with its errors.
    Free texts are masked for a viewer who may not see the contact data, unless they
    have just revealed them with a reason (``revealed``, logged by ``people.contact``)."""
    actor = get_actor(request)
    may_see = actor.can_see_contact(case)
    shown = _as_written if (revealed or may_see) else mask_text
    available = actions.available_actions(actor, case)
    forms = []
    wanted = None if bound else request.GET.get("do")  # a workbench link opens that form
    for name in available:
        form_cls, label = ACTION_FORMS[name]
        if bound and bound[0] == name:
            form = bound[1]
        else:
            form = form_cls(prefix=name)
        forms.append({"name": name, "label": label, "form": form, "open": bool(bound and bound[0] == name) or name == wanted})
    if case.state == State.REGISTERED and "assign" in available:
        suggestion = Suggester().for_case(case)
        for f in forms:
            if f["name"] == "assign" and not f["form"].is_bound and suggestion["departments"]:
                f["form"].initial["department"] = _dept_pk(suggestion["departments"][0]["code"])
    else:
        suggestion = None
    dups = similar_duplicates(actor, case) if "merge" in available else []
    events = list(case.events.select_related("actor__profile").order_by("at", "id"))
    for e in events:
        e.label = ACTION_LABELS.get(e.action, e.action)
        e.actor_label = event_person(e)  # shown, never saved (events are append-only)
    for e in events:
        e.shown_note = shown(e.note)
        data = e.data if isinstance(e.data, dict) else {}
        # a redo's own deadline, recorded on its event: (new, old) shown on the timeline
        e.redo = (data["deadline"], data.get("old_deadline")) if e.action in ("visit_back", "reopen") and \
            data.get("deadline") else None
    for d in dups:
        d.shown_text = mask_text(d.text) if not actor.can_see_contact(d) else d.text
    if revealed and not case.anonymous:
        name, phone = case.reporter_name, case.reporter_phone
    else:
        name, phone = reporter_view(case, actor)
    tasks = list(case.tasks.select_related("department", "partner").order_by("id"))
    for t in tasks:
        t.shown_title, t.shown_outcome = shown(t.title), shown(t.outcome)
    task_forms = may_task(actor, case)
    depts = actor.department_ids()
    for t in tasks:
        t.may_complete = t.status == Task.OPEN and (actor.is_admin or (t.department_id and t.department_id in depts)
                                                    or (t.partner_id and t.partner_id in actor.partner_ids()))
    summons = list(case.summons.select_related("department").order_by("id"))
    orders = list(case.supervision_orders.select_related("issued_by").order_by("id"))
    extensions = list(case.extension_requests.order_by("id"))
    meetings = list(case.meetings.prefetch_related("departments").order_by("id"))
    return_visits = list(case.return_visits.all())
    for s in summons:
        s.shown_report = shown(s.report)
    for o in orders:
        o.shown_note = shown(o.note)
    for r in extensions:
        r.shown_reason = shown(r.reason)
    for m in meetings:
        m.shown_minutes = shown(m.minutes)
    for v in return_visits:
        v.shown_note = shown(v.note)
    effect = getattr(case, "effect", None) if case.state == State.CLOSED else None
    return {
        "case": case,
        "text": shown(case.text),
        "address": shown(case.address),
        "result": shown(case.result),
        "masked": not may_see and not revealed,
        "revealed": revealed,
        "reveal_error": reveal_error,
        "effect_text": shown(effect.what_was_done) if effect else "",
        "alert": live_alert(case),
        "reporter_name": name,
        "reporter_phone": phone,
        "events": events,
        "forms": forms,
        "available_names": available,
        "suggestion": suggestion,
        "duplicates": dups,
        "summons": summons,
        "orders": orders,
        "extensions": extensions,
        "meetings": meetings,
        "tasks": tasks,
        "task_form": (bound[1] if bound and bound[0] == "task" else TaskForm(prefix="task")) if task_forms else None,
        "task_done_error": bound[1] if bound and bound[0] == "task_done" else None,
        "effect": effect,
        "return_visits": return_visits,
        "attachments": case.attachments.all(),
        "co_departments": case.co_departments.all(),
        "merged_cases": case.merged_cases.only("pk", "tracking_code"),
        "campaign": CampaignCase.objects.filter(case=case).select_related("campaign").first(),
        "public_labels": PUBLIC_ACTIONS,
        "category_choices": Category.objects.filter(active=True) if "categorize" in available else (),
        "region_choices": _places_within(case) if "locate" in available else (),
    }


def similar_duplicates(actor, case):
    """The open cases saying the same thing about the same place, best text similarity first,
    each with its score (``insights.duplicates``)."""
    from minqing.people.scoping import visible_cases

    found = similar_cases([case], visible=visible_cases(actor, Case.objects.all())).get(case.pk, [])
    rows = Case.objects.in_bulk([d["case_id"] for d in found])
    out = []
    for d in found:
        row = rows.get(d["case_id"])
        if row is not None:
            row.score = d["score"]
            out.append(row)
    return out


def _places_within(case, limit=400):
    from minqing.regions.models import Region

    owner = case.owner_region or case.region
    if owner is None:
        return Region.objects.none()
    return Region.objects.filter(path__startswith=owner.path).order_by("path").only("code", "name", "path")[:limit]


@role_required()
def merge_confirm(request, pk):
    """合并 asks first: both texts side by side, then one button."""
    from minqing.people.scoping import visible_cases

    case = visible_case(request, pk)
    if case is None:
        return not_found(request)
    actor = get_actor(request)
    value = (request.GET.get("into") or request.GET.get("merge-into") or "").strip().upper()[:16]
    qs = visible_cases(actor, Case.objects.select_related("category", "region", "lead_department"))
    original = qs.filter(tracking_code=value).first() if value else None
    if original is None and value.isdigit():
        original = qs.filter(pk=int(value)).first()
    error = None
    if "merge" not in actions.available_actions(actor, case):
        error = _("此操作当前不可用。")
    elif original is None:
        error = _("没有找到这个查询码，请核对。")
    elif original.pk == case.pk:
        error = _("不能合并到自身。")
    elif original.state in (State.MERGED, State.INVALID, State.CLOSED):
        error = _("只能合并到未办结的案件。")
    score = None
    if original is not None and error is None:
        for d in similar_cases([case], visible=visible_cases(actor, Case.objects.all())).get(case.pk, []):
            if d["case_id"] == original.pk:
                score = d["score"]
    ctx = {"case": case, "original": original, "error": error, "score": score,
           "case_text": case.text, "original_text": original.text if original else ""}
    return render(request, "web/case/merge_confirm.html", ctx, status=422 if error else 200)


def _dept_pk(code):
    from minqing.regions.models import Department

    return Department.objects.filter(code=code).values_list("pk", flat=True).first()


@role_required()
def case_page(request, pk):
    case = visible_case(request, pk)
    if case is None:
        return not_found(request)
    return render(request, "web/case/case.html", case_context(request, case))


@role_required()
@require_POST
def reveal_contact(request, pk):
    """查看联系方式: with a reason, logged; the page is shown once with the contact data and texts in full."""
    from minqing.people import contact

    case = visible_case(request, pk)
    if case is None:
        return not_found(request)
    reason = " ".join(request.POST.get("reason", "").split())
    error = None
    if not reason:
        error = _("请填写查看事由。")
    elif len(reason) > contact.REASON_MAX or "\x00" in reason:
        error = _("查看事由不超过 %(n)d 字。") % {"n": contact.REASON_MAX}
    else:
        try:
            contact.reveal(get_actor(request), case.pk, reason, via="web")
        except ActionError as e:
            if e.status == 404:
                return not_found(request)
            error = e.message
    if error:
        return render(request, "web/case/case.html", case_context(request, case, reveal_error=error), status=422)
    response = render(request, "web/case/case.html", case_context(request, case, revealed=True))
    response["Cache-Control"] = "no-store"
    return response


def _next_url(request, case):
    nxt = request.POST.get("next") or ""
    if nxt and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
        return nxt
    return case and f"/case/{case.pk}/"


@role_required()
@require_POST
def case_action(request, pk, action):
    case = visible_case(request, pk)
    if case is None:
        return not_found(request)
    if action not in ACTION_FORMS:
        return not_found(request)
    actor = get_actor(request)
    if action == "merge" and request.POST.get("confirm") != "1":  # a merge is confirmed side by side first
        into = (request.POST.get("merge-into") or "").strip()[:16]
        return redirect(f"/case/{case.pk}/merge/?{urlencode({'into': into})}")
    form_cls, label = ACTION_FORMS[action]
    form = form_cls(request.POST, prefix=action)
    status = 422
    if form.is_valid():
        try:
            actions.ACTIONS[action](actor, case, **form.action_kwargs())
        except ActionError as e:
            status = STATUS_FOR.get(type(e).__name__, e.status)
            form.add_error(e.field if e.field in form.fields else None, e.message)
        else:
            messages.success(request, _("已完成：%(action)s") % {"action": label})
            return redirect(_next_url(request, case))
    case = visible_case(request, pk)
    if action not in actions.available_actions(actor, case):
        # not offered to this viewer now: show the refusal above the page
        messages.error(request, " ".join(form.non_field_errors()) or _("此操作当前不可用。"))
        return render(request, "web/case/case.html", case_context(request, case), status=status)
    return render(request, "web/case/case.html", case_context(request, case, bound=(action, form)), status=status)


@role_required()
@require_POST
def task_create(request, pk):
    case = visible_case(request, pk)
    if case is None:
        return not_found(request)
    actor = get_actor(request)
    form = TaskForm(request.POST, prefix="task")
    if form.is_valid():
        d = form.cleaned_data
        try:
            actions.create_task(actor, title=d["title"], department=d["department"], cases=[case], due=d["due"])
        except ActionError as e:
            form.add_error(e.field if e.field in form.fields else None, e.message)
        else:
            messages.success(request, _("任务已建立"))
            return redirect("web:case", pk=case.pk)
    return render(request, "web/case/case.html", case_context(request, case, bound=("task", form)), status=422)


@role_required()
@require_POST
def task_done(request, pk):
    case = visible_case(request, pk)
    if case is None:
        return not_found(request)
    actor = get_actor(request)
    form = TaskDoneForm(request.POST)
    if form.is_valid():
        task = case.tasks.filter(pk=form.cleaned_data["task"]).first()
        if task is None:
            return not_found(request)
        try:
            actions.complete_task(actor, task, outcome=form.cleaned_data["outcome"])
        except ActionError as e:
            form.add_error("outcome", e.message)
        else:
            messages.success(request, _("任务已完成"))
            return redirect("web:case", pk=case.pk)
    return render(request, "web/case/case.html", case_context(request, case, bound=("task_done", form)), status=422)


@role_required()
def attachment(request, pk, att):
    case = visible_case(request, pk)
    a = Attachment.objects.filter(pk=att, case_id=pk).first() if case else None
    if a is None:
        return not_found(request)
    return FileResponse(a.file.open("rb"), content_type=a.content_type)
