"""Cards of the item page, the overview and the workbench rendered once per content
(`assessments.fragments`): each tag reads the values its card shows from the page's context, makes
them the key, and renders the card's template only for a key not seen before.

- `{% live_card %}` — `_live.html` (progress and live result; the item's dimension on the item page);
- `{% review_live_card %}` — `_review_live.html` (the workbench's review progress and totals);
- `{% verdict_fields p=… verdict=… score=… status=… comment=… %}` — `_verdict_fields.html`;
- `{% assessment_header %}` — `_assessment_header.html` (breadcrumb, school, status, deadline);
- `{% item_answer_card %}` — `_item_answer.html` (the item page's answer form, with its CSRF token
  put in per request);
- `{% item_nav %}` — `_item_nav.html` (the item page's previous / next / jump bar);
- `{% item_requirement_card %}` — `_item_requirement.html` (the item's requirement, last year's
  answer, monitoring points and notes);
- `{% assessment_intro %}` — `_assessment_intro.html` (the overview's tabs and framework line);
- `{% assessment_actions %}` — `_assessment_actions.html` (the overview's buttons).

A card template cut out of its page holds the page's text exactly (`djlint:off`), and its tag gives
the markup without the line ending the template (the page has its own), so the page reads as before.

A key holds `repr`s of numbers, so 1.50 and 1.5 (which may print differently) never share one.
"""

from __future__ import annotations

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from ..fragments import fragment, fragment_with_token, previous_year_shown

register = template.Library()


def _inline(template_name: str, key, context, token=None) -> SafeString:
    """`fragment_with_token`'s markup without the line ending its template, to sit inline."""
    html = fragment_with_token(template_name, key, context, token)
    return mark_safe(html.rstrip())  # noqa: S308 — the fragment's own markup


def _top_result(ws) -> tuple:
    result = ws.result
    if ws.is_points:
        return (result.total, result.declared_total, result.percentage)
    return (result.percentage, result.required_met, result.required, result.optional_met)


@register.simple_tag(takes_context=True)
def live_card(context, oob: bool = False) -> SafeString:
    ws, item = context["ws"], context.get("item")
    if item:
        dimension = item.dimension
        shown = (
            dimension.code,
            dimension.name,
            tuple((d.result, d.done, d.total) for d in ws.dimensions if d.node.pk == dimension.pk),
        )
    else:
        shown = None
    key = repr((oob, ws.is_points, ws.done, ws.total, ws.percent, _top_result(ws), shown))
    return fragment("assessments/_live.html", key, lambda: {"ws": ws, "item": item, "oob": oob})


@register.simple_tag(takes_context=True)
def review_live_card(context, oob: bool = False) -> SafeString:
    ws, rw = context["ws"], context["rw"]
    review_total = rw.review_total
    if review_total is not None:
        totals = (review_total, rw.self_total, rw.total_gap)
    else:
        same = rw.same_items
        totals = None if same is None else (same.reviewed, same.self_value, same.review_value, same.gap)
    second = (rw.todo, rw.both_done) if rw.second_review else None
    key = repr((oob, ws.is_points, ws.total, rw.reviewed, second, review_total is None, totals))
    return fragment("assessments/_review_live.html", key, lambda: {"ws": ws, "rw": rw, "oob": oob})


@register.simple_tag(takes_context=True)
def verdict_fields(context, *, p: str, verdict, score, status, comment) -> SafeString:
    ws, item, statuses = context["ws"], context["item"], context["statuses"]
    key = repr(
        (
            p,
            verdict,
            score,
            status,
            comment,
            ws.is_points,
            item.score_max,
            item.starred,
            tuple((s.value, str(s.label)) for s in statuses),
        )
    )
    return fragment(
        "assessments/_verdict_fields.html",
        key,
        lambda: {
            "p": p,
            "verdict": verdict,
            "score": score,
            "status": status,
            "comment": comment,
            "ws": ws,
            "item": item,
            "statuses": statuses,
        },
    )


@register.simple_tag(takes_context=True)
def assessment_header(context) -> SafeString:
    """`_assessment_header.html`: the deadline is shown in the active time zone and the days left are
    counted from now by the view, so both are in the key."""
    assessment, campaign, item = context["assessment"], context["campaign"], context.get("item")
    days_left, is_draft = context["days_left"], context["is_draft"]
    key = repr(
        (
            assessment.pk,
            assessment.school.name,
            assessment.status,
            assessment.deadline,
            bool(assessment.deadline_override),
            timezone.get_current_timezone_name(),
            campaign.title,
            item.node.code if item else None,
            days_left,
            is_draft,
        )
    )
    return fragment(
        "assessments/_assessment_header.html",
        key,
        lambda: {
            "assessment": assessment,
            "campaign": campaign,
            "item": item,
            "days_left": days_left,
            "is_draft": is_draft,
        },
    )


