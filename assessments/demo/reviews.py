"""Demo work for the reviewers (`seed_demo` without --fill): a few Haidian and Zhangdian schools'
K-12 assessments answered with plausible values and submitted, and one university assigned to the
commission's higher-education expert `bj_expert`. Deterministic (seeded by `--seed` and the school
code) and idempotent: only untouched drafts are filled, the assignment is made once."""

from __future__ import annotations

import random

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators.selectors import framework_nodes, scoring_tree

from .. import services
from ..freshness import campaign_data_changed
from ..models import Assessment, AssessmentStatus, Membership, ReviewAssignment, Role
from .fill import STATEMENTS, _half_points

# (framework code, district code, how many schools) — the CIO demo schools are left alone
DEMO_REVIEW_SCHOOLS = [
    ("beijing-k12", "110108", 3),
    ("zibo-k12", "370303", 2),
    ("beijing-higher", "110105", 1),
]
EXPERT_UNIVERSITY = "4111011417"  # 北京联合大学 (朝阳区): reviewed by the commission-assigned expert


def _fill(assessment: Assessment, *, seed: int) -> None:
    framework = assessment.campaign.framework
    tree = scoring_tree(framework=framework, nodes=framework_nodes(framework=framework))
    rng = random.Random(f"{seed}:review-demo:{assessment.school.code}")  # noqa: S311 — demo data
    ability = rng.uniform(0.55, 0.9)
    now = timezone.now()
    for r in assessment.responses.select_related("node").order_by("node__position"):
        share = max(0.0, min(1.0, ability + rng.gauss(0, 0.15)))
        if tree.is_points:
            r.self_score = min(
                _half_points(float(tree.score_max[r.node.code]) * share), tree.score_max[r.node.code]
            )
        elif r.node.optional and rng.random() < 0.3:
            r.self_status = "na"
        else:
            r.self_status = "met" if share >= 0.7 else "partial" if share >= 0.45 else "not_met"
        r.statement = rng.choice(STATEMENTS)
        r.version, r.updated_at = 2, now
        r._change_reason = "演示数据"  # i18n: data
        r.save(update_fields=["self_score", "self_status", "statement", "version", "updated_at"])
    assessment.status, assessment.submitted_at = AssessmentStatus.SUBMITTED, now
    assessment.version += 1
    assessment._change_reason = "演示数据：已提交待评审"  # i18n: data
    assessment.save(update_fields=["status", "submitted_at", "version"])
    campaign_data_changed(assessment.campaign_id)


def demo_reviews_seed(*, seed: int, log) -> None:
    demo_cio_schools = set(
        Membership.objects.filter(role=Role.SCHOOL_CIO).values_list("school_id", flat=True)
    )
    for code, district, count in DEMO_REVIEW_SCHOOLS:
        qs = (
            # the current round only: a previous year's round is the one with a successor
            Assessment.objects.filter(
                campaign__framework__code=code,
                campaign__successors__isnull=True,
                school__region__code=district,
            )
            .exclude(school_id__in=demo_cio_schools)
            .select_related("campaign__framework", "school")
            .order_by("school__code")
        )
        if code == "beijing-higher":
            qs = qs.filter(school__code=EXPERT_UNIVERSITY)
        filled = 0
        for a in qs[:count]:
            if (
                a.status == AssessmentStatus.DRAFT
                and not a.responses.filter(updated_at__isnull=False).exists()
            ):
                _fill(a, seed=seed)
                filled += 1
        if filled:
            log(_("演示评审：%(code)s 新提交 %(n)d 份自评待评审。") % {"code": code, "n": filled})
    User = get_user_model()
    expert = User.objects.filter(username="bj_expert").first()
    commission = User.objects.filter(username="bj_commission").first()
    target = Assessment.objects.filter(
        campaign__framework__code="beijing-higher", school__code=EXPERT_UNIVERSITY
    ).first()
    if expert and commission and target and not ReviewAssignment.objects.filter(assessment=target).exists():
        services.review_assign(assessment=target, reviewer=expert, acting_user=commission, lead=True)
        log(_("演示评审：北京联合大学已指派给高校评审专家 bj_expert。"))
