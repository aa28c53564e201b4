"""HTML views of the in-app notifications: the list and the navbar's unread badge."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from .. import selectors, services
from ..forms import NotificationFilterForm


@login_required
@require_http_methods(["GET", "POST"])
def notification_list_view(request: HttpRequest) -> HttpResponse:
    """The user's notifications; showing the page marks them read (POST marks all read explicitly)."""
    form = NotificationFilterForm(request.GET or None)
    filters = form.filters()
    notifications = selectors.notification_list(user=request.user)
    if q := filters.get("q"):
        notifications = notifications.filter(Q(title__icontains=q) | Q(body__icontains=q))
    if kind := filters.get("kind"):
        notifications = notifications.filter(kind=kind)
    if filters.get("unread"):
        notifications = notifications.filter(read_at__isnull=True)
    page = Paginator(notifications, 30).get_page(request.GET.get("page"))
    unread_ids = [n.pk for n in page if n.read_at is None]
    if request.method == "POST":
        services.notifications_mark_read(acting_user=request.user)
        return redirect("assessments:notification-list")
    # marked before rendering, so the navbar's bell (rendered with the page) already counts them read
    if unread_ids:
        services.notifications_mark_read(acting_user=request.user, ids=unread_ids)
    return render(
        request,
        "assessments/notification_list.html",
        {"page": page, "unread_ids": set(unread_ids), "form": form},
    )


@login_required
def notification_unread_view(request: HttpRequest) -> HttpResponse:
    """The unread count badge of the navbar bell on its own (pages render it inline), for a
    client that refreshes the bell without reloading the page."""
    n = selectors.notification_unread_count(user=request.user)
    return render(request, "assessments/_unread_badge.html", {"n": n})
