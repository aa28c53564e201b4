"""Fill a demo campaign with complete, realistic self-assessments and reviews:
`manage.py seed_demo --campaign beijing-k12 --fill`.

What a 2,000-school city looks like here:
- every school has an ability made of a district effect, a school effect (about one school in ten
  is clearly weaker) and a per-(district, dimension) effect; every item has a difficulty. A score is
  that fraction of the item's points, rounded to half points (starred dimensions: occasionally above
  the nominal points, never above the dimension's maximum); compliance items are 达标 / 部分达标 /
  未达标 by the same fraction, optional items sometimes 不适用;
- statuses: most finalised or in review, some submitted, some returned (with reopened items),
  some drafts (partly answered, a few not started);
- reviewed items carry the consolidated review fields and the district reviewer's own verdict
  (`ItemReview`, round 1; a returned assessment is in round 2, waiting for the school);
- everything is derived from `--seed`, the school code and the item code, so the same command gives
  the same data on any database, and running it again rewrites the same values.

Speed: values are computed in Python and written with one `UPDATE … FROM (VALUES …)` per chunk of
responses (ItemResponse rows already exist: `campaign_create` made them with INSERT … SELECT), so
2,000 × 126 items take seconds, not minutes.

History: seeded data has no per-item history. 252,000 historical rows would double the seeding
time and the table, and nobody edited those items; each assessment gets one history row (its status
change, reason 演示数据填充) through django-simple-history's `bulk_update_with_history`.

Evidence files live in the `evidence` app, which this app may not import; `seed_demo` runs
`evidence.demo.evidence_demo_fill` after this module when that app is installed.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from indicators.selectors import answerable_nodes, framework_nodes, scoring_tree
from smartcampus.db import planner_statistics_refresh

from ..freshness import campaign_data_changed
from ..models import Assessment, AssessmentStatus, Campaign, ItemResponse, ItemReview, Membership, Role
from ..services.results import outcomes_decide

UPDATE_CHUNK = 2000
CHANGE_REASON = "演示数据填充"  # i18n: data

# (status, weight): most finalised or in review, some submitted, some returned, some drafts.
STATUS_WEIGHTS = [
    (AssessmentStatus.FINALISED, 45),
    (AssessmentStatus.IN_REVIEW, 22),
    (AssessmentStatus.SUBMITTED, 13),
    (AssessmentStatus.RETURNED, 8),
    (AssessmentStatus.DRAFT, 12),
]

STATEMENTS = [
    "本校已按要求完成建设并投入使用，运行情况良好，相关制度与记录齐全，详见佐证材料。",  # i18n: data
    "已制定专项方案并落实到部门，覆盖全体师生，年度使用数据见附件。",  # i18n: data
    "基础条件已具备，部分功能仍在完善中，计划于下学期完成升级。",  # i18n: data
    "由信息中心统一建设和运维，建立了巡检和故障响应机制，近一年可用率达 99% 以上。",  # i18n: data
    "结合学校发展规划开展特色应用，已形成校本案例并在区内交流。",  # i18n: data
    "已完成采购与部署，教师培训覆盖率约 85%，常态化应用仍需加强。",  # i18n: data
    "相关平台已与区级平台对接，数据按学期同步，数据质量定期核查。",  # i18n: data
    "该项建设尚处于起步阶段，已列入明年预算，现有条件说明见佐证材料。",  # i18n: data
]
ADJUST_COMMENTS = [
    "佐证材料未体现常态化应用，酌情扣分。",  # i18n: data
    "覆盖范围不足，与自评描述不一致，调整得分。",  # i18n: data
    "制度文件齐全，但缺少运行记录，按实际情况调整。",  # i18n: data
    "材料与指标要求对应不充分，建议补充使用数据。",  # i18n: data
]
MORE_EVIDENCE_COMMENTS = [
    "请补充近一学期的运行记录或使用统计。",  # i18n: data
    "佐证材料无法打开或与条目无关，请重新上传。",  # i18n: data
]
HALF = Decimal("0.5")


@dataclass
class FillStats:
    campaign: Campaign
    assessments: int = 0
    responses: int = 0
    answered: int = 0
    reviewed: int = 0
    item_reviews: int = 0
    statuses: dict[str, int] = field(default_factory=dict)


def _rng(seed: int, *parts: object) -> random.Random:
    # String seeds are hashed with SHA-512 by `random`: stable across runs and machines.
    return random.Random(":".join(str(p) for p in (seed, *parts)))  # noqa: S311 — demo data, not secrets


def _clamp(x: float, low: float = 0.0, high: float = 1.0) -> float:
    return max(low, min(high, x))


def _half_points(value: float) -> Decimal:
    return (Decimal(str(value)) / HALF).quantize(Decimal(1), rounding=ROUND_HALF_UP) * HALF


def _first_user_ids(role: str, key: str) -> dict[int, int]:
    """school id or region id → the first user with that role there (by username)."""
    found: dict[int, int] = {}
    rows = Membership.objects.filter(role=role).order_by("user__username").values_list(f"{key}_id", "user_id")
    for scope_id, user_id in rows:
        if scope_id is not None:
            found.setdefault(scope_id, user_id)
    return found


def campaign_fill(
    *,
    campaign: Campaign,
    seed: int = 2026,
    now: datetime.datetime | None = None,
    status_weights: list[tuple[AssessmentStatus, int]] = STATUS_WEIGHTS,
) -> FillStats:
    """Answer every assessment of `campaign` and review the submitted ones; each school's status
    is drawn from `status_weights` (a closed past round: `[(AssessmentStatus.FINALISED, 1)]`)."""
    now = now or timezone.now()
    framework = campaign.framework
    nodes = framework_nodes(framework=framework)
    tree = scoring_tree(framework=framework, nodes=nodes)
    is_points = tree.is_points
    by_code = {n.code: n for n in nodes}
    items = answerable_nodes(tree=tree, nodes=nodes)
    dim_of = {n.pk: by_code[tree.dimension_of[n.code]] for n in items}
    difficulty = {n.pk: _rng(seed, "item", n.code).gauss(0, 0.10) for n in items}
    stats = FillStats(campaign=campaign)

    assessments = list(
        Assessment.objects.filter(campaign=campaign).select_related("school__region").order_by("school__code")
    )
    cio_of_school = _first_user_ids(Role.SCHOOL_CIO, "school")
    reviewer_of_region = _first_user_ids(Role.REVIEWER, "region")
    # no ordering: the default one joins four tables for a dict that needs none of them
    response_ids = dict(
        ((a, n), pk)
        for pk, a, n in ItemResponse.objects.filter(assessment__campaign=campaign)
        .order_by()
        .values_list("pk", "assessment_id", "node_id")
    )
    district_effect: dict[int, float] = {}
    rows: list[tuple] = []
    review_rows: list[ItemReview] = []
    statuses = [s for s, _w in status_weights]
    weights = [w for _s, w in status_weights]
    for assessment in assessments:
        school = assessment.school
        region = school.region
        if region.pk not in district_effect:
            district_effect[region.pk] = _rng(seed, "district", region.code).gauss(0, 0.07)
        rng = _rng(seed, "school", school.code, framework.code)
        ability = 0.74 + district_effect[region.pk] + rng.gauss(0, 0.10)
        if rng.random() < 0.1:
            ability -= rng.uniform(0.2, 0.35)  # a clearly weaker school
        status = rng.choices(statuses, weights=weights)[0]
        answer_share = 1.0
        if status == AssessmentStatus.DRAFT:
            answer_share = 0.0 if rng.random() < 0.25 else rng.uniform(0.2, 0.95)
        reviewed_share = {
            AssessmentStatus.FINALISED: 1.0,
            AssessmentStatus.RETURNED: 1.0,
            AssessmentStatus.IN_REVIEW: rng.uniform(0.2, 0.9),
        }.get(status, 0.0)
        submitted_at = now - datetime.timedelta(days=rng.randint(5, 40), minutes=rng.randint(0, 600))
        updated_at = submitted_at - datetime.timedelta(hours=rng.randint(1, 72))
        reviewed_at = submitted_at + datetime.timedelta(days=rng.randint(1, 4))
        cio = cio_of_school.get(school.pk)
        reviewer = reviewer_of_region.get(region.pk)
        dim_effect: dict[int, float] = {}
        any_reopened = False
        for node in items:
            pk = response_ids.get((assessment.pk, node.pk))
            if pk is None:
                continue
            dim = dim_of[node.pk]
            if dim.pk not in dim_effect:
                dim_effect[dim.pk] = _rng(seed, "dim", region.code, dim.code).gauss(0, 0.06) + rng.gauss(
                    0, 0.05
                )
            answered = rng.random() < answer_share
            share = _clamp(ability + dim_effect[dim.pk] + difficulty[node.pk] + rng.gauss(0, 0.12))
            self_score = self_status = None
            if answered:
                if is_points:
                    nominal = node.points or tree.score_max.get(node.code) or Decimal(0)
                    value = _half_points(float(nominal) * share)
                    if dim.starred and share > 0.9 and rng.random() < 0.3:
                        value = _half_points(float(nominal) * rng.uniform(1.1, 1.6))  # depth in one item
                    self_score = min(value, tree.score_max.get(node.code, value))
                elif node.optional and rng.random() < 0.3:
                    self_status = "na"
                else:
                    self_status = "met" if share >= 0.7 else "partial" if share >= 0.45 else "not_met"
            statement = rng.choice(STATEMENTS) if answered and rng.random() < 0.7 else ""
            row = [
                pk,
                self_score,
                self_status,
                statement,
                2 if answered else 1,
                cio if answered else None,
                updated_at if answered else None,
            ]
            reopened = False
            verdict = review_score = review_status = reviewed_by = r_at = None
            comment = ""
            if answered and rng.random() < reviewed_share:
                roll = rng.random()
                if status == AssessmentStatus.RETURNED and roll < 0.08:
                    verdict, comment, reopened = "more_evidence", rng.choice(MORE_EVIDENCE_COMMENTS), True
                elif roll < 0.8 or (not is_points and self_status in ("na", "not_met")):
                    verdict, review_score, review_status = "accept", self_score, self_status
                else:
                    verdict, comment = "adjust", rng.choice(ADJUST_COMMENTS)
                    if is_points:
                        review_score = max(Decimal(0), self_score - HALF * rng.randint(1, 4))
                    else:
                        review_status = "partial" if self_status == "met" else "not_met"
                reviewed_by, r_at = reviewer, reviewed_at
                if reviewer is not None:  # the reviewer's own verdict in round 1, as the workbench saves it
                    review_rows.append(
                        ItemReview(
                            response_id=pk,
                            reviewer_id=reviewer,
                            round=1,
                            verdict=verdict,
                            score=review_score,
                            status=review_status,
                            comment=comment,
                            version=1,
                        )
                    )
            row += [verdict, review_score, review_status, comment, reviewed_by, r_at]
            any_reopened |= reopened
            row.append(reopened)
            rows.append(tuple(row))
            stats.responses += 1
            stats.answered += answered
            stats.reviewed += bool(row[7])
        if status == AssessmentStatus.RETURNED and not any_reopened and rows:
            last = list(rows[-1])
            last[-1] = True  # a returned assessment always has at least one item to answer again
            rows[-1] = tuple(last)
        assessment.status = status
        assessment.submitted_at = None if status == AssessmentStatus.DRAFT else submitted_at
        assessment.version = 1 if status == AssessmentStatus.DRAFT else 3
        assessment.review_round = 2 if status == AssessmentStatus.RETURNED else 1  # returned after round 1
        assessment._change_reason = CHANGE_REASON
        stats.statuses[status] = stats.statuses.get(status, 0) + 1
    stats.assessments = len(assessments)

    columns = ["self_score", "self_status", "statement", "version", "updated_by_id", "updated_at"]
    columns += [
        "review_verdict",
        "review_score",
        "review_status",
        "review_comment",
        "reviewed_by_id",
        "reviewed_at",
    ]
    columns.append("reopened")
    with transaction.atomic():
        _bulk_update_rows(ItemResponse, columns, rows)
        _item_reviews_replace(campaign, review_rows)
        stats.item_reviews = len(review_rows)
        result_fields = outcomes_decide(campaign=campaign, assessments=assessments, now=now)
        bulk_update_with_history(
            assessments,
            Assessment,
            ["status", "submitted_at", "version", "review_round", *result_fields],
            batch_size=500,
            default_change_reason=CHANGE_REASON,
        )
        campaign_data_changed(campaign.pk)
        planner_statistics_refresh(Assessment, ItemResponse, ItemReview)
    return stats


def _item_reviews_replace(campaign: Campaign, reviews: list[ItemReview]) -> None:
    """Replace the campaign's per-reviewer verdicts: one DELETE (a queryset delete would load every
    row to send the history signals, and seeding keeps no per-item history) and bulk INSERTs."""
    qn = connection.ops.quote_name
    review_table, response_table = qn(ItemReview._meta.db_table), qn(ItemResponse._meta.db_table)
    assessment_table = qn(Assessment._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {review_table} WHERE response_id IN (SELECT r.id FROM {response_table} r "  # noqa: S608
            f"JOIN {assessment_table} a ON a.id = r.assessment_id WHERE a.campaign_id = %s)",
            [campaign.pk],
        )
    ItemReview.objects.bulk_create(reviews, batch_size=5000)


def _bulk_update_rows(model, columns: list[str], rows: list[tuple]) -> None:
    """`UPDATE table SET col = v.colN … FROM (VALUES (pk, …), …) v WHERE table.id = v.column1` per
    chunk: one statement per UPDATE_CHUNK rows (Django's bulk_update builds a CASE per column and row,
    which is an order of magnitude slower at this size). PostgreSQL gets explicit casts because
    parameters in VALUES arrive untyped; SQLite (3.33+) takes the values as they are."""
    if not rows:
        return
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    postgres = connection.vendor == "postgresql"
    fields = [model._meta.get_field(c.removesuffix("_id")) for c in columns]

    def cast(i: int, f) -> str:
        ref = f"v.column{i}"
        if not postgres:
            return ref
        return f"CAST({ref} AS {'integer' if f.is_relation else f.db_type(connection)})"

    pairs = zip(columns, fields, strict=True)
    sets = ", ".join(f"{qn(c)} = {cast(i + 2, f)}" for i, (c, f) in enumerate(pairs))
    width = len(columns) + 1
    alias = "v(" + ", ".join(f"column{i}" for i in range(1, width + 1)) + ")" if postgres else "v"
    pk_ref = "CAST(v.column1 AS integer)" if postgres else "v.column1"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), UPDATE_CHUNK):
            chunk = rows[start : start + UPDATE_CHUNK]
            values = ", ".join(["(" + ", ".join(["%s"] * width) + ")"] * len(chunk))
            sql = (
                f"UPDATE {table} SET {sets} FROM (VALUES {values}) AS {alias} "  # noqa: S608 — names from _meta
                f"WHERE {table}.id = {pk_ref}"
            )
            cursor.execute(sql, [value for row in chunk for value in row])


def demo_campaigns_fill(*, campaigns: list[Campaign], seed: int, log) -> list[FillStats]:
    """`seed_demo --fill`: fill each campaign, then give it demo evidence when the evidence app is
    installed (a soft dependency through the app registry: this app never imports `evidence`)."""
    from django.apps import apps
    from django.utils.module_loading import import_string

    from .acceptance import campaign_acceptance_fill  # imports this module's helpers
    from .designations import campaign_designations_fill  # imports this module's helpers
    from .facts import campaign_facts_fill  # imports this module's helpers

    evidence_fill = (
        import_string("evidence.demo.evidence_demo_fill") if apps.is_installed("evidence") else None
    )
    rectification_fill = (
        import_string("rectification.demo.rectification_demo_fill")
        if apps.is_installed("rectification")
        else None
    )
    inspections_fill = (
        import_string("inspections.demo.inspections_demo_fill") if apps.is_installed("inspections") else None
    )
    results = []
    for campaign in campaigns:
        stats = campaign_fill(campaign=campaign, seed=seed)
        statuses = _("、").join(
            f"{AssessmentStatus(s).label} {n}" for s, n in sorted(stats.statuses.items(), key=lambda t: -t[1])
        )
        log(
            _(
                "已填充“%(title)s”：%(schools)d 所学校，%(answered)d/%(responses)d 个条目已填写，"
                "%(reviewed)d 个已评审（专家评审记录 %(item_reviews)d 条）；%(statuses)s。"
            )
            % {
                "title": campaign.title,
                "schools": stats.assessments,
                "answered": stats.answered,
                "responses": stats.responses,
                "reviewed": stats.reviewed,
                "item_reviews": stats.item_reviews,
                "statuses": statuses,
            }
        )
        facts = campaign_facts_fill(campaign=campaign, seed=seed)
        log(_("  学校基本情况：%(n)d 项数据。") % {"n": facts})
        named = campaign_designations_fill(campaign=campaign)
        log(_("  命名：名额 %(quotas)d 项，推荐 %(nominated)d 所次，已授予 %(awarded)d 所次。") % named)
        if evidence_fill is not None:
            counts = evidence_fill(campaign=campaign, seed=seed)
            log(_("  佐证材料：新增文件 %(files)d 个，关联 %(attachments)d 次，链接 %(links)d 条。") % counts)
        # before the rectification items: a school sent back is in review again and gets none
        accepted = campaign_acceptance_fill(campaign=campaign, seed=seed)
        log(
            _("  市级验收：已验收 %(accepted)d 所，退回 %(sent_back)d 所；抽样复核 %(sampled)d 所。")
            % accepted
        )
        if rectification_fill is not None:
            log(_("  整改事项：新增 %(n)d 项。") % {"n": rectification_fill(campaign=campaign, seed=seed)})
        if inspections_fill is not None:
            log(_("  现场核验与结果公示：新增 %(n)d 次核验。") % {"n": inspections_fill(campaign=campaign)})
        results.append(stats)
    return results
