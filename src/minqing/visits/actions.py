"""Every change on the visit side, in one place: subjects, pairings, visits.

Like ``minqing.cases.actions``: each public function takes the acting ``Actor``
first, validates everything before writing, runs in one transaction, and
raises the shared errors (InvalidInput 422 with the field, Forbidden 403,
NotFound 404).  A visit's problems become cases through
``minqing.cases.actions.register(channel="visit")`` inside the same
transaction, so a bad problem leaves neither the visit nor any case behind.
"""

import datetime as dt
import re

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from minqing.cases import actions as case_actions
from minqing.cases.errors import Forbidden, InvalidInput, NotFound
from minqing.cases.models import Kind
from minqing.choices import ALIASES, parse_choice
from minqing.people.models import Membership, Profile, Role
from minqing.people.scoping import mask_name, mask_phone, mask_text, region_scope, text_masker
from minqing.regions.models import Level, Region

from . import creditcode
from .models import (
    FrequencyRule,
    Method,
    Pairing,
    Subject,
    SubjectKind,
    SubjectTag,
    Tag,
    Visit,
    VisitDay,
    VisitDayTarget,
    VisitMember,
    VisitSubject,
    rank_level,
)

MAX_NOTES = 5000
MAX_SUBJECTS_PER_VISIT = 500
MAX_PROBLEMS = 50
MAX_MEMBERS = 30
MAX_TOKEN = 64
MAX_DAY_TARGETS = 5000
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
EARLIEST = dt.date(2000, 1, 1)
PHONE_RE = re.compile(r"^\+?[0-9][0-9\- ]{4,19}$")
SUBJECT_LEVELS = frozenset(Level.values)  # any level: an enterprise of a development zone sits on its county
SUBJECT_KINDS = frozenset(SubjectKind.values)


# ---- who may see what --------------------------------------------------------


def is_paired(actor, subject):
    if actor.user is None:
        return False
    return Pairing.objects.filter(cadre=actor.user, subject=subject, until__isnull=True).exists()


def can_see_subject_contact(actor, subject, paired=None):
    """Contact data (phone, a household's name) in full only for the admin, a dispatcher
    or return-visit operator of the subject's region, and the cadres paired with it."""
    if actor.kind == "system" or actor.is_admin:
        return True
    if actor.covers_region(subject.region, Role.DISPATCHER, Role.RETURN_VISITOR):
        return True
    return bool(paired if paired is not None else is_paired(actor, subject))


def visible_subjects(actor, qs):
    """Subjects an actor may look up: region roles in their region, and a cadre's own pairings."""
    if actor.is_admin:
        return qs
    cond = region_scope(actor)
    if cond is None:
        return qs
    if actor.user is not None:
        cond |= Q(pairings__cadre=actor.user, pairings__until__isnull=True)
        return qs.filter(cond).distinct()
    return qs.none()


def display_name(subject, full):
    if full or subject.kind == SubjectKind.ENTERPRISE:
        return subject.name
    return mask_name(subject.name)


def subject_dict(subject, actor, paired=None):
    full = can_see_subject_contact(actor, subject, paired)
    return {
        "external_id": subject.external_id,
        "kind": subject.kind,
        "name": display_name(subject, full),
        "region": subject.region.code,
        "region_name": subject.region.name,
        "tags": sorted(t.name for t in subject.tags.all()),
        "credit_code": subject.credit_code,
        "household_no": subject.household_no or None,
        "address": subject.address if full else mask_text(subject.address),
        "contact_name": subject.contact_name if full else mask_name(subject.contact_name),
        "phone": subject.phone if full else mask_phone(subject.phone),
        "contact_masked": not full,
    }


def contact_card(subject, today=None):
    """党群连心公示牌: what the subject (and anyone at its door) may see: the paired
    cadres' name, unit and phone.  The subject's own data is masked."""
    today = today or timezone.localdate()
    pairings = (
        Pairing.objects.filter(subject=subject, since__lte=today)
        .filter(Q(until__isnull=True) | Q(until__gte=today))
        .select_related("cadre", "cadre__profile")
        .order_by("since", "id")
    )
    cadres = []
    for p in pairings:
        profile = getattr(p.cadre, "profile", None)
        cadres.append({
            "name": (profile.display_name if profile else "") or p.cadre.get_username(),
            "unit": profile.unit if profile else "",
            "rank": profile.get_rank_display() if profile and profile.rank else "",
            "phone": profile.phone if profile else "",
            "role": p.role,
            "role_label": str(Pairing.Role(p.role).label),
            "since": p.since.isoformat(),
        })
    return {
        "subject": display_name(subject, False),
        "kind": subject.kind,
        "region": subject.region.full_name(),
        "cadres": cadres,
    }


