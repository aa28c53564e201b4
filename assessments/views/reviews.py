"""HTML views of the district review: queue, workbench (summary + per item), verdict autosave,
return, finalise, reopen, assignments. Querysets come from selectors, asked with the action the
view performs (outside its scope: 404); each write goes through one service, and its refusals are
answered by `smartcampus.errors.error_response`."""

from __future__ import annotations

import hashlib
import logging

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from indicators.choices import ComplianceStatus
from smartcampus.db import Lru
from smartcampus.errors import DomainError, Invalid, error_response
from smartcampus.shell import CSRF_MARK

from .. import selectors, services
from ..forms import ReviewerAssignForm, ReviewFinaliseForm, ReviewReopenForm
from ..models import AssessmentStatus, ReviewStage, Role
from ..scoping import Action
from . import bodies, queue_rows

logger = logging.getLogger(__name__)

# A rendered queue row is kept this long at most. Its key is made of everything the row shows, so
# a cached row is never stale; the bound only lets rows of superseded versions expire.
QUEUE_ROW_SECONDS = 24 * 3600
STATUS_LABELS = dict(AssessmentStatus.choices)
# The rows (and filter bars) this process rendered or read last, in front of the shared cache: the
# same keys, made of what they show, so never stale
_QUEUE_ROWS = Lru(4096)


def _queue_row_key(assessment, flags, now, *, zone: str, language: str) -> str:
    """The cache key of a row's shared cells: the assessment and its version plus every value the
    cells show (status, counts, claim flags, names, dates, the deadline passed or not), so any write
    that changes what the row says gives it a new key."""
    campaign, school = assessment.campaign, assessment.school
    shown = repr(
        (
            assessment.status,
            assessment.item_pending,
            assessment.item_total,
            assessment.submitted_at,
            school.name,
            school.region.name,
            campaign.title,
            campaign.review_deadline,
            campaign.review_deadline < now,
            flags,
            zone,
        )
    )
    digest = hashlib.blake2b(shown.encode(), digest_size=12).hexdigest()
    return f"queue-row:{language}:{assessment.pk}:{assessment.version}:{digest}"


def _url_format(name: str) -> str:
    """The URL of `name` for one assessment with `{pk}` where its id goes: one reversal per page
    instead of one per row."""
    sentinel = 987654321
    return reverse(name, args=[sentinel]).replace(str(sentinel), "{pk}")


def _queue_button(button, a, *, urls: dict, labels: dict, csrf: str) -> str:
    """The per-user cell of a queue row (the same markup the template gave)."""
    if button.refusal:
        return format_html(
            '<span class="badge text-bg-warning" title="{}" data-testid="conflict">{}</span>',
            button.refusal,
            labels["conflict"],
        )
    if button.can_start:
        return format_html(
            '<form method="post" action="{}" class="d-inline">'
            '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
            '<button type="submit" class="btn btn-sm btn-primary text-nowrap">{}</button></form>',
            urls["start"].format(pk=a.pk),
            csrf,
            labels["start"],
        )
    return format_html(
        '<a class="btn btn-sm btn-outline-primary text-nowrap" href="{}">{}</a>',
        urls["summary"].format(pk=a.pk),
        labels["continue"] if button.can_review else labels["view"],
    )


def _queue_rows(request, assessments: list, flags: dict, now, *, csrf: str) -> SafeString:
    """The page's rows (the table body): shared cells from the cache (rendered and stored on a
    miss), the per-user button beside them. A cache outage renders every row."""
    zone, language = timezone.get_current_timezone_name(), get_language()
    keys = {
        a.pk: _queue_row_key(a, flags.get(a.pk, []), now, zone=zone, language=language) for a in assessments
    }
    cached = {key: cells for key in keys.values() if (cells := _QUEUE_ROWS.get(key)) is not None}
    missing = [key for key in keys.values() if key not in cached]
    if missing:
        try:
            shared = cache.get_many(missing)
        except Exception:  # the cache is an optimisation: never fail the page over it
            logger.warning("queue row cache unreadable", exc_info=True)
            shared = {}
        for key, cells in shared.items():
            _QUEUE_ROWS.put(key, cells)
        cached.update(shared)
    buttons = selectors.queue_buttons(user=request.user, assessments=assessments)
    urls = {
        "start": _url_format("assessments:review-start"),
        "summary": _url_format("assessments:review-summary"),
    }
    labels = {
        "conflict": _("利益冲突，不能评审"),
        "start": _("开始评审"),
        "continue": _("继续评审"),
        "view": _("查看"),
    }
    fresh, rows = {}, []
    for a in assessments:
        cells = cached.get(keys[a.pk])
        if cells is None:
            cells = fresh[keys[a.pk]] = render_to_string(
                "assessments/_queue_row.html",
                {
                    "a": a,
                    "status_label": STATUS_LABELS.get(a.status, a.status),
                    "flags": flags.get(a.pk, []),
                    "overdue": a.campaign.review_deadline < now,
                },
            )
        button = _queue_button(buttons[a.pk], a, urls=urls, labels=labels, csrf=csrf)
        rows.append(f'<tr data-testid="queue-row">{cells}<td class="text-end">{button}</td></tr>')
    for key, cells in fresh.items():
        _QUEUE_ROWS.put(key, cells)
    if fresh:
        try:
            cache.set_many(fresh, QUEUE_ROW_SECONDS)
        except Exception:
            logger.warning("queue rows not cached", exc_info=True)
    return mark_safe("\n".join(rows))  # noqa: S308 — our own template's output and escaped buttons


