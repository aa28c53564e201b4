"""Writes of on-site visits and of the publication of results. Keyword-only, one transaction each;
the row changed is locked first, the acting user's scope is asked with the action (`inspect`,
`object`, `publish`), and each change leaves a simple-history row with the acting user.

Visits keep their files in the school's evidence library (`evidence.services.evidence_file_store`:
the library's checks and storage, the visit's rule of who may write); a finding becomes a
rectification item through `rectification.services.rectification_item_add` or a review adjustment
through `assessments.services.verdict_save`. Upholding an objection reopens the review through
`assessments.services.review_reopen`; closing a publication freezes the campaign through
`assessments.services.campaign_results_freeze`.

Refusals: outside the action's scope → `InspectionRefused` (404); the state forbids it →
`InspectionConflict` (409); bad input → `Invalid` (400).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import (
    Acceptance,
    Assessment,
    AssessmentStatus,
    Campaign,
    ItemResponse,
    ItemReview,
    Membership,
    Notification,
    ReviewVerdict,
    Role,
)
from assessments.scoping import Action, cio_ids_by_school, get_scope
from assessments.services import (
    campaign_results_freeze,
    notify,
    results_assert_unfrozen,
    review_reopen,
    school_cio_ids,
    verdict_save,
)
from evidence.models import EvidenceFile
from evidence.services import evidence_file_store
from rectification.models import RectificationItem, RectificationSource
from rectification.services import rectification_item_add
from smartcampus.errors import Conflict, Invalid, Refused

from .models import (
    TEXT_MAX_LENGTH,
    Finding,
    FindingPhoto,
    FindingVerdict,
    Objection,
    ObjectionState,
    Publication,
    PublicationState,
    Visibility,
    Visit,
    VisitState,
)
from .selectors import PUBLISHED, inspector_candidates

MAX_PHOTOS = 10


class InspectionRefused(Refused):
    """Outside the acting user's scope for the action: answered as "does not exist"."""


class InspectionConflict(Conflict):
    """In scope, but the state of the visit, finding, publication or objection forbids it."""


def _text(value, *, field: str, label: str, required: bool) -> str:
    value = (value or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if required and not value:
        message = _("请填写%(f)s。") % {"f": label}
        raise Invalid(message, fields={field: [message]})
    if len(value) > TEXT_MAX_LENGTH:
        message = _("%(f)s最多 %(max)d 字，当前 %(n)d 字。") % {
            "f": label,
            "max": TEXT_MAX_LENGTH,
            "n": len(value),
        }
        raise Invalid(message, fields={field: [message]})
    return value


def _require(user, action: Action, obj, message: str) -> None:
    if not get_scope(user).can(action, obj):
        raise InspectionRefused(message, code="not_allowed")


def _save(obj, *, user, reason: str) -> None:
    obj._history_user = user
    obj._change_reason = reason[:100]
    obj.full_clean(validate_unique=False, validate_constraints=False)
    obj.save()


# --- visits -------------------------------------------------------------------------------------------


@transaction.atomic
def visit_schedule(
    *,
    assessment: Assessment,
    acting_user,
    date: datetime.date,
    team_ids: Iterable[int],
    node_ids: Sequence[int],
    note: str = "",
) -> Visit:
    """Schedule an on-site visit of `assessment` (submitted or later): the date, the team (users in
    the `inspect` scope of the school, never its CIOs) and the items to check, each of which gets an
    empty finding. The school's CIOs are notified."""
    assessment = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("campaign__framework", "campaign__region", "school__region")
        .get(pk=assessment.pk)
    )
    _require(acting_user, Action.INSPECT, assessment, _("您不能安排该校的现场核验。"))
    if not isinstance(date, datetime.date):
        message = _("请填写核验日期。")
        raise Invalid(message, fields={"date": [message]})
    team_ids = sorted({int(t) for t in team_ids})
    if not team_ids:
        message = _("请至少选择一名核验组成员。")
        raise Invalid(message, fields={"team": [message]})
    candidates = set(
        inspector_candidates(assessment=assessment).filter(pk__in=team_ids).values_list("pk", flat=True)
    )
    if candidates != set(team_ids):
        message = _("核验组成员须为该校的评审专家或主管教委工作人员（不能是本校人员）。")
        raise Invalid(message, fields={"team": [message]})
    allowed = set(
        ItemResponse.objects.filter(assessment=assessment, node_id__in=list(node_ids)).values_list(
            "node_id", flat=True
        )
    )
    node_ids = [n for n in dict.fromkeys(int(n) for n in node_ids)]
    if not node_ids or set(node_ids) != allowed:
        message = _("请选择本校自评中要核验的条目。")
        raise Invalid(message, fields={"items": [message]})
    visit = Visit(
        assessment=assessment,
        date=date,
        note=_text(note, field="note", label=_("说明"), required=False),
        created_by=acting_user,
    )
    _save(visit, user=acting_user, reason=_("安排现场核验"))
    visit.team.set(team_ids)
    Finding.objects.bulk_create(Finding(visit=visit, node_id=n) for n in node_ids)
    notify(
        user_ids=school_cio_ids(school_id=assessment.school_id),
        kind=Notification.Kind.ASSIGNED,
        title=_("%(c)s：现场核验安排") % {"c": assessment.campaign.title},
        body=_("核验组将于 %(d)s 到校核验 %(n)d 个条目。") % {"d": date.isoformat(), "n": len(node_ids)},
        url=reverse("inspections:visit-detail", args=[visit.pk]),
    )
    return visit


