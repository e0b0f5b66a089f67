"""Chinese first: the pages speak Chinese unless the person chose another language.

Django's ``LocaleMiddleware`` follows the browser's Accept-Language header, so an
English browser would see English pages nobody asked for. Here only the
language switch counts (``/i18n/setlang/`` stores the choice in the language
cookie); without a choice the page is in ``LANGUAGE_CODE`` (简体中文).
"""

import functools
import logging

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.deprecation import MiddlewareMixin

from . import edge


def chosen_language(request):
    """The language the person chose with the switch, or None."""
    code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if not code:
        return None
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


class ChosenLanguageMiddleware(MiddlewareMixin):
    def process_request(self, request):
        language = chosen_language(request) or settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request, response):
        # the page depends on the cookie only; a cache must not share it across choices
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


class PublicEdgeMiddleware:
    """What every request passes first (right after Django's SecurityMiddleware):

    - the Host header must be one of ALLOWED_HOSTS (MINQING_PUBLIC_URL's host when set):
      any other answers 400 before a view or a static file could echo it;
    - with MINQING_PUBLIC_URL, ``request.build_absolute_uri`` builds on it, so tracking
      links, QR codes and Open311 discovery never carry the client's Host header;
    - ``request.client_address``: the client behind trusted proxies (``edge.client_address``);
    - every response carries the Content-Security-Policy ``settings.MINQING_CSP``.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            request.get_host()
        except DisallowedHost as e:
            logging.getLogger("django.security.DisallowedHost").warning("%s", e)
            if request.path.startswith(("/api/", "/open311/")):
                response = JsonResponse({"code": "bad_host", "message": "Host 不被接受 / host not allowed"},
                                        status=400, json_dumps_params={"ensure_ascii": False})
            else:
                response = HttpResponseBadRequest("400 Bad Request: host not allowed", content_type="text/plain")
            return self._secure(response)
        if edge.public_base():
            request.build_absolute_uri = functools.partial(edge.public_absolute_uri, request)
        request.client_address = edge.client_address(request)
        return self._secure(self.get_response(request))

    @staticmethod
    def _secure(response):
        policy = getattr(settings, "MINQING_CSP", "")
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        return response
