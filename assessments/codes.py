"""The national codes of the organisation tree, and what a well-formed one looks like.

- **行政区划代码** (GB/T 2260, *Codes for the administrative divisions of the PRC*): six digits,
  two per level — province (`37`), prefecture (`3703`), county (`370303`). A province's code ends in
  `0000`, a prefecture's in `00`, a county-level division's never in `00` (its last two digits are
  01–20 for districts, 21–80 for counties, 81–99 for county-level cities). A province-level
  municipality (北京 `110000`) is the city itself and its districts hang directly under it. The
  9- and 12-digit forms (统计用区划代码, township and village) name divisions below the county; the
  platform's regions stop at the county, so only the six-digit form is accepted.
- **学校标识码** (教育部《学校（机构）代码管理办法》, 2011): ten digits `AABBCCCCCC` — a two-digit
  school category (`21` 小学, `31` 普通初中, `34` 普通高中…), the two-digit province code of the
  school's location, and a six-digit serial number.

Pure functions: each returns None for a well-formed code, else a short Chinese reason.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

#: GB/T 2260 province-level divisions (the first two digits of every code)
PROVINCE_CODES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65".split()
    + ["71", "81", "82"]
)

#: the first two digits of a 学校标识码
SCHOOL_CATEGORY_CODES = {
    "11": gettext_lazy("幼儿园"),
    "21": gettext_lazy("小学"),
    "22": gettext_lazy("成人小学"),
    "31": gettext_lazy("普通初中"),
    "32": gettext_lazy("职业初中"),
    "33": gettext_lazy("成人初中"),
    "34": gettext_lazy("普通高中"),
    "35": gettext_lazy("成人高中"),
    "36": gettext_lazy("中等职业学校"),
    "37": gettext_lazy("工读学校"),
    "41": gettext_lazy("普通高等学校"),
    "42": gettext_lazy("成人高等学校"),
    "51": gettext_lazy("特殊教育学校"),
    "91": gettext_lazy("培养研究生的科研机构"),
    "92": gettext_lazy("民办的其他高等教育机构"),
    "93": gettext_lazy("中等职业培训机构"),
}

REGION_CODE = re.compile(r"\d{6}")
SCHOOL_CODE = re.compile(r"\d{10}")

PROVINCE, CITY, DISTRICT = "province", "city", "district"
RANK = {PROVINCE: 0, CITY: 1, DISTRICT: 2}


def region_code_problem(code: str) -> str | None:
    """Why `code` is not a six-digit GB/T 2260 code, or None."""
    if not REGION_CODE.fullmatch(code):
        return _("应为 6 位数字（GB/T 2260 行政区划代码，如 370303；乡镇、村的 9 位或 12 位代码不适用）")
    if code[:2] not in PROVINCE_CODES:
        return _("前两位“%(prefix)s”不是省级行政区划代码（如 11 北京、33 浙江、37 山东）") % {
            "prefix": code[:2]
        }
    return None


def region_level_problem(code: str, level: str) -> str | None:
    """Why a well-formed `code` cannot be a region of `level`, or None."""
    if level == PROVINCE and not code.endswith("0000"):
        return _("省级地区的代码以 0000 结尾")
    if level == CITY and not code.endswith("00"):
        return _("市级地区的代码以 00 结尾")
    if level == DISTRICT and code.endswith("00"):
        return _("区县级地区的代码后两位不是 00")
    return None


def region_prefix(code: str) -> str:
    """The digits every division under `code` starts with: "37" for 370000, "3703" for 370300."""
    if code.endswith("0000"):
        return code[:2]
    if code.endswith("00"):
        return code[:4]
    return code


def school_code_problem(code: str) -> str | None:
    """Why `code` is not a well-formed 学校标识码, or None."""
    if not SCHOOL_CODE.fullmatch(code):
        return _("应为 10 位数字（2 位学校类别码 + 2 位省级代码 + 6 位序号，如 2137000001）")
    if code[:2] not in SCHOOL_CATEGORY_CODES:
        return _("前两位“%(prefix)s”不是学校类别码（如 21 小学、31 初中、34 高中、36 中职、41 高校）") % {
            "prefix": code[:2]
        }
    if code[2:4] not in PROVINCE_CODES:
        return _("第 3–4 位“%(prefix)s”不是省级行政区划代码") % {"prefix": code[2:4]}
    return None