def _filter_bar(form) -> SafeString:
    """The queue's filter bar, rendered once per content: the key holds the language, the submitted
    values and every choice offered, which is all the rendered form depends on."""
    shown = repr(
        (
            sorted((name, form.data.getlist(name)) for name in form.fields if name in form.data),
            [(name, list(getattr(field, "choices", ()))) for name, field in form.fields.items()],
            form.is_bound,
        )
    )
    digest = hashlib.blake2b(shown.encode(), digest_size=16).hexdigest()
    key = f"queue-filters:{get_language()}:{digest}"
    html = _QUEUE_ROWS.get(key)
    if html is not None:
        return mark_safe(html)  # noqa: S308 — our own template's output
    try:
        html = cache.get(key)
    except Exception:  # the cache is an optimisation: never fail the page over it
        logger.warning("queue filter bar cache unreadable", exc_info=True)
        html = None
    if html is None:
        html = render_to_string("assessments/_filter_bar.html", {"form": form})
        try:
            cache.set(key, html, QUEUE_ROW_SECONDS)
        except Exception:
            logger.warning("queue filter bar not cached", exc_info=True)
    _QUEUE_ROWS.put(key, html)
    return mark_safe(html)  # noqa: S308 — our own template's output


@login_required
def review_queue_view(request: HttpRequest) -> HttpResponse:
    """The reviewer's queue: filters, counts per status, items still to review per assessment."""
    if not selectors.user_can(user=request.user, action=Action.REVIEW):
        raise Http404
    facets = selectors.review_queue_facets(user=request.user)
    filters, filter_bar = queue_rows.filters_and_bar(request, facets, _filter_bar)
    counts = facets.counts
    # the counts per status already say how many rows the unfiltered (or status-only) queue has
    known = None
    if not filters:
        known = sum(counts.values())
    elif set(filters) == {"status"}:
        known = counts.get(filters["status"], 0)
    listing = selectors.QueueListing(
        user=request.user, filters=filters, count=known, raw=True, columns=queue_rows.QUEUE_PAGE_COLUMNS
    )
    page = Paginator(listing, 50).get_page(request.GET.get("page"))
    rows = queue_rows.QueuePage(page.object_list)
    now = timezone.now()
    status_counts = [
        (s, label, counts.get(s, 0))
        for s, label in AssessmentStatus.choices
        if s in AssessmentStatus.in_review()
    ]
    shown = (
        filter_bar,
        filters.get("status"),
        tuple(status_counts),
        sum(counts.values()),
        page.number,
        page.paginator.count,
    )

    def render_body() -> str:
        return render_to_string(
            "assessments/review_queue_body.html",
            {
                "page": page,
                "rows": _queue_rows(request, rows.instances, rows.flags, now, csrf=CSRF_MARK),
                "filters": filters,
                "filter_bar": filter_bar,
                "status_counts": status_counts,
                "total": sum(counts.values()),
            },
            request=request,
        )

    # one token for the page: the kept body's buttons and the shell's forms
    token = get_token(request)
    body = queue_rows.page_body(queue_rows.body_key(request, rows, now, shown=shown), render_body, token)
    return render(
        request,
        "assessments/review_queue.html",
        {"body": mark_safe(body), "csrf_token": token},  # noqa: S308 — our own templates' output
    )


