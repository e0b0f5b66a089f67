"""Every change of 包案 (a leader owns a case), 息访协议 and 固定接待日, in one place.

Like ``minqing.cases.actions``: each function takes the acting ``Actor`` first, checks
everything before it writes, runs in one transaction and writes its ``cases.Event`` in
that transaction (``own``, ``release``, ``agreement``; not shown on the reporter's page).
Taking a case is a compare-and-set on ``Case.leader`` (NULL → the leader): of two leaders
taking the same case at once one wins, the other gets a 409.
"""

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from minqing.cases import actions as case_actions
from minqing.cases.errors import Conflict, Forbidden, IllegalTransition, InvalidInput, NotFound
from minqing.cases.models import Case, Channel, Event, State
from minqing.cases.signals import event_recorded
from minqing.people.models import Membership, Role
from minqing.people.scoping import region_scope

from .models import Agreement, Reception

MAX_NOTE = 2000
MAX_PARTIES = 500
MAX_PLACE = 200
FINISHED = (State.CLOSED, State.MERGED, State.INVALID)
DEFAULT_MAX_DOCUMENT = 10 * 1024 * 1024
PDF = "application/pdf"


def max_document_bytes():
    return int(getattr(settings, "MINQING_AGREEMENT_MAX_BYTES", DEFAULT_MAX_DOCUMENT))


# ---- who may -----------------------------------------------------------------------------


def _case_region(case):
    return case.region or case.owner_region


def is_leader_of(actor, region):
    """A leader whose region covers ``region`` (a leader without a region covers all)."""
    if actor.kind == "system":
        return True
    return any(m.role == Role.LEADER and (m.region_id is None or (region is not None and
               region.path.startswith(m.region.path))) for m in actor.memberships)


def may_own(actor, case):
    return actor.user is not None and is_leader_of(actor, _case_region(case)) and case.state not in FINISHED


def may_release(actor, case):
    if case.leader_id is None:
        return False
    return actor.is_admin or (actor.user is not None and actor.user.pk == case.leader_id) or \
        is_leader_of(actor, _case_region(case))


def may_record_agreement(actor, case):
    """The owner, a leader or dispatcher of the case's region, the admin."""
    return actor.is_admin or (actor.user is not None and actor.user.pk == case.leader_id) or \
        actor.covers_region(_case_region(case), Role.LEADER, Role.DISPATCHER)


def may_schedule(actor, region):
    return actor.is_admin or actor.covers_region(region, Role.LEADER, Role.DISPATCHER)


def may_register_at(actor, reception):
    """The receiving leader, an operator or dispatcher of the reception's region, the admin."""
    return actor.is_admin or (actor.user is not None and actor.user.pk == reception.leader_id) or \
        actor.covers_region(reception.region, Role.OPERATOR, Role.DISPATCHER)


# ---- helpers -------------------------------------------------------------------------------


def _note(value, field="note", max_len=MAX_NOTE):
    value = case_actions.no_nul((value or "").strip(), field)
    if len(value) > max_len:
        raise InvalidInput(f"{field} 过长 / {field} is longer than {max_len} characters", field=field)
    return value


def _event(case, actor, action, *, at=None, note="", data=None):
    event = Event.objects.create(case=case, action=action, from_state=case.state, to_state=case.state,
                                 actor=actor.user, actor_label=actor.label, at=at or timezone.now(),
                                 note=note or "", data=data or {}, public=False)
    event_recorded.send(sender=Event, event=event, case=case)
    return event


def _leader_user(value, field="leader"):
    User = get_user_model()
    if isinstance(value, User):
        user = value
    else:
        if value in (None, ""):
            raise InvalidInput(f"{field} 必填 / {field} is required", field=field)
        case_actions.no_nul(value, field)
        user = User.objects.filter(username=str(value), is_active=True).first()
        if user is None:
            raise InvalidInput(f"用户不存在 / unknown user: {value}", field=field)
    return user


def _set_owner(actor, case, leader, *, note, at, data):
    """NULL → leader, compare-and-set; the version moves on (a note-like change: it does not
    make a concurrent transition of the case fail)."""
    updated = Case.objects.filter(pk=case.pk, leader__isnull=True).exclude(state__in=FINISHED).update(
        leader=leader, version=F("version") + 1, updated_at=timezone.now())
    if updated != 1:
        current = Case.objects.filter(pk=case.pk).values_list("leader_id", "state").first()
        if current and current[1] in FINISHED:
            raise IllegalTransition("案件已结束，不能包案 / a finished case cannot be owned")
        raise Conflict("该案件已有包案领导 / the case already has an owner")
    case.leader = leader
    case.version = Case.objects.filter(pk=case.pk).values_list("version", flat=True).get()
    return _event(case, actor, "own", at=at, note=note, data={"leader": leader.get_username(), **(data or {})})