# ---- lookups -------------------------------------------------------------------


def _user(value, field):
    User = get_user_model()
    if isinstance(value, User):
        return value
    if value in (None, ""):
        raise InvalidInput(f"{field} 必填 / {field} is required", field=field)
    user = User.objects.filter(username=str(value), is_active=True).first()
    if user is None:
        raise InvalidInput(f"用户不存在 / unknown user: {value}", field=field)
    return user


def _cadre(value, field="cadre"):
    user = _user(value, field)
    if not Membership.objects.filter(user=user, role=Role.CADRE).exists():
        raise InvalidInput(f"{user.username} 不是干部 / {user.username} is not a cadre", field=field)
    return user


def _subjects(values, field="subjects"):
    if values is None:
        return []
    if isinstance(values, (str, Subject)):
        values = [values]
    values = list(values)
    if len(values) > MAX_SUBJECTS_PER_VISIT:
        raise InvalidInput(f"对象过多(最多{MAX_SUBJECTS_PER_VISIT}) / at most {MAX_SUBJECTS_PER_VISIT} subjects",
                           field=field)
    ids = [str(v).strip() for v in values if not isinstance(v, Subject)]
    found = {s.external_id: s for s in Subject.objects.select_related("region").filter(external_id__in=ids)} if ids else {}
    out, seen = [], set()
    for v in values:
        s = v if isinstance(v, Subject) else found.get(str(v).strip())
        if s is None:
            raise InvalidInput(f"走访对象不存在 / unknown subject: {v}", field=field)
        if s.pk not in seen:
            seen.add(s.pk)
            out.append(s)
    return out


def load_subject(value):
    s = Subject.objects.select_related("region").filter(external_id=str(value)).first()
    if s is None:
        raise NotFound("走访对象不存在 / subject not found")
    return s


def _common_region(regions):
    """The lowest region containing all of them."""
    paths = [r.path.strip("/").split("/") for r in regions]
    common = []
    for parts in zip(*paths):
        if len(set(parts)) != 1:
            break
        common.append(parts[0])
    if not common:
        raise InvalidInput("走访对象不在同一区划树下 / subjects share no region", field="subjects")
    by_code = {r.code: r for r in regions}
    code = common[-1]
    return by_code.get(code) or Region.objects.get(code=code)


def _may_manage(actor, region):
    return actor.is_admin or actor.covers_region(region, Role.DISPATCHER)


# ---- subjects --------------------------------------------------------------------


def clean_tags(value):
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = value.replace("；", ";").replace("，", ";").replace(",", ";").split(";")
    out = []
    for t in value:
        t = str(t).strip()
        if t and t not in out:
            if len(t) > 50:
                raise InvalidInput(f"标签过长 / tag too long: {t[:20]}…", field="tags")
            out.append(t)
    return out


def set_tags(subjects_tags):
    """Replace the tags of many subjects at once: {subject_id: [tag names]} (bulk, 3 queries)."""
    names = {t for tags in subjects_tags.values() for t in tags}
    tags = {t.name: t for t in Tag.objects.filter(name__in=names)}
    missing = [Tag(name=n) for n in names if n not in tags]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        tags = {t.name: t for t in Tag.objects.filter(name__in=names)}
    ids = list(subjects_tags)
    for start in range(0, len(ids), 5000):
        SubjectTag.objects.filter(subject_id__in=ids[start:start + 5000]).delete()
    rows = [SubjectTag(subject_id=sid, tag_id=tags[n].pk) for sid, names_ in subjects_tags.items() for n in names_]
    SubjectTag.objects.bulk_create(rows, batch_size=5000)