def _workbench_context(request, assessment) -> dict:
    rw = selectors.review_workbench(assessment=assessment, user=request.user)
    return {
        "assessment": assessment,
        "campaign": assessment.campaign,
        "rw": rw,
        "ws": rw.ws,
        "abilities": selectors.review_abilities(user=request.user, assessment=assessment),
    }


CANDIDATES_SHOWN = 12


def _summary_context(request, assessment, **forms) -> dict:
    context = _workbench_context(request, assessment)
    if context["abilities"].can_assign:
        context["assignments"] = assessment.review_assignments.select_related("reviewer", "assigned_by")
        context["assign_form"] = forms.get("assign_form") or ReviewerAssignForm()
        context["candidates"] = _candidates(request, assessment, q="")
    if context["abilities"].can_finalise:
        context["finalise_form"] = forms.get("finalise_form") or ReviewFinaliseForm(
            initial={"conclusion": assessment.review_conclusion}
        )
    return context


def _candidates(request, assessment, *, q: str) -> dict:
    qs = selectors.reviewer_candidate_list(user=request.user, assessment=assessment, q=q)
    rows = list(qs[: CANDIDATES_SHOWN + 1])
    assigned = set(assessment.review_assignments.values_list("reviewer_id", flat=True))
    more = len(rows) > CANDIDATES_SHOWN
    return {"rows": rows[:CANDIDATES_SHOWN], "more": more, "assigned": assigned, "q": q}


def _refused_on_summary(request, assessment, exc, **forms) -> HttpResponse:
    """A refused button on the summary page: the page again, with the reason (409 or 400), on the
    button's form when it has one."""
    assessment.refresh_from_db()
    form = next(iter(forms.values()), None)
    return error_response(
        request,
        exc,
        template="assessments/review_summary.html",
        context=_summary_context(request, assessment, **forms),
        form=form,
    )


@login_required
def review_summary_view(request: HttpRequest, pk: int) -> HttpResponse:
    """All items with self vs reviewer value, verdict and gap; dimension gaps; return/finalise."""
    assessment = selectors.assessment_get(user=request.user, pk=pk, action=Action.READ_REVIEW)
    return render(request, "assessments/review_summary.html", _summary_context(request, assessment))


