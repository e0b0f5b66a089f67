"""Every transition of a case, in one place (WORKFLOW.md).

Each public function takes the acting ``Actor`` first, runs in one database
transaction, checks the state it starts from with a compare-and-set on
``Case.version`` and writes its ``Event`` in the same transaction. Pages, the
API, Open311, the CLI and imports all call these functions; nothing else
changes a case's state.

Every function accepts ``at=`` (a datetime) so imports and the demo can
replay history; it defaults to now.
"""

import datetime as dt
import re
import secrets
from functools import wraps

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from minqing.notices import core as notices
from minqing.people.models import Role
from minqing.people.scoping import Actor
from minqing.regions.models import Department, Level, Region
from minqing.supervision import deadlines
from minqing.supervision.alerts import alert_level, as_date

from . import lookups
from .errors import Conflict, Forbidden, IllegalTransition, InvalidInput, NotFound
from .models import (
    OPEN_STATES,
    SATISFIED_RATINGS,
    Case,
    Category,
    Channel,
    CloseRule,
    Disposition,
    Effect,
    Event,
    ExtensionRequest,
    JointMeeting,
    Kind,
    Mode,
    Rating,
    ReturnVisit,
    State,
    Summons,
    SupervisionOrder,
    Task,
)
from .signals import event_recorded

TRACKING_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
PHONE_RE = re.compile(r"^\+?[0-9][0-9\- ]{4,19}$")
MAX_TEXT = 5000


def _atomic(fn):
    @wraps(fn)
    def wrapper(*args, **kwargs):
        with transaction.atomic():
            return fn(*args, **kwargs)

    return wrapper


TRACKING_CODE = re.compile(f"MQ[{TRACKING_ALPHABET}]{{10}}")


def new_tracking_code():
    """"MQ" and 10 letters of TRACKING_ALPHABET from one read of the OS's random source
    (secrets.choice would read it once per letter); 32 divides 256, so each is uniform."""
    return "MQ" + "".join(TRACKING_ALPHABET[b % 32] for b in secrets.token_bytes(10))


# ---- lookups and validation ------------------------------------------------


def no_nul(value, field):
    """PostgreSQL cannot store or compare text with NUL bytes: refuse them as bad input."""
    if isinstance(value, str) and "\x00" in value:
        raise InvalidInput(f"{field} 含有非法字符 / {field} contains a NUL character", field=field)
    return value


def load_case(case, *, lock=False):
    if isinstance(case, Case):
        return case
    try:
        qs = Case.objects.select_related("region", "owner_region", "lead_department", "category")
        return qs.get(pk=int(case))
    except (Case.DoesNotExist, ValueError, TypeError):
        raise NotFound("案件不存在 / case not found") from None


def _department(value, field="department"):
    if isinstance(value, Department):
        return value
    if value in (None, ""):
        raise InvalidInput("必须指定承办部门 / a department is required", field=field)
    no_nul(value, field)
    dept = Department.objects.select_related("region").filter(code=str(value)).first()
    if dept is None and str(value).isdigit():
        dept = Department.objects.select_related("region").filter(pk=int(value)).first()
    if dept is None or not dept.active:
        raise InvalidInput(f"部门不存在或已停用 / unknown department: {value}", field=field)
    return dept


def _departments(values, field):
    if values is None:
        return []
    if isinstance(values, (str, Department)):
        values = [values]
    seen, out = set(), []
    for v in values:
        d = _department(v, field)
        if d.pk not in seen:
            seen.add(d.pk)
            out.append(d)
    return out


def _category(value):
    if value in (None, ""):
        return None
    if isinstance(value, Category):
        return value
    no_nul(value, "category")
    code = str(value)
    try:  # get(), not first(): a unique code needs no ORDER BY (cheaper to build on every registration)
        return lookups.cached(("category", code), lambda: Category.objects.get(code=code, active=True))
    except Category.DoesNotExist:
        raise InvalidInput(f"问题分类不存在 / unknown category: {value}", field="category") from None


def _region(value, field="region"):
    if value in (None, ""):
        return None
    if isinstance(value, Region):
        return value
    no_nul(value, field)
    # parents joined: the owner township of a village or grid is found without more queries
    code = str(value)
    try:
        return lookups.cached(("region", code), lambda: Region.objects.select_related("parent__parent").get(code=code))
    except Region.DoesNotExist:
        raise InvalidInput(f"区划不存在 / unknown region: {value}", field=field) from None


def _choice(value, choices, field, default=None):
    if value in (None, ""):
        if default is not None:
            return default
        raise InvalidInput(f"{field} 必填 / {field} is required", field=field)
    if value not in choices.values:
        allowed = ", ".join(choices.values)
        raise InvalidInput(f"{field} 取值无效 / {field} must be one of: {allowed}", field=field)
    return value


def _required_text(value, field, max_len=MAX_TEXT):
    value = no_nul((value or "").strip(), field)
    if not value:
        raise InvalidInput(f"{field} 必填 / {field} is required", field=field)
    if len(value) > max_len:
        raise InvalidInput(f"{field} 过长 / {field} is longer than {max_len} characters", field=field)
    return value


def _date(value, field):
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(f"{field} 日期格式应为 YYYY-MM-DD / {field} must be a date", field=field) from None


def _now(at):
    return at or timezone.now()


def _township_or_above(region):
    """The region whose dispatcher owns a new case: the township of a village or grid."""
    node = region
    while node is not None and node.level in (Level.VILLAGE, Level.GRID) and node.parent_id:
        node = node.parent
    return node


def _root_region():
    roots = list(Region.objects.filter(parent__isnull=True)[:2])
    return roots[0] if len(roots) == 1 else None


# ---- permission checks -----------------------------------------------------


def _owns_dispatch(actor, case):
    owner = case.owner_region
    if owner is None:
        return actor.is_admin or any(m.role == Role.DISPATCHER and m.region_id is None for m in actor.memberships)
    return actor.covers_region(owner, Role.DISPATCHER)


