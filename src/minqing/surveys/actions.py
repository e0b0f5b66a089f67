"""Every change of a survey, one ``do_*`` function each (Zulip style), each writing its
``SurveyEvent`` in the same transaction: plan a survey (draw its sample), claim a sampled
case for a call, record the one response of a case. None of them touches a case."""

import datetime as dt
import random
import secrets

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from minqing.cases.errors import Conflict, Forbidden, InvalidInput
from minqing.cases.models import Case, State
from minqing.insights.figures import region_prefix_q
from minqing.people.models import Role
from minqing.regions.models import Region

from .models import Survey, SurveyEvent, SurveyItem, SurveyResponse

PLAN_ROLES = (Role.LEADER, Role.SUPERVISOR)  # and admins
MAX_PER_DEPARTMENT = 200
MAX_SUBJECTS = 500
MAX_WINDOW_DAYS = 366
MAX_SEED = 2**62
CLAIM_LEASE = dt.timedelta(minutes=30)  # a claim nobody answered may be taken over after this
QUESTIONS = ("solved", "attitude", "timeliness")
MAX_NOTE = 500


def _actor_name(actor):
    return actor.label or (actor.user.get_username() if actor.user else actor.kind)


def _event(survey, actor, action, item=None, at=None, **data):
    SurveyEvent.objects.create(survey=survey, item=item, action=action, actor=_actor_name(actor),
                               at=at or timezone.now(), data=data)


# ---- who may do what -------------------------------------------------------------------------


def may_plan(actor, region):
    return actor.is_admin or actor.covers_region(region, *PLAN_ROLES)


def may_read_results(actor, survey):
    return may_plan(actor, survey.region)


def may_call(actor, case=None, subject=None):
    """A surveyor whose region covers the case's — or the sampled subject's — (admins too);
    return visitors are not surveyors."""
    region = subject.region if subject is not None else (case.region or case.owner_region)
    return actor.is_admin or actor.covers_region(region, Role.SURVEYOR)


def may_call_item(actor, item):
    return may_call(actor, case=item.case, subject=item.subject)


def visible_surveys(actor, qs=None):
    """The surveys a leader/supervisor plans and reads (their regions) or a surveyor calls
    (surveys over, or inside, their region)."""
    qs = Survey.objects.select_related("region") if qs is None else qs
    if actor.is_admin:
        return qs
    cond = Q(pk__in=[])
    for m in actor.memberships:
        if m.role in (*PLAN_ROLES, Role.SURVEYOR):
            if m.region_id is None:
                return qs
            cond |= Q(region_path__startswith=m.region.path)
            if m.role == Role.SURVEYOR:  # a city-wide survey has cases in a county surveyor's county
                ancestors = [p for p in _prefixes(m.region.path)]
                cond |= Q(region_path__in=ancestors)
    return qs.filter(cond)


def _prefixes(path):
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts) + 1)]


# ---- plan --------------------------------------------------------------------------------


def window(date_from, date_to):
    if date_from is None or date_to is None:
        raise InvalidInput("须给出起止日期 / from and to are required", field="from" if date_from is None else "to")
    if date_from > date_to:
        raise InvalidInput("起始日期晚于截止日期 / from is after to", field="from")
    if (date_to - date_from).days + 1 > MAX_WINDOW_DAYS:
        raise InvalidInput(f"时间窗口不超过 {MAX_WINDOW_DAYS} 天 / the window is at most {MAX_WINDOW_DAYS} days",
                           field="to")
    tz = timezone.get_current_timezone()
    return (dt.datetime.combine(date_from, dt.time.min, tzinfo=tz),
            dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz))