def validate_subject_fields(kind, name, region, credit_code, phone, address, household_no):
    """Shared by the importer and save_subject: returns the cleaned values or raises InvalidInput."""
    kind = parse_choice(SubjectKind, kind, ALIASES["visits.SubjectKind"]) or kind
    if kind not in SUBJECT_KINDS:
        raise InvalidInput("kind 应为 household 或 enterprise / kind must be household or enterprise", field="kind")
    name = (name or "").strip()
    if not name:
        raise InvalidInput("名称必填 / name is required", field="name")
    if len(name) > 200:
        raise InvalidInput("名称过长 / name is too long", field="name")
    if region is None:
        raise InvalidInput("区划必填 / region_code is required", field="region_code")
    if region.level not in SUBJECT_LEVELS:
        raise InvalidInput("区划层级无效 / unknown region level", field="region_code")
    credit_code = creditcode.normalize(credit_code) or None
    if kind == SubjectKind.ENTERPRISE:
        if not credit_code:
            raise InvalidInput("企业须填统一社会信用代码 / an enterprise needs its credit code", field="credit_code")
        try:
            credit_code = creditcode.validate(credit_code)
        except creditcode.CreditCodeError as e:
            raise InvalidInput(f"统一社会信用代码无效：{e}", field="credit_code") from None
    elif credit_code:
        raise InvalidInput("户不填统一社会信用代码 / a household has no credit code", field="credit_code")
    phone = (phone or "").strip()
    if phone and not PHONE_RE.match(phone):
        raise InvalidInput("电话号码格式不正确 / phone is not a phone number", field="phone")
    address = (address or "").strip()
    if len(address) > 300:
        raise InvalidInput("地址过长 / address is too long", field="address")
    household_no = (household_no or "").strip()
    if len(household_no) > 64:
        raise InvalidInput("户号过长 / household_no is too long", field="household_no")
    return name, credit_code, phone, address, household_no


@transaction.atomic
def save_subject(actor, *, external_id, kind, name, region, tags=None, credit_code=None, address="", phone="",
                 household_no="", contact_name="", extra=None):
    """Register or update one subject (by external id)."""
    external_id = (external_id or "").strip()
    if not external_id or len(external_id) > 64:
        raise InvalidInput("编号必填且不超过64字符 / external_id is required (≤ 64 characters)", field="external_id")
    region_obj = case_actions._region(region, "region_code")
    kind = parse_choice(SubjectKind, kind, ALIASES["visits.SubjectKind"]) or kind
    name, credit_code, phone, address, household_no = validate_subject_fields(
        kind, name, region_obj, credit_code, phone, address, household_no)
    if not _may_manage(actor, region_obj):
        raise Forbidden("只有该区划的调度员或管理员可以登记对象 / only a dispatcher of the region may register subjects")
    tags = clean_tags(tags)
    subject = Subject.objects.filter(external_id=external_id).first()
    if credit_code:
        other = Subject.objects.filter(credit_code=credit_code).exclude(external_id=external_id).first()
        if other:
            raise InvalidInput(f"信用代码已登记为 {other.external_id} / credit code already registered as "
                               f"{other.external_id}", field="credit_code")
    subject = subject or Subject(external_id=external_id)
    moved = subject.pk is not None and subject.region_id != region_obj.pk
    subject.kind, subject.name, subject.region = kind, name, region_obj
    subject.credit_code, subject.phone, subject.address = credit_code, phone, address
    subject.household_no, subject.contact_name = household_no, (contact_name or "").strip()[:100]
    if extra is not None:
        subject.extra = dict(extra)
    subject.save()
    if moved:
        restamp_visits([subject.pk])
    set_tags({subject.pk: tags})
    return subject


def restamp_visits(subject_ids):
    """After subjects moved region or changed kind, copy the new values into their visit links."""
    for s in Subject.objects.filter(pk__in=subject_ids).values("pk", "region_id", "region_path", "kind"):
        VisitSubject.objects.filter(subject_id=s["pk"]).update(
            subject_region_id=s["region_id"], subject_region_path=s["region_path"], subject_kind=s["kind"])


