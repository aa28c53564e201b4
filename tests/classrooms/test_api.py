"""The classroom API: scoped lists, the check in the detail, writes through the services."""

from __future__ import annotations

import pytest

from classrooms.models import CheckStatus, Classroom

from .conftest import BASICS, COMPLETE, NETWORK

pytestmark = pytest.mark.django_db


@pytest.fixture
def rooms(make_classroom, world):
    return {
        "met": make_classroom("301", rows=COMPLETE),
        "no_display": make_classroom("302", rows=[*BASICS, *NETWORK]),
        "a2": make_classroom("A2", rows=COMPLETE, school=world.school_a2, cio=world.users["other_cio"]),
    }


def test_lists_are_scoped_and_filtered(rooms, client_for, world, django_assert_max_num_queries):
    client = client_for("reviewer")
    with django_assert_max_num_queries(8):
        body = client.get("/api/classrooms/").json()
    assert sorted(r["name"] for r in body["results"]) == ["301", "302"]
    commission = client_for("commission")
    assert {r["name"] for r in commission.get("/api/classrooms/").json()["results"]} == {"301", "302", "A2"}
    failing = commission.get("/api/classrooms/", {"status": CheckStatus.NOT_MET}).json()["results"]
    assert [r["name"] for r in failing] == ["302"]
    assert commission.get("/api/classrooms/", {"school": "x"}).json()["results"] == []
    with django_assert_max_num_queries(8):
        devices = client.get("/api/classroom-devices/", {"classroom": rooms["met"].pk}).json()["results"]
    assert [d["device"] for d in devices] == [
        "chalk-or-whiteboard",
        "combinable-desk",
        "plain-curtain",
        "interactive-panel",
        "router",
        "switch",
    ]
    assert devices[3]["measured"] == {
        "屏幕尺寸": 86,
        "分辨率": [3840, 2160],
        "显示比例": [16, 9],
        "触控点数": 20,
    }


def test_detail_carries_the_check(rooms, client_for):
    body = client_for("commission").get(f"/api/classrooms/{rooms['no_display'].pk}/").json()
    assert body["status"] == "not_met"
    assert body["check"]["failures"] == ["二选一未满足：交互式触控一体机、电子白板+投影机"]
    display = next(g for g in body["check"]["groups"] if g["group"] == "display")
    assert display == {
        "group": "display",
        "rule": "choose_one_of_two",
        "members": ["interactive-panel", "whiteboard-projector"],
        "present": [],
        "status": "not_met",
    }
    assert body["check"]["seat_ratio"] == {
        "device": "student-terminal",
        "terminals": 0,
        "seats": 45,
        "ratio": 0.0,
        "one_to_one": False,
    }
    assert client_for("other_cio").get(f"/api/classrooms/{rooms['met'].pk}/").status_code == 404


def test_cio_writes_through_the_api(catalog, client_for, world):
    client = client_for("cio")
    created = client.post(
        "/api/classrooms/",
        {"school": world.school_a1.pk, "name": "401", "kind": "smart", "seats": 40},
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    room = created.json()
    assert (room["status"], room["version"]) == ("not_met", 1)
    added = client.post(
        "/api/classroom-devices/",
        {"classroom": room["id"], "device": "whiteboard-projector", "measured": {"投影机照度": "3600 流明"}},
        content_type="application/json",
    )
    assert added.status_code == 201, added.json()
    assert added.json()["measured"] == {"投影机照度": 3600}
    bad = client.post(
        "/api/classroom-devices/",
        {"classroom": room["id"], "device": "whiteboard-projector", "measured": {"投影机照度": "亮"}},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["fields"]["measured.投影机照度"][0].startswith(
        "“投影机照度”的测量值“亮”无法识别"
    )
    unknown = client.post(
        "/api/classroom-devices/",
        {"classroom": room["id"], "device": "toaster"},
        content_type="application/json",
    )
    assert unknown.status_code == 400 and "device" in unknown.json()["error"]["fields"]
    patched = client.patch(
        f"/api/classrooms/{room['id']}/", {"version": 1, "seats": 42}, content_type="application/json"
    )
    assert patched.status_code == 200 and patched.json()["version"] == 2
    stale = client.patch(
        f"/api/classrooms/{room['id']}/", {"version": 1, "seats": 43}, content_type="application/json"
    )
    assert stale.status_code == 409
    assert stale.json()["error"]["current"]["seats"] == 42
    row = added.json()
    stale_row = client.patch(
        f"/api/classroom-devices/{row['id']}/", {"version": 0, "count": 2}, content_type="application/json"
    )
    assert stale_row.status_code == 409
    assert client.delete(f"/api/classroom-devices/{row['id']}/").status_code == 204
    assert client.delete(f"/api/classrooms/{room['id']}/").status_code == 204
    assert not Classroom.objects.filter(pk=room["id"]).exists()


def test_others_cannot_write(rooms, client_for, world):
    room = rooms["met"]
    for role in ("reviewer", "commission", "other_cio"):
        client = client_for(role)
        created = client.post(
            "/api/classrooms/",
            {"school": world.school_a1.pk, "name": "X", "kind": "smart"},
            content_type="application/json",
        )
        assert created.status_code == 400 and "school" in created.json()["error"]["fields"]
        patch = client.patch(f"/api/classrooms/{room.pk}/", {"version": 1}, content_type="application/json")
        assert patch.status_code == 404
        assert client.delete(f"/api/classrooms/{room.pk}/").status_code == 404
        device = client.post(
            "/api/classroom-devices/",
            {"classroom": room.pk, "device": "laptop"},
            content_type="application/json",
        )
        assert device.status_code == 400
    assert Classroom.objects.get(pk=room.pk).version == 1
