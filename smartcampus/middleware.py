"""Request plumbing that is not domain code."""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Simplified Chinese unless the user explicitly chose another language (the language cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language, so a school CIO on an
    English-language browser would silently get a half-translated UI; the product is zh-hans first.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = dict(settings.LANGUAGES)
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class RejectNulCharactersMiddleware:
    """Refuse NUL characters in the URL path and query string with a 400.

    PostgreSQL cannot store or compare a string containing NUL (psycopg2 raises ValueError), so a
    search box or a URL segment holding `%00` became a 500 on every view that passes it to a query
    (found by the schemathesis run in tests/security/test_fuzzing.py). Forms and serializers already
    refuse NUL in bodies (Django's and DRF's ProhibitNullCharactersValidator).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or any("\x00" in k or "\x00" in v for k, v in _query_items(request)):
            from django.http import HttpResponseBadRequest, JsonResponse
            from django.utils.translation import gettext as _

            from .api import error_body

            message = _("请求地址或查询参数中含有不允许的空字符（NUL）。")
            if request.path.startswith("/api/"):
                body = error_body(code="invalid", message=message)
                return JsonResponse(body, status=400, json_dumps_params={"ensure_ascii": False})
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


def _query_items(request):
    for key, values in request.GET.lists():
        for value in values:
            yield key, value
