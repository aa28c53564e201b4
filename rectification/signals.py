"""Signals of rectification, for the apps above it (which rectification never imports).

`rectification_confirmed` is sent inside `services.rectification_confirm`'s transaction once a
non-empty list is written (sender: `RectificationItem`; `assessment`, `acting_user`, `items`), so
whatever a receiver writes commits or rolls back with the confirmation. The reports app receives it
to make the school's 整改通知书 (`reports.signals`).
"""

from django.dispatch import Signal

rectification_confirmed = Signal()
