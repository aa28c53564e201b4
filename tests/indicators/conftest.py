import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

FIXTURE_DIR = Path(settings.BASE_DIR) / "fixtures" / "frameworks"
CODES = ("beijing-k12", "beijing-higher", "zibo-k12", "zhejiang-k12")


def fixture_data(code: str) -> dict:
    return json.loads((FIXTURE_DIR / f"{code}.json").read_text(encoding="utf-8"))


@pytest.fixture
def frameworks(db):
    """All four frameworks loaded from the fixtures."""
    call_command("load_frameworks", stdout=open("/dev/null", "w"))
    from indicators.models import Framework

    return {fw.code: fw for fw in Framework.objects.all()}
