"""Panels of the reviewer workbench (templates/assessments/review_item.html) rendered once per content
(`assessments.fragments`): each tag reads the values its panel shows from the page's context, makes
them the key, and renders the panel's template only for a key not seen before.

- `{% review_header %}` — `_review_header.html` (breadcrumb, school, status, round, deadline, region);
- `{% review_clause_checklist assessment item editable chosen %}` — the reviewer's side of
  `_clause_checklist.html` as `clause_checklist` renders it (the ticks are read on every request,
  one query compiled once);
- `{% workbench_panel "card" %}…{% workbench_panel_end %}` — a panel of the page (`BLOCKS`: the item's
  card, the navigation buttons, the school's answer, the verdict card, the verdicts of every round),
  rendered once per content.

Dates are shown in the active time zone and `{% url %}` depends on the script prefix, so both are in
every key. The CSRF token is per session: a panel with a form renders with a random marker where the
token goes, replaced by this request's token on the way out (as the page shell does).
"""

from __future__ import annotations

from django import template
from django.urls import get_script_prefix, get_urlconf
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from indicators.templatetags.indicators import data_note
from smartcampus.db import Lru
from smartcampus.shell import put_token, token_slot

from ..fragments import fragment, previous_year_shown
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
    return token_slot(context.get("csrf_token"))


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
    return put_token(html, context.get("csrf_token")) if secret else html


_BLOCKS = Lru(4096)


def _node_shown(n) -> tuple:
    return (n.code, n.name, n.text, n.note, n.points, n.optional, data_note(n))


def _card_inputs(context) -> tuple[dict, tuple]:
    """The item's card: position, path, code, name, weight, requirement, monitoring points and the
    standard's notes."""
    ws, item, ri, position = context["ws"], context["item"], context["ri"], context["position"]
    key = (
        position,
        ws.total,
        ws.is_points,
        _node_shown(item.node),
        ri.node.pk == item.node.pk,
        tuple((p.code, p.name) for p in item.path),
        tuple(_node_shown(m) for m in item.monitoring_points),
    )
    return {"ws": ws, "item": item, "ri": ri, "position": position}, key


def _code(ri) -> str | None:
    return ri.node.code if ri else None


def _nav_inputs(context) -> tuple[dict, tuple]:
    """The buttons to the previous, the next and the next unreviewed item."""
    assessment = context["assessment"]
    prev_item, next_item, next_todo = context["prev_item"], context["next_item"], context["next_todo"]
    key = (assessment.pk, _code(prev_item), _code(next_item), _code(next_todo))
    values = {
        "assessment": assessment,
        "prev_item": prev_item,
        "next_item": next_item,
        "next_todo": next_todo,
    }
    return values, key


def _self_inputs(context) -> tuple[dict, tuple]:
    """The school's answer: last year's line (none in the city stage), the self value and the
    statement."""
    ws, item, response = context["ws"], context["item"], context["response"]
    previous = context.get("previous")
    last_year = previous_year_shown(previous)
    key = (
        ws.is_points,
        item.node.code,
        item.score_max,
        response.self_score,
        response.self_status,
        response.statement,
        last_year,
    )
    return {"ws": ws, "item": item, "response": response, "previous": previous}, key


def _verdict_inputs(context) -> tuple[dict, tuple]:
    """The reviewer's verdict card: title, save state, lock, the form (its version, the earlier
    round's request carried over, the verdict fields)."""
    rw, ri, abilities, assessment = context["rw"], context["ri"], context["abilities"], context["assessment"]
    ws, item, statuses = context["ws"], context["item"], context["statuses"]
    previous = ri.previous if ri.previous and ri.carried_over else None
    key = (
        rw.second_review,
        assessment.pk,
        ri.node.code,
        ri.form_version,
        ri.form_verdict,
        ri.form_score,
        ri.form_status,
        ri.form_comment,
        ri.mine.updated_at if ri.mine else None,
        previous and (previous.round, previous.verdict, previous.comment),
        abilities.can_review,
        abilities.locked_reason,
        ws.is_points,
        item.score_max,
        item.starred,
        tuple((s.value, str(s.label)) for s in statuses),
    )
    values = {
        "rw": rw,
        "ri": ri,
        "abilities": abilities,
        "assessment": assessment,
        "ws": ws,
        "item": item,
        "statuses": statuses,
    }
    return values, key


def _rounds_inputs(context) -> tuple[dict, tuple]:
    """The item's verdicts of every round (a second review hides the other reviewer's verdict of
    this round until both are done)."""
    ri, rw, user, assessment, ws = (
        context["ri"],
        context["rw"],
        context["user"],
        context["assessment"],
        context["ws"],
    )
    key = (
        rw.second_review,
        rw.both_done,
        user.pk,
        assessment.review_round,
        ws.is_points,
        tuple(
            (
                r.round,
                r.reviewer_id,
                r.reviewer.first_name,
                r.reviewer.username,
                r.verdict,
                r.score,
                r.status,
                r.comment,
            )
            for r in ri.history
        ),
    )
    return {"ri": ri, "rw": rw, "user": user, "assessment": assessment, "ws": ws}, key


BLOCKS = {
    "card": _card_inputs,
    "nav": _nav_inputs,
    "self": _self_inputs,
    "verdict": _verdict_inputs,
    "rounds": _rounds_inputs,
}


class WorkbenchPanelNode(template.Node):
    """`{% workbench_panel "name" %}…{% workbench_panel_end %}`: a panel of the workbench rendered in
    a context that holds only the inputs `BLOCKS[name]` reads (so it cannot show anything its key
    leaves out), once per content."""

    def __init__(self, name: str, nodelist) -> None:
        self.name = name
        self.inputs = BLOCKS[name]
        self.nodelist = nodelist

    def render(self, context) -> str:
        values, shown = self.inputs(context)
        csrf, secret = _csrf(context)
        key = (self, get_language(), _where(), csrf, repr(shown))
        html = _BLOCKS.get(key)
        if html is None:
            # the tags stand on lines of their own: the panel without the line breaks around it
            html = self.nodelist.render(context.new({**values, "csrf_token": csrf})).strip()
            _BLOCKS.put(key, html)
        return put_token(html, context.get("csrf_token")) if secret else html


@register.tag
def workbench_panel(parser, token) -> WorkbenchPanelNode:
    bits = token.split_contents()
    if len(bits) != 2 or bits[1][0] not in "\"'" or bits[1].strip("\"'") not in BLOCKS:
        raise template.TemplateSyntaxError(f"{bits[0]} takes one of {sorted(BLOCKS)}")
    nodelist = parser.parse(("workbench_panel_end",))
    parser.delete_first_token()
    return WorkbenchPanelNode(bits[1].strip("\"'"), nodelist)
