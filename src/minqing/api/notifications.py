"""/api/v1/notifications: the caller's own notices (消息提醒), newest first; mark them read."""

from ninja import Router

from minqing.cases.errors import InvalidInput, NotFound
from minqing.notices import core as notices

from .errors import Id, Page, PageSize, responses, text
from .serializers import _iso

router = Router(tags=["notifications"])
MAX_PAGE = 100_000


def notice_dict(n):
    if not hasattr(n, "text"):
        notices.with_text([n])
    return {
        "id": n.pk,
        "kind": n.kind,
        "case_id": n.case_id,
        "tracking_code": n.tracking_code,
        "text": n.text,
        "created_at": _iso(n.created_at),
        "read": n.read_at is not None,
    }


@router.get("/notifications", response=responses())
def list_notifications(request, unread: text(8) | None = None, page: Page = 1, page_size: PageSize(200) = 50):
    if not 1 <= page <= MAX_PAGE:
        raise InvalidInput(f"page must be 1..{MAX_PAGE}", field="page")
    if not 1 <= page_size <= 200:
        raise InvalidInput("page_size must be 1..200", field="page_size")
    if unread not in (None, "", "0", "1", "true", "false"):
        raise InvalidInput("unread must be 1 or 0", field="unread")
    only_unread = unread in ("1", "true")
    user = request.auth
    qs = notices.notices_of(user, unread=only_unread)
    unread_total = notices.unread_count(user)
    total = unread_total if only_unread else qs.count()
    rows = notices.with_text(list(qs[(page - 1) * page_size : page * page_size]))
    return {"count": total, "unread": unread_total, "page": page, "page_size": page_size,
            "results": [notice_dict(n) for n in rows]}


@router.post("/notifications/read_all", response=responses())
def read_all(request):
    n = notices.mark_all_read(request.auth)
    return {"marked": n, "unread": 0}


@router.post("/notifications/{notice_id}/read", response=responses())
def read_one(request, notice_id: Id):
    notice = notices.mark_read(request.auth, notice_id)
    if notice is None:
        raise NotFound("消息不存在 / notification not found")
    return notice_dict(notice)
