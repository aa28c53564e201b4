"""Framework nodes are read once per process for locked frameworks (which can no longer change),
and from the database every time while a framework is still being edited."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from indicators.models import Node
from indicators.selectors import framework_nodes
from indicators.services import framework_lock
from tests.factories import small_points_framework


def reads(framework) -> tuple[list[str], int]:
    with CaptureQueriesContext(connection) as queries:
        codes = [n.code for n in framework_nodes(framework=framework)]
    return codes, len(queries)


def test_unlocked_framework_is_read_every_time(db):
    framework = small_points_framework()
    codes, queries = reads(framework)
    assert queries == 1 and codes[:3] == ["1", "1.1", "1.1.1"]
    Node.objects.filter(framework=framework, code="1.2").update(name="改过的名称")  # still editable
    assert reads(framework)[1] == 1
    assert next(n for n in framework_nodes(framework=framework) if n.code == "1.2").name == "改过的名称"


def test_locked_framework_is_read_once_and_callers_get_their_own_list(db):
    framework = small_points_framework()
    framework = framework_lock(framework=framework)
    first, queries = reads(framework)
    assert queries == 1
    again, queries = reads(framework)
    assert again == first and queries == 0
    mine = framework_nodes(framework=framework)
    mine.clear()  # a caller changing its list does not change anyone else's
    assert reads(framework) == (first, 0)
