"""The demo's previous year (`seed_demo`): a closed 2025 round of the Beijing K-12 standard for the
Beijing K-12 demo schools — every school answered, reviewed and finalised by `demo.fill` — named as
the predecessor of the 2026 demo campaign, so the year-over-year comparison has two years.
Idempotent: the round is created (or grown) once and filled only when it gained schools; the fill
is deterministic (seeded by the year), so running it again gives the same values."""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from indicators.selectors import framework_latest

from .. import services
from ..models import AssessmentStatus, Campaign, Region, School, SchoolType
from ..selectors.results import current_rule
from .fill import campaign_fill

# (framework code, this year's title, last year's title, owning region, commission login)
DEMO_PREVIOUS_YEAR = (
    "beijing-k12",
    "2026年北京市中小学智慧校园自评",  # i18n: data
    "2025年北京市中小学智慧校园自评",  # i18n: data
    "110000",
    "bj_commission",
)
CLOSED = [(AssessmentStatus.FINALISED, 1)]


def demo_previous_year_seed(*, seed: int, log) -> Campaign | None:
    code, this_title, title, region_code, username = DEMO_PREVIOUS_YEAR
    this = Campaign.objects.filter(title=this_title, framework__code=code).first()
    framework = framework_latest(code=code)
    region = Region.objects.filter(code=region_code).first()
    commission = get_user_model().objects.filter(username=username).first()
    if this is None or framework is None or region is None or commission is None:
        return None
    schools = (
        School.objects.filter(region__path__startswith=region.path)
        .exclude(school_type=SchoolType.HIGHER)
        .select_related("region")
    )
    previous = Campaign.objects.filter(title=title, framework__code=code).first()
    if previous is None:
        previous = services.campaign_create(
            framework=framework,
            year=this.year - 1,
            title=title,
            region=region,
            self_deadline=services.end_of_day(datetime.date(this.year - 1, 12, 31)),
            review_deadline=services.end_of_day(datetime.date(this.year, 1, 31)),
            schools=schools,
            acting_user=commission,
        )
        added = previous.assessments.count()
    else:
        added = services.campaign_add_schools(campaign=previous, schools=schools, acting_user=commission)
    if current_rule(previous) is None:
        # last year's round is decided by the same rule, so its schools have official results
        services.rule_copy(source=this, campaign=previous, acting_user=commission)
    if added:
        stats = campaign_fill(campaign=previous, seed=seed - 1, status_weights=CLOSED)
        log(
            _("演示上一年度活动“%(title)s”：%(n)d 所学校已评审完成。")
            % {"title": title, "n": stats.assessments}
        )
    services.campaign_predecessor_set(campaign=this, predecessor=previous, acting_user=commission)
    return previous
