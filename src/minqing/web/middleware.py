"""Chinese first: the pages speak Chinese unless the person chose another language.

Django's ``LocaleMiddleware`` follows the browser's Accept-Language header, so an
English browser would see English pages nobody asked for. Here only the
language switch counts (``/i18n/setlang/`` stores the choice in the language
cookie); without a choice the page is in ``LANGUAGE_CODE`` (简体中文).
"""

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.deprecation import MiddlewareMixin


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
