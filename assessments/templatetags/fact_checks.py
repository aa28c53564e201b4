"""The automatic checks where a page includes them, without its view knowing about facts:

- `{% fact_check_panel assessment item %}` — the 「自动校验」 panel of an item (school or review side):
  each rule concerning the item with ✓ / ✗ / 无法判断 / 不适用, the numbers used and the clause;
- `{% fact_submit_checks assessment %}` — the submit page's list: claims a blocking rule contradicts
  (they refuse the submission), the other failures (listed only), claims that cannot be checked;
- `{% fact_claim_flags page as flags %}` once per queue page, then `flags|claim_flags_of:a` per row —
  the badge of claims the school's facts contradict, batched for the page (no query per row).

The caller obtained `assessment` through a selector (outside the user's scope it does not exist), so
the tags show what anyone who may see the assessment may see.
"""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from ..fragments import fragment
from ..selectors.facts import (
    ClaimFlag,
    fact_claim_flags,
    fact_submit_checks,
    is_claim,
    item_fact_checks,
)

register = template.Library()


@register.simple_tag
def fact_check_panel(assessment, item) -> SafeString:
    """`item` is a workspace `Item` (node and response). Three queries, whatever the framework;
    only the item's own rules are evaluated. The checks are evaluated on every request; their
    markup is rendered once per content (the key holds everything the panel shows)."""
    found = item_fact_checks(assessment=assessment, code=item.node.code)
    response = item.response
    claimed = is_claim(
        self_status=response.self_status, self_score=response.self_score, points=item.node.points
    )
    contradicted = [c for c in found if c.failed] if claimed else []
    contradicted_blocking = claimed and any(c.failed and c.blocking for c in found)
    key = (
        assessment.pk,
        bool(contradicted),
        contradicted_blocking,
        tuple(
            (
                c.result.status,
                c.result.severity,
                c.result.detail,
                tuple((str(n.label), n.text) for n in c.result.numbers),
                c.spec.severity,
                c.spec.clause,
                c.spec.node,
            )
            for c in found
        ),
    )
    return fragment(
        "assessments/_fact_check_panel.html",
        key,
        lambda: {
            "assessment": assessment,
            "checks": found,
            "contradicted": contradicted,
            "contradicted_blocking": contradicted_blocking,
        },
    )


@register.inclusion_tag("assessments/_fact_submit_checks.html", name="fact_submit_checks")
def fact_submit_checks_tag(assessment):
    return {"assessment": assessment, "sc": fact_submit_checks(assessment=assessment)}


@register.simple_tag(name="fact_claim_flags")
def fact_claim_flags_tag(page) -> dict[int, list[ClaimFlag]]:
    """The flags of every assessment of a queue page (obtained through a selector)."""
    return fact_claim_flags(assessments=list(page))


@register.filter
def claim_flags_of(flags: dict, assessment) -> list[ClaimFlag]:
    return (flags or {}).get(assessment.pk, [])
