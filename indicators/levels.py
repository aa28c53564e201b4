"""School types and the school levels (学段) each contains: the vocabulary of level-dependent rules.

`SchoolType` holds the codes stored on a school (`assessments.School.school_type`) with the same
labels; this app is the bottom layer, so the vocabulary is defined here and the higher apps can
import it. A school type contains one or more levels: 九年一贯制 = 小学 + 初中, 完全中学 = 初中 + 高中.
A rule whose threshold depends on the level takes the strictest value over the levels the school
contains (see `expressions.level_min` / `level_max`).

职业学校 (secondary vocational) is its own level: the K-12 standards state their level-dependent
thresholds for 小学/初中/高中 only, so such a clause does not apply to a vocational school unless a
rule names `vocational` explicitly.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .choices import SchoolLevel


class SchoolType(models.TextChoices):
    PRIMARY = "primary", gettext_lazy("小学")
    JUNIOR = "junior", gettext_lazy("初中")
    SENIOR = "senior", gettext_lazy("高中")
    NINE_YEAR = "nine_year", gettext_lazy("九年一贯制")
    COMPLETE = "complete", gettext_lazy("完全中学")
    VOCATIONAL = "vocational", gettext_lazy("职业学校")
    HIGHER = "higher", gettext_lazy("高等学校")

    @property
    def level(self) -> SchoolLevel:
        """The 学段 of the frameworks a school of this type is assessed against."""
        return SchoolLevel.HIGHER if self == SchoolType.HIGHER else SchoolLevel.K12

    @classmethod
    def for_level(cls, level: str) -> list[SchoolType]:
        """The school types a framework of `level` (a `SchoolLevel`) applies to."""
        return [t for t in cls if t.level == level]


class Level(models.TextChoices):
    """A school level (学段). Ordered from the youngest pupils up."""

    PRIMARY = "primary", gettext_lazy("小学")
    JUNIOR = "junior", gettext_lazy("初中")
    SENIOR = "senior", gettext_lazy("高中")
    VOCATIONAL = "vocational", gettext_lazy("中职")
    HIGHER = "higher", gettext_lazy("高校")


SCHOOL_TYPE_LEVELS: dict[str, tuple[str, ...]] = {
    SchoolType.PRIMARY: (Level.PRIMARY,),
    SchoolType.JUNIOR: (Level.JUNIOR,),
    SchoolType.SENIOR: (Level.SENIOR,),
    SchoolType.NINE_YEAR: (Level.PRIMARY, Level.JUNIOR),
    SchoolType.COMPLETE: (Level.JUNIOR, Level.SENIOR),
    SchoolType.VOCATIONAL: (Level.VOCATIONAL,),
    SchoolType.HIGHER: (Level.HIGHER,),
}

K12_LEVELS: tuple[str, ...] = (Level.PRIMARY, Level.JUNIOR, Level.SENIOR, Level.VOCATIONAL)


class UnknownSchoolType(ValueError):
    """A school-type code that is not in `SchoolType`; the message lists the valid codes in Chinese."""


def school_type_choices_text() -> str:
    """ "primary（小学）、junior（初中）…": what to show when a code is wrong."""
    return _("、").join(
        _("%(value)s（%(label)s）") % {"value": value, "label": label} for value, label in SchoolType.choices
    )


def school_levels(school_type: str) -> tuple[str, ...]:
    """The levels a school of this type contains, e.g. nine_year → (primary, junior)."""
    try:
        return SCHOOL_TYPE_LEVELS[school_type]
    except KeyError:
        raise UnknownSchoolType(
            _("未知的学校类型“%(type)s”；可选：%(choices)s")
            % {"type": school_type, "choices": school_type_choices_text()}
        ) from None


def school_type_label(school_type: str) -> str:
    return str(SchoolType(school_type).label) if school_type in SchoolType.values else school_type


def level_label(level: str) -> str:
    return str(Level(level).label) if level in Level.values else level
