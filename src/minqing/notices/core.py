"""Notices of one event to the people it concerns, and the reporter's SMS.

``notify(kind, case, to, at=…)`` is what the actions layer calls, inside the
transaction that writes the event: the notices (and the e-mails they cause) are
committed or rolled back with it. ``to`` mixes departments (their handlers get
it), users and user ids.

Outward messages (e-mail to staff, SMS to reporters) are queued in ``Outbound``
only for live events: a replay with a backdated ``at=`` (imports, the demo)
writes the in-app notices with their own times but sends nothing.
"""

import re
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop, override

from minqing.cases.models import Case
from minqing.people.models import Membership, NoticeKind, Notification, Role
from minqing.regions.models import Department

from .models import MessageTemplate, Outbound

# The text of each kind; {code} is the case's tracking code. Rendered in the reader's language.
KIND_TEXT = {
    NoticeKind.ASSIGNED: gettext_noop("新交办案件 {code}，办理时限 {due}"),
    NoticeKind.SUMMONED: gettext_noop("吹哨报到：案件 {code}，请于 {due} 前报到"),
    NoticeKind.SUPERVISED: gettext_noop("督办：案件 {code}，请于 {due} 前落实"),
    NoticeKind.YELLOW: gettext_noop("黄色预警：案件 {code} 将于 {due} 到期"),
    NoticeKind.RED: gettext_noop("红色预警：案件 {code} 已超期（时限 {due}）"),
    NoticeKind.REOPENED: gettext_noop("案件 {code} 需重办"),
    NoticeKind.TASK_ASSIGNED: gettext_noop("新任务「{title}」：案件 {code} 等 {n} 件"),
    NoticeKind.RETURNED: gettext_noop("{department} 退回案件 {code}，请重新交办"),
    NoticeKind.OVERDUE: gettext_noop("{n} 件案件超期，已亮红灯"),
    "extension_approved": gettext_noop("延期申请已批准：案件 {code}，新时限 {due}"),
    "extension_refused": gettext_noop("延期申请未获批准：案件 {code}，时限仍为 {due}"),
}

# The outward messages' texts, until an admin edits them (admin: 消息模板).
# Placeholders: {tracking_code}, {link}; e-mails also {name}, {text}.
TEMPLATE_DEFAULTS = {
    "sms_registered": ("", gettext_noop(
        "【民情】您反映的问题已登记，查询码 {tracking_code}，进度查询：{link}")),
    "sms_handled": ("", gettext_noop(
        "【民情】您反映的问题（查询码 {tracking_code}）已有答复，请查看并评价：{link}")),
    "email_notice": (gettext_noop("【民情】{text}"), gettext_noop(
        "{name}，您好：\n\n{text}\n\n查看案件：{link}\n\n（本邮件由系统自动发送）")),
}

LIVE_WINDOW_SECONDS = 600
MAX_PARAM = 100


def _setting(name, default):
    return getattr(settings, name, default)


def public_url(path):
    """A link in an SMS or e-mail: on MINQING_PUBLIC_URL (settings, "" when unset), else on the
    demo's local address."""
    return (_setting("MINQING_PUBLIC_URL", "") or "http://127.0.0.1:8000").rstrip("/") + path


def is_live(at):
    """An event happening now (not a replay of the past with a backdated ``at=``)."""
    return at is None or (timezone.now() - at).total_seconds() < LIVE_WINDOW_SECONDS


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def fill(template, values):
    """``{name}`` placeholders only (no attribute or index access); unknown ones stay as written."""
    return _PLACEHOLDER.sub(lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), template)


def _text_key(kind, data):
    if kind == NoticeKind.EXTENSION_DECIDED:
        return "extension_approved" if data.get("approved") else "extension_refused"
    return kind


def render(kind, data):
    """The notice's text in the active language."""
    template = KIND_TEXT.get(_text_key(kind, data))
    if template is None:
        return ""
    text = fill(gettext(template), data)
    if data.get("note"):
        text += " · " + data["note"]
    return text


def text_of(notice):
    return render(notice.kind, notice.data or {}) or notice.message


# ---- writing notices -------------------------------------------------------------------


def _recipients(to):
    users, depts = set(), set()
    for item in to or ():
        if item is None:
            continue
        if isinstance(item, Department):
            depts.add(item.pk)
        elif isinstance(item, int):
            users.add(item)
        else:
            users.add(item.pk)
    if depts:
        users |= set(
            Membership.objects.filter(role=Role.HANDLER, department_id__in=depts).values_list("user_id", flat=True)
        )
    return sorted(users)


def _param(value):
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, str) and len(value) > MAX_PARAM:
        return value[: MAX_PARAM - 1] + "…"
    return value