# ---- 包案 -------------------------------------------------------------------------------------


@transaction.atomic
def do_own_case(actor, case, *, note="", at=None):
    """包案: the acting leader takes the case (a leader of its region; others 403)."""
    case = case_actions.load_case(case)
    note = _note(note)
    if actor.user is None or not is_leader_of(actor, _case_region(case)):
        raise Forbidden("只有该区划的领导可以包案 / only a leader of the case's region may own it")
    if case.state in FINISHED:
        raise IllegalTransition("案件已结束，不能包案 / a finished case cannot be owned")
    if case.leader_id == actor.user.pk:
        return None  # already theirs: nothing changes, no second event
    return _set_owner(actor, case, actor.user, note=note, at=at, data=None)


@transaction.atomic
def do_release_case(actor, case, *, note="", at=None):
    """解除包案: by the owner, a leader of the case's region or the admin."""
    case = case_actions.load_case(case)
    note = _note(note)
    if case.leader_id is None:
        raise IllegalTransition("该案件没有包案领导 / the case has no owner")
    if not may_release(actor, case):
        raise Forbidden("只有包案领导或该区划的领导可以解除包案 / only the owner or a leader of the region may release")
    owner = case.leader_id
    updated = Case.objects.filter(pk=case.pk, leader_id=owner).update(
        leader=None, version=F("version") + 1, updated_at=timezone.now())
    if updated != 1:
        raise Conflict("案件已被他人更新，请刷新后重试 / the case was changed by someone else; reload and try again")
    username = get_user_model().objects.filter(pk=owner).values_list("username", flat=True).first()
    case.leader = None
    case.version = Case.objects.filter(pk=case.pk).values_list("version", flat=True).get()
    return _event(case, actor, "release", at=at, note=note, data={"leader": username})


# ---- 息访协议 ---------------------------------------------------------------------------------


def clean_document(upload):
    """(ContentFile, content type) of an agreement's document: a PDF as sent (its header and
    trailer checked) or an image decoded and re-encoded (minqing.images). Size and type
    refused with InvalidInput(field="document")."""
    from django.core.files.base import ContentFile

    from minqing import images

    if upload is None:
        raise InvalidInput("协议文本必须上传 / the agreement's document is required", field="document")
    limit = max_document_bytes()
    if getattr(upload, "size", None) is not None and upload.size > limit:
        raise InvalidInput(f"文件超过 {limit // (1024 * 1024)} MB / the document is larger than {limit} bytes",
                           field="document")
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise InvalidInput(f"文件超过 {limit // (1024 * 1024)} MB / the document is larger than {limit} bytes",
                           field="document")
    if not data:
        raise InvalidInput("文件为空 / the document is empty", field="document")
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-2048:]:
            raise InvalidInput("PDF 文件不完整 / the PDF is truncated", field="document")
        f = ContentFile(data, name="agreement.pdf")
        return f, PDF
    try:
        f = images.clean_image(data)
    except images.ImageRefused:
        raise InvalidInput("只接受 PDF 或图片（JPEG/PNG/GIF/WebP）/ only a PDF or an image is accepted",
                           field="document") from None
    f.name = "agreement." + f.name.rsplit(".", 1)[-1]
    return f, f.content_type


@transaction.atomic
def do_record_agreement(actor, case, *, signed_on, parties, summary="", document=None, at=None):
    """息访协议: recorded on a case with its date, parties and document."""
    case = case_actions.load_case(case)
    if not may_record_agreement(actor, case):
        raise Forbidden("只有包案领导、该区划的领导或调度员可以登记息访协议 / only the owner, a leader or a dispatcher "
                        "of the region may record an agreement")
    if case.state in (State.MERGED, State.INVALID):
        raise IllegalTransition("已合并或作废的案件不能登记协议 / not on a merged or invalid case")
    signed_on = case_actions._date(signed_on, "signed_on")
    if signed_on is None:
        raise InvalidInput("signed_on 必填 / signed_on is required", field="signed_on")
    today = timezone.localdate()
    if signed_on > today or signed_on < dt.date(1990, 1, 1):
        raise InvalidInput("签订日期不能晚于今天 / signed_on cannot be in the future", field="signed_on")
    parties = _note(parties, "parties", MAX_PARTIES)
    if not parties:
        raise InvalidInput("parties 必填 / parties is required", field="parties")
    summary = _note(summary, "summary", 5000)
    content, content_type = clean_document(document)
    agreement = Agreement(case=case, signed_on=signed_on, parties=parties, summary=summary,
                          content_type=content_type, size=len(content), recorded_by=actor.user,
                          recorded_at=at or timezone.now(), region_path=case.region_path)
    agreement.document.save(content.name, content, save=False)
    agreement.save()
    _event(case, actor, "agreement", at=at, note=summary[:200],
           data={"agreement": agreement.pk, "signed_on": signed_on.isoformat()})
    return agreement


