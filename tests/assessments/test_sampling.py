"""Reproducible sampling: the pure draw (same seed and parameters → same schools, every non-empty
stratum represented, manual additions kept), the page (preview, save, past draws) and
`manage.py draw_sample`, which agree."""

from __future__ import annotations

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from assessments import services
from assessments.models import Assessment, AssessmentStatus, Region, Sample, School
from assessments.services import Eligible, SampleParams, sample_draw
from smartcampus.errors import Invalid, Refused

from ..factories import SchoolFactory


def _schools(n_per: dict) -> list[Eligible]:
    """`n_per`: (district, type) → count; codes are unique and sortable."""
    out = []
    for (district, kind), n in n_per.items():
        out += [Eligible(f"{district}-{kind}-{i:03d}", district, kind) for i in range(n)]
    return out


SCHOOLS = _schools({("D1", "primary"): 20, ("D1", "middle"): 3, ("D2", "primary"): 7, ("D3", "middle"): 1})


def _params(**kw) -> SampleParams:
    return services.sample_params_clean(**{"strata": "district,school_type", "rate": "0.2", "seed": 7, **kw})


def test_same_seed_and_parameters_give_the_same_schools_whatever_the_input_order():
    a = sample_draw(schools=SCHOOLS, params=_params())
    b = sample_draw(schools=list(reversed(SCHOOLS)), params=_params())
    assert a.schools == b.schools
    assert sample_draw(schools=SCHOOLS, params=_params(seed=8)).schools != a.schools


def test_every_non_empty_stratum_is_represented_rounding_up():
    result = sample_draw(schools=SCHOOLS, params=_params())
    sizes = {s.key: (s.size, len(s.drawn)) for s in result.strata}
    assert sizes == {
        ("D1", "middle"): (3, 1),
        ("D1", "primary"): (20, 4),
        ("D2", "primary"): (7, 2),
        ("D3", "middle"): (1, 1),
    }
    for s in result.strata:
        assert all(code.startswith("-".join(s.key)) for code in s.drawn)


def test_a_count_per_stratum_and_a_simple_sample():
    per = sample_draw(schools=SCHOOLS, params=_params(rate=None, per_stratum=2))
    assert [len(s.drawn) for s in per.strata] == [2, 2, 2, 1]
    simple = sample_draw(schools=SCHOOLS, params=_params(strata="", rate="0.1"))
    assert len(simple.strata) == 1 and len(simple.schools) == 4  # ⌈0.1 × 31⌉


def test_manual_additions_are_kept_after_the_drawn_schools_without_repeats():
    drawn = sample_draw(schools=SCHOOLS, params=_params()).schools
    extra = "D1-primary-019" if "D1-primary-019" not in drawn else "D1-primary-018"
    result = sample_draw(schools=SCHOOLS, params=_params(manual=f"{drawn[0]}, {extra}"))
    assert result.schools == (*drawn, extra)
    assert result.manual == (extra,)


@pytest.mark.parametrize(
    "kw",
    [
        {"rate": "1.5"},
        {"rate": "abc"},
        {"rate": None, "per_stratum": None},
        {"rate": "0.2", "per_stratum": 2},
        {"seed": -1},
        {"strata": "district,colour"},
        {"method": "stratified", "strata": ""},
    ],
)
def test_invalid_parameters_are_refused(kw):
    with pytest.raises(Invalid):
        _params(**kw)


# --- against the database: the page and the command ---------------------------------------------


@pytest.fixture
def finalised_campaign(world, points_campaign):
    """City A's campaign with ten more schools in A1 and five in A2, every assessment finalised
    (set directly: the draw reads only the status)."""
    for i in range(10):
        SchoolFactory(code=f"X-A1-{i:02d}", region=world.district_a1)
    for i in range(5):
        SchoolFactory(code=f"X-A2-{i:02d}", region=world.district_a2, school_type="junior")
    services.campaign_add_schools(
        campaign=points_campaign,
        schools=School.objects.filter(code__startswith="X-").select_related("region"),
        acting_user=world.users["commission"],
    )
    Assessment.objects.filter(campaign=points_campaign).update(status=AssessmentStatus.FINALISED)
    return points_campaign