def _require(cond, message):
    if not cond:
        raise Forbidden(message)


def _require_dispatcher(actor, case):
    _require(_owns_dispatch(actor, case), "只有负责该案件的调度员可以执行 / only the dispatcher who owns this case may do this")


def _require_lead(actor, case):
    _require(
        actor.is_admin or actor.is_lead_handler(case),
        "只有主办部门可以执行 / only the lead department may do this",
    )


def _require_state(case, action, allowed):
    if case.state not in allowed:
        raise IllegalTransition(
            f"案件状态为「{State(case.state).label}」，不能执行 {action} / "
            f"cannot {action} a case that is {case.state}",
        )


# ---- the one place where a case changes -------------------------------------


def _transition(case, actor, action, to_state, *, at=None, note="", data=None, public=True, note_only=False,
                **fields):
    """Compare-and-set the case from (its state, its version) to ``to_state`` and
    append the event. Loses cleanly (Conflict) if someone changed it first.

    ``note_only``: the action records something beside the case (a progress note, a
    summoned department's report, meeting minutes, a supervision order) and changes
    none of its fields: it checks only that the state is still the one it started
    from and adds one to whatever the version is by then (the row lock orders the
    writers), so notes written side by side all succeed, each with its event, while
    transitions keep their compare-and-set and their one winner."""
    no_nul(note, "note")
    at = _now(at)
    from_state = case.state
    fields["state"] = to_state
    fields["updated_at"] = timezone.now()
    if from_state in OPEN_STATES and to_state not in OPEN_STATES and "alert_level" not in fields:
        # an open case's colour is live (from its deadline); the one it had when it left stays
        fields["alert_level"] = alert_level(case.deadline, as_date(at))
    if note_only:
        assert to_state == from_state and set(fields) == {"state", "updated_at"}, "a note changes no field"
        updated = Case.objects.filter(pk=case.pk, state=from_state).update(
            version=F("version") + 1, updated_at=fields["updated_at"]
        )
    else:
        updated = Case.objects.filter(pk=case.pk, version=case.version, state=from_state).update(
            version=case.version + 1, **fields
        )
    if updated != 1:
        raise Conflict("案件已被他人更新，请刷新后重试 / the case was changed by someone else; reload and try again")
    for key, value in fields.items():
        setattr(case, key, value)
    if note_only:
        case.version = Case.objects.filter(pk=case.pk).values_list("version", flat=True).get()
    else:
        case.version += 1
    event = Event.objects.create(
        case=case,
        action=action,
        from_state=from_state,
        to_state=to_state,
        actor=actor.user,
        actor_label=actor.label,
        at=at,
        note=note or "",
        data=data or {},
        public=public,
    )
    event_recorded.send(sender=Event, event=event, case=case)
    return event


def _notify_department(dept, case, kind, message, at=None):
    """Old name, kept for callers on other branches: notices go through ``notices.notify``."""
    kind = {"whistle": "summoned", "supervise": "supervised"}.get(kind, kind)
    notices.notify(kind, case, [dept], at=at)


# ---- register ----------------------------------------------------------------


@_atomic
def register(
    actor,
    *,
    text,
    channel,
    kind,
    category=None,
    region=None,
    address="",
    reporter_name="",
    reporter_phone="",
    anonymous=False,
    lat=None,
    lng=None,
    external_id="",
    at=None,
    auto_category=True,
):
    """登记: any channel; returns the new case with its public tracking code. Without a category,
    the classifier's best one is applied when its score reaches ``CATEGORY_AUTO_THRESHOLD``
    (a ``categorize`` event by the system; ``auto_category=False``: imports replaying history)."""
    text = _required_text(text, "text")
    channel = _choice(channel, Channel, "channel")
    kind = _choice(kind, Kind, "kind")
    category = _category(category)
    region = _region(region)
    address = no_nul((address or "").strip(), "address")
    no_nul(external_id, "external_id")
    if len(address) > 300:
        raise InvalidInput("地址过长 / address is too long", field="address")
    reporter_name = no_nul((reporter_name or "").strip(), "reporter_name")
    if len(reporter_name) > 100:
        raise InvalidInput("姓名过长 / reporter_name is too long", field="reporter_name")
    reporter_phone = (reporter_phone or "").strip()
    if reporter_phone and not PHONE_RE.match(reporter_phone):
        raise InvalidInput("电话号码格式不正确 / reporter_phone is not a phone number", field="reporter_phone")
    coords = {}
    for name, value, lo, hi in (("lat", lat, -90, 90), ("lng", lng, -180, 180)):
        if value in (None, ""):
            coords[name] = None
            continue
        try:
            coords[name] = float(value)
        except (TypeError, ValueError):
            raise InvalidInput(f"{name} 应为数字 / {name} must be a number", field=name) from None
        if not (lo <= coords[name] <= hi):
            raise InvalidInput(f"{name} 超出范围 / {name} out of range", field=name)
    lat, lng = coords["lat"], coords["lng"]
    if anonymous:
        reporter_name, reporter_phone = "", ""
    at = _now(at)
    owner = _township_or_above(region) if region else _root_region()
    scope = region or owner
    auto = None if category is not None or not auto_category else _auto_category(text)
    if auto is not None:
        category = auto[0]
    case = Case.objects.create(
        tracking_code=new_tracking_code(),
        external_id=external_id or "",
        channel=channel,
        kind=kind,
        text=text,
        category=category,
        region=region,
        region_path=scope.path if scope else "",
        owner_region=owner,
        address=address,
        lat=lat,
        lng=lng,
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        anonymous=bool(anonymous),
        created_by=actor.user,
        registered_at=at,
        version=1 if auto is not None else 0,
    )
    event = Event.objects.create(
        case=case,
        action="register",
        from_state="",
        to_state=State.REGISTERED,
        actor=actor.user,
        actor_label=actor.label,
        at=at,
        data={"channel": channel},
    )
    event_recorded.send(sender=Event, event=event, case=case)
    if auto is not None:  # the classifier's decision, by the system, with its score
        system = Actor.system()
        event = Event.objects.create(
            case=case, action="categorize", from_state=State.REGISTERED, to_state=State.REGISTERED,
            actor=None, actor_label=system.label, at=at, public=False,
            data={"from": None, "to": auto[0].code, "score": auto[1], "auto": True},
        )
        event_recorded.send(sender=Event, event=event, case=case)
    notices.tell_reporter("sms_registered", case, at=at)
    return case


