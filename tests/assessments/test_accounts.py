"""Whose password commission staff may reset (`users_q`), and what a reset or a change records."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model

from assessments import selectors, services
from assessments.models import AccountState, Role
from assessments.models.reviews import ReviewAssignment
from smartcampus.errors import Invalid, Refused
from tests.factories import AssessmentFactory, CampaignFactory, MembershipFactory, UserFactory


def usernames(user) -> set[str]:
    return set(selectors.user_list(user=user).values_list("username", flat=True))


def test_commission_covers_the_accounts_whose_every_role_lies_in_its_regions(world):
    assert usernames(world.users["commission"]) == {"cio", "other_cio", "reviewer", "other_reviewer"}
    assert usernames(world.users["other_commission"]) == set()


@pytest.mark.parametrize("role", ["cio", "reviewer"])
def test_schools_and_reviewers_cover_no_account(world, role):
    assert usernames(world.users[role]) == set()


def test_an_account_with_a_role_outside_the_region_is_not_covered(world):
    both = MembershipFactory(
        user=UserFactory(username="both"), role=Role.SCHOOL_CIO, school=world.school_a1
    ).user
    MembershipFactory(user=both, role=Role.REVIEWER, region=world.district_b1)
    assert "both" not in usernames(world.users["commission"])
    assert "both" not in usernames(world.users["other_commission"])


def test_a_review_assignment_outside_the_region_puts_the_reviewer_out_of_scope(world):
    assessment = AssessmentFactory(campaign=CampaignFactory(region=world.city_b), school=world.school_b1)
    ReviewAssignment.objects.create(assessment=assessment, reviewer=world.users["reviewer"])
    assert "reviewer" not in usernames(world.users["commission"])


def test_staff_superusers_and_users_without_roles_are_for_superusers_only(world):
    staff = MembershipFactory(
        user=UserFactory(username="staffer"), role=Role.REVIEWER, region=world.district_a1
    )
    staff.user.is_staff = True
    staff.user.save()
    UserFactory(username="nobody")
    root = UserFactory(username="root")
    root.is_superuser = True
    root.save()
    assert usernames(world.users["commission"]).isdisjoint({"staffer", "nobody", "root"})
    covered = usernames(root)
    assert {"staffer", "nobody", "commission", "other_commission"} <= covered
    assert "root" not in covered, "one's own password is changed, not reset"


def test_user_get_outside_the_scope_is_a_404(world):
    from django.http import Http404

    with pytest.raises(Http404):
        selectors.user_get(user=world.users["other_commission"], pk=world.users["cio"].pk)


def test_reset_sets_a_temporary_password_that_must_be_changed(world):
    cio, staff = world.users["cio"], world.users["commission"]
    AccessAttempt.objects.create(
        username="cio", ip_address="10.0.0.9", failures_since_start=5, user_agent="x"
    )
    password = services.password_reset(user=cio, acting_user=staff)
    cio.refresh_from_db()
    assert cio.check_password(password) and len(password) == 14
    state = AccountState.objects.get(user=cio)
    assert state.must_change_password and state.password_set_by == staff
    assert state.history.latest().history_user == staff
    assert selectors.password_change_required(user=cio)
    assert not AccessAttempt.objects.filter(username="cio").exists(), "the lockout is lifted"

    services.password_change(user=cio, password="Mein-eigenes-2026")
    assert not selectors.password_change_required(user=cio)
    assert AccountState.objects.get(user=cio).history.count() == 2


def test_reset_outside_the_scope_is_refused_and_changes_nothing(world):
    cio = world.users["cio"]
    with pytest.raises(Refused):
        services.password_reset(
            user=cio, acting_user=world.users["other_commission"], password="Anything#2026"
        )
    cio.refresh_from_db()
    assert not cio.check_password("Anything#2026")
    assert not AccountState.objects.filter(user=cio).exists()


def test_a_typed_temporary_password_follows_the_password_rules(world):
    with pytest.raises(Invalid) as caught:
        services.password_reset(
            user=world.users["cio"], acting_user=world.users["commission"], password="12345678"
        )
    assert caught.value.fields["password"] == ["这个密码太常见了。", "密码只包含数字。"]
    assert not AccountState.objects.filter(user=world.users["cio"]).exists()


def test_generated_passwords_pass_the_validators(world):
    from django.contrib.auth.password_validation import validate_password

    user = get_user_model()(username="Kx7m")
    for _ in range(50):
        validate_password(services.password_generate(), user)