def _command(*args) -> dict:
    out = StringIO()
    call_command("draw_sample", *args, stdout=out)
    return json.loads(out.getvalue())


def test_the_command_prints_the_documented_shape_and_saves_only_when_asked(world, finalised_campaign):
    c = finalised_campaign
    printed = _command(
        "--campaign", str(c.pk), "--rate", "0.2", "--strata", "district,school_type", "--seed", "42", "--json"
    )
    assert list(printed) == ["campaign", "seed", "rate", "strata", "schools"]
    assert (printed["campaign"], printed["seed"], printed["rate"], printed["strata"]) == (
        c.pk,
        42,
        0.2,
        ["district", "school_type"],
    )
    districts = set(
        Assessment.objects.filter(campaign=c, school__code__in=printed["schools"]).values_list(
            "school__region__code", flat=True
        )
    )
    assert districts == {"110108", "110105"}
    assert not Sample.objects.exists()
    again = _command(
        "--campaign", str(c.pk), "--rate", "0.2", "--strata", "district,school_type", "--seed", "42",
        "--json", "--save", "--user", "commission",
    )  # fmt: skip
    assert again == printed
    sample = Sample.objects.get()
    assert (sample.seed, sample.rate, sample.drawn_by) == (42, Decimal("0.2"), world.users["commission"])
    with pytest.raises(CommandError):
        _command("--campaign", str(c.pk), "--rate", "0.2", "--seed", "1", "--save", "--user", "cio")


def test_the_page_previews_saves_and_agrees_with_the_command(
    world, finalised_campaign, client_for, django_assert_max_num_queries
):
    c = finalised_campaign
    client = client_for("commission")
    with django_assert_max_num_queries(20):
        form = client.get(f"/campaigns/{c.pk}/samples/")
    assert form.status_code == 200 and 'name="seed"' in form.content.decode()
    data = {
        "method": "stratified",
        "strata": ["district", "school_type"],
        "rate": "0.2",
        "seed": "42",
        "manual": "S-B1",
    }
    assert client.post(f"/campaigns/{c.pk}/samples/", data).status_code == 400  # S-B1 is not in the campaign
    data["manual"] = "S-A2"
    preview = client.post(f"/campaigns/{c.pk}/samples/", data)
    assert preview.status_code == 200 and not Sample.objects.exists()
    saved = client.post(f"/campaigns/{c.pk}/samples/", {**data, "save": "1"})
    sample = Sample.objects.get()
    assert saved.status_code == 302 and saved["Location"] == f"/samples/{sample.pk}/"
    codes = list(sample.schools.order_by("position").values_list("assessment__school__code", flat=True))
    printed = _command(
        "--campaign",
        str(c.pk),
        "--rate",
        "0.2",
        "--strata",
        "district,school_type",
        "--seed",
        "42",
        "--manual",
        "S-A2",
        "--json",
    )
    assert codes == printed["schools"]
    assert sample.schools.get(assessment__school__code="S-A2").manual == ("S-A2" not in codes[:-1])
    with django_assert_max_num_queries(20):
        detail = client.get(f"/samples/{sample.pk}/")
    assert detail.status_code == 200 and "42" in detail.content.decode()
    assert "42" in client.get(f"/campaigns/{c.pk}/samples/").content.decode()  # listed among past draws


def test_only_the_commission_managing_the_campaign_draws(world, finalised_campaign, client_for):
    c = finalised_campaign
    for role in ("cio", "reviewer", "other_commission"):
        assert client_for(role).get(f"/campaigns/{c.pk}/samples/").status_code == 404
        with pytest.raises(Refused):
            services.sample_save(campaign=c, params=_params(), acting_user=world.users[role])
    assert not Sample.objects.exists()
    assert Region.objects.exists()
