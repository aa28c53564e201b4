"""The scope and the navbar read their rows through statements compiled once per process: the rows
must be exactly what the ORM's statement gives, for every user, and a change to the data must be
seen on the next read (only the SQL text is kept, never the rows)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from assessments import scoping
from assessments.models import Notification, Role
from assessments.selectors import account_menu
from assessments.selectors.notifications import _menu_rows_query
from smartcampus.db import CompiledQuery
from tests.factories import MembershipFactory, UserFactory


def _same(a, b) -> bool:
    return sorted(map(tuple, a), key=repr) == sorted(map(tuple, b), key=repr)


def test_scope_rows_equal_the_orm_statement_for_every_user(world):
    for user in world.users.values():
        assert _same(scoping._SCOPE_ROWS.rows(user.pk), scoping._scope_rows_query(user.pk)), user


def test_menu_rows_equal_the_orm_statement_and_name_the_roles(world):
    cio = world.users["cio"]
    Notification.objects.create(user=cio, title="提醒", body="")
    rows = account_menu(user=cio)
    assert _same(
        [(m.role, m.scope_name) for m in rows.memberships],
        [(role, school or region) for role, school, region, _n in _menu_rows_query(cio.pk)],
    )
    assert [(m.get_role_display(), m.scope_name) for m in rows.memberships] == [
        (str(Role.SCHOOL_CIO.label), world.school_a1.name)
    ]
    assert rows.unread == 1
    nobody = UserFactory(username="nobody")
    assert account_menu(user=nobody).unread == 0
    Notification.objects.create(user=nobody, title="提醒", body="")
    assert account_menu(user=nobody).unread == 1 and account_menu(user=nobody).memberships == []


def test_the_menu_is_read_with_the_scope_and_afresh_after_a_notification_is_written(world):
    from assessments import services

    cio = world.users["cio"]
    Notification.objects.create(user=cio, title="提醒", body="")
    with CaptureQueriesContext(connection) as queries:
        scoping.get_scope(cio)
        menu = account_menu(user=cio)
    assert len(queries) == 1  # the scope's statement carries the navbar's rows
    assert [(m.role, m.scope_name) for m in menu.memberships] == [(Role.SCHOOL_CIO, world.school_a1.name)]
    assert menu.unread == 1
    # written after the scope was read, in the same request: the bell counts it
    services.notify(user_ids=[cio.pk], kind=Notification.Kind.REMINDER, title="又一条")
    assert account_menu(user=cio).unread == 2
    services.notifications_mark_read(acting_user=cio)
    assert account_menu(user=cio).unread == 0
    # roles in the order they were made, each with its school's or region's name
    MembershipFactory(user=cio, role=Role.REVIEWER, region=world.district_a1, school=None)
    fresh = type(cio).objects.get(pk=cio.pk)
    assert [(m.role, m.scope_name) for m in account_menu(user=fresh).memberships] == [
        (Role.SCHOOL_CIO, world.school_a1.name),
        (Role.REVIEWER, world.district_a1.name),
    ]


def test_a_new_role_is_seen_on_the_next_read(world):
    user = UserFactory(username="newcomer")
    assert scoping.get_scope(user).cio_school_ids == frozenset()
    MembershipFactory(user=user, role=Role.SCHOOL_CIO, school=world.school_a2)
    fresh = type(user).objects.get(pk=user.pk)  # the scope is cached on the user object only
    assert scoping.get_scope(fresh).cio_school_ids == {world.school_a2.pk}


def test_the_statement_is_compiled_once_and_run_each_time(world):
    calls = []

    def build(user_id):
        calls.append(user_id)
        return scoping._scope_rows_query(user_id)

    compiled = CompiledQuery(build)
    for user in world.users.values():
        with CaptureQueriesContext(connection) as queries:
            compiled.rows(user.pk)
        assert len(queries) == 1
    assert len(calls) == 1


def test_a_queryset_that_ignores_its_value_is_refused(db):
    from assessments.models import Region

    with pytest.raises(ValueError):
        CompiledQuery(lambda _value: Region.objects.values_list("pk")).rows(1)


def test_several_values_each_go_to_their_place(world):
    from assessments.models import School

    def build(region_id, school_id):
        return School.objects.filter(region_id=region_id).exclude(pk=school_id).values_list("name")

    compiled = CompiledQuery(build, arity=2)
    a1, s_a1 = world.district_a1, world.school_a1
    assert compiled.rows(a1.pk, s_a1.pk) == [(world.school_a1b.name,)]
    assert sorted(compiled.rows(a1.pk, world.school_a1b.pk)) == [(s_a1.name,)]
    with pytest.raises(TypeError):
        compiled.rows(a1.pk)