# ---- 固定接待日 -------------------------------------------------------------------------------


@transaction.atomic
def do_schedule_reception(actor, *, leader, region, date, place, note=""):
    """固定接待日: a leader of the region receives on a date at a place (a leader or dispatcher
    of the region, or the admin, schedules it)."""
    region = case_actions._region(region)
    if region is None:
        raise InvalidInput("region 必填 / region is required", field="region")
    if not may_schedule(actor, region):
        raise Forbidden("只有该区划的领导或调度员可以安排接待日 / only a leader or dispatcher of the region may schedule")
    user = _leader_user(leader)
    if not any(m.role == Role.LEADER and (m.region_id is None or region.path.startswith(m.region.path))
               for m in Membership.objects.filter(user=user).select_related("region")):
        raise InvalidInput(f"{user.username} 不是该区划的领导 / {user.username} is not a leader of the region",
                           field="leader")
    date = case_actions._date(date, "date")
    if date is None:
        raise InvalidInput("date 必填 / date is required", field="date")
    place = _note(place, "place", MAX_PLACE)
    if not place:
        raise InvalidInput("place 必填 / place is required", field="place")
    note = _note(note, "note", 500)
    if Reception.objects.filter(leader=user, date=date, place=place).exists():
        raise Conflict("该领导当天在该地点已有接待安排 / this leader already receives there that day")
    return Reception.objects.create(leader=user, region=region, region_path=region.path, date=date, place=place,
                                    note=note, created_by=actor.user)


def visible_receptions(actor):
    """Receptions in the actor's region scope, and the actor's own."""
    qs = Reception.objects.select_related("leader__profile", "region")
    if actor.is_admin:
        return qs
    cond = region_scope(actor)
    if cond is None:
        return qs
    if actor.user is not None:
        cond |= Q(leader=actor.user)
    return qs.filter(cond)


def load_reception(pk):
    r = Reception.objects.select_related("leader", "region").filter(pk=pk).first()
    if r is None:
        raise NotFound("接待日不存在 / reception not found")
    return r


@transaction.atomic
def do_register_at_reception(actor, reception, *, text, kind, category=None, region=None, address="",
                             reporter_name="", reporter_phone="", anonymous=False, at=None):
    """A case heard at a reception: channel ``reception``, owned by the receiving leader."""
    if not isinstance(reception, Reception):
        reception = load_reception(reception)
    if not may_register_at(actor, reception):
        raise Forbidden("只有接待领导或该区划的接诉员、调度员可以登记 / only the receiving leader or an operator or "
                        "dispatcher of the region may register here")
    region = region or reception.region
    case = case_actions.register(actor, text=text, channel=Channel.RECEPTION, kind=kind, category=category,
                                 region=region, address=address, reporter_name=reporter_name,
                                 reporter_phone=reporter_phone, anonymous=anonymous, at=at)
    if not case.region_path.startswith(reception.region_path):
        raise InvalidInput("案件地点不在接待日的区划内 / the case's place is outside the reception's region",
                           field="region")
    reception.cases.add(case)
    _set_owner(actor, case, reception.leader, note="", at=at,
               data={"via": "reception", "reception": reception.pk})
    return case


@transaction.atomic
def do_attach_to_reception(actor, reception, case, *, at=None):
    """A case of the channel ``reception`` registered before (at the desk, from a paper form)
    joins the reception it was heard at; the receiving leader owns it unless someone does."""
    if not isinstance(reception, Reception):
        reception = load_reception(reception)
    case = case_actions.load_case(case)
    if not may_register_at(actor, reception):
        raise Forbidden("只有接待领导或该区划的接诉员、调度员可以登记 / only the receiving leader or an operator or "
                        "dispatcher of the region may register here")
    if case.channel != Channel.RECEPTION:
        raise InvalidInput("只有来访接待渠道的案件 / only a case of the channel reception", field="case")
    if not case.region_path.startswith(reception.region_path):
        raise InvalidInput("案件地点不在接待日的区划内 / the case's place is outside the reception's region",
                           field="case")
    reception.cases.add(case)
    if case.leader_id is None and case.state not in FINISHED:
        _set_owner(actor, case, reception.leader, note="", at=at,
                   data={"via": "reception", "reception": reception.pk})
    return case