def population(region, date_from, date_to):
    """The closed cases a survey samples from, by lead department: closed in the window, in
    the region, with a reporter to call (not anonymous, a phone given)."""
    start, end = window(date_from, date_to)
    rows = (Case.objects.filter(region_prefix_q(region.path), state=State.CLOSED, closed_at__gte=start,
                                closed_at__lt=end, anonymous=False, lead_department__isnull=False)
            .exclude(reporter_phone="").order_by("lead_department_id", "id")
            .values_list("lead_department_id", "id"))
    strata = {}
    for dept_id, case_id in rows:
        strata.setdefault(dept_id, []).append(case_id)
    return strata


def draw(strata, per_department, seed):
    """The sample: up to ``per_department`` cases of each department, drawn at random with
    ``seed`` (departments in id order, cases in id order within each: the same data and seed
    draw the same sample). Answers [(department id, case id)…]."""
    rng = random.Random(seed)
    out = []
    for dept_id in sorted(strata):
        ids = strata[dept_id]
        chosen = rng.sample(ids, min(per_department, len(ids)))
        out += [(dept_id, case_id) for case_id in sorted(chosen)]
    return out


def subject_population(region, date_from, date_to):
    """The registered subjects (households, enterprises) a survey may call: in the region, with
    a phone. Answers (visited in the window, the others), each in id order."""
    from minqing.visits.models import Subject

    start, end = date_from, date_to
    qs = Subject.objects.filter(region_prefix_q(region.path)).exclude(phone="")
    visited = set(qs.filter(visits__date__gte=start, visits__date__lte=end).values_list("id", flat=True))
    ids = list(qs.order_by("id").values_list("id", flat=True))
    return [i for i in ids if i in visited], [i for i in ids if i not in visited]


def draw_subjects(visited, others, n, seed):
    """``n`` subjects at random with ``seed`` (a stream of its own, so the cases' sample is the
    same with or without subjects): those visited in the window first, the others only to fill
    up. Answers the ids in id order."""
    rng = random.Random(f"subjects:{seed}")
    chosen = rng.sample(visited, min(n, len(visited)))
    rest = n - len(chosen)
    if rest > 0:
        chosen += rng.sample(others, min(rest, len(others)))
    return sorted(chosen)


@transaction.atomic
def do_create_survey(actor, *, region, date_from, date_to, per_department, seed=None, title="", subjects=0,
                     at=None):
    """满意度测评 plan: draw the sample (cases per department, and ``subjects`` registered
    subjects) and store it with its seed."""
    reg = region if isinstance(region, Region) else Region.objects.filter(code=region).first()
    if reg is None:
        raise InvalidInput(f"区划不存在 / unknown region: {region}", field="region")
    if not may_plan(actor, reg):
        raise Forbidden("只有该区划的领导、督办员和管理员可以组织测评 / only leaders, supervisors and admins "
                        "of the region may plan a survey")
    if not isinstance(per_department, int) or not 1 <= per_department <= MAX_PER_DEPARTMENT:
        raise InvalidInput(f"每部门抽样数为 1–{MAX_PER_DEPARTMENT} / per_department is 1..{MAX_PER_DEPARTMENT}",
                           field="per_department")
    if seed is None:
        seed = secrets.randbelow(MAX_SEED)
    elif not isinstance(seed, int) or not 0 <= seed < MAX_SEED:
        raise InvalidInput("seed 为 0–2^62 的整数 / seed is an integer 0..2^62", field="seed")
    if isinstance(subjects, bool) or not isinstance(subjects, int) or not 0 <= subjects <= MAX_SUBJECTS:
        raise InvalidInput(f"走访对象抽样数为 0–{MAX_SUBJECTS} / subjects is 0..{MAX_SUBJECTS}", field="subjects")
    title = " ".join(str(title or "").split())[:100]
    sample = draw(population(reg, date_from, date_to), per_department, seed)
    subject_sample = draw_subjects(*subject_population(reg, date_from, date_to), subjects, seed) if subjects else []
    if not sample:
        raise InvalidInput("该区划在此期间没有可测评的已销号案件 / no closed case with a reporter to call in "
                           "this region and window", field="from")
    at = at or timezone.now()
    survey = Survey.objects.create(region=reg, region_path=reg.path, date_from=date_from, date_to=date_to,
                                   per_department=per_department, seed=seed, title=title, subjects=subjects,
                                   created_by=actor.user, created_at=at)
    SurveyItem.objects.bulk_create([SurveyItem(survey=survey, position=i, case_id=case_id, department_id=dept_id)
                                    for i, (dept_id, case_id) in enumerate(sample, 1)])
    SurveyItem.objects.bulk_create([SurveyItem(survey=survey, position=i, subject_id=subject_id)
                                    for i, subject_id in enumerate(subject_sample, len(sample) + 1)])
    extra = {"subjects": len(subject_sample)} if subjects else {}
    _event(survey, actor, "planned", at=at, seed=seed, size=len(sample), **extra)
    return survey


