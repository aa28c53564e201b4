"""`{% evidence_changes_since assessment since as changes %}`: the evidence the school attached or
removed after a moment (the return that started a review round), by response id, for review pages
that know nothing of evidence themselves."""

from django import template

from .. import selectors

register = template.Library()


@register.simple_tag
def evidence_changes_since(assessment, since):
    if since is None:
        return {}
    return selectors.evidence_changes_since(assessment=assessment, since=since)


@register.filter
def changes_of(changes: dict, response_id: int) -> list:
    """`changes|changes_of:response.pk`: the events of one response (empty when none)."""
    return changes.get(response_id, [])
