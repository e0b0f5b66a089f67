"""The JSON API under /api/v1/, with its OpenAPI document at /api/v1/openapi.json.

Errors are JSON ``{"code", "message"[, "field"]}`` with a stable code: 400/422
for bad input (the field named), 401 without credentials, 403 outside the
caller's scope, 404 unknown, 409 a refused or conflicting transition, 413 a body
over ``MINQING_API_MAX_BODY`` (``errors.py``: the shape and the limits, declared in
the OpenAPI document for every operation).
"""

import logging

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI, Swagger
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer

from minqing.cases.errors import ActionError

from . import cases, regions, stats, tasks
from .auth import AUTH
from .errors import too_large


class Renderer(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}

log = logging.getLogger(__name__)

api = NinjaAPI(
    title="minqing API",
    version="1",
    description="民情: cases, their lifecycle, regions, departments, lists and figures.",
    auth=AUTH,
    renderer=Renderer(),
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url="/docs",
    # served from django-ninja's own static swagger-ui ("ninja" in INSTALLED_APPS), no CDN;
    # no online validator badge (it would call validator.swagger.io)
    docs=Swagger(settings={"validatorUrl": None}),
)


@api.exception_handler(ActionError)
def on_action_error(request, exc):
    return api.create_response(request, exc.as_dict(), status=exc.status)


def _loc_field(loc):
    """The input's name from pydantic's location: ("query", "filters", "q") -> "q",
    ("body", "payload", "cases", 1) -> "cases.1", ("path", "case_id") -> "case_id"."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header", "cookie", "form", "file"):
        parts = parts[1:]
    if len(parts) > 1 and parts[0] in ("payload", "filters", "q", "f"):  # the handler's schema argument
        parts = parts[1:]
    return ".".join(parts) or None


@api.exception_handler(ValidationError)
def on_validation_error(request, exc):
    errors = [
        {"field": _loc_field(e.get("loc", [])), "message": e.get("msg", ""), "type": e.get("type", "")}
        for e in exc.errors
    ]
    first = errors[0] if errors else {"field": None, "message": "invalid input"}
    body = {
        "code": "invalid",
        "message": f"{first['field']}: {first['message']}" if first["field"] else first["message"],
        "field": first["field"],
        "errors": errors,
    }
    return api.create_response(request, body, status=422)


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    return api.create_response(
        request, {"code": "unauthorized", "message": "需要登录或API令牌 / authentication required"}, status=401
    )


@api.exception_handler(Http404)
def on_404(request, exc):
    return api.create_response(request, {"code": "not_found", "message": "not found"}, status=404)


HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed"}


@api.exception_handler(HttpError)
def on_http_error(request, exc):
    code = HTTP_CODES.get(exc.status_code, "http_error")
    return api.create_response(request, {"code": code, "message": str(exc)}, status=exc.status_code)


@api.exception_handler(RequestDataTooBig)
def on_too_large(request, exc):
    return too_large()


@csrf_exempt
def api_not_found(request, *args, **kwargs):
    """Any path under /api/v1/ that no endpoint serves."""
    return JsonResponse({"code": "not_found", "message": "没有这个接口 / no such API endpoint"}, status=404,
                        json_dumps_params={"ensure_ascii": False})


@api.exception_handler(Exception)
def on_unexpected(request, exc):
    log.exception("unexpected API error")
    return api.create_response(request, {"code": "server_error", "message": "内部错误 / internal error"}, status=500)


api.add_router("/", cases.router)
api.add_router("/", regions.router)
api.add_router("/", tasks.router)
api.add_router("/", stats.router)
api.add_router("/", "minqing.api.insights.router")
api.add_router("/", "minqing.api.visits.router")
api.add_router("/", "minqing.api.exports.router")
api.add_router("/", "minqing.api.contact.router")
api.add_router("/", "minqing.api.notifications.router")
api.add_router("/", "minqing.api.taskforces.router")
api.add_router("/", "minqing.api.map.router")
api.add_router("/", "minqing.api.surveys.router")
api.add_router("/", "minqing.reports.api.router")
api.add_router("/", "minqing.patrols.api.router")
api.add_router("/", "minqing.partners.api.router")
api.add_router("/", "minqing.api.campaigns.router")
api.add_router("/", "minqing.api.backlog.router")
api.add_router("/", "minqing.api.policies.router")