def _lock_visit(visit: Visit) -> Visit:
    return (
        Visit.objects.select_for_update(of=("self",))
        .select_related(
            "assessment__campaign__region", "assessment__campaign__framework", "assessment__school__region"
        )
        .get(pk=visit.pk)
    )


def _assert_team(visit: Visit, user) -> None:
    """Findings and the sheet are the team's: others in scope read them (404 answers nothing else)."""
    _require(user, Action.INSPECT, visit, _("您不能记录该次现场核验。"))
    if not visit.team.filter(pk=user.pk).exists():
        raise InspectionRefused(_("您不是本次现场核验的核验组成员。"), code="not_on_team")


def _assert_open(visit: Visit) -> None:
    if visit.state != VisitState.SCHEDULED:
        raise InspectionConflict(_("本次现场核验已完成，记录不能再修改。"), code="completed")


@transaction.atomic
def finding_record(
    *,
    finding: Finding,
    acting_user,
    verdict: str,
    text: str,
    photos: Sequence[UploadedFile] = (),
) -> Finding:
    """A team member records the finding on one item: the verdict, what was seen, and photos, which
    are stored in the school's evidence library (the library's own checks: type from the bytes,
    size, image dimensions) and kept by the finding."""
    finding = Finding.objects.select_for_update(of=("self",)).select_related("node").get(pk=finding.pk)
    visit = _lock_visit(finding.visit)
    finding.visit = visit
    _assert_team(visit, acting_user)
    _assert_open(visit)
    if verdict not in FindingVerdict.values:
        message = _("请选择核验结论。")
        raise Invalid(message, fields={"verdict": [message]})
    if len(photos) > MAX_PHOTOS:
        message = _("每个条目最多上传 %(n)d 张照片。") % {"n": MAX_PHOTOS}
        raise Invalid(message, fields={"photos": [message]})
    finding.verdict = verdict
    finding.text = _text(
        text, field="text", label=_("核验情况"), required=verdict != FindingVerdict.CONFIRMED
    )
    finding.recorded_by = acting_user
    finding.recorded_at = timezone.now()
    _save(finding, user=acting_user, reason=_("记录核验发现"))
    school = visit.assessment.school
    kept = set(FindingPhoto.objects.filter(finding=finding).values_list("file_id", flat=True))
    for photo in photos:
        stored = evidence_file_store(
            school=school, uploaded_file=photo, acting_user=acting_user, kinds=("jpeg", "png")
        ).evidence_file
        if stored.pk not in kept:
            FindingPhoto.objects.create(finding=finding, file=stored, added_by=acting_user)
            kept.add(stored.pk)
    return finding