def auto_threshold():
    return float(settings.MINQING.get("CATEGORY_AUTO_THRESHOLD", 0.8))


def _auto_category(text):
    """(Category, score) the classifier is sure enough of (score ≥ the threshold), else None.
    A classifier that fails leaves the case to a person: registration never fails for it."""
    threshold = auto_threshold()
    if threshold > 1:  # a threshold above 1 turns the automatic decision off
        return None
    try:
        from minqing.insights import classify

        best = classify.top_category(text)
    except Exception:  # noqa: BLE001 - logged; the case waits for a person
        import logging

        logging.getLogger("minqing.cases").exception("category suggestion failed at registration")
        return None
    if best is None or best[1] < threshold:
        return None
    try:
        return _category(best[0]), best[1]
    except InvalidInput:  # the model knows a category that is no longer active
        return None


# ---- dispatcher's actions -------------------------------------------------------


@_atomic
def assign(actor, case, *, department, co_departments=None, mode=None, deadline=None, note="", at=None):
    """交办: lead department, optional co-handlers, mode and deadline."""
    case = load_case(case)
    _require_state(case, "assign", (State.REGISTERED,))
    _require_dispatcher(actor, case)
    lead = _department(department)
    co = [d for d in _departments(co_departments, "co_departments") if d.pk != lead.pk]
    mode = _choice(mode, Mode, "mode", default=Mode.JOINT if co else Mode.IMMEDIATE)
    at = _now(at)
    start = as_date(at)
    due = _date(deadline, "deadline")
    if due is None:
        due = deadlines.default_deadline(start, mode, case.category)
    elif due < start:
        raise InvalidInput("办理时限不能早于今天 / deadline is in the past", field="deadline")
    _transition(
        case,
        actor,
        "assign",
        State.ASSIGNED,
        at=at,
        note=note,
        data={
            "department": lead.code,
            "co_departments": [d.code for d in co],
            "mode": mode,
            "deadline": due.isoformat(),
            "response_deadline": deadlines.response_deadline(start).isoformat(),
        },
        lead_department=lead,
        mode=mode,
        deadline=due,
        response_deadline=deadlines.response_deadline(start),
        assigned_at=at,
        alert_level=alert_level(due, start),
    )
    case.co_departments.set(co)
    notices.notify("assigned", case, [lead], at=at, due=due)
    return case


@_atomic
def invalidate(actor, case, *, reason, at=None):
    case = load_case(case)
    _require_state(case, "invalidate", (State.REGISTERED,))
    _require_dispatcher(actor, case)
    reason = _required_text(reason, "reason", 1000)
    _transition(case, actor, "invalidate", State.INVALID, at=at, note=reason)
    return case


@_atomic
def merge(actor, case, *, into, at=None):
    """合并: a duplicate joins an open original; its reporter follows the original."""
    case = load_case(case)
    _require_state(case, "merge", (State.REGISTERED, State.ASSIGNED))
    _require_dispatcher(actor, case)
    if into in (None, ""):
        raise InvalidInput("必须指定合并到的案件 / into is required", field="into")
    try:
        original = load_case(into)
    except NotFound:
        raise InvalidInput("原案件不存在 / the original case does not exist", field="into") from None
    if original.pk == case.pk:
        raise InvalidInput("不能合并到自身 / a case cannot be merged into itself", field="into")
    if original.state in (State.MERGED, State.INVALID, State.CLOSED):
        raise InvalidInput("只能合并到未办结的案件 / the original must be open", field="into")
    _transition(case, actor, "merge", State.MERGED, at=at, data={"into": original.pk}, merged_into=original)
    _transition(
        original, actor, "merge_in", original.state, at=at, data={"case": case.pk, "tracking_code": case.tracking_code}
    )
    return case


def unmerge_window_days():
    return int(settings.MINQING.get("UNMERGE_WINDOW_DAYS", 30))


@_atomic
def unmerge(actor, case, *, note="", at=None):
    """撤销合并: within the window, the merged case gets back the state (and fields) it had
    before the merge; its reporter's tracking page follows it again."""
    case = load_case(case)
    _require_state(case, "unmerge", (State.MERGED,))
    _require_dispatcher(actor, case)
    note = no_nul((note or "").strip(), "note")
    if len(note) > 1000:
        raise InvalidInput("备注过长 / note is longer than 1000 characters", field="note")
    at = _now(at)
    merged = Event.objects.filter(case=case, action="merge").order_by("-id").first()
    window = unmerge_window_days()
    if merged is None or at - merged.at > dt.timedelta(days=window):
        raise IllegalTransition(
            f"合并已超过{window}天，不能撤销 / merged more than {window} days ago", code="unmerge_window_passed"
        )
    restored = merged.from_state if merged.from_state in (State.REGISTERED, State.ASSIGNED) else State.REGISTERED
    original = case.merged_into
    fields = {"merged_into": None}
    if restored == State.ASSIGNED and case.deadline:
        fields["alert_level"] = alert_level(case.deadline, as_date(at))
    _transition(
        case, actor, "unmerge", restored, at=at, note=note,
        data={"from": original.pk if original else None, "merged_at": merged.at.isoformat()}, **fields,
    )
    if original is not None:
        original = load_case(original.pk)
        _transition(
            original, actor, "merge_undone", original.state, at=at, public=False,
            data={"case": case.pk, "tracking_code": case.tracking_code},
        )
    return case


CATEGORIZE_STATES = (State.REGISTERED, State.ASSIGNED, State.IN_PROGRESS, State.HANDLED, State.REOPENED)


