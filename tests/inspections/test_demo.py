"""The demo fill's visit, publication and objection."""

from __future__ import annotations

from inspections.demo import inspections_demo_fill
from inspections.models import FindingVerdict, ObjectionState, Publication, Visit


def test_the_demo_records_a_visit_and_opens_a_publication_with_one_objection(world, finalised):
    assert inspections_demo_fill(campaign=finalised.campaign) == 1
    visit = Visit.objects.get(assessment=finalised)
    assert visit.findings.filter(verdict=FindingVerdict.DISCREPANCY).count() == 1
    assert set(visit.team.values_list("username", flat=True)) == {"commission", "reviewer"}
    publication = Publication.objects.get(campaign=finalised.campaign)
    assert publication.window_open()
    assert publication.objections.get().state == ObjectionState.OPEN
    # a second run leaves the published campaign as it is
    assert inspections_demo_fill(campaign=finalised.campaign) == 0
    assert Visit.objects.count() == 1