def restamp_paths():
    """Re-copy region paths into subjects, visits and visit links after regions moved in the tree
    (the region import re-derives Region.path with queryset updates, which send no signals).
    Returns the number of rows changed."""
    from django.db.models import F, OuterRef, Subquery

    changed = 0
    with transaction.atomic():
        region_path = Subquery(Region.objects.filter(pk=OuterRef("region_id")).values("path")[:1])
        changed += Subject.objects.exclude(region_path=F("region__path")).update(region_path=region_path)
        changed += Visit.objects.exclude(region_path=F("region__path")).update(region_path=region_path)
        link_path = Subquery(Region.objects.filter(pk=OuterRef("subject_region_id")).values("path")[:1])
        changed += VisitSubject.objects.exclude(subject_region_path=F("subject_region__path")).update(
            subject_region_path=link_path)
    return changed


# ---- pairings ----------------------------------------------------------------------


@transaction.atomic
def pair(actor, *, cadre, subjects, role=Pairing.Role.PAIRED, since=None):
    """结对: make a cadre responsible for subjects (idempotent for an existing active pairing)."""
    cadre = _cadre(cadre)
    subjects = _subjects(subjects)
    if not subjects:
        raise InvalidInput("请选择对象 / subjects are required", field="subjects")
    role = parse_choice(Pairing.Role, role, ALIASES["visits.Pairing.Role"]) or role
    if role not in Pairing.Role.values:
        raise InvalidInput(f"role 应为 {', '.join(Pairing.Role.values)} / role must be one of "
                           f"{', '.join(Pairing.Role.values)}", field="role")
    since = case_actions._date(since, "since") or timezone.localdate()
    for s in subjects:
        if not _may_manage(actor, s.region):
            raise Forbidden(f"无权为 {s.external_id} 结对 / you may not pair subjects of that region")
    existing = {p.subject_id: p for p in Pairing.objects.filter(cadre=cadre, role=role, until__isnull=True,
                                                                subject__in=subjects)}
    new = [Pairing(cadre=cadre, subject=s, role=role, since=since, created_by=actor.user)
           for s in subjects if s.pk not in existing]
    if new:
        Pairing.objects.bulk_create(new)
        existing.update({p.subject_id: p for p in Pairing.objects.filter(
            cadre=cadre, role=role, until__isnull=True, subject__in=[p.subject_id for p in new])})
    return [existing[s.pk] for s in subjects]


@transaction.atomic
def unpair(actor, pairing, *, until=None):
    p = pairing if isinstance(pairing, Pairing) else Pairing.objects.select_related("subject__region").filter(
        pk=pairing).first()
    if p is None:
        raise NotFound("结对不存在 / pairing not found")
    if not _may_manage(actor, p.subject.region):
        raise Forbidden("无权解除该结对 / you may not end this pairing")
    until = case_actions._date(until, "until") or timezone.localdate()
    if until < p.since:
        raise InvalidInput("结束日期早于开始日期 / until is before since", field="until")
    p.until = until
    p.save(update_fields=["until"])
    return p


# ---- visits ------------------------------------------------------------------------


def _problems(problems, subjects):
    if problems is None:
        return []
    if not isinstance(problems, (list, tuple)):
        raise InvalidInput("problems 应为列表 / problems must be a list", field="problems")
    if len(problems) > MAX_PROBLEMS:
        raise InvalidInput(f"问题过多(最多{MAX_PROBLEMS}) / at most {MAX_PROBLEMS} problems", field="problems")
    by_id = {s.external_id: s for s in subjects}
    out = []
    for i, p in enumerate(problems):
        field = f"problems.{i}"
        if isinstance(p, str):
            p = {"text": p}
        if not isinstance(p, dict):
            raise InvalidInput(f"{field} 应为 {{text, category}} / must be an object", field=field)
        text = (p.get("text") or "").strip()
        if not text:
            raise InvalidInput(f"{field}.text 必填 / problem text is required", field=f"{field}.text")
        if len(text) > case_actions.MAX_TEXT:
            raise InvalidInput(f"{field}.text 过长 / problem text is too long", field=f"{field}.text")
        try:
            category = case_actions._category(p.get("category"))
        except InvalidInput as e:
            raise InvalidInput(e.message, field=f"{field}.category") from None
        kind = p.get("kind") or Kind.HELP
        if kind not in Kind.values:
            raise InvalidInput(f"{field}.kind 取值无效 / kind must be one of {', '.join(Kind.values)}",
                               field=f"{field}.kind")
        subject = None
        if p.get("subject"):
            subject = by_id.get(str(p["subject"]))
            if subject is None:
                raise InvalidInput(f"{field}.subject 不是本次走访对象 / not one of the visit's subjects",
                                   field=f"{field}.subject")
        elif len(subjects) == 1:
            subject = subjects[0]
        out.append({"text": text, "category": category, "kind": kind, "subject": subject})
    return out


