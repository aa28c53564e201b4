"""Request plumbing that is not domain code."""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class ChineseFirstLocaleMiddleware(LocaleMiddleware):
    """Simplified Chinese unless the user explicitly chose another language (the language cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language, so a school CIO on an
    English-language browser would silently get a half-translated UI; the brief says zh-hans first.
    """

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = dict(settings.LANGUAGES)
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
