"""Writes of the assessment workflow: campaigns, responses, submission, deadline extensions.

Every service is keyword-only, runs in one transaction, validates before saving and leaves its
audit trail in the same transaction: django-simple-history rows for Campaign, Assessment and
ItemResponse (who, when, old and new values), `DeadlineExtension` rows for extensions.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators.models import Framework
from indicators.scoring import ScoreError, validate_compliance_status, validate_points_score
from indicators.selectors import answerable_nodes, framework_nodes, scoring_tree
from indicators.services import framework_lock
from smartcampus.errors import Conflict, Invalid, Refused

from ..freshness import campaign_data_changed
from ..models import (
    Assessment,
    AssessmentStatus,
    Campaign,
    DeadlineExtension,
    ItemResponse,
    Notification,
    Region,
    School,
    SchoolType,
)
from ..models.campaigns import STATEMENT_MAX_LENGTH
from ..scoping import Action, get_scope
from ..selectors.campaigns import assessment_missing
from ..selectors.facts import ClaimFailure, fact_claim_failures
from .notifications import assessment_reviewer_ids, notify

ASSESSMENT_CHUNK = 300  # keeps every INSERT … SELECT under SQLite's parameter limit
UNSET = object()


class AssessmentLocked(Conflict):
    """The school's CIO may not change this response now: submitted, returned without this item, or
    past the deadline (`code`: submitted, not_reopened, deadline)."""


class ResponseConflict(Conflict):
    """The edit was based on an older version of the response; `current` is the newer one."""

    def __init__(self, message, *, current: ItemResponse):
        super().__init__(message, code="conflict", current=current)


class AssessmentIncomplete(Invalid):
    """Submission refused: `missing` lists the unanswered responses in tree order."""

    def __init__(self, message, *, missing: list[ItemResponse]):
        super().__init__(message, code="incomplete", extra={"missing": [r.node.code for r in missing]})
        self.missing = missing


class ClaimsContradicted(Invalid):
    """Submission refused: the school claims 达标 / full marks on items whose blocking automatic
    check fails on its own facts; `failures` lists them (item, rule, message)."""

    def __init__(self, message, *, failures: list[ClaimFailure]):
        extra = {
            "contradicted": [
                {"item": f.item, "rule": f.check.result.rule, "message": f.check.result.message}
                for f in failures
            ]
        }
        super().__init__(message, code="contradicted", extra=extra)
        self.failures = failures


def end_of_day(day: datetime.date) -> datetime.datetime:
    """Deadlines are end-of-day local time (Asia/Shanghai, the project's TIME_ZONE)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(23, 59, 59)))


def _require_commission(*, user, region: Region) -> None:
    if not get_scope(user).can(Action.MANAGE, region):
        raise Refused(
            _("您不是%(region)s的教委工作人员，不能管理该地区的自评活动。") % {"region": region},
            code="not_commission",
        )


# --- campaigns ------------------------------------------------------------------------------------


@transaction.atomic
def campaign_create(
    *,
    framework: Framework,
    year: int,
    title: str,
    region: Region,
    self_deadline: datetime.datetime,
    review_deadline: datetime.datetime,
    schools: Iterable[School],
    acting_user,
) -> Campaign:
    """Create a campaign, lock its framework version and create one assessment (with one response
    per answerable item) for every school in scope. Schools outside the owning region are refused."""
    _require_commission(user=acting_user, region=region)
    campaign = Campaign(
        framework=framework,
        year=year,
        title=title.strip(),
        region=region,
        self_deadline=self_deadline,
        review_deadline=review_deadline,
        created_by=acting_user,
    )
    campaign.full_clean()
    campaign.save()
    framework_lock(framework=framework)
    _assessments_create(campaign=campaign, schools=list(schools))
    return campaign


@transaction.atomic
def campaign_add_schools(*, campaign: Campaign, schools: Iterable[School], acting_user) -> int:
    """Add schools to a running campaign; schools already in it are skipped. Returns how many were added."""
    _require_commission(user=acting_user, region=campaign.region)
    campaign = (
        Campaign.objects.select_for_update(of=("self",))
        .select_related("framework", "region")
        .get(pk=campaign.pk)
    )
    return _assessments_create(campaign=campaign, schools=list(schools))


def _assessments_create(*, campaign: Campaign, schools: list[School]) -> int:
    """Bulk-create the assessments and their responses (two INSERT batches, no per-row history:
    the campaign's own history row records the creation). Schools outside the campaign's region, or
    whose type does not fit the framework's 学段 (a university in a K-12 campaign), are refused."""
    outside = [s for s in schools if not s.region.path.startswith(campaign.region.path)]
    if outside:
        raise Invalid(
            _("以下学校不在%(region)s范围内：%(names)s")
            % {"region": campaign.region, "names": _("、").join(s.name for s in outside[:10])},
            code="outside_region",
            fields={"schools": [_("所选学校须在主管地区范围内。")]},
        )
    framework = campaign.framework
    unfit = [s for s in schools if SchoolType(s.school_type).level != framework.school_level]
    if unfit:
        message = _("以下学校的类型不适用于%(level)s的指标体系“%(fw)s”：%(names)s") % {
            "level": framework.get_school_level_display(),
            "fw": framework.name,
            "names": _("、").join(
                _("%(name)s（%(type)s）") % {"name": s.name, "type": s.get_school_type_display()}
                for s in unfit[:10]
            ),
        }
        raise Invalid(message, code="school_level", fields={"schools": [message]})
    existing = set(Assessment.objects.filter(campaign=campaign).values_list("school_id", flat=True))
    new_schools = {s.pk: s for s in schools if s.pk not in existing}
    if not new_schools:
        return 0
    # bulk_create sets primary keys on PostgreSQL and SQLite (RETURNING), so responses can point to them
    assessments = Assessment.objects.bulk_create(
        [Assessment(campaign=campaign, school_id=pk) for pk in new_schools], batch_size=1000
    )
    nodes = framework_nodes(framework=campaign.framework)
    items = answerable_nodes(tree=scoring_tree(framework=campaign.framework, nodes=nodes), nodes=nodes)
    _responses_create(assessment_ids=[a.pk for a in assessments], node_ids=[n.pk for n in items])
    campaign_data_changed(campaign.pk)
    return len(assessments)


def _responses_create(*, assessment_ids: list[int], node_ids: list[int]) -> None:
    """One INSERT … SELECT per chunk of assessments: the database builds the assessment × item
    cross product itself, so 2,000 schools × 126 items (252,000 rows) never become Python objects.
    Columns not listed take the defaults written here, which mirror the model's defaults."""
    if not node_ids:
        return
    qn = connection.ops.quote_name
    table, assessment_table = ItemResponse._meta.db_table, Assessment._meta.db_table
    node_table = ItemResponse._meta.get_field("node").related_model._meta.db_table
    sql = (
        f"INSERT INTO {qn(table)} (assessment_id, node_id, statement, review_comment, reopened, version) "  # noqa: S608
        f"SELECT a.id, n.id, '', '', %s, 1 FROM {qn(assessment_table)} a CROSS JOIN {qn(node_table)} n "
        "WHERE a.id IN ({a}) AND n.id IN ({n})"
    )
    nodes_sql = ", ".join(["%s"] * len(node_ids))
    with connection.cursor() as cursor:
        for start in range(0, len(assessment_ids), ASSESSMENT_CHUNK):
            chunk = assessment_ids[start : start + ASSESSMENT_CHUNK]
            cursor.execute(
                sql.format(a=", ".join(["%s"] * len(chunk)), n=nodes_sql), [False, *chunk, *node_ids]
            )


@transaction.atomic
def deadline_extend(
    *, assessment: Assessment, new_deadline: datetime.datetime, reason: str, acting_user
) -> DeadlineExtension:
    """Give one school a later self-assessment deadline; the reason is kept with who granted it."""
    assessment = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("campaign__region")
        .get(pk=assessment.pk)
    )
    _require_commission(user=acting_user, region=assessment.campaign.region)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_("请填写延期原因。"), fields={"reason": [_("请填写延期原因。")]})
    if new_deadline <= assessment.campaign.self_deadline:
        message = _("新的截止时间须晚于活动的自评截止时间。")
        raise Invalid(message, fields={"new_deadline": [message]})
    extension = DeadlineExtension(
        assessment=assessment, new_deadline=new_deadline, reason=reason, granted_by=acting_user
    )
    extension.full_clean()
    extension.save()
    assessment.deadline_override = new_deadline
    assessment._change_reason = _("延期：%(reason)s") % {"reason": reason[:80]}
    assessment._history_user = acting_user
    assessment.full_clean()
    assessment.save(update_fields=["deadline_override"])
    return extension