def _members(values, lead):
    """组团式走访: the other cadres of the team (usernames), without the lead and without repeats."""
    if values in (None, ""):
        return []
    if isinstance(values, str):
        values = [v for v in re.split(r"[,，;；\s]+", values) if v]
    if not isinstance(values, (list, tuple)):
        raise InvalidInput("members 应为用户名列表 / members must be a list of usernames", field="members")
    if len(values) > MAX_MEMBERS:
        raise InvalidInput(f"同行干部过多(最多{MAX_MEMBERS}) / at most {MAX_MEMBERS} members", field="members")
    out, seen = [], {lead.pk}
    for v in values:
        user = _cadre(v, "members")
        if user.pk not in seen:
            seen.add(user.pk)
            out.append(user)
    return out


def _position(lat, lng):
    if lat in (None, "") and lng in (None, ""):
        return None, None
    if lat in (None, "") or lng in (None, ""):
        raise InvalidInput("lat 与 lng 须同时提供 / lat and lng go together", field="lat")
    try:
        lat, lng = float(lat), float(lng)
    except (TypeError, ValueError):
        raise InvalidInput("坐标应为数字 / lat and lng must be numbers", field="lat") from None
    if not (-90 <= lat <= 90) or lat != lat:
        raise InvalidInput("纬度应在 -90..90 / lat must be -90..90", field="lat")
    if not (-180 <= lng <= 180) or lng != lng:
        raise InvalidInput("经度应在 -180..180 / lng must be -180..180", field="lng")
    return lat, lng


def _token(value):
    value = (value or "").strip()
    if value and not TOKEN_RE.match(value):
        raise InvalidInput("client_token 应为 8–64 位字母数字 / client_token must be 8..64 letters, digits, - or _",
                           field="client_token")
    return value


def record_visit(actor, *, cadre, subjects=None, date, method, notes="", problems=None, region=None, at=None,
                 members=None, lat=None, lng=None, client_token=""):
    """走访: record one visit; every problem heard becomes a case (channel ``visit``) linked to it.

    ``cadre`` is a username (the cadre who visited, the team's lead; the actor may record their own
    visits, a dispatcher of the region or an admin anyone's). ``subjects`` are
    external ids; a group meeting may instead name only its ``region``. ``members`` are the
    other cadres of a team (组团式走访): one visit record, each of them credited in participation.
    ``client_token`` (the form's one-time token, or an API client's idempotency key) makes the
    call idempotent: the same recorder sending the same token again gets the first visit back.
    """
    token = _token(client_token)
    if token and actor.user is not None:
        existing = Visit.objects.filter(recorded_by=actor.user, client_token=token).first()
        if existing is not None:
            return existing
    try:
        return _record_visit(actor, cadre=cadre, subjects=subjects, date=date, method=method, notes=notes,
                             problems=problems, region=region, at=at, members=members, lat=lat, lng=lng,
                             token=token if actor.user is not None else "")
    except IntegrityError:
        # a concurrent request with the same token won the race: answer with its visit
        existing = Visit.objects.filter(recorded_by=actor.user, client_token=token).first() if token else None
        if existing is None:
            raise
        return existing


