"""The clause checklist where a page includes it, without its view knowing about clauses:

- `{% clause_checklist assessment item side editable chosen %}` — the checklist card of an item
  (side "self" on the item page, "review" on the workbench, which also shows the school's ticks);
- `{% clause_suggestion assessment item side chosen %}` — only the suggestion line, out of band, for
  the answer's and the verdict's save state (a changed status may now differ from the ticks).

`item` is a workspace `Item`; the caller obtained `assessment` through a selector. One query.

The checklist card is rendered once per content (`assessments.fragments`): its key holds every value
the card shows, and the request's CSRF token is put in afterwards (rendered as a marker, as the page
shell does), so one rendering serves every session.
"""

from __future__ import annotations

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString

from ..fragments import fragment_with_token
from ..selectors.clauses import clause_sheet, clause_side_context

register = template.Library()


def _context(assessment, item, side: str, chosen) -> dict:
    sheet = clause_sheet(
        response=item.response,
        node=item.node,
        monitoring_points=item.monitoring_points,
        is_points=assessment.campaign.framework.is_points,
    )
    return {
        "assessment": assessment,
        "node": item.node,
        **clause_side_context(sheet, side=side, chosen=chosen),
    }


def _shown(values: dict) -> tuple:
    """Everything `_clause_checklist.html` shows of `values` (the tag's context)."""
    sheet = values["sheet"]
    if sheet is None:
        return (values["side"],)
    check, suggestion, chosen = values["check"], values["suggestion"], values["chosen"]
    return (
        values["side"],
        values["assessment"].pk,
        values["node"].code,
        values["editable"],
        values["show_other"],
        sheet.suggests,
        sheet.has_optional,
        check.version,
        check.updated_at,
        tuple(
            (
                row.clause.index,
                row.clause.label,
                row.clause.text,
                row.clause.optional,
                row.self_met,
                row.review_met,
            )
            for row in sheet.rows
        ),
        (suggestion.value, str(suggestion.label)) if suggestion else None,
        (chosen.value, str(chosen.label)) if chosen else None,
        values["mismatch"],
        values["met_count"],
        values["total"],
        values["required_met"],
        values["required_total"],
    )


@register.simple_tag(takes_context=True)
def clause_checklist(
    context, assessment, item, side: str, editable: bool, chosen=None, show_other: bool = False
) -> SafeString:
    values = {**_context(assessment, item, side, chosen), "editable": editable, "show_other": show_other}
    # the save time is shown in the active time zone
    key = repr((_shown(values), timezone.get_current_timezone_name()))
    return fragment_with_token(
        "assessments/_clause_checklist.html", key, lambda: values, context.get("csrf_token")
    )


@register.inclusion_tag("assessments/_clause_suggestion.html")
def clause_suggestion(assessment, item, side: str, chosen=None):
    return {**_context(assessment, item, side, chosen), "oob": True}
