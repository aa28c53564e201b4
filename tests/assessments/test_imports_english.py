"""An import file is Chinese (its header and its enumerations, as Chinese Excel users fill it in):
it imports the same from the English pages, where the choice labels are English."""

from django.utils import translation

from assessments.models import School
from assessments.resources.base import choice

from .test_imports import SCHOOL_HEADER, confirm, preview, xlsx


def test_a_chinese_file_imports_from_the_english_pages(world, client_for):
    client = client_for("commission")
    client.cookies["django_language"] = "en"
    rows = [SCHOOL_HEADER, ("2111010001", "甲一区新建小学", "小学", "110108")]
    response = preview(client, "schools", xlsx(rows))
    assert response.status_code == 200
    assert response.context["preview"].ok, response.context["preview"].errors
    confirm(client, "schools", response)
    assert School.objects.get(code="2111010001").school_type == "primary"


def test_a_choice_is_found_by_its_chinese_label_whatever_the_active_language():
    levels = [("city", translation.gettext_lazy("市级")), ("district", translation.gettext_lazy("区县级"))]
    for language in ("en", "zh-hans"):
        with translation.override(language):
            assert choice("区县级", levels) == "district"
            assert choice("district", levels) == "district"
            assert choice("乡镇", levels) is None