@transaction.atomic
def visit_sheet_upload(*, visit: Visit, acting_user, uploaded_file: UploadedFile) -> Visit:
    """A team member uploads the signed check sheet (a PDF, through the library's checks; a PDF with
    scripts or embedded programs is refused there) and the visit is completed once every item has a
    finding. Uploading again replaces the sheet while the visit is open."""
    visit = _lock_visit(visit)
    _assert_team(visit, acting_user)
    _assert_open(visit)
    pending = list(
        visit.findings.filter(verdict="").select_related("node").values_list("node__code", flat=True)
    )
    if pending:
        raise InspectionConflict(
            _("还有 %(n)d 个条目没有记录核验结论：%(c)s")
            % {"n": len(pending), "c": "、".join(pending)},  # i18n: data
            code="incomplete",
        )
    stored = evidence_file_store(
        school=visit.assessment.school, uploaded_file=uploaded_file, acting_user=acting_user, kinds=("pdf",)
    ).evidence_file
    visit.check_sheet = stored
    visit.state = VisitState.COMPLETED
    visit.completed_at = timezone.now()
    _save(visit, user=acting_user, reason=_("上传签字核验单，核验完成"))
    return visit


def _lock_finding(finding: Finding, acting_user) -> Finding:
    finding = (
        Finding.objects.select_for_update(of=("self",))
        .select_related(
            "node",
            "visit__assessment__campaign__region",
            "visit__assessment__campaign__framework",
            "visit__assessment__school__region",
        )
        .get(pk=finding.pk)
    )
    _assert_team(finding.visit, acting_user)
    if finding.verdict != FindingVerdict.DISCREPANCY:
        raise InspectionConflict(
            _("只有“与自评不符”的核验发现可以转为整改事项或调整评审结果。"), code="not_discrepancy"
        )
    return finding


@transaction.atomic
def finding_to_rectification(
    *, finding: Finding, acting_user, action: str, due_date, today: datetime.date | None = None
) -> RectificationItem:
    """Turn a discrepancy into a rectification item of the school (source 现场核验发现), its problem
    the finding's text; the rectification service decides the rest (one item per framework item)."""
    finding = _lock_finding(finding, acting_user)
    if finding.rectification_item_id is not None:
        raise InspectionConflict(_("该核验发现已转为整改事项。"), code="already_rectified")
    item = rectification_item_add(
        assessment=finding.visit.assessment,
        acting_user=acting_user,
        node_id=finding.node_id,
        source=RectificationSource.ONSITE,
        problem=finding.text,
        action=action,
        due_date=due_date,
        today=today,
    )
    finding.rectification_item = item
    _save(finding, user=acting_user, reason=_("转为整改事项"))
    return item


@transaction.atomic
def finding_to_adjustment(*, finding: Finding, acting_user, score=None, status=None) -> Finding:
    """Turn a discrepancy into a review adjustment of the item (verdict 调整, the finding's text as
    the comment) through the review service: the acting user must be a reviewer of the school and
    the review open (a finalised review is reopened by the commission first)."""
    finding = _lock_finding(finding, acting_user)
    assessment = finding.visit.assessment
    response = ItemResponse.objects.get(assessment_id=assessment.pk, node_id=finding.node_id)
    version = response.version
    if assessment.campaign.second_review:
        # with two reviewers the version is the acting reviewer's own verdict's (0: none yet)
        mine = ItemReview.objects.filter(
            response=response, reviewer=acting_user, round=assessment.review_round
        ).first()
        version = mine.version if mine else 0
    verdict_save(
        response=response,
        acting_user=acting_user,
        version=version,
        verdict=ReviewVerdict.ADJUST,
        score=score,
        status=status,
        comment=_("现场核验：%(t)s") % {"t": finding.text},
    )
    finding.adjusted = True
    _save(finding, user=acting_user, reason=_("调整评审结果"))
    return finding


