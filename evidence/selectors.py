"""Reads of the evidence app, scoped to the user asking. Rows outside the scope do not exist (404)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from assessments.models import ItemResponse
from assessments.scoping import Action, get_scope
from assessments.selectors import response_list

from .models import EvidenceFile, EvidenceLink, ResponseEvidence


def evidence_file_list(
    *, user, action: Action = Action.VIEW, school_id: int | None = None, filters: dict | None = None
) -> QuerySet[EvidenceFile]:
    """Library files of the schools in the user's scope for `action` (edit: the CIO's own library);
    `q` searches the name and the SHA-256 prefix."""
    scope = get_scope(user)
    if scope.user_id is None:
        return EvidenceFile.objects.none()
    qs = EvidenceFile.objects.filter(scope.schools_q(action, "school__")).select_related(
        "uploaded_by", "school"
    )
    if school_id is not None:
        qs = qs.filter(school_id=school_id)
    filters = filters or {}
    if q := (filters.get("q") or "").strip():
        cond = Q(original_name__icontains=q)
        if len(q) >= 6 and all(c in "0123456789abcdefABCDEF" for c in q):
            cond |= Q(sha256__startswith=q.lower())
        qs = qs.filter(cond)
    if kind := filters.get("kind"):
        qs = qs.filter(kind=kind)
    return qs


def evidence_file_get(*, user, pk: int, action: Action = Action.VIEW) -> EvidenceFile:
    return get_object_or_404(evidence_file_list(user=user, action=action), pk=pk)


def evidence_response_get(*, user, pk: int, action: Action = Action.VIEW) -> ItemResponse:
    """One item response in the user's scope for `action` (for the evidence panel), else 404."""
    return get_object_or_404(response_list(user=user, action=action), pk=pk)


def response_attachment_list(*, response: ItemResponse) -> QuerySet[ResponseEvidence]:
    """The files attached to a response the caller already obtained through a scoped selector."""
    return ResponseEvidence.objects.filter(response=response).select_related("file", "attached_by")


def response_link_list(*, response: ItemResponse) -> QuerySet[EvidenceLink]:
    return EvidenceLink.objects.filter(response=response).select_related("added_by")


def evidence_attachment_list(
    *, user, action: Action = Action.VIEW, filters: dict | None = None
) -> QuerySet[ResponseEvidence]:
    """Attachments on responses in the user's scope for `action` (API); `response` filters one."""
    responses = response_list(user=user, action=action)
    qs = ResponseEvidence.objects.filter(response__in=responses).select_related(
        "file", "attached_by", "response__assessment"
    )
    return _filter_response(qs, (filters or {}).get("response"))


def evidence_link_list(
    *, user, action: Action = Action.VIEW, filters: dict | None = None
) -> QuerySet[EvidenceLink]:
    responses = response_list(user=user, action=action)
    qs = EvidenceLink.objects.filter(response__in=responses).select_related(
        "added_by", "response__assessment"
    )
    return _filter_response(qs, (filters or {}).get("response"))


@dataclass(frozen=True)
class HistoryEntry:
    when: datetime
    who: object
    action: str  # "attach", "detach", "link_add", "link_remove"
    label: str


def response_evidence_history(*, response: ItemResponse) -> list[HistoryEntry]:
    """Attach/detach and link add/remove events of one response, newest first (who, when, what)."""
    return _history_entries(Q(response_id=response.pk)).get(response.pk, [])


def evidence_changes_since(*, assessment, since: datetime) -> dict[int, list[HistoryEntry]]:
    """The evidence events of every response of `assessment` after `since` (the return that started
    a review round), by response id, oldest first: what the reviewer sees the school changed."""
    entries = _history_entries(Q(response__assessment_id=assessment.pk, history_date__gt=since))
    return {pk: sorted(rows, key=lambda e: e.when) for pk, rows in entries.items()}


def _history_entries(q: Q) -> dict[int, list[HistoryEntry]]:
    """Attach/detach and link add/remove events matching `q`, by response id, newest first (three
    queries: the attachment rows, the files' names, the link rows)."""
    entries: dict[int, list[HistoryEntry]] = {}
    events = {"history_type__in": ["+", "-"]}
    file_rows = list(ResponseEvidence.history.filter(q, **events).select_related("history_user").order_by())
    file_ids = {row.file_id for row in file_rows}
    names = dict(
        EvidenceFile.history.filter(id__in=file_ids).values_list("id", "original_name").order_by("history_id")
    )
    for row in file_rows:
        entries.setdefault(row.response_id, []).append(
            HistoryEntry(
                row.history_date,
                row.history_user,
                "attach" if row.history_type == "+" else "detach",
                names.get(row.file_id, f"#{row.file_id}"),
            )
        )
    link_rows = EvidenceLink.history.filter(q, **events).select_related("history_user").order_by()
    for row in link_rows:
        entries.setdefault(row.response_id, []).append(
            HistoryEntry(
                row.history_date,
                row.history_user,
                "link_add" if row.history_type == "+" else "link_remove",
                f"{row.title} ({row.url})",
            )
        )
    for rows in entries.values():
        rows.sort(key=lambda e: e.when, reverse=True)
    return entries


def _filter_response(qs: QuerySet, response) -> QuerySet:
    """`?response=` as given by a client: an id that is not a number matches nothing (not a 500)."""
    if response in (None, ""):
        return qs
    return qs.filter(response_id=int(response)) if str(response).isdigit() else qs.none()