def may_categorize(actor, case):
    return _owns_dispatch(actor, case) or actor.is_admin or actor.is_lead_handler(case)


@_atomic
def categorize(actor, case, *, category, note="", at=None):
    """定类: the dispatcher of the region or the lead department sets or changes the category of
    an open case; routing history and the next training read the case's category."""
    case = load_case(case)
    _require_state(case, "categorize", CATEGORIZE_STATES)
    _require(
        may_categorize(actor, case),
        "只有调度员或主办部门可以修改分类 / only the dispatcher or the lead department may categorize",
    )
    if category in (None, ""):
        raise InvalidInput("category 必填 / category is required", field="category")
    new = _category(category)
    note = no_nul((note or "").strip(), "note")
    if len(note) > 1000:
        raise InvalidInput("备注过长 / note is longer than 1000 characters", field="note")
    old = case.category
    if old is not None and old.pk == new.pk:
        raise InvalidInput("已是该分类 / the case already has this category", field="category")
    _transition(
        case, actor, "categorize", case.state, at=at, note=note, public=False,
        data={"from": old.code if old else None, "to": new.code}, category=new,
    )
    transaction.on_commit(_routing_changed)
    return case


@_atomic
def locate(actor, case, *, region, note="", at=None):
    """定位: the dispatcher sets the place of an open case more precisely (a village of its
    township, say, read from the text). The place stays within the owning region: moving a
    case to another region's dispatcher is escalation's business, not this one's."""
    case = load_case(case)
    _require_state(case, "locate", CATEGORIZE_STATES)
    _require_dispatcher(actor, case)
    if region in (None, ""):
        raise InvalidInput("region 必填 / region is required", field="region")
    new = _region(region)
    note = no_nul((note or "").strip(), "note")
    if len(note) > 1000:
        raise InvalidInput("备注过长 / note is longer than 1000 characters", field="note")
    owner = case.owner_region
    if owner is not None and not new.path.startswith(owner.path):
        raise InvalidInput(
            f"地点不在「{owner.name}」范围内 / the place is outside {owner.name}", field="region"
        )
    if case.region_id == new.pk:
        raise InvalidInput("已是该地点 / the case already has this place", field="region")
    old = case.region
    _transition(
        case, actor, "locate", case.state, at=at, note=note, public=False,
        data={"from": old.code if old else None, "to": new.code}, region=new, region_path=new.path,
    )
    return case


def _routing_changed():
    """Routing suggestions read the lead departments of each category's cases: drop the cached ones."""
    try:
        from minqing.insights.analyze import clear_route_cache

        clear_route_cache()
    except ImportError:  # pragma: no cover - insights not installed
        pass


@_atomic
def escalate(actor, case, *, note="", at=None):
    """上报: the dispatcher of the region above now owns the case (统筹办)."""
    case = load_case(case)
    _require_state(case, "escalate", (State.REGISTERED, State.ASSIGNED, State.IN_PROGRESS))
    _require(
        _owns_dispatch(actor, case) or actor.is_lead_handler(case),
        "只有调度员或主办部门可以上报 / only the owning dispatcher or the lead department may escalate",
    )
    current = case.owner_region or case.region
    if current is None or current.parent_id is None:
        raise IllegalTransition("已是最高一级，无法上报 / there is no higher region", code="no_higher_region")
    higher = current.parent
    fields = {"owner_region": higher}
    if case.state != State.REGISTERED:
        fields["mode"] = Mode.COORDINATED
    _transition(
        case, actor, "escalate", case.state, at=at, note=note, data={"from": current.code, "to": higher.code}, **fields
    )
    return case


@_atomic
def whistle(actor, case, *, departments, deadline=None, note="", at=None):
    """吹哨: summon departments to the case, each to report by a deadline."""
    case = load_case(case)
    _require_state(case, "whistle", (State.ASSIGNED, State.IN_PROGRESS))
    _require_dispatcher(actor, case)
    depts = _departments(departments, "departments")
    if not depts:
        raise InvalidInput("至少召集一个部门 / name at least one department", field="departments")
    at = _now(at)
    due = _date(deadline, "deadline") or deadlines.response_deadline(as_date(at))
    if due < as_date(at):
        raise InvalidInput("报到时限不能早于今天 / deadline is in the past", field="deadline")
    _transition(
        case,
        actor,
        "whistle",
        case.state,
        at=at,
        note=note,
        data={"departments": [d.code for d in depts], "deadline": due.isoformat()},
    )
    for d in depts:
        Summons.objects.update_or_create(
            case=case, department=d, defaults={"deadline": due, "summoned_at": at, "reported_at": None, "report": ""}
        )
    notices.notify("summoned", case, depts, at=at, due=due)
    return case


@_atomic
def report(actor, case, *, text, department=None, at=None):
    """报到: a summoned department reports on the case."""
    case = load_case(case)
    _require_state(case, "report", (State.ASSIGNED, State.IN_PROGRESS))
    text = _required_text(text, "text")
    pending = Summons.objects.filter(case=case, reported_at__isnull=True).select_related("department")
    if department not in (None, ""):
        dept = _department(department)
        pending = pending.filter(department=dept)
    if not actor.is_admin:
        pending = pending.filter(department_id__in=actor.department_ids())
    summons = pending.first()
    if summons is None:
        mine = Summons.objects.filter(case=case)
        if not actor.is_admin:
            mine = mine.filter(department_id__in=actor.department_ids())
        if not mine.exists():
            raise Forbidden("本部门未被召集 / your department was not summoned to this case")
        raise IllegalTransition("本部门已报到 / your department has already reported", code="already_reported")
    at = _now(at)
    _transition(case, actor, "report", case.state, at=at, note=text, data={"department": summons.department.code},
                note_only=True)
    # compare-and-set on the summons: of two reports of one department at once, one counts
    if not Summons.objects.filter(pk=summons.pk, reported_at__isnull=True).update(reported_at=at, report=text):
        raise IllegalTransition("本部门已报到 / your department has already reported", code="already_reported")
    summons.reported_at = at
    summons.report = text
    return case


