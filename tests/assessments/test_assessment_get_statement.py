"""`assessment_get` runs a statement compiled once per process for the user's scope and the action
(`smartcampus.db.KeyedInstances`): the assessment must be exactly the one the ORM's queryset gives
(every field, the same related objects loaded), 404 outside the scope, and every change (a status,
a new role) must show on the next read, since only the statement is kept."""

from __future__ import annotations

import pytest
from django.db import connection
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.test.utils import CaptureQueriesContext

from assessments import services
from assessments.models import Assessment, Role
from assessments.scoping import Action, clear_scope_cache
from assessments.selectors import assessment_get, assessment_list
from smartcampus.db import KeyedInstances

from ..factories import MembershipFactory, UserFactory


def _state(obj) -> tuple:
    """Everything an instance carries: its fields, where it came from, and its cached related
    objects (recursively)."""
    fields = {k: v for k, v in obj.__dict__.items() if k != "_state"}
    related = {k: _state(v) if v is not None else None for k, v in obj._state.fields_cache.items()}
    return (type(obj), fields, obj._state.db, obj._state.adding, related)


def _orm(user, pk, action):
    try:
        return get_object_or_404(assessment_list(user=user, action=action), pk=pk)
    except Http404:
        return None


def _compiled(user, pk, action):
    try:
        return assessment_get(user=user, pk=pk, action=action)
    except Http404:
        return None


def test_every_user_and_action_gets_what_the_orm_gives(
    world, points_assessment, submitted, compliance_assessment
):
    pks = [*Assessment.objects.values_list("pk", flat=True), 999_999]
    found = 0
    for user in world.users.values():
        for action in Action:
            for pk in pks:
                expected, got = _orm(user, pk, action), _compiled(user, pk, action)
                assert (expected is None) == (got is None), (user, action, pk)
                if expected is not None:
                    found += 1
                    assert _state(got) == _state(expected), (user, action, pk)
                    assert {"campaign", "school"} <= set(got._state.fields_cache)
    assert found > 10, "some assessments are in scope"


def test_outside_the_scope_is_404(world, points_assessment):
    with pytest.raises(Http404):
        assessment_get(user=world.users["other_cio"], pk=points_assessment.pk)
    with pytest.raises(Http404):
        assessment_get(user=world.users["cio"], pk=points_assessment.pk, action=Action.READ_REVIEW)
    assert assessment_get(user=world.users["cio"], pk=points_assessment.pk).pk == points_assessment.pk


def test_a_status_and_a_new_role_show_on_the_next_read(world, submitted):
    reviewer = world.users["reviewer"]
    assert assessment_get(user=reviewer, pk=submitted.pk, action=Action.READ_REVIEW).status == "submitted"
    services.review_start(assessment=submitted, acting_user=reviewer)
    assert assessment_get(user=reviewer, pk=submitted.pk, action=Action.READ_REVIEW).status == "in_review"
    newcomer = UserFactory(username="get-newcomer")
    with pytest.raises(Http404):
        assessment_get(user=newcomer, pk=submitted.pk)
    MembershipFactory(user=newcomer, role=Role.SCHOOL_CIO, school=submitted.school)
    clear_scope_cache(newcomer)
    assert assessment_get(user=newcomer, pk=submitted.pk).school.name == submitted.school.name


def test_the_statement_is_compiled_once_per_key_and_run_each_time(world, points_assessment):
    built = []
    instances = KeyedInstances(size=2)

    def build(pk):
        built.append(pk)
        return Assessment.objects.select_related("campaign").filter(pk=pk)

    for _ in range(3):
        with CaptureQueriesContext(connection) as queries:
            (a,) = instances.instances("k", build, points_assessment.pk)
        assert len(queries) == 1 and a.campaign.pk == points_assessment.campaign_id
    assert len(built) == 1
    assert instances.instances("k", build, 999_999) == []
    instances.instances("other", build, points_assessment.pk)
    instances.instances("third", build, points_assessment.pk)  # "k" is the oldest: out
    instances.instances("k", build, points_assessment.pk)
    assert len(built) == 4
    assert instances.instances("none", lambda pk: Assessment.objects.filter(pk=pk).none(), 1) == []
    with pytest.raises(ValueError):
        instances.instances("no value", lambda pk: Assessment.objects.all(), 1)


def test_an_init_signal_receiver_still_sees_every_instance(world, points_assessment):
    from django.db.models.signals import post_init

    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance)

    post_init.connect(receiver, sender=Assessment)
    try:
        got = assessment_get(user=world.users["cio"], pk=points_assessment.pk)
    finally:
        post_init.disconnect(receiver, sender=Assessment)
    assert any(instance is got for instance in seen)
    assert got.pk == points_assessment.pk
    assert _state(got) == _state(_orm(world.users["cio"], points_assessment.pk, Action.VIEW))
