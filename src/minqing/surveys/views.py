"""The survey pages: the surveyor's desk (/work/survey/) and the results beside the return
visits (/work/survey/results/) for leaders and supervisors. Thin: every change is a ``do_*``
of ``actions.py``; the phone is shown only in the answer to the call that claimed the case
(``people.contact.reveal``, logged), to that surveyor."""

import datetime as dt

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from minqing.cases.errors import ActionError
from minqing.people import contact
from minqing.people.models import Role
from minqing.people.scoping import mask_name, mask_phone, mask_text
from minqing.web.views.common import Page, get_actor, not_found, role_required

from . import actions, figures
from .models import SurveyItem

SCORES = list(range(10, 0, -1))


def _desk_url(survey_id, page=None):
    params = {"survey": survey_id}
    if page and page != "1":
        params["page"] = page
    return reverse("surveys:desk") + "?" + urlencode(params)


def _pick(request, qs, survey_id=None):
    if survey_id is None:
        try:
            survey_id = int(request.GET.get("survey") or 0)
        except ValueError:
            survey_id = 0
    if survey_id:
        return qs.filter(pk=survey_id).first()
    return qs.first()


def _desk(request, survey, calling=None, revealed=None, status=200):
    actor = get_actor(request)
    surveys = list(actions.visible_surveys(actor)[:50])
    ctx = {"surveys": surveys, "survey": survey, "scores": SCORES, "questions": QUESTION_LABELS}
    if survey is not None:
        qs = (SurveyItem.objects.filter(survey=survey)
              .select_related("case__region", "case__owner_region", "case__category", "department", "caller",
                              "response", "subject__region").order_by("position"))
        page = Page(request, qs, per_page=20)
        now = timezone.now()
        for item in page.object_list:
            item.resp = getattr(item, "response", None)
            if item.subject_id:  # a registered household/enterprise: its contact, masked until the call
                subj = item.subject
                item.text_shown = ""
                item.name_shown = mask_name(subj.contact_name or subj.name)
                item.phone_shown = mask_phone(subj.phone)
            else:
                case = item.case
                item.text_shown = mask_text(case.text)
                item.name_shown, item.phone_shown = mask_name(case.reporter_name), mask_phone(case.reporter_phone)
            item.may_call = actions.may_call_item(actor, item)
            item.busy = (item.resp is None and item.caller_id not in (None, getattr(actor.user, "pk", None))
                         and item.claimed_at and item.claimed_at >= now - actions.CLAIM_LEASE)
            item.calling = calling is not None and item.pk == calling.pk
            if item.calling and revealed:
                item.name_shown, item.phone_shown = revealed["reporter_name"], revealed["reporter_phone"]
        counts = SurveyItem.objects.filter(survey=survey).aggregate(
            total=Count("id"), answered=Count("response"))
        ctx.update(page=page, items=page.object_list, counts=counts)
    response = render(request, "surveys/desk.html", ctx, status=status)
    if revealed:
        response["Cache-Control"] = "no-store"
    return response


QUESTION_LABELS = [("solved", "问题解决"), ("attitude", "办理态度"), ("timeliness", "办理时效")]


@role_required(Role.SURVEYOR)
def desk(request):
    """测评台: the sample of a survey in the surveyor's scope, to call one by one."""
    actor = get_actor(request)
    survey = _pick(request, actions.visible_surveys(actor))
    if request.GET.get("survey") and survey is None:
        return not_found(request)
    return _desk(request, survey)


@role_required(Role.SURVEYOR)
@require_POST
def call(request, survey_id, case_id=None, subject_id=None):
    """拨打: claim the case (or subject) for this surveyor and show the phone, once, logged."""
    actor = get_actor(request)
    survey = actions.visible_surveys(actor).filter(pk=survey_id).first()
    if survey is None:
        return not_found(request)
    try:
        item = actions.do_claim(actor, survey, case_id, subject_id=subject_id)
        reason = f"满意度测评 #{survey.pk} 拨打"
        if item.subject_id:
            out = contact.reveal_subject(actor, item.subject, reason, via="survey")
            revealed = {"reporter_name": out["name"], "reporter_phone": out["phone"]}
        else:
            _case, revealed = contact.reveal(actor, item.case_id, reason, via="survey")
    except ActionError as e:
        messages.error(request, e.message)
        return redirect(_desk_url(survey.pk, request.POST.get("page")))
    return _desk(request, survey, calling=item, revealed=revealed)


def _int(value):
    value = (value or "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        return -1  # refused by the action with the field named


def _yes_no(value):
    return {"yes": True, "no": False}.get(value)


def call_subject(request, survey_id, subject_id):
    return call(request, survey_id, subject_id=subject_id)


@role_required(Role.SURVEYOR)
@require_POST
def answer(request, survey_id, case_id=None, subject_id=None):
    """记录测评: the one response of the case or subject (a second click records nothing more)."""
    actor = get_actor(request)
    survey = actions.visible_surveys(actor).filter(pk=survey_id).first()
    if survey is None:
        return not_found(request)
    p = request.POST
    unreachable = p.get("reached") == "no"
    answers = {"note": p.get("note", "")}
    if not unreachable:
        answers.update({q: _int(p.get(q)) for q, _label in QUESTION_LABELS})
    try:
        _resp, created = actions.do_record_response(
            actor, survey, case_id, subject_id=subject_id, unreachable=unreachable, answers=answers,
            score=None if unreachable else _int(p.get("score")),
            satisfied=None if unreachable else _yes_no(p.get("satisfied")))
    except ActionError as e:
        messages.error(request, e.message)
    else:
        if created:
            messages.success(request, _("已记录测评结果。") if not unreachable else _("已记录：联系不上。"))
        else:
            messages.info(request, _("该走访对象的测评结果已记录过。") if subject_id else _("该案件的测评结果已记录过。"))
    return redirect(_desk_url(survey.pk, p.get("page")))


def answer_subject(request, survey_id, subject_id):
    return answer(request, survey_id, subject_id=subject_id)


@role_required(Role.LEADER, Role.SUPERVISOR)
def results_page(request):
    """测评结果: per department, the survey beside the handlers' own return visits; and a plan form."""
    actor = get_actor(request)
    qs = actions.visible_surveys(actor)
    survey = _pick(request, qs)
    if request.GET.get("survey") and survey is None:
        return not_found(request)
    error = None
    if request.method == "POST":
        p = request.POST
        try:
            days = [dt.date.fromisoformat(p.get(k) or "") for k in ("from", "to")]
        except ValueError:
            error = _("请填写起止日期。")
        else:
            try:
                survey = actions.do_create_survey(actor, region=(p.get("region") or "").strip(),
                                                  date_from=days[0], date_to=days[1],
                                                  per_department=_int(p.get("per_department")),
                                                  subjects=_int(p.get("subjects")) or 0)
            except ActionError as e:
                error = e.message
            else:
                messages.success(request, _("已抽样 %(n)d 件。") % {"n": survey.items.count()})
                return redirect(reverse("surveys:results") + "?" + urlencode({"survey": survey.pk}))
    regions = sorted({m.region for m in actor.memberships if m.role in actions.PLAN_ROLES and m.region_id},
                     key=lambda r: r.path)
    today = timezone.localdate()
    ctx = {"surveys": list(qs[:50]), "survey": survey, "error": error, "regions": regions,
           "default_from": (today - dt.timedelta(days=30)).isoformat(), "default_to": today.isoformat(),
           "results": figures.results(survey) if survey and actions.may_read_results(actor, survey) else None}
    return render(request, "surveys/results.html", ctx, status=422 if error else 200)