@_atomic
def approve_extension(actor, case, *, approved=True, note="", at=None):
    case = load_case(case)
    _require_state(case, "approve_extension", (State.ASSIGNED, State.IN_PROGRESS))
    _require_dispatcher(actor, case)
    req = ExtensionRequest.objects.filter(case=case, status=ExtensionRequest.PENDING).first()
    if req is None:
        raise IllegalTransition("没有待审批的延期申请 / no extension request is pending", code="no_pending_extension")
    at = _now(at)
    fields = {}
    if approved:
        fields = {"deadline": req.new_deadline, "alert_level": alert_level(req.new_deadline, as_date(at))}
    _transition(
        case,
        actor,
        "approve_extension",
        case.state,
        at=at,
        note=note,
        data={"approved": bool(approved), "old_deadline": str(case.deadline), "new_deadline": str(req.new_deadline)},
        **fields,
    )
    req.status = ExtensionRequest.APPROVED if approved else ExtensionRequest.REFUSED
    req.decided_by = actor.user
    req.decided_at = at
    req.save(update_fields=["status", "decided_by", "decided_at"])
    notices.notify("extension_decided", case, [case.lead_department, req.requested_by_id], at=at,
                   approved=bool(approved), due=case.deadline)
    return case


@_atomic
def reopen(actor, case, *, reason, at=None):
    """重办 by the dispatcher: a handled case, or a closed one within the window."""
    case = load_case(case)
    _require_state(case, "reopen", (State.HANDLED, State.CLOSED))
    _require_dispatcher(actor, case)
    reason = _required_text(reason, "reason", 2000)
    at = _now(at)
    if case.state == State.CLOSED:
        window = settings.MINQING["REOPEN_WINDOW_DAYS"]
        if case.closed_at and at - case.closed_at > dt.timedelta(days=window):
            raise IllegalTransition(
                f"销号超过{window}天，不能重办 / closed more than {window} days ago", code="reopen_window_passed"
            )
        Effect.objects.filter(case=case).delete()
    redo = redo_deadline(case, at)
    _transition(
        case,
        actor,
        "reopen",
        State.REOPENED,
        at=at,
        note=reason,
        data=redo["data"],
        reopen_count=case.reopen_count + 1,
        resolved=False,
        close_rule="",
        closed_at=None,
        **redo["fields"],
    )
    notices.notify("reopened", case, [case.lead_department], at=at, note=reason)
    return case


def redo_deadline(case, at):
    """A redo (重办) has its own clock: a new deadline counted in working days from today by the
    case's mode, as at assignment; the earlier one stays on the assignment's event."""
    start = as_date(at)
    due = deadlines.default_deadline(start, case.mode, case.category)
    response = deadlines.response_deadline(start)
    return {
        "fields": {"deadline": due, "response_deadline": response, "alert_level": alert_level(due, start)},
        "data": {"deadline": due.isoformat(), "old_deadline": case.deadline.isoformat() if case.deadline else None,
                 "response_deadline": response.isoformat()},
    }


# ---- lead department's actions -----------------------------------------------


@_atomic
def accept(actor, case, *, note="", at=None):
    """签收 (or, for a reopened case, take it back)."""
    case = load_case(case)
    _require_state(case, "accept", (State.ASSIGNED, State.REOPENED))
    _require_lead(actor, case)
    at = _now(at)
    fields = {}
    if case.accepted_at is None:
        on_time = case.response_deadline is None or as_date(at) <= case.response_deadline
        fields = {"accepted_at": at, "accepted_on_time": on_time}
    _transition(case, actor, "accept", State.IN_PROGRESS, at=at, note=note, data={"first": bool(fields)}, **fields)
    return case


@_atomic
def return_case(actor, case, *, reason, at=None):
    """退回: not ours; back to the dispatcher with a reason."""
    case = load_case(case)
    _require_state(case, "return", (State.ASSIGNED,))
    _require_lead(actor, case)
    reason = _required_text(reason, "reason", 2000)
    dept = case.lead_department
    _transition(
        case,
        actor,
        "return",
        State.REGISTERED,
        at=at,
        note=reason,
        data={"department": dept.code if dept else None},
        lead_department=None,
        deadline=None,
        response_deadline=None,
        alert_level="green",
        mode="",
    )
    case.co_departments.clear()
    notices.notify("returned", case, notices.dispatchers_of(case), at=at, department=dept.name if dept else "", note=reason)
    return case


@_atomic
def meet(actor, case, *, minutes, departments=None, at=None):
    """会办: record a joint meeting of departments on the case."""
    case = load_case(case)
    _require_state(case, "meet", (State.IN_PROGRESS,))
    _require_lead(actor, case)
    minutes = _required_text(minutes, "minutes")
    depts = _departments(departments, "departments")
    at = _now(at)
    _transition(case, actor, "meet", case.state, at=at, note=minutes, data={"departments": [d.code for d in depts]},
                note_only=True)
    meeting = JointMeeting.objects.create(case=case, minutes=minutes, held_at=at, recorded_by=actor.user)
    meeting.departments.set(depts + ([case.lead_department] if case.lead_department else []))
    return case


@_atomic
def extend(actor, case, *, deadline, reason, at=None):
    """延期申请: the lead department asks for a later deadline."""
    case = load_case(case)
    _require_state(case, "extend", (State.ASSIGNED, State.IN_PROGRESS))
    _require_lead(actor, case)
    new = _date(deadline, "deadline")
    if new is None:
        raise InvalidInput("必须给出新的时限 / deadline is required", field="deadline")
    if case.deadline and new <= case.deadline:
        raise InvalidInput("新时限必须晚于原时限 / the new deadline must be later", field="deadline")
    reason = _required_text(reason, "reason", 2000)
    if ExtensionRequest.objects.filter(case=case, status=ExtensionRequest.PENDING).exists():
        raise IllegalTransition("已有待审批的延期申请 / an extension is already pending", code="extension_pending")
    at = _now(at)
    _transition(case, actor, "extend", case.state, at=at, note=reason, data={"deadline": new.isoformat()})
    ExtensionRequest.objects.create(case=case, requested_by=actor.user, requested_at=at, new_deadline=new, reason=reason)
    return case


