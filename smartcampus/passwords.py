"""Password rules with messages in our own words: Django 5.2's zh-hans catalogue has no translation
for the minimum-length message (it changed wording), so Chinese users got an English sentence."""

from django.contrib.auth.password_validation import MinimumLengthValidator as DjangoMinimumLengthValidator
from django.utils.translation import gettext as _


class MinimumLengthValidator(DjangoMinimumLengthValidator):
    def get_error_message(self) -> str:
        return _("密码太短，至少需要 %(min_length)d 个字符。") % {"min_length": self.min_length}

    def get_help_text(self) -> str:
        return _("密码至少需要 %(min_length)d 个字符。") % {"min_length": self.min_length}
