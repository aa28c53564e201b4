"""Designations where a page shows them, without its view knowing about designations:
`{% assessment_designations_card assessment %}` — the school's designations that count (nominated,
awarded) on its assessment page. The caller obtained `assessment` through a selector."""

from __future__ import annotations

from django import template

from ..selectors.designations import assessment_designations

register = template.Library()


@register.inclusion_tag("assessments/_designations_card.html")
def assessment_designations_card(assessment):
    """Two queries."""
    return {"assessment": assessment, "designations": assessment_designations(assessment=assessment)}
