"""`seed_demo --fill`: the city acceptance and re-check, so the demo shows an accepted school, one
sent back to its district with the reason, and a saved sample. Deterministic (the seed of the fill
is the sample's seed); a new fill replaces the campaign's demo acceptance and samples. Written in
bulk like the rest of the fill; the sample is drawn through the same service as the page."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from ..freshness import campaign_data_changed
from ..models import Acceptance, Assessment, AssessmentStatus, Campaign, Role, Sample
from ..services.sampling import sample_params_clean, sample_save
from .fill import _first_user_ids

SENT_BACK_REASON = "演示数据：部分条目的证明材料与自评说明不一致，请区县重新核实。"  # i18n: data


@transaction.atomic
def campaign_acceptance_fill(*, campaign: Campaign, seed: int) -> dict[str, int]:
    """Accept the first passed finalised school (by code), send the last failed one back to its
    district (in review again, its official result cleared), and save a 10 % sample stratified by
    district. Returns the counts."""
    commission = _first_user_ids(Role.COMMISSION, "region").get(campaign.region_id)
    finalised = Assessment.objects.filter(campaign=campaign, status=AssessmentStatus.FINALISED)
    finalised.exclude(acceptance=Acceptance.PENDING).update(
        acceptance=Acceptance.PENDING, acceptance_reason=""
    )
    now = timezone.now()
    counts = {"accepted": 0, "sent_back": 0, "sampled": 0}
    accepted = (
        finalised.filter(result_passed=True).order_by("school__code").values_list("pk", flat=True).first()
    )
    if accepted is not None:
        counts["accepted"] = Assessment.objects.filter(pk=accepted).update(
            acceptance=Acceptance.ACCEPTED, acceptance_by_id=commission, acceptance_at=now
        )
    failed = (
        finalised.exclude(result_passed=True).order_by("-school__code").values_list("pk", flat=True).first()
    )
    if failed is not None:
        counts["sent_back"] = Assessment.objects.filter(pk=failed).update(
            status=AssessmentStatus.IN_REVIEW,
            result_percent=None,
            result_grade="",
            result_passed=None,
            result_rule=None,
            result_at=None,
            acceptance=Acceptance.SENT_BACK,
            acceptance_by_id=commission,
            acceptance_at=now,
            acceptance_reason=SENT_BACK_REASON,
        )
    Sample.objects.filter(campaign=campaign).delete()
    if commission is not None and finalised.exists():
        user = get_user_model().objects.get(pk=commission)
        params = sample_params_clean(strata="district", rate="0.1", seed=seed)
        counts["sampled"] = sample_save(campaign=campaign, params=params, acting_user=user).schools.count()
    campaign_data_changed(campaign.pk)
    return counts