@login_required
@require_POST
def review_start_view(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = selectors.assessment_get(user=request.user, pk=pk, action=Action.REVIEW)
    try:
        services.review_start(assessment=assessment, acting_user=request.user)
    except (DomainError, ValidationError) as exc:
        return _refused_on_summary(request, assessment, exc)
    rw = selectors.review_workbench(assessment=assessment, user=request.user)
    first = next((i for i in rw.items if not i.reviewed_by_me), rw.items[0] if rw.items else None)
    if first is None:
        return redirect("assessments:review-summary", pk=pk)
    return redirect("assessments:review-item", pk=pk, code=first.node.code)


def _neighbours(rw, current) -> dict:
    items = rw.items
    pos = items.index(current)
    after = items[pos + 1 :] + items[:pos]
    return {
        "prev_item": items[pos - 1] if pos > 0 else None,
        "next_item": items[pos + 1] if pos + 1 < len(items) else None,
        "next_todo": next((i for i in after if not i.reviewed_by_me), None),
        "position": pos + 1,
    }


@login_required
def review_item_view(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """The workbench for one item: the school's input and evidence beside the reviewer's panel. The
    body is kept per exact content (`bodies`): its digest is read first, then the rest."""
    digest = bodies.content_digest(pk)
    # the header names the school's region in full ("淄博市张店区")
    assessment = selectors.assessment_get(
        user=request.user, pk=pk, action=Action.READ_REVIEW, region_parent=True
    )
    previous = selectors.previous_item(user=request.user, assessment=assessment, code=code)

    def render_body(csrf) -> str:
        context = _workbench_context(request, assessment)
        current = context["rw"].by_code.get(code)
        if current is None:
            raise Http404
        context.update(
            ri=current,
            item=current.item,
            response=current.response,
            statuses=ComplianceStatus.for_item(optional=current.node.optional),
            previous=previous,
            csrf_token=csrf,
            **_neighbours(context["rw"], current),
        )
        return render_to_string("assessments/_review_item_body.html", context, request=request)

    key = bodies.workbench_key(request, digest=digest, assessment=assessment, code=code, previous=previous)
    body = bodies.keep(key, render_body, get_token(request))
    return _review_item_page(request, assessment, code, body)


def _review_item_page(request, assessment, code: str, body: str) -> HttpResponse:
    return render(
        request,
        "assessments/review_item.html",
        {"assessment": assessment, "code": code, "body": body},
    )


def _verdict_values(post) -> dict:
    return {
        "verdict": post.get("verdict", ""),
        "score": (post.get("score") or "").strip() or None,
        "status": post.get("status") or None,
        "comment": post.get("comment", ""),
    }


@login_required
@require_POST
def review_item_save_view(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """Autosave of the verdict (htmx): the save state, plus out-of-band the new version and counts.
    A refusal is swapped in too: 200 with the real status in `X-Save-Status` (see `error_response`)."""
    consolidate = request.POST.get("consolidate") == "1"
    action = Action.LEAD if consolidate else Action.REVIEW
    assessment = selectors.assessment_get(user=request.user, pk=pk, action=action)
    response = selectors.response_get(user=request.user, assessment=assessment, code=code, action=action)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = -1
    save = services.review_consolidate if consolidate else services.verdict_save
    error = None
    try:
        save(response=response, acting_user=request.user, version=version, **_verdict_values(request.POST))
    except (DomainError, ValidationError) as exc:
        error = exc
    assessment.refresh_from_db()
    context = _workbench_context(request, assessment)
    current = context["rw"].by_code[code]
    context.update(ri=current, response=current.response, consolidate=consolidate, now=timezone.now())
    template = "assessments/_review_save_state.html"
    if error is not None:
        return error_response(request, error, template=template, context=context, swap=True)
    http = render(request, template, context)
    http["X-Save-Status"] = "200"
    return http


@login_required
@require_POST
def review_return_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Return to the school: the items with "more evidence" plus the ticked ones with their reasons."""
    assessment = selectors.assessment_get(user=request.user, pk=pk, action=Action.REVIEW)
    reasons = {
        int(rid): request.POST.get(f"reason-{rid}", "")
        for rid in request.POST.getlist("items")
        if rid.isdigit()
    }
    try:
        returned = services.review_return(assessment=assessment, acting_user=request.user, reasons=reasons)
    except (DomainError, ValidationError) as exc:
        return _refused_on_summary(request, assessment, exc)
    messages.success(
        request,
        _("已退回%(s)s修改 %(n)d 个条目：%(c)s")
        % {"s": assessment.school.name, "n": len(returned), "c": _("、").join(r.node.code for r in returned)},
    )
    return redirect("assessments:review-summary", pk=pk)


@login_required
@require_POST
def review_finalise_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Finalise with the overall conclusion (总体评审意见); the service checks state, pending items and
    the conclusion, in that order."""
    assessment = selectors.assessment_get(user=request.user, pk=pk, action=Action.REVIEW)
    form = ReviewFinaliseForm(request.POST)
    conclusion = form.cleaned_data.get("conclusion", "") if form.is_valid() else ""
    try:
        services.review_finalise(assessment=assessment, acting_user=request.user, conclusion=conclusion)
    except (DomainError, ValidationError) as exc:
        return _refused_on_summary(request, assessment, exc, finalise_form=form)
    messages.success(
        request, _("评审已完成，%(s)s的自评结果已定稿（只读）。") % {"s": assessment.school.name}
    )
    return redirect("assessments:review-summary", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def review_reopen_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Commission staff reopen a finalised assessment with a recorded reason."""
    assessment = selectors.assessment_get(user=request.user, pk=pk, action=Action.REOPEN)
    form = ReviewReopenForm(request.POST if request.method == "POST" else None)
    context = {"assessment": assessment, "form": form}
    if request.method == "POST" and form.is_valid():
        try:
            services.review_reopen(
                assessment=assessment, acting_user=request.user, reason=form.cleaned_data["reason"]
            )
        except (DomainError, ValidationError) as exc:
            return error_response(
                request, exc, template="assessments/review_reopen.html", context=context, form=form
            )
        messages.success(request, _("已重新打开%(s)s的评审。") % {"s": assessment.school.name})
        return redirect("assessments:review-summary", pk=pk)
    status = 400 if form.errors else 200
    return render(request, "assessments/review_reopen.html", context, status=status)


@login_required
def review_candidates_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The reviewer picker's search (htmx): eligible reviewers matching `q`, as radio choices."""
    assessment = selectors.assessment_get(user=request.user, pk=pk, action=Action.ASSIGN)
    q = (request.GET.get("q") or "").strip()[:50]
    return render(
        request,
        "assessments/_reviewer_candidates.html",
        {"assessment": assessment, "candidates": _candidates(request, assessment, q=q)},
    )


@login_required
@require_POST
def review_assign_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Commission staff assign a reviewer chosen in the picker (`reviewer_candidate_list`)."""
    assessment = selectors.assessment_get(user=request.user, pk=pk, action=Action.ASSIGN)
    form = ReviewerAssignForm(request.POST)
    reviewer = None
    if form.is_valid():
        chosen = form.cleaned_data["reviewer"]
        candidates = selectors.reviewer_candidate_list(user=request.user, assessment=assessment)
        reviewer = candidates.filter(pk=chosen)
        # the school's own CIO is no candidate: the service refuses with the reason (conflict of interest)
        cio = get_user_model().objects.filter(
            pk=chosen, memberships__role=Role.SCHOOL_CIO, memberships__school_id=assessment.school_id
        )
        reviewer = reviewer.first() or cio.first()
    try:
        if reviewer is None:
            message = _("请从列表中选择一位评审专家。")
            raise Invalid(message, code="unknown_user", fields={"reviewer": [message]})
        services.review_assign(
            assessment=assessment,
            reviewer=reviewer,
            acting_user=request.user,
            lead=form.cleaned_data.get("lead", False),
        )
    except (DomainError, ValidationError) as exc:
        return _refused_on_summary(request, assessment, exc, assign_form=form)
    messages.success(request, _("已指派%(u)s评审本校。") % {"u": reviewer.first_name or reviewer.username})
    return redirect("assessments:review-summary", pk=pk)


@login_required
def review_history_view(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = selectors.assessment_get(user=request.user, pk=pk, action=Action.READ_REVIEW)
    changes = selectors.assessment_changes(assessment=assessment)
    return render(
        request, "assessments/history.html", {"assessment": assessment, "changes": changes, "item": None}
    )


def _recheck_context(request, assessment, code: str) -> dict:
    """The workbench in the city stage: the school's input and evidence, the district's
    consolidated verdict read-only, and the city reviewer's own value for the item."""
    context = _workbench_context(request, assessment)
    current = context["rw"].by_code.get(code)
    sheet = selectors.recheck_sheet(assessment=assessment)
    row = next((r for r in sheet.rows if r.code == code), None)
    if current is None or row is None:
        raise Http404
    codes = [r.code for r in sheet.rows]
    pos = codes.index(code)
    after = sheet.rows[pos + 1 :] + sheet.rows[:pos]
    context.update(
        stage=ReviewStage.CITY,
        ri=current,
        item=current.item,
        response=current.response,
        sheet=sheet,
        row=row,
        city_version=services.city_review_version(response=current.response),
        statuses=ComplianceStatus.choices,
        prev_code=codes[pos - 1] if pos > 0 else None,
        next_code=codes[pos + 1] if pos + 1 < len(codes) else None,
        next_todo_code=next((r.code for r in after if r.city is None), None),
        position=pos + 1,
    )
    return context


@login_required
def recheck_item_view(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """The review workbench in the city stage (市级复核) for one item of a sampled school."""
    assessment = selectors.assessment_get(user=request.user, pk=pk, action=Action.RECHECK, region_parent=True)
    context = _recheck_context(request, assessment, code)
    body = render_to_string("assessments/_review_item_body.html", context, request=request)
    return _review_item_page(request, assessment, code, body)


@login_required
@require_POST
def recheck_item_save_view(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """Autosave of the city value (htmx), like the district verdict's: the save state plus, out of
    band, the new version; a refusal is swapped in with its real status in `X-Save-Status`."""
    assessment = selectors.assessment_get(user=request.user, pk=pk, action=Action.RECHECK)
    response = selectors.response_get(
        user=request.user, assessment=assessment, code=code, action=Action.RECHECK
    )
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = -1
    value = (request.POST.get("value") or "").strip() or None
    error = None
    try:
        services.city_review_save(
            response=response,
            acting_user=request.user,
            score=value,
            status=value,
            comment=request.POST.get("comment", ""),
            version=version,
        )
    except (DomainError, ValidationError) as exc:
        error = exc
    context = _recheck_context(request, assessment, code)
    context["now"] = timezone.now()
    template = "assessments/_review_city_save_state.html"
    if error is not None:
        return error_response(request, error, template=template, context=context, swap=True)
    http = render(request, template, context)
    http["X-Save-Status"] = "200"
    return http