# ---- call and answer --------------------------------------------------------------------------


def item_of(survey, case_id=None, subject_id=None):
    """The sampled item of a case or of a subject (exactly one of the two)."""
    if (case_id is None) == (subject_id is None):
        raise InvalidInput("须给出 case 或 subject 之一 / give exactly one of case and subject",
                           field="case" if case_id is None else "subject")
    if subject_id is not None:
        if isinstance(subject_id, bool) or not isinstance(subject_id, int) or not 1 <= subject_id < 2**63:
            raise InvalidInput("subject 须为走访对象编号 / subject is a subject id", field="subject")
        item = (SurveyItem.objects.select_related("subject__region")
                .filter(survey=survey, subject_id=subject_id).first())
        if item is None:
            raise InvalidInput("该走访对象不在本次测评的样本中 / the subject is not in this survey's sample",
                               field="subject")
        return item
    if isinstance(case_id, bool) or not isinstance(case_id, int) or not 1 <= case_id < 2**63:
        raise InvalidInput("case 须为案件编号 / case is a case id", field="case")
    item = (SurveyItem.objects.select_related("case__region", "case__owner_region", "department")
            .filter(survey=survey, case_id=case_id).first())
    if item is None:
        raise InvalidInput("该案件不在本次测评的样本中 / the case is not in this survey's sample", field="case")
    return item


def _what(item):
    return "该走访对象" if item.subject_id else "该案件"


def _ids(item):
    return {"subject": item.subject_id} if item.subject_id else {"case": item.case_id}


def _check_caller(actor, item):
    if actor.user is None or not may_call_item(actor, item):
        raise Forbidden("只有该区划的测评员可以拨打和记录测评 / only a surveyor of the case's region may call "
                        "and record the survey")


@transaction.atomic
def do_claim(actor, survey, case_id=None, at=None, *, subject_id=None):
    """Take a sampled case for a call: one surveyor at a time (a conditional UPDATE, so two
    surveyors never both win); a claim unanswered for ``CLAIM_LEASE`` may be taken over."""
    item = item_of(survey, case_id, subject_id)
    _check_caller(actor, item)
    at = at or timezone.now()
    if SurveyResponse.objects.filter(item=item).exists():
        raise Conflict(f"{_what(item)}已测评 / this item has been surveyed already")
    # only the item's own columns in the condition: a join (response__isnull) made Django write
    # the UPDATE as "WHERE id IN (SELECT …)", which PostgreSQL does not re-check on the locked
    # row, so two surveyors at once both won (found by tests/surveys/test_race.py on PostgreSQL)
    taken = (SurveyItem.objects.filter(pk=item.pk)
             .filter(Q(caller__isnull=True) | Q(caller=actor.user) | Q(claimed_at__lt=at - CLAIM_LEASE))
             .update(caller=actor.user, claimed_at=at))
    if not taken:
        raise Conflict(f"另一位测评员正在拨打{_what(item)} / another surveyor is calling this item")
    _event(survey, actor, "claimed", item=item, at=at, **_ids(item))
    item.refresh_from_db()
    return item