@transaction.atomic
def _record_visit(actor, *, cadre, subjects, date, method, notes, problems, region, at, members, lat, lng, token):
    cadre = _cadre(cadre)
    members = _members(members, cadre)
    lat, lng = _position(lat, lng)
    subjects = _subjects(subjects)
    date = case_actions._date(date, "date")
    if date is None:
        raise InvalidInput("date 必填 / date is required", field="date")
    today = timezone.localdate()
    if date > today or date < EARLIEST:
        raise InvalidInput("走访日期不能晚于今天 / date cannot be in the future", field="date")
    method = parse_choice(Method, method, ALIASES["visits.Method"]) or method
    if method not in Method.values:
        raise InvalidInput(f"method 应为 {', '.join(Method.values)} / method must be one of "
                           f"{', '.join(Method.values)}", field="method")
    notes = (notes or "").strip()
    if len(notes) > MAX_NOTES:
        raise InvalidInput(f"notes 过长 / notes longer than {MAX_NOTES} characters", field="notes")
    if len(subjects) > 1 and method != Method.MEETING:
        # a phone call or a door is one subject; several at once is a meeting
        raise InvalidInput("多个对象请选择方式 meeting / several subjects at once: use method meeting",
                           field="method")
    region = case_actions._region(region, "region")
    if not subjects:
        if method != Method.MEETING or region is None:
            raise InvalidInput("请选择走访对象(会议可只填区划) / subjects are required (a meeting may give a region)",
                               field="subjects")
    else:
        common = _common_region([s.region for s in subjects])
        if region is None:
            region = common
        elif not common.path.startswith(region.path):
            raise InvalidInput("走访对象不在该区划内 / the subjects are outside the given region", field="region")
    problems = _problems(problems, subjects)
    own = actor.user is not None and actor.user.pk == cadre.pk
    if not (own or _may_manage(actor, region)):
        raise Forbidden("只能登记本人的走访 / you may record only your own visits")
    ranks = dict(Profile.objects.filter(user__in=[cadre, *members]).values_list("user_id", "rank"))
    rank = ranks.get(cadre.pk, "")
    # a team counts for the rank rules with its highest-ranking member (a 处级 cadre leading a team
    # of 科员 meets "visited by at least 处级")
    team_level = max([rank_level(rank)] + [rank_level(ranks.get(m.pk, "")) for m in members])
    visit = Visit.objects.create(
        cadre=cadre, cadre_rank=rank, rank_level=team_level, date=date, method=method, region=region,
        region_path=region.path, notes=notes, recorded_by=actor.user, lat=lat, lng=lng, client_token=token,
    )
    VisitMember.objects.bulk_create([
        VisitMember(visit=visit, user=m, rank_level=rank_level(ranks.get(m.pk, "")), date=date) for m in members
    ])
    VisitSubject.objects.bulk_create([
        VisitSubject(visit=visit, subject=s, date=date, rank_level=visit.rank_level, subject_kind=s.kind,
                     subject_region_id=s.region_id, subject_region_path=s.region_path)
        for s in subjects
    ])
    if subjects:
        Subject.objects.filter(pk__in=[s.pk for s in subjects]).filter(
            Q(last_visit__isnull=True) | Q(last_visit__lt=date)).update(last_visit=date)
    for p in problems:
        s = p["subject"]
        phone = s.phone if s and s.phone and case_actions.PHONE_RE.match(s.phone) else ""
        reporter = (s.contact_name or (s.name if s.kind == SubjectKind.HOUSEHOLD else "")) if s else ""
        case = case_actions.register(
            actor, text=p["text"], channel="visit", kind=p["kind"], category=p["category"],
            region=s.region if s else region, address=s.address if s else "",
            reporter_name=reporter[:100], reporter_phone=phone, at=at,
        )
        visit.cases.add(case)
    return visit


def person(user):
    """(display name, unit) of a user: the profile's name, never the login name when a name is set."""
    if user is None:
        return "", ""
    try:
        profile = user.profile
    except Profile.DoesNotExist:
        profile = None
    return ((profile.display_name if profile else "") or user.get_username()), (profile.unit if profile else "")


