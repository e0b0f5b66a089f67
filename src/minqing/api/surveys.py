"""/api/v1/surveys: the independent satisfaction survey (满意度测评, 群众评议; issue 15 part 3).

Leaders, supervisors and admins of a region plan a survey (``POST /surveys``: a stratified
random sample of the closed cases, with its seed) and read its results beside the return
visits (``GET /surveys/{id}/results``); surveyors (role ``surveyor``) claim a sampled case,
which reveals the reporter's phone to them alone through the contact-access log
(``POST /surveys/{id}/claim``), and record its one response (``POST /surveys/{id}/responses``)."""

from typing import Annotated

from django.db.models import Count
from ninja import Field, Query, Router, Schema
from pydantic import ConfigDict

from minqing.cases.errors import NotFound
from minqing.people import contact
from minqing.surveys import actions, figures
from minqing.surveys.models import Survey, SurveyItem

from .auth import actor
from .errors import Code, Day, Id, Page, PageSize, responses, text

router = Router(tags=["surveys"])
Score = Annotated[int, Field(ge=1, le=10)]


class SurveyIn(Schema):
    region: Code
    date_from: Day = Field(..., alias="from")
    date_to: Day = Field(..., alias="to")
    per_department: Annotated[int, Field(ge=1, le=actions.MAX_PER_DEPARTMENT)]
    seed: Annotated[int, Field(ge=0, le=actions.MAX_SEED - 1)] | None = None
    title: text(100) = ""
    subjects: Annotated[int, Field(ge=0, le=actions.MAX_SUBJECTS)] = 0


class AnswersIn(Schema):
    model_config = ConfigDict(extra="forbid")
    solved: Score | None = None
    attitude: Score | None = None
    timeliness: Score | None = None
    note: text(actions.MAX_NOTE) = ""


class ResponseIn(Schema):
    case: Id | None = None
    subject: Id | None = None
    score: Score | None = None
    satisfied: bool | None = None
    answers: AnswersIn | None = None
    unreachable: bool = False


class ClaimIn(Schema):
    case: Id | None = None
    subject: Id | None = None


class SurveyFilters(Schema):
    page: Page = 1
    page_size: PageSize(100) = 20


def survey_dict(s, counts=None):
    out = {"id": s.pk, "region": s.region.code, "region_name": s.region.name, "title": s.title,
           "from": s.date_from.isoformat(), "to": s.date_to.isoformat(), "per_department": s.per_department,
           "subjects_requested": s.subjects, "seed": s.seed, "created_at": s.created_at.isoformat()}
    if counts is not None:
        out.update(counts)
    return out


def _survey(request, survey_id):
    s = actions.visible_surveys(actor(request)).filter(pk=survey_id).first()
    if s is None:
        raise NotFound("测评不存在 / survey not found")
    return s


def _any_survey(survey_id):
    s = Survey.objects.select_related("region").filter(pk=survey_id).first()
    if s is None:
        raise NotFound("测评不存在 / survey not found")
    return s


@router.post("/surveys", response=responses(dict, 201),
             summary="满意度测评: plan a survey — a stratified random sample of the closed cases")
def create_survey(request, payload: SurveyIn):
    s = actions.do_create_survey(actor(request), region=payload.region, date_from=payload.date_from,
                                 date_to=payload.date_to, per_department=payload.per_department,
                                 seed=payload.seed, title=payload.title, subjects=payload.subjects)
    items = s.items.order_by("position")
    sample = list(items.filter(case__isnull=False).values_list("case_id", flat=True))
    subjects = list(items.filter(subject__isnull=False).values_list("subject_id", flat=True))
    return 201, {**survey_dict(s), "sample": sample, "subjects": subjects}


@router.get("/surveys", response=responses(), summary="The surveys the caller plans, reads or calls")
def list_surveys(request, f: Query[SurveyFilters]):
    qs = actions.visible_surveys(actor(request)).annotate(n=Count("items"), answered=Count("items__response"))
    total = qs.count()
    page = qs[(f.page - 1) * f.page_size: f.page * f.page_size]
    return {"count": total, "page": f.page,
            "results": [survey_dict(s, {"sampled": s.n, "answered": s.answered}) for s in page]}


@router.get("/surveys/{survey_id}", response=responses(),
            summary="One survey and its sample (each case: department, claimed, answered)")
def get_survey(request, survey_id: Id):
    s = _survey(request, survey_id)
    items = (SurveyItem.objects.filter(survey=s).select_related("department", "caller", "response")
             .order_by("position"))
    out = []
    for i in items:
        resp = getattr(i, "response", None)
        out.append({"case": i.case_id, "subject": i.subject_id, "department": i.department.code if i.department else None,
                    "caller": i.caller.get_username() if i.caller else None,
                    "status": ("pending" if resp is None else "reached" if resp.reached else "unreached")})
    return {**survey_dict(s), "items": out}


@router.post("/surveys/{survey_id}/claim", response=responses(),
             summary="A surveyor takes a sampled case (or subject) for a call: the reporter's (subject's) "
                     "name and phone, logged")
def claim(request, survey_id: Id, payload: ClaimIn):
    a = actor(request)
    s = _any_survey(survey_id)
    item = actions.do_claim(a, s, payload.case, subject_id=payload.subject)
    reason = f"满意度测评 #{s.pk} 拨打"
    if item.subject_id:
        out = contact.reveal_subject(a, item.subject, reason, via="survey")
        return {"subject": item.subject_id, "contact_name": out["name"], "phone": out["phone"],
                "claimed_at": item.claimed_at.isoformat()}
    _case, out = contact.reveal(a, item.case_id, reason, via="survey")
    return {"case": item.case_id, "reporter_name": out["reporter_name"], "reporter_phone": out["reporter_phone"],
            "claimed_at": item.claimed_at.isoformat()}


@router.post("/surveys/{survey_id}/responses", response={**responses(dict, 201), 200: dict},
             summary="The one response of a sampled case or subject (score 1–10, satisfied) or unreachable; "
                     "a repeat is 200 with the stored one")
def record_response(request, survey_id: Id, payload: ResponseIn):
    s = _any_survey(survey_id)
    answers = payload.answers.dict() if payload.answers is not None else None
    resp, created = actions.do_record_response(actor(request), s, payload.case, subject_id=payload.subject,
                                               score=payload.score,
                                               satisfied=payload.satisfied, answers=answers,
                                               unreachable=payload.unreachable)
    return (201 if created else 200), actions.response_dict(resp)


@router.get("/surveys/{survey_id}/results", response=responses(),
            summary="Per department and overall: mean score, satisfaction, reached — beside the return visits")
def survey_results(request, survey_id: Id):
    s = _survey(request, survey_id)
    if not actions.may_read_results(actor(request), s):
        raise actions.Forbidden("只有该区划的领导、督办员和管理员可以查看测评结果 / only leaders, supervisors "
                                "and admins of the region may read the results")
    return figures.results(s)
