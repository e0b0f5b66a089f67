"""Every change of 免申即享, in one place: a policy saved, a delivery recorded.

Each function takes the acting ``Actor`` first, checks everything before it writes, runs in
one transaction and writes its ``PolicyEvent`` in it. A second delivery of the same policy
to the same subject changes nothing and answers the first (idempotent; the unique
constraint settles two at once)."""


from django.db import IntegrityError, transaction
from django.utils import timezone

from minqing.cases import actions as case_actions
from minqing.cases.errors import Conflict, Forbidden, InvalidInput, NotFound
from minqing.people.models import Role
from minqing.visits.actions import clean_tags, load_subject, visible_subjects
from minqing.visits.models import Subject, SubjectKind, Visit

from . import eligibility
from .models import Delivery, Policy, PolicyEvent

MAX_TAGS = 20
MAX_ATTRS = 10
DELIVER_ROLES = (Role.CADRE, Role.DISPATCHER, Role.LEADER, Role.OPERATOR)


def _event(policy, actor, action, data=None, at=None):
    return PolicyEvent.objects.create(policy=policy, action=action, actor=actor.user, actor_label=actor.label,
                                      at=at or timezone.now(), data=data or {})


def _text(value, field, max_len, required=False):
    value = case_actions.no_nul(("" if value is None else str(value)).strip(), field)
    if required and not value:
        raise InvalidInput(f"{field} 必填 / {field} is required", field=field)
    if len(value) > max_len:
        raise InvalidInput(f"{field} 过长 / {field} is longer than {max_len} characters", field=field)
    return value


def _tags(value, field):
    try:
        tags = clean_tags(value)
    except InvalidInput as e:
        raise InvalidInput(e.message, field=field) from None
    if len(tags) > MAX_TAGS:
        raise InvalidInput(f"{field} 最多 {MAX_TAGS} 个 / at most {MAX_TAGS} tags", field=field)
    for t in tags:
        case_actions.no_nul(t, field)
    return tags


def clean_attrs(value, field="eligibility.attrs"):
    """{key: text or [texts]}; keys are identifiers (they become JSON lookups)."""
    if value in (None, ""):
        return {}
    if not isinstance(value, dict):
        raise InvalidInput(f"{field} 应为对象 / {field} must be an object", field=field)
    if len(value) > MAX_ATTRS:
        raise InvalidInput(f"{field} 最多 {MAX_ATTRS} 项 / at most {MAX_ATTRS} attributes", field=field)
    out = {}
    for k, v in value.items():
        if not isinstance(k, str) or not eligibility.ATTR_KEY.match(k):
            raise InvalidInput(f"属性名无效 / attribute names are identifiers: {str(k)[:50]}", field=field)
        values = v if isinstance(v, list) else [v]
        if not values or len(values) > 50:
            raise InvalidInput(f"{field}.{k}: 1..50 个取值 / 1..50 values", field=field)
        clean = []
        for item in values:
            if isinstance(item, bool) or not isinstance(item, (str, int, float)):
                raise InvalidInput(f"{field}.{k}: 取值应为文字或数字 / values are texts or numbers", field=field)
            clean.append(_text(item, field, 100, required=True))
        out[k] = clean if isinstance(v, list) else clean[0]
    return out


def may_manage(actor, region):
    if actor.is_admin:
        return True
    if region is None:
        return False
    return actor.covers_region(region, Role.DISPATCHER, Role.LEADER)


