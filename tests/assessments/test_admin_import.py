"""The same resources serve the admin's import/export, with the acting user's scope."""

import io

from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import UserFactory


def test_admin_import_and_export_pages_work_for_superusers(world, client):
    admin = UserFactory(username="root")
    admin.is_superuser = admin.is_staff = True
    admin.save()
    client.force_login(admin)
    for model in ("region", "school", "membership"):
        assert client.get(reverse(f"admin:assessments_{model}_import")).status_code == 200
    response = client.post(
        reverse("admin:assessments_school_export"),
        {
            "format": "0",
            "resource": "0",
            **{f"schoolresource_{f}": "on" for f in ("code", "name", "school_type", "region")},
        },
    )
    assert response.status_code == 200, response.content[:500]
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    assert rows[0][:2] == ("学校标识码", "学校名称")
    assert {r[0] for r in rows[1:]} == {"S-A1", "S-A1B", "S-A2", "S-B1"}
    assert ("S-A1", "甲一区第一小学", "小学", "110108") in rows