# --- responses ------------------------------------------------------------------------------------


def response_assert_editable(*, response: ItemResponse, acting_user) -> None:
    """Raise a refusal unless `acting_user` may change `response` (and its evidence) right now.

    Editable means: the user is a CIO of the school, and the assessment is a draft before its
    (possibly extended) deadline, or it was returned and this item was reopened by the reviewer
    (a returned assessment is answered after the self-assessment deadline by design).
    """
    assessment: Assessment = response.assessment
    scope = get_scope(acting_user)
    if not scope.can(Action.EDIT, assessment):
        raise Refused(_("只有本校的信息化负责人可以修改自评。"), code="not_cio")
    if assessment.status == AssessmentStatus.RETURNED:
        if not response.reopened:
            raise AssessmentLocked(_("自评已退回修改，但本条目未被退回，不能修改。"), code="not_reopened")
        return
    if assessment.status != AssessmentStatus.DRAFT:
        raise AssessmentLocked(
            _("自评%(status)s，不能再修改。") % {"status": assessment.get_status_display()},
            code="submitted",
        )
    if assessment.deadline_passed(timezone.now()):
        raise AssessmentLocked(
            _("自评截止时间（%(deadline)s）已过，不能再修改。如需延期，请联系教委。")
            % {"deadline": timezone.localtime(assessment.deadline).strftime("%Y-%m-%d %H:%M")},
            code="deadline",
        )


