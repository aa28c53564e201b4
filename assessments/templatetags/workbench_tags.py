"""Panels of the reviewer workbench (templates/assessments/review_item.html) rendered once per content
(`assessments.fragments`): each tag reads the values its panel shows from the page's context, makes
them the key, and renders the panel's template only for a key not seen before.

- `{% review_header %}` — `_review_header.html` (breadcrumb, school, status, round, deadline, region);
- `{% review_clause_checklist assessment item editable chosen %}` — the reviewer's side of
  `_clause_checklist.html` as `clause_checklist` renders it (the ticks are read on every request,
  one query compiled once);
- `{% review_item_card %}…{% endreview_item_card %}` — the item's card at the top of the page.

Dates are shown in the active time zone and `{% url %}` depends on the script prefix, so both are in
every key. The CSRF token is per session: a panel with a form renders with a random marker where the
token goes, replaced by this request's token on the way out (as the page shell does).
"""

from __future__ import annotations

from django import template
from django.urls import get_script_prefix, get_urlconf
from django.utils import timezone
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from indicators.templatetags.indicators import data_note
from smartcampus.db import Lru
from smartcampus.shell import CSRF_MARK, NO_TOKEN

from ..fragments import fragment
from ..selectors.clauses import clause_side_context
from ..selectors.reviews import review_clause_sheet

register = template.Library()


def _where() -> tuple:
    return (timezone.get_current_timezone_name(), get_script_prefix(), get_urlconf())


@register.simple_tag(takes_context=True)
def review_header(context) -> SafeString:
    """`_review_header.html`. The school's region must have its parent loaded (the view does it)."""
    assessment, campaign, rw, abilities = (
        context["assessment"],
        context["campaign"],
        context["rw"],
        context["abilities"],
    )
    stage, ri = context.get("stage"), context.get("ri")
    region = assessment.school.region
    key = repr(
        (
            _where(),
            stage,
            ri.node.code if ri else None,
            assessment.pk,
            assessment.school.name,
            assessment.status,
            assessment.review_round,
            assessment.is_sent_back,
            assessment.acceptance_reason,
            rw.second_review,
            campaign.consolidation,
            campaign.review_deadline,
            campaign.title,
            campaign.framework.name,
            region.full_name,
            abilities.refusal,
            abilities.can_assign,
        )
    )
    return fragment(
        "assessments/_review_header.html",
        key,
        lambda: {
            "assessment": assessment,
            "campaign": campaign,
            "rw": rw,
            "abilities": abilities,
            "stage": stage,
            "ri": ri,
        },
    )


def _csrf(context) -> tuple[str, bool]:
    """What a cached form renders for `{% csrf_token %}`, and whether it is the marker to replace."""
    token = context.get("csrf_token")
    secret = bool(token) and token != NO_TOKEN
    return (CSRF_MARK if secret else token), secret


@register.simple_tag(takes_context=True)
def review_clause_checklist(context, assessment, item, editable: bool, chosen=None) -> SafeString:
    """The reviewer's clause checklist, as `{% clause_checklist assessment item "review" editable
    chosen %}` renders it."""
    sheet = review_clause_sheet(item=item, is_points=assessment.campaign.framework.is_points)
    side = "review"
    values = clause_side_context(sheet, side=side, chosen=chosen)
    csrf, secret = _csrf(context)
    if sheet is None:
        shown = None
    else:
        check, suggestion, chosen_status = values["check"], values["suggestion"], values["chosen"]
        shown = (
            sheet.suggests,
            sheet.has_optional,
            tuple(
                (r.clause.index, r.clause.label, r.clause.text, r.clause.optional, r.self_met, r.review_met)
                for r in sheet.rows
            ),
            check.version,
            check.updated_at,
            suggestion and (suggestion.value, str(suggestion.label)),
            chosen_status and (chosen_status.value, str(chosen_status.label)),
            values["mismatch"],
            values["met_count"],
            values["total"],
            values["required_met"],
            values["required_total"],
        )
    key = repr((_where(), csrf, assessment.pk, item.node.code, bool(editable), shown))
    html = fragment(
        "assessments/_clause_checklist.html",
        key,
        lambda: {
            "assessment": assessment,
            "node": item.node,
            **values,
            "editable": editable,
            "show_other": False,
            "csrf_token": csrf,
        },
    )
    if secret and CSRF_MARK in html:
        html = mark_safe(html.replace(CSRF_MARK, conditional_escape(str(context.get("csrf_token")))))  # noqa: S308 — the token escaped
    return html


_CARDS = Lru(2048)


class ItemCardNode(template.Node):
    """`{% review_item_card %}…{% endreview_item_card %}`: the item's card (position, path, code,
    name, weight, requirement, monitoring points and the standard's notes), rendered in a context
    that holds only its inputs, once per content."""

    def __init__(self, nodelist) -> None:
        self.nodelist = nodelist

    def render(self, context) -> str:
        ws, item, ri, position = context["ws"], context["item"], context["ri"], context["position"]
        node = item.node

        def shown(n) -> tuple:
            return (n.code, n.name, n.text, n.note, n.points, n.optional, data_note(n))

        key = (
            self,
            get_language(),
            _where(),
            repr(
                (
                    position,
                    ws.total,
                    ws.is_points,
                    shown(node),
                    ri.node.pk == node.pk,
                    tuple((p.code, p.name) for p in item.path),
                    tuple(shown(m) for m in item.monitoring_points),
                )
            ),
        )
        html = _CARDS.get(key)
        if html is None:
            values = {"ws": ws, "item": item, "ri": ri, "position": position}
            # the tags stand on lines of their own: the card without the line breaks around it
            html = self.nodelist.render(context.new(values)).strip()
            _CARDS.put(key, html)
        return html


@register.tag
def review_item_card(parser, token) -> ItemCardNode:
    nodelist = parser.parse(("endreview_item_card",))
    parser.delete_first_token()
    return ItemCardNode(nodelist)
