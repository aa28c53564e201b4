"""`/api/samples/`: the draw on the command's code path (same seed and parameters → the same
schools as `draw_sample`), saved only when asked; samples listed and read by the commission only."""

from __future__ import annotations

import json
from io import StringIO

from django.core.management import call_command

from assessments.models import Sample

from .test_sampling import finalised_campaign  # noqa: F401 — the fixture


def test_the_api_draws_like_the_command_and_saves_when_asked(world, client_for, finalised_campaign):  # noqa: F811
    c = finalised_campaign
    out = StringIO()
    call_command(
        "draw_sample", "--campaign", str(c.pk), "--rate", "0.2", "--strata", "district,school_type",
        "--seed", "42", "--json", stdout=out,
    )  # fmt: skip
    printed = json.loads(out.getvalue())
    client = client_for("commission")
    body = {"campaign": c.pk, "rate": "0.2", "strata": "district,school_type", "seed": "42"}
    preview = client.post("/api/samples/draw/", body, content_type="application/json")
    assert preview.status_code == 200 and preview.json() == {**printed, "sample": None}
    assert not Sample.objects.exists()
    saved = client.post("/api/samples/draw/", {**body, "save": True}, content_type="application/json")
    assert saved.status_code == 201 and saved.json()["schools"] == printed["schools"]
    sample = Sample.objects.get()
    assert saved.json()["sample"] == sample.pk and sample.drawn_by == world.users["commission"]
    listed = client.get(f"/api/samples/?campaign={c.pk}").json()["results"]
    assert [s["id"] for s in listed] == [sample.pk]
    detail = client.get(f"/api/samples/{sample.pk}/").json()
    assert [s["school_code"] for s in detail["schools"]] == printed["schools"]
    bad = client.post("/api/samples/draw/", {**body, "rate": "7"}, content_type="application/json")
    assert bad.status_code == 400 and "rate" in bad.json()["error"]["fields"]
    for role in ("reviewer", "other_commission", "cio"):
        other = client_for(role)
        assert other.post("/api/samples/draw/", body, content_type="application/json").status_code == 404
        assert other.get(f"/api/samples/{sample.pk}/").status_code == 404
