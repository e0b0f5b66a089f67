"""查看联系方式: reveal one case's contact data with a reason (logged), and the log.

``GET /api/v1/cases/{id}/contact?reason=…`` — anyone who may see the case; the
answer holds the reporter's name and phone and the case's texts unmasked, and one
``ContactAccess`` row is written. ``GET /api/v1/contact-access`` — leaders (their
regions) and admins (all)."""

import datetime as dt

from django.utils import timezone
from ninja import Query, Router, Schema

from minqing.cases.errors import InvalidInput
from minqing.people import contact

from .auth import actor
from .errors import Code, Id, Page, PageSize, responses, text

router = Router(tags=["contact"])
MAX_PAGE_SIZE = 200
MAX_ID = 2**63 - 1


@router.get("/cases/{case_id}/contact", response=responses(),
            summary="查看联系方式 / the case's contact data and texts unmasked, with a reason (logged)")
def case_contact(request, case_id: Id, reason: text(200) = ""):
    _case, out = contact.reveal(actor(request), case_id, reason, via="api")
    return out


class LogQuery(Schema):
    case: Id | None = None
    user: Code | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    page: Page = 1
    page_size: PageSize(200) = 50


def _bounded(value, name, limit):
    if value is not None and (len(value) > limit or "\x00" in value):
        raise InvalidInput(f"{name} 过长或含非法字符 / {name} is too long or holds a NUL", field=name)
    return value


@router.get("/contact-access", response=responses(),
            summary="联系方式查看记录 / who revealed which case's contact data, when and why")
def contact_access(request, q: Query[LogQuery]):
    if not 1 <= q.page <= 10**6 or not 1 <= q.page_size <= MAX_PAGE_SIZE:
        raise InvalidInput(f"page 取值 1..1000000，page_size 取值 1..{MAX_PAGE_SIZE} / page must be 1..1000000 and page_size 1..{MAX_PAGE_SIZE}",
                           field="page_size")
    qs = contact.visible_log(actor(request))
    if q.case is not None and not 1 <= q.case <= MAX_ID:
        raise InvalidInput("case 应为案件编号 / case must be a case id", field="case")
    if q.case is not None:
        qs = qs.filter(case_id=q.case)
    if q.user:
        qs = qs.filter(username=_bounded(q.user, "user", 150))
    tz = timezone.get_current_timezone()
    if q.date_from:
        qs = qs.filter(at__gte=dt.datetime.combine(q.date_from, dt.time.min, tzinfo=tz))
    if q.date_to:
        qs = qs.filter(at__lt=dt.datetime.combine(q.date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz))
    total = qs.count()
    start = (q.page - 1) * q.page_size
    rows = qs.order_by("-at", "-id")[start : start + q.page_size]
    return {"count": total, "page": q.page, "page_size": q.page_size, "results": [
        {"id": r.pk, "user": r.username, "case": r.case_id, "tracking_code": r.case.tracking_code if r.case else None,
         "subject": r.subject_id,
         "reason": r.reason, "via": r.via, "at": timezone.localtime(r.at).isoformat()}
        for r in rows
    ]}
