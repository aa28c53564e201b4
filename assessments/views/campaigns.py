"""HTML views of campaigns and the school's self-assessment. Querysets come from selectors, asked
with the action the view performs (outside its scope: 404); writes go through one service each, and
their refusals are answered by `smartcampus.errors.error_response`."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from indicators.choices import ComplianceStatus
from indicators.scoring import COMPLIANCE_INDEX_RULE
from smartcampus.errors import DomainError, error_response

from .. import selectors, services
from ..forms import (
    AssessmentFilterForm,
    CampaignFilterForm,
    CampaignForm,
    CampaignScopeForm,
    DeadlineExtensionForm,
)
from ..fragments import fragment
from ..models import AssessmentStatus, Region, SchoolType
from ..scoping import Action
from . import bodies

PER_PAGE = 50


def _days_left(deadline) -> int:
    return (timezone.localdate(deadline) - timezone.localdate()).days


def _posted(request: HttpRequest):
    """The form data of a POST (even an empty one, which is then invalid input), else None."""
    return request.POST if request.method == "POST" else None


def _form_status(request: HttpRequest, form) -> int:
    """Invalid input answers 400, also when a form is shown again with its errors."""
    return 400 if request.method == "POST" and form.errors else 200


# --- campaigns (commission) ----------------------------------------------------------------------


@login_required
def campaign_list_view(request: HttpRequest) -> HttpResponse:
    campaigns = selectors.campaign_list(user=request.user)
    years = sorted(set(campaigns.values_list("year", flat=True)), reverse=True)
    form = CampaignFilterForm(request.GET or None, years=years)
    filters = form.filters()
    if q := filters.get("q"):
        campaigns = campaigns.filter(title__icontains=q)
    if year := filters.get("year"):
        campaigns = campaigns.filter(year=year)
    in_review = Q(assessments__status__in=AssessmentStatus.in_review())
    campaigns = campaigns.annotate(
        school_count=Count("assessments"),
        submitted_count=Count("assessments", filter=in_review),
        finalised_count=Count("assessments", filter=Q(assessments__status=AssessmentStatus.FINALISED)),
    ).order_by("-year", "-created_at")
    page = Paginator(campaigns, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "assessments/campaign_list.html",
        {"page": page, "form": form, **selectors.campaign_abilities(user=request.user)},
    )


def _scope_schools(form: CampaignScopeForm, *, user, within: Region, framework=None):
    """The schools the scope form selects, limited to `within`, to those the user manages and to the
    types `framework` applies to. Returns (schools, how many of the region/type selection were left
    out for their type). Explicitly listed codes of unfitting schools are an error on the field."""
    schools = selectors.school_list(user=user, action=Action.MANAGE).filter(
        region__path__startswith=within.path
    )
    fitting = [t.value for t in SchoolType.for_level(framework.school_level)] if framework else None
    codes = form.codes()
    if codes:
        found = list(schools.filter(code__in=codes))
        unknown = sorted(set(codes) - {s.code for s in found})
        if unknown:
            form.add_error(
                "school_codes", _("找不到这些学校（或不在范围内）：%(c)s") % {"c": _("、").join(unknown[:20])}
            )
        unfit = [s for s in found if fitting is not None and s.school_type not in fitting]
        if unfit:
            form.add_error(
                "school_codes",
                _("这些学校的类型不适用于所选指标体系：%(s)s")
                % {
                    "s": _("、").join(
                        _("%(name)s（%(type)s）") % {"name": s.name, "type": s.get_school_type_display()}
                        for s in unfit[:20]
                    )
                },
            )
        return found, 0
    if region := form.cleaned_data.get("scope_region"):
        schools = schools.filter(region__path__startswith=region.path)
    if types := form.cleaned_data.get("school_types"):
        schools = schools.filter(school_type__in=types)
    excluded = 0
    if fitting is not None:
        excluded = schools.exclude(school_type__in=fitting).count()
        schools = schools.filter(school_type__in=fitting)
    return list(schools), excluded


def _manageable_regions(user):
    return selectors.region_list(user=user, action=Action.MANAGE)


def _preview(data: dict, schools: list, excluded: int) -> dict:
    by_region: dict[str, int] = {}
    by_type: dict[str, int] = {}
    for s in schools:
        by_region[s.region.name] = by_region.get(s.region.name, 0) + 1
        label = s.get_school_type_display()
        by_type[label] = by_type.get(label, 0) + 1
    return {
        **{k: data[k] for k in ("framework", "year", "title", "region", "self_deadline", "review_deadline")},
        "past": data["self_deadline"] < timezone.localdate(),
        "count": len(schools),
        "excluded": excluded,
        "sample": schools[:12],
        "by_region": sorted(by_region.items(), key=lambda kv: -kv[1]),
        "by_type": sorted(by_type.items(), key=lambda kv: -kv[1]),
    }


@login_required
@require_http_methods(["GET", "POST"])
def campaign_create_view(request: HttpRequest) -> HttpResponse:
    """Two steps: the form shows what it would create (schools per region and type, deadlines);
    "确认创建" creates the campaign, "返回修改" shows the form again with the values."""
    if not selectors.campaign_abilities(user=request.user)["can_create"]:
        raise Http404
    owner_regions = list(selectors.campaign_owner_region_list(user=request.user))
    form = CampaignForm(
        _posted(request),
        frameworks=selectors.campaign_framework_list(user=request.user),
        owner_regions=selectors.campaign_owner_region_list(user=request.user),
        regions=_manageable_regions(request.user).filter(level__in=["city", "district", "province"]),
        framework_fits=lambda framework, region: selectors.framework_fits_region(
            framework=framework, region=region
        ),
        initial={
            "year": timezone.localdate().year,
            **({"region": owner_regions[0].pk} if len(owner_regions) == 1 else {}),
        },
    )
    context = {"form": form, "preview": None}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        schools, excluded = _scope_schools(
            form, user=request.user, within=data["region"], framework=data["framework"]
        )
        if not form.errors:
            if not schools:
                form.add_error(None, _("所选范围内没有适用于该指标体系的学校。"))
            elif request.POST.get("confirm") == "1":
                try:
                    campaign = services.campaign_create(
                        framework=data["framework"],
                        year=data["year"],
                        title=data["title"],
                        region=data["region"],
                        self_deadline=services.end_of_day(data["self_deadline"]),
                        review_deadline=services.end_of_day(data["review_deadline"]),
                        schools=schools,
                        acting_user=request.user,
                    )
                except (DomainError, ValidationError) as exc:
                    return error_response(
                        request, exc, template="assessments/campaign_form.html", context=context, form=form
                    )
                messages.success(
                    request,
                    _("已创建自评活动“%(t)s”，共 %(n)d 所学校；指标体系版本已锁定。")
                    % {"t": campaign.title, "n": len(schools)},
                )
                return redirect("assessments:campaign-detail", pk=campaign.pk)
            elif request.POST.get("edit") != "1":
                context["preview"] = _preview(data, schools, excluded)
    return render(request, "assessments/campaign_form.html", context, status=_form_status(request, form))


def _campaign_filter_form(request: HttpRequest, campaign) -> AssessmentFilterForm:
    regions = selectors.region_list(user=request.user).filter(
        path__startswith=campaign.region.path, schools__assessments__campaign=campaign
    )
    return AssessmentFilterForm(
        request.GET or None,
        regions=regions,
        school_types=SchoolType.for_level(campaign.framework.school_level),
    )


def _scope_form(request: HttpRequest, campaign, data=None) -> CampaignScopeForm:
    regions = _manageable_regions(request.user).filter(path__startswith=campaign.region.path)
    return CampaignScopeForm(data, regions=regions, framework=campaign.framework)


def _campaign_detail_context(request: HttpRequest, campaign, *, scope_form=None) -> dict:
    """The campaign's school table (filters, progress, totals, the links each row offers), its
    status counts and, for commission staff, the form that adds schools."""
    form = _campaign_filter_form(request, campaign)
    assessments = selectors.campaign_assessments(user=request.user, campaign=campaign, filters=form.filters())
    page = Paginator(assessments, PER_PAGE).get_page(request.GET.get("page"))
    scores = selectors.assessment_scores(assessments=page.object_list)
    for a in page:
        a.abilities = selectors.assessment_abilities(user=request.user, assessment=a)
        a.score = scores.get(a.pk)
    counts = selectors.campaign_status_counts(user=request.user, campaign=campaign)
    abilities = selectors.campaign_abilities(user=request.user, campaign=campaign)
    if abilities["can_manage"] and scope_form is None:
        scope_form = _scope_form(request, campaign)
    return {
        "campaign": campaign,
        "page": page,
        "form": form,
        "status_counts": [(s, label, counts.get(s, 0)) for s, label in AssessmentStatus.choices],
        "total": sum(counts.values()),
        "scope_form": scope_form,
        "now": timezone.now(),
        **abilities,
    }


@login_required
def campaign_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = selectors.campaign_get(user=request.user, pk=pk)
    return render(request, "assessments/campaign_detail.html", _campaign_detail_context(request, campaign))


@login_required
@require_POST
def campaign_add_schools_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Two steps, like creating: the schools the scope selects (not yet in the campaign), then "确认加入"."""
    campaign = selectors.campaign_get(user=request.user, pk=pk, action=Action.MANAGE)
    form = _scope_form(request, campaign, data=request.POST)
    schools, excluded = [], 0
    if form.is_valid():
        schools, excluded = _scope_schools(
            form, user=request.user, within=campaign.region, framework=campaign.framework
        )
    if form.errors:
        context = _campaign_detail_context(request, campaign, scope_form=form)
        return render(request, "assessments/campaign_detail.html", context, status=400)
    if request.POST.get("confirm") != "1":
        existing = set(campaign.assessments.values_list("school_id", flat=True))
        new = [s for s in schools if s.pk not in existing]
        return render(
            request,
            "assessments/campaign_add_confirm.html",
            {"campaign": campaign, "schools": new, "excluded": excluded, "form": form},
        )
    try:
        added = services.campaign_add_schools(campaign=campaign, schools=schools, acting_user=request.user)
    except (DomainError, ValidationError) as exc:
        context = _campaign_detail_context(request, campaign, scope_form=form)
        return error_response(
            request, exc, template="assessments/campaign_detail.html", context=context, form=form
        )
    messages.success(request, _("已加入 %(n)d 所学校。") % {"n": added})
    return redirect("assessments:campaign-detail", pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def deadline_extend_view(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = selectors.assessment_get(user=request.user, pk=pk, action=Action.MANAGE)
    form = DeadlineExtensionForm(_posted(request))
    context = {
        "assessment": assessment,
        "form": form,
        "extensions": assessment.extensions.select_related("granted_by"),
    }
    if request.method == "POST" and form.is_valid():
        try:
            services.deadline_extend(
                assessment=assessment,
                new_deadline=services.end_of_day(form.cleaned_data["new_deadline"]),
                reason=form.cleaned_data["reason"],
                acting_user=request.user,
            )
        except (DomainError, ValidationError) as exc:
            return error_response(
                request, exc, template="assessments/deadline_extend.html", context=context, form=form
            )
        messages.success(request, _("已为%(s)s延期。") % {"s": assessment.school})
        return redirect("assessments:campaign-detail", pk=assessment.campaign_id)
    return render(request, "assessments/deadline_extend.html", context, status=_form_status(request, form))


# --- the school's assessment ----------------------------------------------------------------------


@login_required
def assessment_list_view(request: HttpRequest) -> HttpResponse:
    """Every assessment the user may see, with the filters of `AssessmentFilterForm`."""
    campaigns = selectors.campaign_list(user=request.user).order_by("-year", "title")
    form = AssessmentFilterForm(
        request.GET or None, regions=selectors.region_list(user=request.user), campaigns=campaigns
    )
    assessments = (
        selectors.assessment_list(user=request.user, filters=form.filters())
        .select_related("school__region__parent")
        .order_by("-campaign__year", "campaign__title", "school__region__path", "school__code")
    )
    page = Paginator(assessments, PER_PAGE).get_page(request.GET.get("page"))
    for a in page:
        a.abilities = selectors.assessment_abilities(user=request.user, assessment=a)
    return render(request, "assessments/assessment_list.html", {"page": page, "form": form})


def _workspace_context(request, assessment) -> dict:
    workspace = selectors.assessment_workspace(assessment=assessment)
    abilities = selectors.assessment_abilities(user=request.user, assessment=assessment)
    return {
        "assessment": assessment,
        "campaign": assessment.campaign,
        "ws": workspace,
        "days_left": _days_left(assessment.deadline),
        "abilities": abilities,
        **assessment.state_flags(),
    }


@login_required
def assessment_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The overview: status, deadline, progress, the results per dimension (self, and once the
    review is finalised the review beside it, the adjusted items and the conclusion), what is missing.
    The body is kept per exact content (`bodies`): its digest is read first, then the rest; the
    report buttons and the designations are rendered on every request."""
    digest = bodies.content_digest(pk)
    assessment = selectors.assessment_get(user=request.user, pk=pk)
    abilities = selectors.assessment_abilities(user=request.user, assessment=assessment)
    carry = selectors.carry_offer(user=request.user, assessment=assessment, can_edit=abilities.can_edit)
    key = bodies.overview_key(request, digest=digest, assessment=assessment, carry=carry is not None)

    def render_body(csrf) -> str:
        context = _workspace_context(request, assessment)
        responses = [i.response for i in context["ws"].items]
        results = selectors.assessment_results(assessment=assessment, responses=responses)
        # the results card rendered once per content: `Results` is frozen data whose repr holds
        # every value the card shows (the scoring engine's internals, which it does not show, are
        # left out)
        context["results_card"] = fragment(
            "assessments/_results.html",
            repr(results),
            lambda: {"results": results, "compliance_rule": COMPLIANCE_INDEX_RULE},
        )
        context["carry_plan"] = carry
        context["carry_pending"] = [i for i in context["ws"].items if i.response.carry_pending]
        context["csrf_token"] = csrf
        context["reports_part"] = bodies.part("reports")
        context["designations_part"] = bodies.part("designations")
        return render_to_string("assessments/_assessment_detail_body.html", context, request=request)

    token = get_token(request)
    body = bodies.keep(key, render_body, token)
    # the parts read nothing of the context processors': a plain context, with what they do read
    shown = {"assessment": assessment, "request": request, "csrf_token": token}
    parts = {
        name: render_to_string(f"assessments/_assessment_{name}_part.html", shown)
        for name in ("reports", "designations")
    }
    return render(
        request,
        "assessments/assessment_detail.html",
        {"assessment": assessment, "campaign": assessment.campaign, "body": bodies.fill(body, parts)},
    )


def _editable(response, user) -> tuple[bool, str]:
    """Whether `user` may change `response` now, and if not the reason shown above the form."""
    try:
        services.response_assert_editable(response=response, acting_user=user)
    except DomainError as exc:
        return False, exc.message
    return True, ""


@login_required
def item_view(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """One item: requirement, monitoring points, the answer form (autosaved), evidence, navigation.
    The body is kept per exact content (`bodies`): its digest is read first, then the rest."""
    digest = bodies.content_digest(pk)
    assessment = selectors.assessment_get(user=request.user, pk=pk)
    previous = selectors.previous_item(user=request.user, assessment=assessment, code=code)
    abilities = selectors.assessment_abilities(user=request.user, assessment=assessment)
    # what the body shows from elsewhere than the digest's rows, only when there is any
    carry = selectors.carry_offer(user=request.user, assessment=assessment, can_edit=abilities.can_edit)
    key = bodies.item_key(
        request,
        digest=digest,
        assessment=assessment,
        code=code,
        previous=previous,
        extras=bodies.item_page_extras_shown(request, assessment, code),
        carry=carry is not None,
    )

    def render_body(csrf) -> str:
        context = item_context(request, assessment, code, previous=previous, carry=carry)
        context["csrf_token"] = csrf
        return render_to_string("assessments/_item_body.html", context, request=request)

    body = bodies.keep(key, render_body, get_token(request))
    return render(
        request,
        "assessments/item.html",
        {"code": code, "campaign": assessment.campaign, "body": body},
    )


_UNSET = object()


def item_context(request: HttpRequest, assessment, code: str, *, previous=_UNSET, carry=_UNSET) -> dict:
    """What the item page shows (404 for a code that is not an item of the assessment). `previous`
    (last year's item) and `carry` (the carry-forward offer) when the caller has read them."""
    context = _workspace_context(request, assessment)
    ws = context["ws"]
    item = ws.by_code.get(code)
    if item is None:
        raise Http404
    unfinished = request.GET.get("unfinished") == "1"
    sequence = [i for i in ws.items if not i.done or i is item] if unfinished else ws.items
    pos = sequence.index(item)
    editable, locked_reason = _editable(item.response, request.user)
    context.update(
        item=item,
        response=item.response,
        prev_item=sequence[pos - 1] if pos > 0 else None,
        next_item=sequence[pos + 1] if pos + 1 < len(sequence) else None,
        unfinished=unfinished,
        editable=editable,
        locked_reason=locked_reason,
        statuses=ComplianceStatus.for_item(optional=item.node.optional),
        previous=(
            selectors.previous_item(user=request.user, assessment=assessment, code=code)
            if previous is _UNSET
            else previous
        ),
    )
    if carry is _UNSET or not editable:
        carry = selectors.carry_offer(
            user=request.user, assessment=assessment, can_edit=context["abilities"].can_edit and editable
        )
    context["carry_item"] = carry.get(code) if carry is not None else None
    return context


@login_required
def item_jump_view(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = selectors.assessment_get(user=request.user, pk=pk)
    code = (request.GET.get("code") or "").strip().rstrip(".")
    ws = selectors.assessment_workspace(assessment=assessment)
    target = ws.by_code.get(code) or next((i for i in ws.items if i.node.code.startswith(f"{code}.")), None)
    if target is None:
        messages.error(request, _("没有编号为“%(c)s”的条目。") % {"c": code})
        return redirect("assessments:assessment-detail", pk=pk)
    return redirect("assessments:assessment-item", pk=pk, code=target.node.code)


@login_required
@require_POST
def item_save_view(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """Autosave (htmx): returns the save state, plus out-of-band the new version and live results.
    A refusal is swapped in too: 200 with the real status in `X-Save-Status` (see `error_response`)."""
    assessment = selectors.assessment_get(user=request.user, pk=pk, action=Action.EDIT)
    response = selectors.response_get(user=request.user, assessment=assessment, code=code, action=Action.EDIT)
    values = {}
    if "self_score" in request.POST:
        values["self_score"] = request.POST["self_score"].strip()
    if "self_status" in request.POST:
        values["self_status"] = request.POST["self_status"]
    if "statement" in request.POST:
        values["statement"] = request.POST["statement"]
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = -1
    error = None
    try:
        response = services.response_update(
            response=response, acting_user=request.user, version=version, **values
        )
    except (DomainError, ValidationError) as exc:
        error = exc
    context = _workspace_context(request, assessment)
    context.update(response=response, item=context["ws"].by_code[code], now=timezone.now())
    if error is not None:
        return error_response(
            request, error, template="assessments/_save_state.html", context=context, swap=True
        )
    http = render(request, "assessments/_save_state.html", context)
    http["X-Save-Status"] = "200"
    return http


@login_required
@require_http_methods(["GET", "POST"])
def assessment_submit_view(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: completeness check (missing items with links) and confirmation; POST: submit."""
    assessment = selectors.assessment_get(user=request.user, pk=pk, action=Action.SUBMIT)
    if request.method == "POST":
        try:
            services.assessment_submit(assessment=assessment, acting_user=request.user)
        except (DomainError, ValidationError) as exc:
            assessment.refresh_from_db()
            context = _workspace_context(request, assessment)
            return error_response(request, exc, template="assessments/submit.html", context=context)
        messages.success(request, _("自评已提交。提交后不能再修改，除非评审专家退回。"))
        return redirect("assessments:assessment-detail", pk=pk)
    return render(request, "assessments/submit.html", _workspace_context(request, assessment))


@login_required
def assessment_history_view(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = selectors.assessment_get(user=request.user, pk=pk)
    changes = selectors.assessment_changes(assessment=assessment)
    return render(
        request, "assessments/history.html", {"assessment": assessment, "changes": changes, "item": None}
    )


@login_required
def item_history_view(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    assessment = selectors.assessment_get(user=request.user, pk=pk)
    response = selectors.response_get(user=request.user, assessment=assessment, code=code)
    changes = selectors.assessment_changes(assessment=assessment, response=response)
    return render(
        request,
        "assessments/history.html",
        {"assessment": assessment, "changes": changes, "item": response, "response": response},
    )
