"""Open311 GeoReport v2 endpoints under /open311/v2/ (see ``open311.py``)."""

import logging

from django.views.decorators.csrf import csrf_exempt

from . import open311
from .open311 import Open311Error, error_response, respond

log = logging.getLogger(__name__)


def _endpoint(methods):
    def decorate(fn):
        @csrf_exempt
        def view(request, fmt, **kwargs):
            if fmt not in open311.CONTENT_TYPES:
                return error_response("xml", 404, f"不支持的格式 / unsupported format: {fmt}")
            if request.method not in methods:
                resp = error_response(fmt, 405, f"不支持的方法 / method {request.method} not allowed")
                resp["Allow"] = ", ".join(methods)
                return resp
            params = request.POST if request.method == "POST" else request.GET
            if any("\x00" in v for _key, vs in params.lists() for v in vs) or any("\x00" in str(v) for v in kwargs.values()):
                return error_response(fmt, 400, "参数中含有空字符 / a parameter contains a NUL character")
            try:
                return fn(request, fmt, **kwargs)
            except Open311Error as e:
                return error_response(fmt, e.status, e.description)
            except Exception:  # noqa: BLE001 - the spec's 400 "general service error", logged
                log.exception("open311 error")
                return error_response(fmt, 500, "内部错误 / internal error")

        view.__name__ = fn.__name__
        return view

    return decorate


@_endpoint(("GET", "HEAD"))
def discovery(request, fmt):
    return respond(fmt, open311.discovery(request), "discovery")


@_endpoint(("GET", "HEAD"))
def services(request, fmt):
    open311.resolve_jurisdiction(request.GET.get("jurisdiction_id"))
    return respond(fmt, open311.service_list(), "services", "service")


@_endpoint(("GET", "HEAD"))
def service_definition(request, fmt, code):
    open311.resolve_jurisdiction(request.GET.get("jurisdiction_id"))
    return respond(fmt, open311.service_definition(code), "service_definition")


@_endpoint(("GET", "HEAD", "POST"))
def requests(request, fmt):
    if request.method == "POST":
        return respond(fmt, open311.post_request(request.POST), "service_requests", "request")
    return respond(fmt, open311.list_requests(request.GET), "service_requests", "request")


@_endpoint(("GET", "HEAD"))
def request_detail(request, fmt, request_id):
    return respond(fmt, open311.get_request(request_id, request.GET), "service_requests", "request")


@_endpoint(("GET", "HEAD"))
def token(request, fmt, token):
    return respond(fmt, open311.get_token(token, request.GET), "service_requests", "request")


@_endpoint(("GET", "HEAD"))
def updates(request, fmt):
    return respond(fmt, open311.list_updates(request.GET), "service_request_updates", "request_update")
