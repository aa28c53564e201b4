"""The clause checklist where a page includes it, without its view knowing about clauses:

- `{% clause_checklist assessment item side editable chosen %}` — the checklist card of an item
  (side "self" on the item page, "review" on the workbench, which also shows the school's ticks);
- `{% clause_suggestion assessment item side chosen %}` — only the suggestion line, out of band, for
  the answer's and the verdict's save state (a changed status may now differ from the ticks).

`item` is a workspace `Item`; the caller obtained `assessment` through a selector. One query.
"""

from __future__ import annotations

from django import template

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


@register.inclusion_tag("assessments/_clause_checklist.html")
def clause_checklist(assessment, item, side: str, editable: bool, chosen=None, show_other: bool = False):
    return {**_context(assessment, item, side, chosen), "editable": editable, "show_other": show_other}


@register.inclusion_tag("assessments/_clause_suggestion.html")
def clause_suggestion(assessment, item, side: str, chosen=None):
    return {**_context(assessment, item, side, chosen), "oob": True}