@_atomic
def handle(actor, case, *, result, disposition, at=None):
    """办结/答复: the lead department reports its result and disposition."""
    case = load_case(case)
    _require_state(case, "handle", (State.IN_PROGRESS,))
    _require_lead(actor, case)
    result = _required_text(result, "result")
    disposition = _choice(disposition, Disposition, "disposition")
    at = _now(at)
    on_time = case.deadline is None or as_date(at) <= case.deadline
    _transition(
        case,
        actor,
        "handle",
        State.HANDLED,
        at=at,
        note=result,
        data={"disposition": disposition, "on_time": on_time},
        result=result,
        disposition=disposition,
        handled_at=at,
        handled_on_time=on_time,
        ever_handled=True,
    )
    SupervisionOrder.objects.filter(case=case, resolved_at__isnull=True).update(resolved_at=at)
    notices.tell_reporter("sms_handled", case, at=at)
    return case


# ---- progress notes (办理进展) ------------------------------------------------------

# Only while the department works on the case: an assigned case is not accepted
# yet, and a reopened one waits for the lead to take it back (accept) first.
PROGRESS_STATES = (State.IN_PROGRESS,)
MAX_PROGRESS_NOTE = 2000


def _progress_department(actor, case):
    """The department a handler records progress for: the lead department, else one of
    the case's co-departments (协办) the handler belongs to; None for anyone else."""
    if actor.is_lead_handler(case):
        return case.lead_department
    mine = actor.department_ids()
    if mine:
        return case.co_departments.filter(pk__in=mine).order_by("pk").first()
    return None


def may_record_progress(actor, case):
    """Whether the actor is one who records progress on the case (its state aside)."""
    return actor.is_admin or _progress_department(actor, case) is not None


@_atomic
def progress(actor, case, *, note, public=False, at=None):
    """办理进展: the lead or a co-department records how the work goes; the state stays.
    A note is internal unless ``public`` (公开): then the reporter's tracking page shows it."""
    case = load_case(case)
    _require_state(case, "progress", PROGRESS_STATES)
    dept = _progress_department(actor, case)
    _require(
        dept is not None or actor.is_admin,
        "只有主办或协办部门可以记录办理进展 / only the lead or a co-department may record progress",
    )
    note = _required_text(note, "note", MAX_PROGRESS_NOTE)
    if public in (None, ""):
        public = False
    if public not in (True, False):
        raise InvalidInput("public 应为是或否 / public must be true or false", field="public")
    public = bool(public)
    dept = dept or case.lead_department
    _transition(
        case,
        actor,
        "progress",
        case.state,
        at=at,
        note=note,
        data={"department": dept.code if dept else None, "public": public},
        public=public,
        note_only=True,
    )
    return case


# ---- supervision -----------------------------------------------------------------


@_atomic
def supervise(actor, case, *, note="", due=None, at=None):
    """督办: an order by a supervisor (or leader) above the handler."""
    case = load_case(case)
    _require_state(case, "supervise", (State.ASSIGNED, State.IN_PROGRESS, State.REOPENED))
    _require(
        actor.covers_region(case.region or case.owner_region, Role.SUPERVISOR, Role.LEADER),
        "只有上级督办员或领导可以督办 / only a supervisor or leader above the case may supervise",
    )
    at = _now(at)
    due_date = _date(due, "due") or deadlines.response_deadline(as_date(at))
    if due_date < as_date(at):
        raise InvalidInput("督办期限不能早于今天 / due is in the past", field="due")
    _transition(case, actor, "supervise", case.state, at=at, note=note, data={"due": due_date.isoformat()},
                note_only=True)
    SupervisionOrder.objects.create(case=case, issued_by=actor.user, issued_at=at, due=due_date, note=note or "")
    notices.notify("supervised", case, [case.lead_department], at=at, due=due_date, note=note)
    return case


# ---- return visit and closing ----------------------------------------------------


def _check_no_open_tasks(case):
    if Task.objects.filter(cases=case, status=Task.OPEN).exists():
        raise IllegalTransition("案件还有未完成的任务，不能销号 / the case has open tasks", code="open_tasks")


def _close_fields(case, at, rule, rating="", score=None):
    resolved = rule == CloseRule.SATISFIED and case.disposition == Disposition.SOLVED
    return {"closed_at": at, "close_rule": rule, "resolved": resolved}


@_atomic
def visit_back(actor, case, *, rating=None, score=None, note="", reached=True, solved=None, at=None):
    """回访: an attempt to reach the reporter; if reached, their rating closes or reopens."""
    case = load_case(case)
    _require_state(case, "visit_back", (State.HANDLED,))
    via = "reporter" if actor.kind == "public" else "operator"
    if via == "operator":
        _require(
            actor.covers_region(case.region or case.owner_region, Role.RETURN_VISITOR, Role.DISPATCHER),
            "只有回访员或调度员可以回访 / only a return visitor or dispatcher may record a return visit",
        )
    return _record_visit(actor, case, via, rating=rating, score=score, note=note, reached=reached, solved=solved,
                         at=at)