# --- publication --------------------------------------------------------------------------------------


@transaction.atomic
def publication_create(
    *,
    campaign: Campaign,
    acting_user,
    visibility: str,
    fields: Iterable[str],
    window_start: datetime.date,
    window_end: datetime.date,
) -> Publication:
    """Publish the official results of `campaign` (commission staff managing it): which fields, who
    reads the page, and the objection window (dates, both included). One publication per campaign;
    a frozen campaign is not published again. Only results the city has accepted are published
    (the official result is final only then): with none accepted there is nothing to publish."""
    campaign = Campaign.objects.select_for_update().select_related("region").get(pk=campaign.pk)
    _require(acting_user, Action.PUBLISH, campaign, _("您不能公示该活动的结果。"))
    results_assert_unfrozen(campaign=campaign)
    if Publication.objects.filter(campaign=campaign).exists():
        raise InspectionConflict(_("本活动的结果已经公示。"), code="published")
    if not Assessment.objects.filter(PUBLISHED, campaign=campaign).exists():
        raise InspectionConflict(
            _("本活动还没有通过市级验收的学校，不能公示结果：请先在“市级验收”中验收学校的评审结果。"),
            code="nothing_accepted",
        )
    fields = set(fields)
    known = {"show_pass", "show_grade", "show_total", "show_designation"}
    if not fields or not fields <= known:
        message = _("请至少选择一项公示内容。")
        raise Invalid(message, fields={"fields": [message]})
    if visibility not in Visibility.values:
        message = _("请选择公示范围。")
        raise Invalid(message, fields={"visibility": [message]})
    if not isinstance(window_start, datetime.date) or not isinstance(window_end, datetime.date):
        message = _("请填写申辩期的开始和截止日期。")
        raise Invalid(message, fields={"window_end": [message]})
    if window_end < window_start:
        message = _("申辩截止日期不能早于开始日期。")
        raise Invalid(message, fields={"window_end": [message]})
    publication = Publication(
        campaign=campaign,
        visibility=visibility,
        window_start=window_start,
        window_end=window_end,
        published_by=acting_user,
        **{name: name in fields for name in known},
    )
    _save(publication, user=acting_user, reason=_("发布结果公示"))
    cios = school_cio_ids_of(campaign)
    notify(
        user_ids=cios,
        kind=Notification.Kind.FINALISED,
        title=_("%(c)s：结果公示") % {"c": campaign.title},
        body=_("结果已公示，申辩期 %(s)s 至 %(e)s。")
        % {"s": window_start.isoformat(), "e": window_end.isoformat()},
        url=reverse("inspections:publication-detail", args=[publication.pk]),
        key=f"publication:{publication.pk}",
    )
    return publication


def school_cio_ids_of(campaign: Campaign) -> list[int]:
    """The CIOs of the schools a publication of `campaign` shows (accepted by the city)."""
    school_ids = list(
        Assessment.objects.filter(PUBLISHED, campaign=campaign).values_list("school_id", flat=True)
    )
    by_school = cio_ids_by_school(school_ids=school_ids)
    return sorted({u for ids in by_school.values() for u in ids})


def _lock_publication(publication: Publication) -> Publication:
    return (
        Publication.objects.select_for_update(of=("self",))
        .select_related("campaign__region")
        .get(pk=publication.pk)
    )