def notify(kind, case, to, *, at=None, **params):
    """Notices of kind ``kind`` about ``case`` to ``to`` (departments, users, user ids),
    in the caller's transaction; e-mails for the kinds in MINQING_NOTICE_EMAIL_KINDS.
    Returns the notices written."""
    assert kind in NoticeKind.values, kind
    users = _recipients(to)
    owner = getattr(case, "leader_id", None) if case is not None else None
    if owner is not None and owner not in users:  # 包案: the leader who owns the case hears of everything
        users = sorted([*users, owner])
    if not users:
        return []
    data = {k: _param(v) for k, v in params.items() if v not in (None, "")}
    if case is not None:
        data["code"] = case.tracking_code
    with override("zh-hans"):
        message = render(kind, data)[:500]
    created = timezone.now() if at is None else at
    notes = Notification.objects.bulk_create(
        [Notification(user_id=u, case=case, kind=kind, message=message, data=data, created_at=created) for u in users]
    )
    if kind in _setting("MINQING_NOTICE_EMAIL_KINDS", ()) and is_live(at):
        _queue_emails(users, case, message)
    return notes


def _queue_emails(user_ids, case, text):
    texts = template("email_notice")
    if texts is None:
        return
    subject_t, body_t = texts
    link = public_url(f"/case/{case.pk}/") if case is not None else public_url("/work/notices/")
    rows = []
    for pk, email, username in get_user_model().objects.filter(pk__in=user_ids, is_active=True).exclude(
            email="").values_list("pk", "email", "username"):
        values = {"name": username, "text": text, "link": link,
                  "tracking_code": case.tracking_code if case is not None else ""}
        rows.append(Outbound(channel=Outbound.EMAIL, recipient=email, subject=fill(subject_t, values)[:200],
                             body=fill(body_t, values), purpose="email_notice", user_id=pk, case=case))
    Outbound.objects.bulk_create(rows)


# The admin's templates, re-read at most every TEMPLATE_SECONDS per process (a registration
# should not pay a query for them); saving one in this process drops the copy at once.
TEMPLATE_SECONDS = 5
_templates = {"rows": None, "at": -1e9}


def forget_templates(*args, **kwargs):
    _templates["at"] = -1e9


def _template_rows():
    now = time.monotonic()
    if now - _templates["at"] > TEMPLATE_SECONDS:
        _templates["rows"] = {t.key: (t.subject, t.body, t.active) for t in MessageTemplate.objects.all()}
        _templates["at"] = now
    return _templates["rows"]


def template(key):
    """(subject, body) of an outward message: the admin's template (None if switched off), else the default."""
    row = _template_rows().get(key)
    if row is not None:
        subject, body, active = row
        return (subject, body) if active else None
    subject, body = TEMPLATE_DEFAULTS[key]
    with override("zh-hans"):
        return (gettext(subject) if subject else ""), gettext(body)


def tell_reporter(key, case, *, at=None):
    """Queue the reporter's SMS (``sms_registered``, ``sms_handled``) if they left a phone."""
    if not case.reporter_phone or case.anonymous or not is_live(at):
        return None
    if not _setting("MINQING_REPORTER_SMS", True):
        return None
    texts = template(key)
    if texts is None:
        return None  # the admin switched this message off
    values = {"tracking_code": case.tracking_code, "link": public_url(f"/t/{case.tracking_code}/")}
    return Outbound.objects.create(channel=Outbound.SMS, recipient=case.reporter_phone, body=fill(texts[1], values),
                                   purpose=key, case=case)


# ---- recipients that are not a department -------------------------------------------------


def dispatchers_of(case):
    """The dispatchers of the region that owns the case (the nearest region above it that has any)."""
    node = case.owner_region
    while node is not None:
        ids = list(Membership.objects.filter(role=Role.DISPATCHER, region=node).values_list("user_id", flat=True))
        if ids:
            return ids
        node = node.parent
    return list(Membership.objects.filter(role=Role.DISPATCHER, region__isnull=True).values_list("user_id", flat=True))


# ---- reading ------------------------------------------------------------------------------


def unread_count(user):
    """One indexed COUNT: (user, read_at)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notices_of(user, unread=False):
    """Newest first: the index (user, -created_at, -id) walked for one page, no join."""
    qs = Notification.objects.filter(user=user).order_by("-created_at", "-id")
    return qs.filter(read_at__isnull=True) if unread else qs


def with_text(rows):
    """Each notice's ``text`` and ``kind_label`` (reader's language) and ``tracking_code`` (from its data; one
    query for rows written without it, e.g. by the hotline importer)."""
    missing = {n.case_id for n in rows if n.case_id and not (n.data or {}).get("code")}
    codes = dict(Case.objects.filter(pk__in=missing).values_list("pk", "tracking_code")) if missing else {}
    labels = {k: str(v) for k, v in NoticeKind.choices}  # once: get_kind_display() hashes every lazy label per call
    for n in rows:
        n.kind_label = labels.get(n.kind, n.kind)
        n.text = text_of(n)
        n.tracking_code = (n.data or {}).get("code") or codes.get(n.case_id)
    return rows


def mark_read(user, notice_id, at=None):
    """Mark one of the user's notices read; returns it, or None if it is not theirs."""
    notice = Notification.objects.filter(pk=notice_id, user=user).first()
    if notice is None:
        return None
    if notice.read_at is None:
        notice.read_at = at or timezone.now()
        Notification.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=notice.read_at)
    return notice


@transaction.atomic
def mark_all_read(user, at=None):
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=at or timezone.now())