def visit_dict(visit, actor):
    profile = getattr(visit.cadre, "profile", None)
    subjects = list(visit.subjects.all())
    paired = set(Pairing.objects.filter(cadre=actor.user, subject__in=subjects, until__isnull=True)
                 .values_list("subject_id", flat=True)) if actor.user is not None else set()
    return {
        "id": visit.pk,
        "cadre": visit.cadre.get_username(),
        "cadre_name": (profile.display_name if profile else "") or visit.cadre.get_username(),
        "cadre_unit": profile.unit if profile else "",
        "cadre_rank": visit.cadre_rank or None,
        "date": visit.date.isoformat(),
        "method": visit.method,
        "region": visit.region.code,
        "region_name": visit.region.name,
        "members": [{"cadre": m.user.get_username(), "cadre_name": person(m.user)[0], "cadre_unit": person(m.user)[1]}
                    for m in visit.members.select_related("user", "user__profile").order_by("id")],
        "lat": visit.lat,
        "lng": visit.lng,
        # free text through the one masking rule unless every subject's contact data is the caller's to see
        "notes": visit.notes if all(can_see_subject_contact(actor, s, s.pk in paired) for s in subjects)
        else mask_text(visit.notes),
        "subjects": [
            {"external_id": s.external_id, "kind": s.kind,
             "name": display_name(s, can_see_subject_contact(actor, s, s.pk in paired))}
            for s in subjects
        ],
        "cases": [
            {"id": c.pk, "tracking_code": c.tracking_code, "state": c.state, "text": text_masker(actor, c)(c.text),
             "category": c.category.code if c.category_id else None}
            for c in visit.cases.select_related("category", "region", "owner_region").order_by("id")
        ],
    }


# ---- 集中走访日: collective visit days ------------------------------------------------------


def _may_schedule(actor, region):
    return actor.is_admin or actor.covers_region(region, Role.DISPATCHER, Role.LEADER)


def _day_targets(region, targets, target_kind, target_tag):
    """The target list: explicit subjects, or every subject of a kind (and tag) in the region."""
    subjects = _subjects(targets, "targets") if targets else []
    for s in subjects:
        if not s.region_path.startswith(region.path):
            raise InvalidInput(f"{s.external_id} 不在该区划内 / {s.external_id} is outside the region",
                               field="targets")
    if target_kind or target_tag:
        kind = parse_choice(SubjectKind, target_kind, ALIASES["visits.SubjectKind"]) or target_kind
        if kind and kind not in SUBJECT_KINDS:
            raise InvalidInput("target_kind 应为 household 或 enterprise / target_kind must be household or enterprise",
                               field="target_kind")
        qs = Subject.objects.filter(region_path__startswith=region.path)
        if kind:
            qs = qs.filter(kind=kind)
        if target_tag:
            qs = qs.filter(tags__name=str(target_tag).strip())
        picked = list(qs.order_by("region_path", "external_id").distinct()[:MAX_DAY_TARGETS + 1])
        seen = {s.pk for s in subjects}
        subjects += [s for s in picked if s.pk not in seen]
    if len(subjects) > MAX_DAY_TARGETS:
        raise InvalidInput(f"目标对象过多(最多{MAX_DAY_TARGETS}) / at most {MAX_DAY_TARGETS} targets", field="targets")
    return subjects


@transaction.atomic
def do_schedule_visit_day(actor, *, region, date, title, notes="", targets=None, target_kind=None, target_tag=None):
    """集中走访日: schedule a day of the region's cadres with a target list (explicit subjects and/or
    every subject of a kind and tag in the region). One day per region and date."""
    region = case_actions._region(region, "region")
    if region is None:
        raise InvalidInput("region 必填 / region is required", field="region")
    date = case_actions._date(date, "date")
    if date is None:
        raise InvalidInput("date 必填 / date is required", field="date")
    if date < EARLIEST or date.year > 2999:
        raise InvalidInput("日期无效 / date out of range", field="date")
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise InvalidInput("主题必填且不超过200字 / title is required (≤ 200 characters)", field="title")
    notes = (notes or "").strip()
    if len(notes) > MAX_NOTES:
        raise InvalidInput(f"notes 过长 / notes longer than {MAX_NOTES} characters", field="notes")
    if not _may_schedule(actor, region):
        raise Forbidden("只有该区划的调度员或领导可以安排集中走访日 / only a dispatcher or leader of the region "
                        "may schedule a visit day")
    subjects = _day_targets(region, targets, target_kind, target_tag)
    if VisitDay.objects.filter(region=region, date=date).exists():
        raise InvalidInput("该区划当天已安排集中走访日 / the region already has a visit day on that date",
                           field="date")
    try:
        with transaction.atomic():  # two requests racing for the same day: the loser gets the 422 too
            day = VisitDay.objects.create(region=region, date=date, title=title, notes=notes, created_by=actor.user)
    except IntegrityError:
        raise InvalidInput("该区划当天已安排集中走访日 / the region already has a visit day on that date",
                           field="date") from None
    VisitDayTarget.objects.bulk_create([VisitDayTarget(day=day, subject=s) for s in subjects], batch_size=2000)
    return day