def clean_answers(*, unreachable=False, score=None, satisfied=None, answers=None):
    """The response's fields, checked: reached needs a score 1–10 and satisfied yes/no;
    unreachable takes neither. ``answers``: the three questions (1–10) and a note."""
    answers = dict(answers or {})
    unknown = set(answers) - {*QUESTIONS, "note"}
    if unknown:
        raise InvalidInput(f"未知的问题 / unknown answers: {', '.join(sorted(unknown))}", field="answers")
    out = {"reached": not unreachable, "score": None, "satisfied": None, "note": "",
           **dict.fromkeys(QUESTIONS)}
    note = answers.get("note") or ""
    if not isinstance(note, str) or len(note) > MAX_NOTE or "\x00" in note:
        raise InvalidInput(f"备注不超过 {MAX_NOTE} 字 / note is at most {MAX_NOTE} characters", field="answers.note")
    out["note"] = note.strip()
    if unreachable:
        if score is not None or satisfied is not None or any(answers.get(q) is not None for q in QUESTIONS):
            raise InvalidInput("联系不上时不记录评分 / an unreachable call has no scores", field="unreachable")
        return out
    for name, value in [("score", score), *[(f"answers.{q}", answers.get(q)) for q in QUESTIONS]]:
        if value is None and name != "score":
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 10:
            raise InvalidInput("评分为 1–10 / a score is 1..10", field=name)
    if not isinstance(satisfied, bool):
        raise InvalidInput("须回答是否满意 / satisfied (true or false) is required", field="satisfied")
    out.update(score=score, satisfied=satisfied, **{q: answers.get(q) for q in QUESTIONS})
    return out


def _same(resp, fields, actor):
    return resp.surveyor_id == actor.user.pk and all(getattr(resp, k) == v for k, v in fields.items())


@transaction.atomic
def do_record_response(actor, survey, case_id=None, *, subject_id=None, score=None, satisfied=None, answers=None,
                       unreachable=False, at=None):
    """The one response of a sampled case. Answers (response, created): the same response sent
    again by the same surveyor (a double click, a retry) is the stored one (created False); a
    different one is a conflict. Never changes the case."""
    item = item_of(survey, case_id, subject_id)
    _check_caller(actor, item)
    fields = clean_answers(unreachable=unreachable, score=score, satisfied=satisfied, answers=answers)
    existing = SurveyResponse.objects.filter(item=item).first()
    if existing is not None:
        if _same(existing, fields, actor):
            return existing, False
        raise Conflict(f"{_what(item)}已有测评结果 / this item has a survey response already")
    at = at or timezone.now()
    if item.caller_id not in (None, actor.user.pk) and item.claimed_at and item.claimed_at >= at - CLAIM_LEASE:
        raise Conflict(f"另一位测评员正在拨打{_what(item)} / another surveyor is calling this item")
    try:
        with transaction.atomic():
            resp = SurveyResponse.objects.create(item=item, survey=survey, surveyor=actor.user, at=at, **fields)
    except IntegrityError:  # the same case answered at this instant by another request
        existing = SurveyResponse.objects.filter(item=item).first()
        if existing is not None and _same(existing, fields, actor):
            return existing, False
        raise Conflict(f"{_what(item)}已有测评结果 / this item has a survey response already") from None
    SurveyItem.objects.filter(pk=item.pk).update(caller=actor.user, claimed_at=item.claimed_at or at)
    _event(survey, actor, "answered" if fields["reached"] else "unreachable", item=item, at=at, **_ids(item),
           score=fields["score"], satisfied=fields["satisfied"])
    return resp, True


def response_dict(resp):
    return {
        **_ids(resp.item), "reached": resp.reached, "unreachable": not resp.reached,
        "score": resp.score, "satisfied": resp.satisfied,
        "answers": {**{q: getattr(resp, q) for q in QUESTIONS}, "note": resp.note},
        "surveyor": resp.surveyor.get_username() if resp.surveyor else None, "at": resp.at.isoformat(),
    }