@transaction.atomic
def do_save_policy(actor, *, code, name, department, eligibility, benefit="", starts_on=None, ends_on=None,
                   create_only=False):
    """Create a policy (or, with ``create_only=False``, update the one with this code: the importer)."""
    code = _text(code, "code", 64, required=True)
    name = _text(name, "name", 200, required=True)
    benefit = _text(benefit, "benefit", 2000)
    dept = case_actions._department(department, "department")
    if not isinstance(eligibility, dict):
        raise InvalidInput("eligibility 应为对象 / eligibility must be an object", field="eligibility")
    kind = eligibility.get("kind")
    if kind not in SubjectKind.values:
        raise InvalidInput(f"eligibility.kind 应为 {', '.join(SubjectKind.values)} / kind must be one of "
                           f"{', '.join(SubjectKind.values)}", field="eligibility.kind")
    tags_any = _tags(eligibility.get("tags_any"), "eligibility.tags_any")
    tags_all = _tags(eligibility.get("tags_all"), "eligibility.tags_all")
    region = case_actions._region(eligibility.get("region") or None, "eligibility.region")
    attrs = clean_attrs(eligibility.get("attrs"))
    starts_on = case_actions._date(starts_on, "starts_on")
    ends_on = case_actions._date(ends_on, "ends_on")
    if starts_on and ends_on and starts_on > ends_on:
        raise InvalidInput("开始日期晚于结束日期 / starts_on is after ends_on", field="ends_on")
    if not may_manage(actor, region):
        raise Forbidden("只有该区划的调度员、领导或管理员可以发布政策（全域政策仅管理员）/ only a dispatcher or leader of "
                        "the policy's region (the admin for a policy without a region) may publish it")
    policy = Policy.objects.select_for_update().filter(code=code).first()
    if policy is not None and create_only:
        raise Conflict(f"政策编码已存在 / a policy with code {code} exists", code="conflict")
    if policy is not None and not may_manage(actor, policy.region):
        raise Forbidden("无权修改该政策 / you may not change this policy")
    is_new = policy is None
    policy = policy or Policy(code=code, created_by=actor.user)
    policy.name, policy.department, policy.benefit = name, dept, benefit
    policy.kind, policy.tags_any, policy.tags_all, policy.attrs = kind, tags_any, tags_all, attrs
    policy.region, policy.region_path = region, region.path if region else ""
    policy.starts_on, policy.ends_on, policy.updated_at = starts_on, ends_on, timezone.now()
    policy.save()
    _event(policy, actor, "create" if is_new else "update",
           {"kind": kind, "tags_any": tags_any, "tags_all": tags_all, "region": region.code if region else None,
            "attrs": attrs})
    return policy, is_new


def load_policy(code):
    case_actions.no_nul(code, "code")
    p = Policy.objects.select_related("department", "region").filter(code=str(code)).first()
    if p is None:
        raise NotFound("政策不存在 / policy not found")
    return p


def may_deliver(actor, subject):
    if actor.is_admin or actor.kind == "system":
        return True
    if not (actor.roles() & set(DELIVER_ROLES)):
        return False
    return visible_subjects(actor, Subject.objects.filter(pk=subject.pk)).exists()


@transaction.atomic
def do_deliver(actor, policy, *, subject, visit=None, note="", at=None):
    """送达: the subject received the policy's benefit (on a visit, or directly).
    Returns (delivery, created); a second call for the same subject returns the first."""
    if not isinstance(policy, Policy):
        policy = load_policy(policy)
    if not isinstance(subject, Subject):
        case_actions.no_nul(subject, "subject")
        try:
            subject = load_subject(subject)
        except NotFound:
            raise InvalidInput(f"走访对象不存在 / unknown subject: {subject}", field="subject") from None
    if not may_deliver(actor, subject):
        raise Forbidden("只有能查看该对象的干部、调度员或领导可以登记送达 / only a cadre, dispatcher or leader who sees "
                        "the subject may record a delivery")
    note = _text(note, "note", 500)
    existing = Delivery.objects.filter(policy=policy, subject=subject).first()
    if existing is not None:
        return existing, False
    if not eligibility.is_eligible(policy, subject):
        raise InvalidInput("该对象不符合政策条件 / the subject is not eligible for this policy", field="subject")
    at = at or timezone.now()
    if not policy.active_on(timezone.localtime(at).date()):
        raise Conflict("政策不在执行期内 / the policy is not in force", code="not_in_force")
    visit_obj = None
    if visit not in (None, ""):
        visit_obj = Visit.objects.filter(pk=visit, subjects=subject).first() if str(visit).isdigit() else None
        if visit_obj is None:
            raise InvalidInput("走访记录不存在或不含该对象 / unknown visit, or the visit is not of this subject",
                               field="visit")
    try:
        with transaction.atomic():
            delivery = Delivery.objects.create(policy=policy, subject=subject, visit=visit_obj, delivered_by=actor.user,
                                               delivered_at=at, note=note, subject_region_path=subject.region_path)
    except IntegrityError:  # delivered by someone else a moment ago
        return Delivery.objects.get(policy=policy, subject=subject), False
    _event(policy, actor, "deliver", {"subject": subject.external_id, "visit": visit_obj.pk if visit_obj else None},
           at=at)
    return delivery, True


def to_bring(subject, day=None):
    """What a paired cadre brings on the next visit: the policies in force the subject is
    eligible for and has not received."""
    day = day or timezone.localdate()
    out = []
    for p in Policy.objects.select_related("department").order_by("code"):
        if not p.active_on(day):
            continue
        if eligibility.not_served(p, Subject.objects.filter(pk=subject.pk)).exists():
            out.append(p)
    return out
