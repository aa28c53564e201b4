"""The compiled statements (`smartcampus.db`) run as PostgreSQL prepared statements of their
connection from their second run on: the rows must stay exactly what the ORM gives, a change to the
data must be seen on the next run, the values other than the caller's integers must be written into
the prepared text (so PostgreSQL's kept plan is the plan for those values), and a new connection, a
rolled-back transaction or a full set of prepared statements must not break anything."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from assessments import scoping
from assessments.models import School
from smartcampus import db as compiled
from smartcampus.db import CompiledQuery, KeyedStatements
from tests.factories import SchoolFactory


@pytest.fixture(autouse=True)
def _none_prepared(db):
    """Each test starts on a connection with no prepared statement (the test database's connection
    outlives a test)."""
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    if hasattr(connection, "_smartcampus_prepared"):
        del connection._smartcampus_prepared


def _prepared() -> dict[str, tuple[str, str]]:
    """This connection's prepared statements: name → (text, parameter types)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, statement, parameter_types::text FROM pg_prepared_statements")
        return {name: (text, types) for name, text, types in cursor.fetchall()}


def _school_names(key_path: str):
    return School.objects.filter(region__path__startswith=key_path).order_by("code").values_list("name")


def test_the_second_run_executes_the_prepared_statement_and_returns_the_same_rows(world):
    user = world.users["reviewer"]
    expected = sorted(scoping._scope_rows_query(user.pk), key=repr)
    runs = []
    for _ in range(3):
        with CaptureQueriesContext(connection) as queries:
            runs.append(sorted(scoping._SCOPE_ROWS.rows(user.pk), key=repr))
        assert len(queries) == 1
        runs[-1] = (runs[-1], queries[0]["sql"])
    assert [rows for rows, _sql in runs] == [expected] * 3
    assert runs[0][1].startswith("(SELECT")  # the first run sends the statement itself
    assert runs[1][1].startswith("EXECUTE smartcampus_") and runs[2][1] == runs[1][1]
    assert "assessments_membership" in runs[1][1]  # a logged EXECUTE names the statement it runs
    # the user id is the one parameter, an integer
    (text, types), *_ = [v for v in _prepared().values() if "assessments_membership" in v[0]]
    assert types == "{bigint}" and "$1" in text


def test_each_user_gets_their_own_rows_from_the_same_prepared_statement(world):
    for _ in range(2):
        for user in world.users.values():
            assert sorted(scoping._SCOPE_ROWS.rows(user.pk), key=repr) == sorted(
                scoping._scope_rows_query(user.pk), key=repr
            )
    assert sum("assessments_membership" in text for text, _t in _prepared().values()) == 1


def test_a_change_is_seen_on_the_next_run(world):
    statements = KeyedStatements()
    path = world.district_a1.path
    key = ("schools", path)
    for _ in range(2):
        assert statements.rows(key, lambda: _school_names(path)) == list(_school_names(path))
    SchoolFactory(code="S-A1C", name="甲一区第三小学", region=world.district_a1)
    assert ("甲一区第三小学",) in statements.rows(key, lambda: _school_names(path))
    School.objects.filter(code="S-A1C").update(name="甲一区第三中学")
    assert ("甲一区第三中学",) in statements.rows(key, lambda: _school_names(path))


def test_a_scope_path_is_written_into_the_prepared_text(world):
    statements = KeyedStatements()
    path = world.district_a1.path
    for _ in range(2):
        statements.rows(("schools", path), lambda: _school_names(path))
    [(text, types)] = [v for v in _prepared().values() if "assessments_school" in v[0] and "LIKE" in v[0]]
    assert f"'{path}%'" in text and types == "{}"
    other = world.district_a2.path
    for _ in range(2):
        assert statements.rows(("schools", other), lambda: _school_names(other)) == [(world.school_a2.name,)]
    assert sum("LIKE" in text for text, _t in _prepared().values()) == 2


@pytest.mark.django_db(transaction=True)
def test_several_integers_and_a_new_connection(world):
    def build(region_id, school_id):
        return School.objects.filter(region_id=region_id).exclude(pk=school_id).values_list("name")

    query = CompiledQuery(build, arity=2)
    a1 = world.district_a1
    for _ in range(3):
        assert query.rows(a1.pk, world.school_a1.pk) == [(world.school_a1b.name,)]
        assert query.rows(a1.pk, world.school_a1b.pk) == [(world.school_a1.name,)]
    assert any(types == "{bigint,bigint}" for _t, types in _prepared().values())
    connection.close()  # a new connection has no prepared statements: prepared again, nothing fails
    for _ in range(3):
        assert query.rows(a1.pk, world.school_a1.pk) == [(world.school_a1b.name,)]


@pytest.mark.django_db(transaction=True)
def test_a_statement_prepared_in_a_rolled_back_transaction_still_runs(world):
    user = world.users["cio"]
    expected = list(scoping._scope_rows_query(user.pk))
    with pytest.raises(RuntimeError), transaction.atomic():
        for _ in range(2):
            scoping._SCOPE_ROWS.rows(user.pk)
        raise RuntimeError
    with CaptureQueriesContext(connection) as queries:
        assert scoping._SCOPE_ROWS.rows(user.pk) == expected
    assert queries[0]["sql"].startswith("EXECUTE ")


def test_the_least_recently_used_are_deallocated_beyond_the_limit(world, monkeypatch):
    monkeypatch.setattr(compiled, "_PREPARED_MAX", 2)
    statements = KeyedStatements()
    regions = [world.district_a1, world.district_a2, world.district_b1]
    for _ in range(2):
        for region in regions:
            path = region.path
            statements.rows(("schools", path), lambda path=path: _school_names(path))
    assert sum("LIKE" in text for text, _t in _prepared().values()) == 2
    for region in regions:  # the deallocated one is prepared again on its next runs
        path = region.path
        for _ in range(2):
            assert statements.rows(("schools", path), lambda path=path: _school_names(path)) == list(
                _school_names(path)
            )


def test_switched_off_the_statement_is_sent_as_it_is(world, settings):
    settings.DATABASE_PREPARED_STATEMENTS = False
    user = world.users["commission"]
    for _ in range(3):
        with CaptureQueriesContext(connection) as queries:
            scoping._SCOPE_ROWS.rows(user.pk)
        assert queries[0]["sql"].startswith("(SELECT")


def test_an_api_list_runs_prepared_and_sees_a_change(world, client_for, points_campaign, monkeypatch):
    from smartcampus.api import PageNumberPagination

    monkeypatch.setattr(PageNumberPagination, "page_size", 2)  # full pages: counted too
    client = client_for("commission")

    def listed():
        with CaptureQueriesContext(connection) as queries:
            body = client.get("/api/assessments/").json()
        return body, [q["sql"] for q in queries]

    first, _sql = listed()
    listed()
    again, statements = listed()
    assert again == first and first["count"] == 3
    assert sum(s.startswith("EXECUTE smartcampus_") for s in statements) >= 2  # the page and its count
    points_campaign.assessments.filter(school=world.school_a2).delete()
    after, _sql = listed()
    assert after["count"] == 2 and world.school_a2.pk not in [row["school"] for row in after["results"]]
