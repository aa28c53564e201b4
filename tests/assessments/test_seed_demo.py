import io

from django.core.management import call_command

from assessments.models import Membership, Region, Role, School, SchoolType


def run_seed(*args) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_seed_creates_the_three_regions_and_every_role(db):
    output = run_seed("--schools", "70")
    assert Region.objects.get(code="110000").children.count() == 16
    assert Region.objects.get(code="370300").children.count() == 8
    assert Region.objects.get(code="330000").children.count() == 11
    assert School.objects.filter(school_type=SchoolType.HIGHER).count() >= 5
    assert School.objects.exclude(school_type=SchoolType.HIGHER).count() == 70
    roles = set(Membership.objects.values_list("role", flat=True))
    assert roles == {Role.SCHOOL_CIO, Role.REVIEWER, Role.COMMISSION}
    assert "Campus#2026" in output and "hd_cio" in output


def test_seed_is_deterministic_and_idempotent(db):
    run_seed("--schools", "50", "--quiet")
    first = list(School.objects.order_by("code").values_list("code", "name", "school_type", "region__code"))
    memberships = Membership.objects.count()
    run_seed("--schools", "50", "--quiet")
    assert (
        list(School.objects.order_by("code").values_list("code", "name", "school_type", "region__code"))
        == first
    )
    assert Membership.objects.count() == memberships
    # Growing the demo keeps every existing school as it was.
    run_seed("--schools", "80", "--quiet")
    again = dict(
        (c, (n, t, r))
        for c, n, t, r in School.objects.values_list("code", "name", "school_type", "region__code")
    )
    assert all(again[c] == (n, t, r) for c, n, t, r in first)


def test_seed_2000_schools_uses_bulk_operations(db, django_assert_max_num_queries):
    run_seed("--schools", "0", "--quiet")  # regions and logins
    # 2,000 schools in a handful of bulk INSERTs, not one query per school.
    with django_assert_max_num_queries(80):
        run_seed("--schools", "2000", "--quiet")
    assert School.objects.exclude(school_type=SchoolType.HIGHER).count() == 2000
    assert School.objects.values("name", "region").distinct().count() == School.objects.count()


def test_demo_logins_work(db, client):
    run_seed("--schools", "40", "--quiet")
    assert client.login(username="hd_cio", password="Campus#2026")
    html = client.get("/").content.decode()
    assert "海淀区" in html
