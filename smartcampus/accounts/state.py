"""Whether the signed-in user must replace a password someone else set: read once at login into
the session, so pages pay no query for it (see `middleware`)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from assessments.selectors import password_change_required

SESSION_KEY = "_password_change_required"
CODE = "password_change_required"


def password_change_message() -> str:
    return _(
        "您的密码由他人设置（账号导入或管理员重置），请先登录网页修改密码，之后才能继续使用，包括 API 令牌。"
    )


def remember_password_state(sender, request, user, **kwargs) -> None:
    """`user_logged_in` receiver: note in the session whether the password must be changed."""
    if request is None or not hasattr(request, "session"):
        return
    if password_change_required(user=user):
        request.session[SESSION_KEY] = True
    else:
        request.session.pop(SESSION_KEY, None)


def forget_password_state(request) -> None:
    """The user chose a new password in this session."""
    request.session.pop(SESSION_KEY, None)
