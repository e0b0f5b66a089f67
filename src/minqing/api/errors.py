"""The API's error shape and input limits, declared once for the OpenAPI document.

Every operation declares its success response and the error responses it may give,
each ``{"code", "message", "field"?}``; every string input has a ``maxLength`` and
every number a range, so that nothing a client sends reaches the database as a value
it cannot hold (an id past 2**63-1 is a 422, not a 500)."""

import datetime as dt
from typing import Annotated

from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _
from ninja import Field, Schema

DB_INT_MAX = 2**63 - 1  # the largest id PostgreSQL's bigint and SQLite's INTEGER hold
MAX_PAGE = 1_000_000
MAX_CODE = 64  # region, department, category codes; usernames; tracking codes
MAX_QUERY = 200  # free-text filters
MAX_NOTE = 5000  # the longest text an action keeps (actions.MAX_TEXT)
MAX_LIST = 500  # items of a list in a body
DEFAULT_MAX_BODY = 1 << 20


class Error(Schema):
    code: str = Field(..., description="stable error code: invalid, bad_request, unauthorized, forbidden, "
                                       "not_found, illegal_transition, conflict, too_large, …")
    message: str
    field: str | None = Field(None, description="the input that was refused, when one was")
    errors: list[dict] | None = Field(None, description="every refused input (422)")


ERROR_STATUSES = (400, 401, 403, 404, 409, 413, 422)


def responses(ok=dict, status=200, errors=ERROR_STATUSES):
    """``response=`` for an operation: its success and every error it may give."""
    out = {status: ok}
    out.update({code: Error for code in errors})
    return out


# ---- input types ---------------------------------------------------------------------

Id = Annotated[int, Field(ge=1, le=DB_INT_MAX, description="a database id")]
Page = Annotated[int, Field(ge=1, le=MAX_PAGE)]
Code = Annotated[str, Field(max_length=MAX_CODE)]
Query_ = Annotated[str, Field(max_length=MAX_QUERY)]
# a calendar day the system can hold as a time in any time zone (year 1 or 9999 overflow when
# a day becomes a zoned datetime)
Day = Annotated[dt.date, Field(ge=dt.date(1900, 1, 1), le=dt.date(2999, 12, 31))]


def text(max_length=MAX_NOTE):
    return Annotated[str, Field(max_length=max_length)]


def PageSize(maximum):  # noqa: N802 - a type
    return Annotated[int, Field(ge=1, le=maximum)]


# ---- request bodies past the limit -----------------------------------------------------


def max_body():
    return int(getattr(settings, "MINQING_API_MAX_BODY", DEFAULT_MAX_BODY))


def too_large(limit=None):
    limit = max_body() if limit is None else limit
    return JsonResponse(
        {"code": "too_large", "message": _("请求体超过 %(limit)d 字节") % {"limit": limit}},
        status=413, json_dumps_params={"ensure_ascii": False},
    )


class BodyLimitMiddleware:
    """A request to /api/ whose declared body is over ``MINQING_API_MAX_BODY`` (default
    1 MB) gets 413 ``too_large`` before anything reads it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith("/api/"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            limit = max_upload() if request.path_info.endswith(UPLOAD_SUFFIXES) else max_body()
            if length > limit:
                return too_large(limit)
        return self.get_response(request)


# photo uploads (multipart) may be larger than a JSON body: MINQING_API_MAX_UPLOAD, default 12 MB
UPLOAD_SUFFIXES = ("/photos",)


def max_upload():
    return int(getattr(settings, "MINQING_API_MAX_UPLOAD", 12 << 20))