@transaction.atomic
def publication_close(*, publication: Publication, acting_user) -> Publication:
    """End the publication: refused while objections are undecided or a school whose objection was
    upheld has not been finalised and accepted again (its new result is not published until then);
    then the campaign's results and designations freeze."""
    publication = _lock_publication(publication)
    _require(acting_user, Action.PUBLISH, publication.campaign, _("您不能结束该公示。"))
    if publication.state != PublicationState.OPEN:
        raise InspectionConflict(_("该公示已经结束。"), code="closed")
    undecided = publication.objections.filter(state=ObjectionState.OPEN).count()
    if undecided:
        raise InspectionConflict(
            _("还有 %(n)d 条申辩未处理，处理后才能结束公示。") % {"n": undecided}, code="objections_open"
        )
    reopened = list(
        publication.objections.filter(state=ObjectionState.UPHELD)
        .exclude(assessment__in=Assessment.objects.filter(PUBLISHED))
        .values_list("assessment__school__name", flat=True)
        .distinct()
    )
    if reopened:
        raise InspectionConflict(
            _("申辩成立的学校尚未重新完成评审和市级验收：%(s)s。重新完成评审并通过验收后才能结束公示。")
            % {"s": "、".join(reopened)},  # i18n: data
            code="reopened_pending",
        )
    publication.state = PublicationState.CLOSED
    publication.closed_by = acting_user
    publication.closed_at = timezone.now()
    _save(publication, user=acting_user, reason=_("结束公示"))
    campaign_results_freeze(campaign=publication.campaign, acting_user=acting_user)
    return publication


# --- objections ---------------------------------------------------------------------------------------


@transaction.atomic
def objection_raise(
    *,
    publication: Publication,
    assessment: Assessment,
    acting_user,
    reason: str,
    node_id: int | None = None,
    file_ids: Iterable[int] = (),
    today: datetime.date | None = None,
) -> Objection:
    """The school's CIO objects to its published result (`node_id` None) or to one item, with a
    reason and, optionally, files of its evidence library. Only during the window, one open objection
    per item (and one on the result as a whole)."""
    publication = _lock_publication(publication)
    assessment = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("campaign__region", "school__region")
        .get(pk=assessment.pk)
    )
    _require(acting_user, Action.OBJECT, assessment, _("您不能对该校的结果提出申辩。"))
    if assessment.campaign_id != publication.campaign_id:
        raise InspectionRefused(_("该校不在本次公示中。"), code="not_published")
    if not publication.window_open(today):
        raise InspectionConflict(
            _("申辩期为 %(s)s 至 %(e)s，当前不能提出申辩。")
            % {"s": publication.window_start.isoformat(), "e": publication.window_end.isoformat()},
            code="window_closed",
        )
    if assessment.status != AssessmentStatus.FINALISED:
        raise InspectionConflict(_("该校的评审结果尚未确定，不能提出申辩。"), code="not_finalised")
    if assessment.acceptance != Acceptance.ACCEPTED:
        raise InspectionConflict(
            _("该校的评审结果尚未通过市级验收，未在本次公示中，不能提出申辩。"), code="not_accepted"
        )
    if node_id is not None:
        node_id = int(node_id)
        if not ItemResponse.objects.filter(assessment=assessment, node_id=node_id).exists():
            message = _("请选择本校自评中的条目。")
            raise Invalid(message, fields={"node": [message]})
    reason = _text(reason, field="reason", label=_("申辩理由"), required=True)
    file_ids = sorted({int(f) for f in file_ids})
    files = list(EvidenceFile.objects.filter(pk__in=file_ids, school_id=assessment.school_id))
    if len(files) != len(file_ids):
        message = _("所选证明材料不在本校的材料库中。")
        raise Invalid(message, fields={"files": [message]})
    if Objection.objects.filter(
        publication=publication, assessment=assessment, node_id=node_id, state=ObjectionState.OPEN
    ).exists():
        raise InspectionConflict(_("该条目已有一条待处理的申辩，请等待处理结果。"), code="already_open")
    objection = Objection(
        publication=publication, assessment=assessment, node_id=node_id, reason=reason, raised_by=acting_user
    )
    try:
        with transaction.atomic():
            _save(objection, user=acting_user, reason=_("提出申辩"))
    except IntegrityError:
        raise InspectionConflict(
            _("该条目已有一条待处理的申辩，请等待处理结果。"), code="already_open"
        ) from None
    objection.files.set(files)
    notify(
        user_ids=_commission_ids(publication.campaign),
        kind=Notification.Kind.RETURNED,
        title=_("%(s)s提出申辩") % {"s": assessment.school.name},
        body=reason[:200],
        url=reverse("inspections:publication-detail", args=[publication.pk]),
    )
    return objection


