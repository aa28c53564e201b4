"""`{% carried_over_rectification assessment item %}`: the 「上年整改事项」 of an item page — the
school's items on the same item from earlier rounds of the same standard that are still open, with
their state, due date and a link to their page. The item page includes it without its view knowing
about rectification (rectification lies above assessments); one query.

The caller obtained `assessment` through a selector; the items are read with the user's own scope.
"""

from __future__ import annotations

from django import template
from django.utils import timezone

from ..selectors import rectification_carried_over

register = template.Library()


@register.inclusion_tag("rectification/_carried_over.html", takes_context=True)
def carried_over_rectification(context, assessment, item):
    """`item` is a workspace item (its `node.code` names the item across framework versions)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"items": []}
    return {
        "items": rectification_carried_over(user=user, assessment=assessment, code=item.node.code),
        "today": timezone.localdate(),
    }