def _record_visit(actor, case, via, *, rating, score, note, reached, solved, at):
    """The return visit itself (its caller checked who may record it)."""
    note = (note or "").strip()[:MAX_TEXT]
    at = _now(at)
    if not reached:
        _transition(case, actor, "visit_back", case.state, at=at, note=note, data={"reached": False}, public=False)
        ReturnVisit.objects.create(case=case, at=at, operator=actor.user, via=via, reached=False, note=note)
        return case
    rating = _choice(rating, Rating, "rating")
    if score not in (None, ""):
        try:
            score = int(score)
        except (TypeError, ValueError):
            raise InvalidInput("评分应为1–10的整数 / score must be an integer 1–10", field="score") from None
        if not 1 <= score <= 10:
            raise InvalidInput("评分应为1–10 / score must be between 1 and 10", field="score")
    else:
        score = None
    data = {"reached": True, "rating": rating, "score": score, "via": via}
    counters = visit_counters(case, rating, score)
    if rating in SATISFIED_RATINGS:
        _check_no_open_tasks(case)
        fields = _close_fields(case, at, CloseRule.SATISFIED)
        _transition(
            case, actor, "visit_back", State.CLOSED, at=at, note=note, data=data,
            last_rating=rating, last_score=score, **counters, **fields,
        )
        Effect.objects.update_or_create(
            case=case,
            defaults={
                "what_was_done": case.result,
                "confirmed_by": "反映人" if via == "reporter" else actor.label,
                "confirmed_at": at,
                "rule": CloseRule.SATISFIED,
                "rating": rating,
                "score": score,
            },
        )
    else:
        redo = redo_deadline(case, at)
        _transition(
            case, actor, "visit_back", State.REOPENED, at=at, note=note, data={**data, **redo["data"]},
            last_rating=rating, last_score=score, reopen_count=case.reopen_count + 1, resolved=False, **counters,
            **redo["fields"],
        )
        notices.notify("reopened", case, [case.lead_department], at=at, note=note)
    ReturnVisit.objects.create(
        case=case, at=at, operator=actor.user, via=via, reached=True, solved=solved, rating=rating, score=score, note=note
    )
    return case


INTAKE_ROLES = (Role.OPERATOR, Role.DISPATCHER)


@_atomic
def answer_on_call(actor, case, *, result, rating, score=None, disposition=Disposition.EXPLAINED, note="", at=None):
    """即知即办 at the intake desk: a consultation answered while the caller is on the line.

    The operator (or dispatcher) who registered the case records the answer (a ``handle``
    event, mode ``immediate``, no department) and the caller's rating on the same call (a
    ``visit_back`` event). Honest closure holds: the case closes only with the caller's
    satisfaction recorded, so a caller who is not satisfied is refused here (the case stays
    registered, for the dispatcher)."""
    case = load_case(case)
    _require_state(case, "answer_on_call", (State.REGISTERED,))
    _require(
        actor.is_admin or (actor.user is not None and case.created_by_id == actor.user.pk
                           and actor.covers_region(case.region or case.owner_region, *INTAKE_ROLES)),
        "只有登记该案件的接诉员或调度员可以当场答复 / only the operator or dispatcher who registered the case "
        "may answer it on the call",
    )
    result = _required_text(result, "result")
    disposition = _choice(disposition, Disposition, "disposition")
    rating = _choice(rating, Rating, "rating")
    if rating not in SATISFIED_RATINGS:
        raise InvalidInput("来电人不满意，不能当场办结，请登记后交办 / the caller is not satisfied: the case cannot "
                           "be closed on the call; leave it registered for dispatch", field="rating")
    at = _now(at)
    _transition(
        case, actor, "handle", State.HANDLED, at=at, note=result,
        data={"disposition": disposition, "on_time": True, "mode": Mode.IMMEDIATE, "on_call": True},
        result=result, disposition=disposition, mode=Mode.IMMEDIATE, handled_at=at, handled_on_time=True,
        ever_handled=True,
    )
    return _record_visit(actor, case, "operator", rating=rating, score=score, note=note, reached=True, solved=True,
                         at=at)


def visit_counters(case, rating, score):
    """The case's return-visit counters after one more reached visit (figures.py reads them)."""
    return {
        "rated_visits": case.rated_visits + (1 if rating else 0),
        "satisfied_visits": case.satisfied_visits + (1 if rating in SATISFIED_RATINGS else 0),
        "scored_visits": case.scored_visits + (1 if score is not None else 0),
        "score_sum": case.score_sum + (score or 0),
    }


@_atomic
def close_by_rule(actor, case, *, rule, at=None):
    """销号 without a rating, by a recorded rule: anonymous, or unreachable after N tries."""
    case = load_case(case)
    _require_state(case, "close_by_rule", (State.HANDLED,))
    if actor.kind != "system":
        _require(
            actor.covers_region(case.region or case.owner_region, Role.RETURN_VISITOR, Role.DISPATCHER),
            "只有回访员或调度员可以按规则销号 / only a return visitor or dispatcher may close by rule",
        )
    rule = _choice(rule, CloseRule, "rule")
    if rule == CloseRule.SATISFIED:
        raise InvalidInput("满意销号须经回访 / a satisfied close needs a return visit", field="rule")
    if rule == CloseRule.ANONYMOUS and not (case.anonymous or not case.reporter_phone):
        raise IllegalTransition("反映人留有联系方式，须回访 / the reporter left a contact: visit back", code="rule_not_met")
    if rule == CloseRule.UNREACHABLE:
        needed = settings.MINQING["UNREACHABLE_ATTEMPTS"]
        tries = ReturnVisit.objects.filter(case=case, reached=False, at__gte=case.handled_at).count()
        if tries < needed:
            raise IllegalTransition(
                f"联系不上的记录仅{tries}次，需{needed}次 / {tries} unreachable attempts recorded, {needed} needed",
                code="rule_not_met",
            )
    _check_no_open_tasks(case)
    at = _now(at)
    _transition(case, actor, "close_by_rule", State.CLOSED, at=at, data={"rule": rule}, **_close_fields(case, at, rule))
    Effect.objects.update_or_create(
        case=case,
        defaults={"what_was_done": case.result, "confirmed_by": actor.label, "confirmed_at": at, "rule": rule},
    )
    return case


# ---- tasks (任务清单) -------------------------------------------------------------


