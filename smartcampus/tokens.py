"""The "API 令牌" page: a user creates, replaces or revokes their own token for API clients.

Tokens are DRF's `rest_framework.authtoken` tokens (one per user). The key is shown once, right
after it is created; afterwards the page only says that a token exists and since when.
Administrators can do the same from the shell: `python manage.py drf_create_token <user>` (`-r` replaces).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from rest_framework.authtoken.models import Token


@login_required
@require_http_methods(["GET", "POST"])
def api_token_view(request: HttpRequest) -> HttpResponse:
    token = Token.objects.filter(user=request.user).first()
    if request.method == "POST":
        action = request.POST.get("action")
        if token is not None:
            token.delete()
        if action == "create":
            token = Token.objects.create(user=request.user)
            # Shown on the next page only (the message is consumed once).
            messages.success(
                request, _("新令牌（只显示这一次，请立即复制保存）：%(key)s") % {"key": token.key}
            )
        elif token is not None:
            messages.success(request, _("令牌已撤销，使用它的程序将无法再访问接口。"))
        return redirect("api-token")
    return render(request, "registration/api_token.html", {"token": token})