@register.simple_tag(takes_context=True)
def item_answer_card(context) -> SafeString:
    """`_item_answer.html`: the school's answer (save state, lock or return notes, the review's result
    once finalised, the form). The save time is shown in the active time zone, so that is in the key."""
    ws, item, response, statuses = context["ws"], context["item"], context["response"], context["statuses"]
    node = item.node
    values = {
        "assessment": context["assessment"],
        "ws": ws,
        "item": item,
        "response": response,
        "statuses": statuses,
        "editable": context["editable"],
        "locked_reason": context["locked_reason"],
        "is_returned": context["is_returned"],
        "is_finalised": context["is_finalised"],
    }
    key = repr(
        (
            values["assessment"].pk,
            node.code,
            node.points,
            node.optional,
            ws.is_points,
            item.score_max,
            item.starred,
            bool(values["editable"]),
            str(values["locked_reason"]),
            bool(values["is_returned"]),
            bool(values["is_finalised"]),
            response.updated_at,
            response.version,
            response.self_score,
            response.self_status,
            response.statement,
            response.reopened,
            response.review_verdict,
            response.review_score,
            response.review_status,
            response.review_comment,
            tuple((s.value, str(s.label)) for s in statuses),
            timezone.get_current_timezone_name(),
        )
    )
    token = context.get("csrf_token")
    return _inline("assessments/_item_answer.html", key, lambda: values, token)


@register.simple_tag(takes_context=True)
def assessment_intro(context) -> SafeString:
    """`_assessment_intro.html`: the tabs (`_assessment_tabs.html`) and the framework line (the
    submission time is shown in the active time zone, so that is in the key)."""
    assessment, campaign = context["assessment"], context["campaign"]
    framework = campaign.framework
    facts_tab = bool(context.get("facts_tab"))
    abilities = getattr(context.get("sheet"), "abilities", None)
    can_read_review = bool(getattr(abilities, "can_read_review", False))
    key = repr(
        (
            assessment.pk,
            facts_tab,
            can_read_review,
            framework.name,
            framework.version,
            framework.scoring,
            str(framework.get_scoring_display()),
            assessment.submitted_at,
            timezone.get_current_timezone_name(),
        )
    )
    return _inline(
        "assessments/_assessment_intro.html",
        key,
        lambda: {
            "assessment": assessment,
            "campaign": campaign,
            "facts_tab": facts_tab,
            "sheet": {"abilities": {"can_read_review": can_read_review}},
        },
    )


@register.simple_tag(takes_context=True)
def assessment_actions(context) -> SafeString:
    """`_assessment_actions.html`: the overview's buttons, from the user's abilities and the first
    item (and first unfinished item) they lead to."""
    assessment, ws, abilities = context["assessment"], context["ws"], context["abilities"]
    missing = ws.missing
    key = repr(
        (
            assessment.pk,
            abilities,
            missing[0].node.code if missing else None,
            ws.items[0].node.code if ws.items else None,
        )
    )
    return _inline(
        "assessments/_assessment_actions.html",
        key,
        lambda: {"assessment": assessment, "ws": ws, "abilities": abilities},
    )


@register.simple_tag(takes_context=True)
def item_nav(context) -> SafeString:
    """`_item_nav.html`: links to the previous and next item (of the unfinished ones, with
    `unfinished`), the switch between all and unfinished items, and the jump form."""
    assessment, item = context["assessment"], context["item"]
    prev_item, next_item, unfinished = context["prev_item"], context["next_item"], context["unfinished"]
    key = repr(
        (
            assessment.pk,
            item.node.code,
            prev_item.node.code if prev_item else None,
            next_item.node.code if next_item else None,
            bool(unfinished),
        )
    )
    return _inline(
        "assessments/_item_nav.html",
        key,
        lambda: {
            "assessment": assessment,
            "item": item,
            "prev_item": prev_item,
            "next_item": next_item,
            "unfinished": unfinished,
        },
    )


def _node_shown(node) -> tuple:
    return (node.code, node.name, node.text, node.note, node.points_inferred)


@register.simple_tag(takes_context=True)
def item_requirement_card(context) -> SafeString:
    """`_item_requirement.html`: the item's place in the tree, requirement and points, last year's
    answer (`_previous_year.html`), monitoring points, optional clauses and notes."""
    ws, item, previous = context["ws"], context["item"], context.get("previous")
    node = item.node
    shown_previous = previous_year_shown(previous)
    key = repr(
        (
            ws.is_points,
            _node_shown(node),
            node.points,
            node.optional,
            tuple(node.optional_clauses or ()),
            tuple((p.code, p.name) for p in item.path),
            tuple(_node_shown(m) for m in item.monitoring_points),
            shown_previous,
        )
    )
    return _inline(
        "assessments/_item_requirement.html",
        key,
        lambda: {"ws": ws, "item": item, "previous": previous},
    )