def _clean_statement(statement: str) -> str:
    statement = (statement or "").replace("\r\n", "\n").replace("\r", "\n")
    if len(statement) > STATEMENT_MAX_LENGTH:
        message = _("自评说明最多 %(max)d 字，当前 %(n)d 字。") % {
            "max": STATEMENT_MAX_LENGTH,
            "n": len(statement),
        }
        raise Invalid(message, fields={"statement": [message]})
    return statement


@transaction.atomic
def response_update(
    *,
    response: ItemResponse,
    acting_user,
    version: int,
    self_score=UNSET,
    self_status=UNSET,
    statement=UNSET,
) -> ItemResponse:
    """Save the school's answer to one item.

    `version` is the version the editor started from; if the row has moved on since (another tab,
    another user), `ResponseConflict` carries the newer row and nothing is written. Scores and
    statuses are checked by the scoring engine's validators (range, 0.5 steps, starred maxima,
    不适用 only on optional items). Passing "" or None clears a score or status.
    """
    # Lock the assessment first (the same order as assessment_submit) so an edit and a submission
    # of the same school cannot interleave.
    assessment = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("campaign__framework")
        .get(pk=response.assessment_id)
    )
    current = ItemResponse.objects.select_for_update(of=("self",)).select_related("node").get(pk=response.pk)
    current.assessment = assessment
    response_assert_editable(response=current, acting_user=acting_user)
    if int(version) != current.version:
        raise ResponseConflict(
            _("该条目已在其他窗口或由他人修改（当前为第 %(v)d 版），您的修改未保存。请查看最新内容后再修改。")
            % {"v": current.version},
            current=current,
        )
    framework = assessment.campaign.framework
    changed: list[str] = []
    if self_score is not UNSET or self_status is not UNSET:
        tree = scoring_tree(framework=framework, nodes=framework_nodes(framework=framework))
        try:
            if self_score is not UNSET:
                value = (
                    None
                    if self_score in (None, "")
                    else validate_points_score(tree, current.node.code, self_score)
                )
                if value != current.self_score:
                    current.self_score = value
                    changed.append("self_score")
        except ScoreError as exc:
            raise Invalid(str(exc), fields={"self_score": [str(exc)]}) from None
        try:
            if self_status is not UNSET:
                status = (
                    None
                    if self_status in (None, "")
                    else str(validate_compliance_status(tree, current.node.code, self_status))
                )
                if status != current.self_status:
                    current.self_status = status
                    changed.append("self_status")
        except ScoreError as exc:
            raise Invalid(str(exc), fields={"self_status": [str(exc)]}) from None
    if statement is not UNSET:
        text = _clean_statement(statement)
        if text != current.statement:
            current.statement = text
            changed.append("statement")
    if current.carry_pending and (current.self_score is not None or current.self_status is not None):
        # a carried item gets its value only from the CIO: choosing it is the confirmation
        current.confirmed_at = timezone.now()
        changed.append("confirmed_at")
    if not changed:
        return current
    current.version += 1
    current.updated_by = acting_user
    current.updated_at = timezone.now()
    current._history_user = acting_user  # the audit row names the actor even outside a request (API, shell)
    current.full_clean(exclude=["assessment", "node", "updated_by"], validate_unique=False)
    current.save(update_fields=[*changed, "version", "updated_by", "updated_at"])
    campaign_data_changed(assessment.campaign_id)
    return current


