"""The daily reminder: items due within the reminder window and overdue ones, once per day."""

from __future__ import annotations

import datetime

from assessments.models import Notification
from rectification.models import RectificationItem, RectificationState
from rectification.services import rectification_reminders_send
from rectification.tasks import send_due_reminders


def test_due_soon_and_overdue_items_are_reminded_once_a_day(world, item, settings):
    settings.REVIEW_REMINDER_DAYS = 3
    cio = world.users["cio"]
    due = item.due_date
    # far from due: nothing
    assert rectification_reminders_send(today=due - datetime.timedelta(days=10)) == 0
    # within the window: one warning, and again nothing the same day
    assert rectification_reminders_send(today=due - datetime.timedelta(days=2)) == 1
    assert rectification_reminders_send(today=due - datetime.timedelta(days=2)) == 0
    warning = Notification.objects.get(user=cio, kind=Notification.Kind.REMINDER)
    assert "即将到期" in warning.title and "1.2" in warning.body
    # the day after the due date: overdue, once that day, again the next day
    after = due + datetime.timedelta(days=1)
    assert rectification_reminders_send(today=after) == 1
    assert rectification_reminders_send(today=after) == 0
    assert "已逾期" in Notification.objects.filter(user=cio).first().title
    assert rectification_reminders_send(today=after + datetime.timedelta(days=1)) == 1
    # closed items are not reminded
    RectificationItem.objects.filter(pk=item.pk).update(state=RectificationState.VERIFIED)
    assert rectification_reminders_send(today=after + datetime.timedelta(days=2)) == 0


def test_the_task_runs_the_service(world, item):
    assert send_due_reminders() == 0  # due in 90 days: nothing yet
