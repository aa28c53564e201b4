"""The fact catalogue's wording is listed for translation, so the 学校基本情况 page can be read in
English; a fact added to the fixture without its wording would show in Chinese only."""

import json
from pathlib import Path

from django.utils import translation

from indicators import fact_strings
from indicators.models import FactDefinition

FACTS = json.loads((Path(__file__).resolve().parents[2] / "fixtures" / "facts.json").read_text("utf-8"))[
    "facts"
]


def test_every_label_help_text_choice_and_unit_of_the_fixture_is_listed():
    listed = {
        str(s)
        for group in (fact_strings.LABELS, fact_strings.HELP_TEXTS, fact_strings.CHOICE_LABELS)
        for s in group
    }
    with translation.override("zh-hans"):
        units = {str(u) for u in fact_strings.UNITS}
    for fact in FACTS:
        assert fact["label"] in listed, fact["code"]
        assert not fact.get("help_text") or fact["help_text"] in listed, fact["code"]
        assert all(label in listed for _value, label in fact.get("choices") or []), fact["code"]
        assert not fact.get("unit") or fact["unit"].isascii() or fact["unit"] in units, fact["code"]


def test_the_spec_keeps_the_chinese_wording_by_default():
    fact = FactDefinition(code="students", label="在校学生数", unit="人", kind="integer", help_text="")
    spec = fact.spec()
    assert (spec.label, spec.unit, spec.help_text) == ("在校学生数", "人", "")
