import io
import json

from django.core.management import call_command

from assessments.models import Assessment, Campaign, ItemResponse


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_seed_without_frameworks_skips_campaigns(db):
    assert "跳过演示自评活动" in run("seed_demo", "--schools", "20", "--quiet")
    assert not Campaign.objects.exists()


def test_seed_creates_one_campaign_per_framework_idempotently(db):
    run("load_frameworks")
    run("seed_demo", "--schools", "70", "--quiet")
    titles = set(Campaign.objects.values_list("framework__code", flat=True))
    assert titles == {"beijing-k12", "beijing-higher", "zibo-k12", "zhejiang-k12"}
    bj = Campaign.objects.get(framework__code="beijing-k12", year=2026)
    assert bj.title == "2026年北京市中小学智慧校园自评" and bj.created_by.username == "bj_commission"
    assert not bj.assessments.filter(school__school_type="higher").exists()
    higher = Campaign.objects.get(framework__code="beijing-higher")
    assert set(higher.assessments.values_list("school__school_type", flat=True)) == {"higher"}
    assert bj.framework.is_locked
    counts = (Campaign.objects.count(), Assessment.objects.count(), ItemResponse.objects.count())
    run("seed_demo", "--schools", "70", "--quiet")
    assert (Campaign.objects.count(), Assessment.objects.count(), ItemResponse.objects.count()) == counts
    run("seed_demo", "--schools", "90", "--quiet")  # a grown demo adds the new schools
    assert Assessment.objects.count() > counts[1]


def test_seed_creates_the_previous_year_round_and_names_it_as_predecessor(db):
    run("load_frameworks")
    run("seed_demo", "--quiet")
    this = Campaign.objects.get(framework__code="beijing-k12", year=2026)
    previous = this.predecessor
    assert previous.year == 2025 and previous.title == "2025年北京市中小学智慧校园自评"
    assert set(previous.assessments.values_list("status", flat=True)) == {"finalised"}
    # last year's round is decided by this year's rule: every school has its official result
    from assessments.selectors import current_rule

    assert current_rule(previous).grades == current_rule(this).grades
    assert not previous.assessments.filter(result_passed=None).exists()
    assert set(previous.assessments.values_list("school_id", flat=True)) == set(
        this.assessments.values_list("school_id", flat=True)
    )
    counts = (Campaign.objects.count(), Assessment.objects.count(), ItemResponse.objects.count())
    run("seed_demo", "--quiet")
    assert (Campaign.objects.count(), Assessment.objects.count(), ItemResponse.objects.count()) == counts
    document = json.loads(run("campaign_compare", "--campaign", str(this.pk), "--json"))
    assert document["previous"] == previous.pk
    rows = document["schools"]
    assert rows and all(
        r["previous_percent"] is not None and r["basis"]["previous"] == "review" for r in rows
    )
    # the demo reviewers' submitted schools have a figure in both years
    both = [r for r in rows if r["this_percent"] is not None]
    assert both and all(r["change"] == round(r["this_percent"] - r["previous_percent"], 1) for r in both)