def _commission_ids(campaign: Campaign) -> list[int]:
    paths = [p for p in _ancestors(campaign.region.path)]
    return sorted(
        set(
            Membership.objects.filter(role=Role.COMMISSION, region__path__in=paths).values_list(
                "user_id", flat=True
            )
        )
    )


def _ancestors(path: str) -> list[str]:
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def _decide(objection: Objection, acting_user, reason: str) -> Objection:
    objection = (
        Objection.objects.select_for_update(of=("self",))
        .select_related("publication", "assessment__campaign__region", "assessment__school__region", "node")
        .get(pk=objection.pk)
    )
    _require(acting_user, Action.PUBLISH, objection, _("您不能处理该申辩。"))
    if objection.state != ObjectionState.OPEN:
        raise InspectionConflict(
            _("该申辩已处理（%(s)s）。") % {"s": objection.get_state_display()}, code="decided"
        )
    if objection.publication.state != PublicationState.OPEN:
        raise InspectionConflict(_("该公示已经结束。"), code="closed")
    objection.decision = _text(reason, field="reason", label=_("处理意见"), required=True)
    objection.decided_by = acting_user
    objection.decided_at = timezone.now()
    return objection


@transaction.atomic
def objection_uphold(*, objection: Objection, acting_user, reason: str) -> Objection:
    """The commission upholds an objection: the school's review is reopened through the review
    service (its result, its city acceptance and its designations are withdrawn, with the reason,
    until the reviewers finalise again and the city accepts again), naming the item objected to. A
    review already reopened by another upheld objection stays open."""
    objection = _decide(objection, acting_user, reason)
    objection.state = ObjectionState.UPHELD
    _save(objection, user=acting_user, reason=_("申辩成立"))
    what = objection.node.code if objection.node_id else _("总体结果")
    if objection.assessment.status == AssessmentStatus.FINALISED:
        review_reopen(
            assessment=objection.assessment,
            acting_user=acting_user,
            reason=_("申辩成立（%(w)s）：%(r)s") % {"w": what, "r": objection.decision},
        )
    notify(
        user_ids=school_cio_ids(school_id=objection.assessment.school_id),
        kind=Notification.Kind.REOPENED,
        title=_("申辩成立：%(w)s") % {"w": what},
        body=objection.decision,
        url=reverse(
            "inspections:publication-school", args=[objection.publication_id, objection.assessment_id]
        ),
    )
    return objection


@transaction.atomic
def objection_reject(*, objection: Objection, acting_user, reason: str) -> Objection:
    """The commission rejects an objection with its reason; the result stands."""
    objection = _decide(objection, acting_user, reason)
    objection.state = ObjectionState.REJECTED
    _save(objection, user=acting_user, reason=_("申辩不成立"))
    what = objection.node.code if objection.node_id else _("总体结果")
    notify(
        user_ids=school_cio_ids(school_id=objection.assessment.school_id),
        kind=Notification.Kind.FINALISED,
        title=_("申辩不成立：%(w)s") % {"w": what},
        body=objection.decision,
        url=reverse(
            "inspections:publication-school", args=[objection.publication_id, objection.assessment_id]
        ),
    )
    return objection


__all__ = [
    "InspectionConflict",
    "InspectionRefused",
    "finding_record",
    "finding_to_adjustment",
    "finding_to_rectification",
    "objection_raise",
    "objection_reject",
    "objection_uphold",
    "publication_close",
    "publication_create",
    "visit_schedule",
    "visit_sheet_upload",
]
