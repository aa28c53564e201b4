from django import forms
from django.contrib.auth import forms as auth_forms
from django.utils.translation import gettext_lazy as _


class BootstrapMixin:
    """Bootstrap's classes on every widget (templates render `{{ field }}`)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")


class PasswordChangeForm(BootstrapMixin, auth_forms.PasswordChangeForm):
    pass


class SetPasswordForm(BootstrapMixin, auth_forms.SetPasswordForm):
    pass


class PasswordResetForm(BootstrapMixin, auth_forms.PasswordResetForm):
    pass


class UserSearchForm(BootstrapMixin, forms.Form):
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("用户名、姓名或邮箱")}),
    )


class StaffPasswordResetForm(BootstrapMixin, forms.Form):
    """Commission staff reset someone's password: the temporary password is generated unless typed."""

    password = forms.CharField(
        label=_("临时密码"),
        required=False,
        strip=False,
        help_text=_("留空则自动生成；该用户下次登录时必须改成自己的密码。"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