@_atomic
def create_task(actor, *, title, department=None, cases, due=None, at=None, partner=None):
    """任务: owned by a department, or by a community partner (``partner``: its code) instead."""
    title = _required_text(title, "title", 200)
    if partner not in (None, ""):
        if department not in (None, ""):
            raise InvalidInput("部门和合伙人只能选一个 / give a department or a partner, not both", field="partner")
        from minqing.partners.actions import load_partner

        owner, dept = load_partner(partner, "partner"), None
    else:
        dept = owner = _department(department)
    if not cases:
        raise InvalidInput("任务至少关联一个案件 / a task covers at least one case", field="cases")
    loaded = [load_case(c) for c in cases]
    for c in loaded:
        _require(
            actor.is_admin or actor.is_lead_handler(c) or _owns_dispatch(actor, c),
            "只有主办部门或调度员可以建立任务 / only the lead department or dispatcher may add tasks",
        )
        if c.state in (State.CLOSED, State.MERGED, State.INVALID):
            raise IllegalTransition(f"案件 {c.tracking_code} 已结束 / case {c.pk} is finished", code="case_finished")
    at = _now(at)
    task = Task.objects.create(title=title, department=dept, partner=None if dept else owner, due=_date(due, "due"),
                               created_by=actor.user, created_at=at)
    task.cases.set(loaded)
    # the department's handlers, or the partner's contact logins
    to = [dept] if dept is not None else list(owner.contacts.values_list("user_id", flat=True))
    notices.notify("task_assigned", loaded[0], to, at=at, title=title, n=len(loaded))
    owner_data = {"department": dept.code} if dept is not None else {"partner": owner.code}
    Event.objects.bulk_create(
        [
            Event(case=c, action="task_created", from_state=c.state, to_state=c.state, actor=actor.user,
                  actor_label=actor.label, at=at, note=title, data={"task": task.pk, **owner_data})
            for c in loaded
        ]
    )
    return task


@_atomic
def complete_task(actor, task, *, outcome, at=None):
    if not isinstance(task, Task):
        task = Task.objects.filter(pk=task).first()
        if task is None:
            raise NotFound("任务不存在 / task not found")
    _require(
        actor.is_admin or (task.department_id is not None and task.department_id in actor.department_ids())
        or (task.partner_id is not None and task.partner_id in actor.partner_ids()),
        "只有任务所属部门或合伙人可以完成任务 / only the task's department or partner may complete it",
    )
    if task.status != Task.OPEN:
        raise IllegalTransition("任务已完成 / the task is already done", code="task_done")
    outcome = _required_text(outcome, "outcome")
    at = _now(at)
    updated = Task.objects.filter(pk=task.pk, status=Task.OPEN).update(status=Task.DONE, done_at=at, outcome=outcome)
    if updated != 1:
        raise Conflict("任务已被他人更新 / the task was changed by someone else")
    task.status, task.done_at, task.outcome = Task.DONE, at, outcome
    cases = list(task.cases.all())
    Event.objects.bulk_create(
        [
            Event(case=c, action="task_done", from_state=c.state, to_state=c.state, actor=actor.user,
                  actor_label=actor.label, at=at, note=outcome, data={"task": task.pk})
            for c in cases
        ]
    )
    return task


# The transitions by the names WORKFLOW.md and the API use.
ACTIONS = {
    "assign": assign,
    "accept": accept,
    "return": return_case,
    "escalate": escalate,
    "meet": meet,
    "whistle": whistle,
    "report": report,
    "supervise": supervise,
    "extend": extend,
    "approve_extension": approve_extension,
    "handle": handle,
    "progress": progress,
    "visit_back": visit_back,
    "close_by_rule": close_by_rule,
    "reopen": reopen,
    "merge": merge,
    "invalidate": invalidate,
    "categorize": categorize,
    "locate": locate,
    "unmerge": unmerge,
}


def available_actions(actor, case):
    """The actions this actor could try on this case now (for pages and the API)."""
    out = []
    dispatcher = _owns_dispatch(actor, case)
    lead = actor.is_admin or actor.is_lead_handler(case)
    region = case.region or case.owner_region
    s = case.state
    in_hand = s in (State.ASSIGNED, State.IN_PROGRESS)
    pending = in_hand and ExtensionRequest.objects.filter(case=case, status=ExtensionRequest.PENDING).exists()
    if s == State.REGISTERED and dispatcher:
        out += ["assign", "merge", "invalidate", "escalate"]
    if s == State.ASSIGNED:
        if lead:
            out += ["accept", "return", "escalate"]
        if dispatcher:
            out += ["merge", "whistle", "escalate"]
    if s == State.IN_PROGRESS:
        if lead:
            out += ["handle", "meet", "escalate"]
        if dispatcher:
            out += ["whistle", "escalate"]
    if s in PROGRESS_STATES and may_record_progress(actor, case):
        out.append("progress")
    if in_hand and lead and not pending:
        out.append("extend")
    if s == State.REOPENED and lead:
        out += ["accept"]
    if in_hand and (actor.is_admin or actor.department_ids()):
        summoned = Summons.objects.filter(case=case, reported_at__isnull=True)
        if not actor.is_admin:
            summoned = summoned.filter(department_id__in=actor.department_ids())
        if summoned.exists():
            out.append("report")
    if s in (State.ASSIGNED, State.IN_PROGRESS, State.REOPENED):
        if actor.covers_region(region, Role.SUPERVISOR, Role.LEADER):
            out.append("supervise")
    if pending and dispatcher:
        out.append("approve_extension")
    if s == State.HANDLED:
        if actor.covers_region(region, Role.RETURN_VISITOR, Role.DISPATCHER):
            out += ["visit_back", "close_by_rule"]
        if dispatcher:
            out.append("reopen")
    if s == State.CLOSED and dispatcher:
        out.append("reopen")
    if s in CATEGORIZE_STATES and (dispatcher or lead):
        out.append("categorize")
    if s in CATEGORIZE_STATES and dispatcher:
        out.append("locate")
    if s == State.MERGED and dispatcher and _within_unmerge_window(case):
        out.append("unmerge")
    return list(dict.fromkeys(out))


def _within_unmerge_window(case, at=None):
    merged = Event.objects.filter(case=case, action="merge").order_by("-id").values_list("at", flat=True).first()
    return merged is not None and _now(at) - merged <= dt.timedelta(days=unmerge_window_days())
