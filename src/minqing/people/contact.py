"""查看联系方式: reveal one case's contact data to one person, with a reason, logged.

One function per change (``reveal``), like ``cases.actions``: it checks that the
person may see the case, writes the ``ContactAccess`` row and returns the case's
contact data and free texts as written."""

from django.db import transaction
from django.db.models import Q

from minqing.cases.errors import Forbidden, InvalidInput, NotFound

from .models import ContactAccess, Role
from .scoping import visible_cases

REASON_MAX = 200
LOG_ROLES = (Role.LEADER,)


def clean_reason(reason):
    reason = " ".join(str(reason or "").split())
    if not reason:
        raise InvalidInput("须填写查看事由 / a reason is required", field="reason")
    if len(reason) > REASON_MAX:
        raise InvalidInput(f"查看事由不超过 {REASON_MAX} 字 / reason is at most {REASON_MAX} characters",
                           field="reason")
    if "\x00" in reason:
        raise InvalidInput("查看事由含有非法字符 / reason holds a NUL character", field="reason")
    return reason


@transaction.atomic
def reveal(actor, case_id, reason, *, via="web"):
    """Log the access and return (case, contact dict) — the reporter's name and phone
    and the case's free texts as written. 404 when the case is not the actor's to see."""
    from minqing.cases.models import Case

    reason = clean_reason(reason)
    if actor.user is None or not isinstance(case_id, int) or not 1 <= case_id < 2**63:
        raise NotFound("案件不存在 / case not found")
    case = visible_cases(actor, Case.objects.select_related("region", "owner_region")).filter(pk=case_id).first()
    if case is None:
        raise NotFound("案件不存在 / case not found")
    ContactAccess.objects.create(user=actor.user, username=actor.user.get_username(), case=case,
                                 region_path=case.region_path or "", reason=reason, via=via)
    return case, contact_dict(case)


@transaction.atomic
def reveal_subject(actor, subject, reason, *, via="survey"):
    """Log that ``actor`` was shown a registered subject's contact (a survey's call to a
    household/enterprise) and answer its contact name and phone. The caller has checked that
    the actor may call the subject; the row holds the subject instead of a case."""
    reason = clean_reason(reason)
    if actor.user is None:
        raise NotFound("走访对象不存在 / subject not found")
    ContactAccess.objects.create(user=actor.user, username=actor.user.get_username(), subject=subject,
                                 region_path=subject.region_path or "", reason=reason, via=via)
    return {"subject": subject.pk, "name": subject.contact_name or subject.name, "phone": subject.phone}


def contact_dict(case):
    return {
        "case": case.pk,
        "tracking_code": case.tracking_code,
        "anonymous": case.anonymous,
        "reporter_name": case.reporter_name,
        "reporter_phone": case.reporter_phone,
        "text": case.text,
        "address": case.address,
        "result": case.result,
        "events": [{"action": e.action, "at": e.at.isoformat(), "note": e.note}
                   for e in case.events.order_by("at", "id") if e.note],
        "return_visits": [{"at": v.at.isoformat(), "note": v.note} for v in case.return_visits.all() if v.note],
    }


def visible_log(actor):
    """The access log a leader (their regions) or an admin (all) may read."""
    qs = ContactAccess.objects.select_related("case", "subject")
    if actor.is_admin:
        return qs
    cond = Q(pk__in=[])
    allowed = False
    for m in actor.memberships:
        if m.role in LOG_ROLES:
            allowed = True
            if m.region_id is None:
                return qs
            cond |= Q(region_path__startswith=m.region.path)
    if not allowed:
        raise Forbidden("只有领导和管理员可以查看该记录 / only leaders and admins may read the contact-access log")
    return qs.filter(cond)
