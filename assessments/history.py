"""Change history of an assessment and its responses, read from django-simple-history rows.

Each change is shown as who / when / field / old value / new value. Consecutive history rows of the
same object are compared in Python, so the page costs two queries however long the history is.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .models import Assessment, AssessmentStatus, ComplianceStatus, ItemResponse, ReviewVerdict

MAX_ROWS = 1000

FIELDS = {
    "assessment": [
        ("status", _("状态")),
        ("deadline_override", _("截止时间")),
        ("submitted_at", _("提交时间")),
    ],
    "response": [
        ("self_score", _("自评分")),
        ("self_status", _("达标情况")),
        ("statement", _("自评说明")),
        ("review_verdict", _("评审结论")),
        ("review_score", _("评审分")),
        ("review_status", _("评审达标情况")),
        ("review_comment", _("评审意见")),
    ],
}
LABELS = {**dict(AssessmentStatus.choices), **dict(ComplianceStatus.choices), **dict(ReviewVerdict.choices)}


@dataclass
class Change:
    when: datetime.datetime
    who: str
    what: str  # "自评" or the item code
    code: str | None
    field: str
    old: object
    new: object
    reason: str = ""


def _display(value) -> object:
    if value is None or value == "":
        return "—"
    return LABELS.get(value, value) if isinstance(value, str) else value


def _diff(rows, fields, *, what, code_of) -> list[Change]:
    changes: list[Change] = []
    previous: dict[int, object] = {}
    for row in rows:  # ordered by object id, then time
        before = previous.get(row.id)
        previous[row.id] = row
        for name, label in fields:
            old = getattr(before, name) if before is not None else None
            new = getattr(row, name)
            if old == new or (before is None and new in (None, "")):
                continue
            user = row.history_user
            changes.append(
                Change(
                    when=row.history_date,
                    who=(user.first_name or user.username) if user else "—",
                    what=what(row),
                    code=code_of(row),
                    field=str(label),
                    old=_display(old),
                    new=_display(new),
                    reason=row.history_change_reason or "",
                )
            )
    return changes


def assessment_changes(*, assessment: Assessment, response: ItemResponse | None = None) -> list[Change]:
    """Every recorded change of the assessment (status, deadline) and of its responses, newest first;
    with `response`, only that item's changes."""
    changes: list[Change] = []
    if response is None:
        rows = (
            Assessment.history.filter(id=assessment.pk)
            .select_related("history_user")
            .order_by("history_date")
        )
        changes += _diff(rows, FIELDS["assessment"], what=lambda r: str(_("自评")), code_of=lambda r: None)
        responses = ItemResponse.history.filter(assessment_id=assessment.pk)
    else:
        responses = ItemResponse.history.filter(id=response.pk)
    rows = list(
        responses.select_related("history_user", "node").order_by("id", "history_date", "history_id")[
            :MAX_ROWS
        ]
    )
    changes += _diff(
        rows,
        FIELDS["response"],
        what=lambda r: f"{r.node.code} {r.node.title[:30]}",
        code_of=lambda r: r.node.code,
    )
    changes.sort(key=lambda c: c.when, reverse=True)
    return changes