# --- submission -----------------------------------------------------------------------------------


@transaction.atomic
def assessment_submit(*, assessment: Assessment, acting_user) -> Assessment:
    """Submit a complete assessment before its deadline. Submitting an already submitted
    assessment again changes nothing (double clicks, retried requests)."""
    assessment = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("campaign", "school__region")
        .get(pk=assessment.pk)
    )
    if not get_scope(acting_user).can(Action.SUBMIT, assessment):
        raise Refused(_("只有本校的信息化负责人可以提交自评。"), code="not_cio")
    if assessment.status == AssessmentStatus.SUBMITTED:
        return assessment
    if not assessment.is_editable_state:
        raise AssessmentLocked(
            _("自评%(status)s，不能再提交。") % {"status": assessment.get_status_display()}, code="submitted"
        )
    if assessment.status == AssessmentStatus.DRAFT and assessment.deadline_passed():
        raise AssessmentLocked(
            _("自评截止时间（%(deadline)s）已过，不能提交。如需延期，请联系教委。")
            % {"deadline": timezone.localtime(assessment.deadline).strftime("%Y-%m-%d %H:%M")},
            code="deadline",
        )
    missing = assessment_missing(assessment=assessment)
    if missing:
        pending = [r.node.code for r in missing if r.carry_pending]
        message = _("还有 %(n)d 个条目未填写，不能提交：%(codes)s") % {
            "n": len(missing),
            "codes": _("、").join(r.node.code for r in missing[:20]),
        }
        if pending:
            message += _("（其中 %(n)d 个从上年带入、待确认：%(codes)s）") % {
                "n": len(pending),
                "codes": _("、").join(pending[:20]),
            }
        raise AssessmentIncomplete(message, missing=missing)
    # Only a claim is refused: a school that reports a failing number honestly (未达标, or less than
    # full marks) can always submit, and every other failure is listed on the submit page.
    contradicted = fact_claim_failures(assessment=assessment)
    if contradicted:
        raise ClaimsContradicted(
            _(
                "以下条目自评为达标或满分，但自动校验不符合（须满足的要求），不能提交：%(items)s。请核对学校基本情况，或如实修改自评。"
            )
            % {"items": _("；").join(f"{f.item} {f.check.result.detail}" for f in contradicted[:10])},
            failures=contradicted,
        )
    was_returned = assessment.status == AssessmentStatus.RETURNED
    assessment.status = AssessmentStatus.SUBMITTED
    assessment.submitted_at = timezone.now()
    assessment.version += 1
    assessment._history_user = acting_user
    assessment.full_clean()
    assessment.save(update_fields=["status", "submitted_at", "version"])
    campaign_data_changed(assessment.campaign_id)
    if was_returned:
        assessment.responses.filter(reopened=True).update(reopened=False)
    notify(
        user_ids=assessment_reviewer_ids(assessment=assessment),
        kind=Notification.Kind.SUBMITTED,
        title=_("%(s)s提交了自评") % {"s": assessment.school.name},
        body=_("%(c)s：%(s)s%(again)s提交了自评，请评审。")
        % {
            "c": assessment.campaign.title,
            "s": assessment.school.name,
            "again": _("修改后重新") if was_returned else "",
        },
        url=reverse("assessments:review-summary", args=[assessment.pk]),
    )
    return assessment