def visible_days(actor, qs):
    if actor.is_admin:
        return qs
    cond = region_scope(actor)
    if cond is None:
        return qs
    # days in the actor's regions, and days of a larger region that covers them (a county's day
    # is every township's day)
    above = set()
    for m in actor.memberships:
        if m.region_id:
            parts = m.region.path.strip("/").split("/")
            above |= {"/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts))}
    return qs.filter(cond | Q(region_path__in=sorted(above)))


def day_progress(day):
    """Progress of a visit day against its target list: the targets with a visit on the day, the
    visits recorded that day in the region, and the cadres who took part (team members included)."""
    targets = VisitDayTarget.objects.filter(day=day)
    n_targets = targets.count()
    visited_ids = set(VisitSubject.objects.filter(date=day.date, subject_id__in=targets.values("subject_id"))
                      .values_list("subject_id", flat=True))
    visits = Visit.objects.filter(date=day.date, region_path__startswith=day.region_path)
    leads = set(visits.values_list("cadre_id", flat=True))
    members = set(VisitMember.objects.filter(visit__in=visits).values_list("user_id", flat=True))
    from minqing.insights.figures import _rate

    return {
        "targets": n_targets, "visited": len(visited_ids), "remaining": n_targets - len(visited_ids),
        "rate": _rate(len(visited_ids), n_targets), "visits": visits.count(), "cadres": len(leads | members),
        "visited_ids": visited_ids,
    }


def day_dict(day, actor, *, with_targets=False, limit=500):
    p = day_progress(day)
    out = {
        "id": day.pk, "region": day.region.code, "region_name": day.region.name, "date": day.date.isoformat(),
        "title": day.title, "notes": day.notes,
        "progress": {k: v for k, v in p.items() if k != "visited_ids"},
    }
    if with_targets:
        subjects = list(day.targets.select_related("region").order_by("region_path", "external_id")[:limit])
        paired = set(Pairing.objects.filter(cadre=actor.user, subject__in=subjects, until__isnull=True)
                     .values_list("subject_id", flat=True)) if actor.user is not None else set()
        out["target_list"] = [
            {"external_id": s.external_id, "kind": s.kind, "region": s.region.code, "region_name": s.region.name,
             "name": display_name(s, can_see_subject_contact(actor, s, s.pk in paired)),
             "visited": s.pk in p["visited_ids"]}
            for s in subjects
        ]
        out["truncated"] = p["targets"] > len(subjects)
    return out


# ---- 频次规则: frequency rules -----------------------------------------------------------------

MAX_TIMES = 31


@transaction.atomic
def do_save_frequency_rule(actor, *, name, kind, times, tag="", region=None, active=True, description=""):
    """A frequency rule: every subject of ``kind`` (and ``tag``) in ``region`` visited at least
    ``times`` times a month. Only an admin or a dispatcher of the rule's region (or of all) sets one."""
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise InvalidInput("规则名称必填且不超过200字 / name is required (≤ 200 characters)", field="name")
    kind = parse_choice(SubjectKind, kind, ALIASES["visits.SubjectKind"]) or kind
    if kind not in SUBJECT_KINDS:
        raise InvalidInput("kind 应为 household 或 enterprise / kind must be household or enterprise", field="kind")
    try:
        times = int(times)
    except (TypeError, ValueError):
        raise InvalidInput("times 应为整数 / times must be an integer", field="times") from None
    if not 1 <= times <= MAX_TIMES:
        raise InvalidInput(f"times 应为 1–{MAX_TIMES} / times must be 1..{MAX_TIMES}", field="times")
    tag = (tag or "").strip()
    if len(tag) > 50:
        raise InvalidInput("标签过长 / tag too long", field="tag")
    region = case_actions._region(region, "region")
    if not (actor.is_admin or (region is not None and actor.covers_region(region, Role.DISPATCHER))):
        raise Forbidden("只有管理员或该区划的调度员可以设置频次规则 / only an admin or a dispatcher of the region "
                        "may set frequency rules")
    return FrequencyRule.objects.create(name=name, kind=kind, times=times, tag=tag, region=region,
                                        active=bool(active), description=(description or "").strip()[:2000])
