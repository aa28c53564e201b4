"""Writes of the year-over-year slice: a campaign copied as the next year's round.

The copy names its source as `predecessor`, so comparisons (`selectors.years`) know which round
came before; the source is never changed.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from indicators.services import framework_lock
from smartcampus.errors import Conflict, Invalid

from ..models import Campaign, School
from ..selectors.years import NextYear, campaign_next_year
from .campaigns import _assessments_create, _require_commission
from .results import rule_copy


@transaction.atomic
def campaign_copy_next_year(*, campaign: Campaign, acting_user) -> Campaign:
    """Create next year's round of `campaign`: the latest locked version of the same framework
    code, the same region and schools, the same review rules (second review, consolidation) and
    result rule, deadlines shifted by one year and the year in the title advanced; the new campaign's
    `predecessor` is `campaign`. A campaign that already has a successor is not copied again
    (409 `has_successor`)."""
    _require_commission(user=acting_user, region=campaign.region)
    campaign = (
        Campaign.objects.select_for_update(of=("self",))
        .select_related("framework", "region")
        .get(pk=campaign.pk)
    )
    if campaign.successors.exists():
        raise Conflict(
            _("“%(title)s”已有下一年度活动，不能再次复制。") % {"title": campaign.title},
            code="has_successor",
        )
    plan: NextYear = campaign_next_year(campaign=campaign)
    if plan.year > 2100:
        raise Invalid(_("年度超出范围。"), code="year", fields={"year": [_("年度超出范围。")]})
    successor = Campaign(
        framework=plan.framework,
        year=plan.year,
        title=plan.title,
        region=campaign.region,
        self_deadline=plan.self_deadline,
        review_deadline=plan.review_deadline,
        second_review=campaign.second_review,
        consolidation=campaign.consolidation,
        predecessor=campaign,
        created_by=acting_user,
    )
    successor._history_user = acting_user
    successor._change_reason = _("复制自“%(title)s”") % {"title": campaign.title}
    successor.full_clean()
    successor.save()
    framework_lock(framework=plan.framework)
    schools = list(School.objects.filter(assessments__campaign=campaign).select_related("region"))
    _assessments_create(campaign=successor, schools=schools)
    rule_copy(source=campaign, campaign=successor, acting_user=acting_user)
    return successor


@transaction.atomic
def campaign_predecessor_set(*, campaign: Campaign, predecessor: Campaign | None, acting_user) -> Campaign:
    """Name (or clear) the round `campaign` follows; validated by `Campaign.clean` (same framework
    code, earlier year, same or enclosing region)."""
    _require_commission(user=acting_user, region=campaign.region)
    campaign = Campaign.objects.select_for_update(of=("self",)).get(pk=campaign.pk)
    if campaign.predecessor_id == (predecessor.pk if predecessor else None):
        return campaign
    campaign.predecessor = predecessor
    campaign._history_user = acting_user
    campaign._change_reason = _("设置上一年度活动")
    campaign.full_clean()
    campaign.save(update_fields=["predecessor"])
    return campaign
