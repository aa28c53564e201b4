"""Account pages: one's own password, the e-mailed reset link (when e-mail is configured), and the
accounts commission staff look after (reset a password in their region scope)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from assessments import selectors, services
from assessments.scoping import Action
from smartcampus.errors import DomainError, error_response

from .forms import (
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
    StaffPasswordResetForm,
    UserSearchForm,
)
from .state import SESSION_KEY, forget_password_state


class PasswordChangeView(auth_views.PasswordChangeView):
    """Every user changes their own password here; a user whose password someone else set is sent
    here until they have."""

    template_name = "registration/password_change.html"
    form_class = PasswordChangeForm
    title = gettext_lazy("修改密码")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["required"] = bool(self.request.session.get(SESSION_KEY))
        context["next"] = self._next()
        return context

    def _next(self) -> str:
        target = self.request.POST.get("next") or self.request.GET.get("next") or ""
        safe = url_has_allowed_host_and_scheme(
            target, allowed_hosts={self.request.get_host()}, require_https=self.request.is_secure()
        )
        return target if safe else ""

    def form_valid(self, form):
        services.password_change(user=form.user, password=form.cleaned_data["new_password1"])
        update_session_auth_hash(self.request, form.user)  # this session stays signed in
        forget_password_state(self.request)
        messages.success(self.request, _("密码已修改。下次登录请使用新密码。"))
        return redirect(self._next() or reverse("home"))

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class _ByEmail:
    """The e-mailed reset exists only where e-mail is configured (settings.PASSWORD_RESET_BY_EMAIL)."""

    def dispatch(self, request, *args, **kwargs):
        if not settings.PASSWORD_RESET_BY_EMAIL:
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class PasswordResetView(_ByEmail, auth_views.PasswordResetView):
    template_name = "registration/password_reset_request.html"
    form_class = PasswordResetForm
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password-reset-sent")
    title = gettext_lazy("通过邮箱重置密码")

    @property
    def extra_email_context(self) -> dict:
        """The link in the e-mail starts with SITE_URL when it is set, else with this request's host."""
        return {"site_url": settings.SITE_URL.rstrip("/")}

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class PasswordResetSentView(_ByEmail, auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_sent.html"
    title = gettext_lazy("邮件已发送")


class PasswordResetConfirmView(_ByEmail, auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_set.html"
    form_class = SetPasswordForm
    success_url = reverse_lazy("accounts:password-reset-complete")
    title = gettext_lazy("设置新密码")

    def form_valid(self, form):
        services.password_change(user=form.user, password=form.cleaned_data["new_password1"])
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        return redirect(self.success_url)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class PasswordResetCompleteView(_ByEmail, auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"
    title = gettext_lazy("密码已重置")


def _require_manage(request: HttpRequest) -> None:
    """The accounts pages are for commission staff: everyone else finds no such page."""
    if not selectors.user_can(user=request.user, action=Action.MANAGE):
        raise Http404


@login_required
def user_list_view(request: HttpRequest) -> HttpResponse:
    """The accounts in the user's scope, with their roles; each can have its password reset."""
    _require_manage(request)
    form = UserSearchForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    users = selectors.user_list(user=request.user, filters=filters)
    page = Paginator(users, 25).get_page(request.GET.get("page"))
    return render(
        request, "registration/user_list.html", {"form": form, "page": page, "total": page.paginator.count}
    )


@login_required
@require_http_methods(["GET", "POST"])
def user_password_reset_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Give one account in scope a temporary password, shown once; its owner must change it at the
    next login. Outside the scope the account does not exist (404)."""
    target = selectors.user_get(user=request.user, pk=pk)
    posted = request.method == "POST"
    form = StaffPasswordResetForm(request.POST if posted else None)
    context = {"target": target, "form": form}
    if not posted:
        return render(request, "registration/user_password_reset.html", context)
    if not form.is_valid():
        return render(request, "registration/user_password_reset.html", context, status=400)
    try:
        password = services.password_reset(
            user=target, acting_user=request.user, password=form.cleaned_data["password"]
        )
    except DomainError as exc:
        return error_response(request, exc, template="registration/user_password_reset.html", context=context)
    messages.success(
        request,
        _(
            "已为 %(user)s 设置临时密码：%(password)s（只显示这一次）。"
            "请当面或电话告知本人；其下次登录时须改为自己的密码。"
        )
        % {"user": target.get_full_name() or target.username, "password": password},
    )
    return redirect(reverse("accounts:user-list") + "?" + urlencode({"q": target.username}))
