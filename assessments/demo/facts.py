"""Plausible school facts for a demo campaign (`seed_demo --fill`), some of them failing some rules.

Each school gets a size from its type (students, classes, teachers…) and a quality: most schools
are well equipped (now and then a number short), about one in four falls short here and there (a
500M uplink, 10 students per computer, logs kept 90 days…), which with the demo's self-assessments
gives the review queue its badges of claims the facts contradict. Values derive from `--seed` and
the school code only, so a school has the same facts in every campaign, on any database, every run.

Written in bulk: one `INSERT … ON CONFLICT DO UPDATE` per chunk on (assessment, fact), so re-running
rewrites the same rows. Seeded facts have no history rows (nobody edited them), like
the seeded answers.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from indicators.facts import FactSpec
from indicators.models import FactDefinition, FactKind
from indicators.selectors import fact_catalogue, rule_specs

from ..freshness import campaign_data_changed
from ..models import Assessment, Campaign, FactSource, FactValue, Role, SchoolType
from ..selectors.facts import asked_fact_codes
from .fill import _first_user_ids, _rng

UPSERT_BATCH = 2000

# students (low, high) per school type; classes of about 40 (45 in secondary schools)
SIZES = {
    SchoolType.PRIMARY: (300, 2200),
    SchoolType.JUNIOR: (400, 1800),
    SchoolType.SENIOR: (600, 3000),
    SchoolType.NINE_YEAR: (800, 2800),
    SchoolType.COMPLETE: (900, 3200),
    SchoolType.VOCATIONAL: (500, 3500),
    SchoolType.HIGHER: (6000, 36000),
}


class _School:
    """A demo school's draws: `good()` is usually true, less often for a weaker school."""

    def __init__(self, rng: random.Random, school_type: str):
        self.rng = rng
        self.type = school_type
        self.quality = 0.6 if rng.random() < 0.25 else 0.985  # a school that falls short here and there
        low, high = SIZES.get(school_type, (500, 2000))
        self.students = rng.randint(low, high)

    def good(self) -> bool:
        return self.rng.random() < self.quality

    def pick(self, good: list, bad: list):
        return self.rng.choice(good if self.good() else bad)

    def pct(self, floor: float) -> Decimal:
        """100 % for a good draw, else between `floor` and 99.5 %."""
        return Decimal(100) if self.good() else Decimal(str(round(self.rng.uniform(floor, 99.5), 1)))


def _values(s: _School) -> dict[str, object]:
    """Every fact of the catalogue for one school, in a fixed order (the random draws stay aligned)."""
    rng, higher = s.rng, s.type == SchoolType.HIGHER
    students = s.students
    classes = math.ceil(students / (45 if s.type in (SchoolType.SENIOR, SchoolType.COMPLETE) else 40))
    teachers = max(10, round(students / (rng.uniform(12, 18) if not higher else rng.uniform(16, 22))))
    staff = round(teachers * rng.uniform(1.15, 1.4))
    classrooms = classes + rng.randint(0, 3)
    ratio = rng.uniform(3.5, 6.8) if s.good() else rng.uniform(7.5, 12)
    subjects = rng.randint(9, 14)
    values: dict[str, object] = {
        "students": students,
        "teachers": teachers,
        "staff": staff,
        "classes": classes,
        "ordinary_classrooms": classrooms,
        "classrooms_interactive": classrooms if s.good() else classrooms - rng.randint(1, 4),
        "classrooms_networked": classrooms if s.good() else classrooms - rng.randint(1, 3),
        "student_pcs": max(1, round(students / ratio)),
        "teacher_pcs": teachers + rng.randint(0, 20)
        if s.good()
        else round(teachers * rng.uniform(0.7, 0.95)),
        "uplink_mbps": s.pick([10000, 20000, 40000], [2000, 5000])
        if higher
        else s.pick([1000, 1000, 2000], [300, 500]),
        "classroom_mbps": s.pick([1000], [100]) if not higher else s.pick([1000], [100, 500]),
        "backbone_gbps": s.pick([1, 10, 10], [Decimal("0.1")]),
        "building_link_gbps": s.pick([10, 40], [1]),
        "wifi_coverage_pct": s.pct(75),
        "ipv6": s.good(),
        "ipv6_pct": Decimal(str(round(rng.uniform(90, 100), 1))) if s.good() else rng.randint(40, 85),
        "security_level": s.pick([2, 3], [0, 1]),
        "security_filing_pct": s.pct(70),
        "log_retention_days": s.pick([180, 365, 400], [30, 90]),
        "ups_hours": s.pick([2, 3, 4], [1, Decimal("1.5")]),
        "data_retention_years": s.pick([10, 15, 20], [5, 8]),
        "security_incidents": 0 if s.good() else rng.choice([0, 1]),
        "emergency_drills_per_year": s.pick([1, 2, 3], [0]),
        "mailbox_gb": s.pick([10, 20, 50], [2, 5]),
        "online_courses_pct": Decimal(
            str(round(rng.uniform(52, 85) if s.good() else rng.uniform(20, 50), 1))
        ),
        "text_resources_pct": Decimal(
            str(round(rng.uniform(20, 50) if s.good() else rng.uniform(51, 75), 1))
        ),
        "online_courses_national": s.pick([2, 3, 5], [0, 1]),
        "online_courses_local": s.pick([2, 3, 4], [0, 1]),
        "online_courses_school": s.pick([2, 4, 6], [1]),
        "quality_courses": s.pick([2, 5, 8], [0]),
        "teacher_space_pct": s.pct(80),
        "student_space_pct": s.pct(70),
        "teachers_sharing_pct": Decimal(
            str(round(rng.uniform(30, 65) if s.good() else rng.uniform(8, 29), 1))
        ),
        "research_projects": s.pick([1, 2, 3], [0]),
        "dept_it_coverage_pct": s.pct(75),
        "service_processes": rng.randint(101, 260) if s.good() else rng.randint(40, 100),
        "cross_dept_process_pct": Decimal(
            str(round(rng.uniform(30, 55) if s.good() else rng.uniform(10, 29), 1))
        ),
        "one_stop_pct": Decimal(str(round(rng.uniform(70, 92) if s.good() else rng.uniform(40, 69), 1))),
        "data_exchange_coverage_pct": s.pct(70),
        "hazmat_sensor_coverage_pct": s.pct(50),
        "has_it_department": s.good() or classes < 24,
        "it_meetings_per_term": s.pick([1, 2, 3], [0]),
        "subjects": subjects,
        "subjects_with_it_lead": subjects if s.good() else subjects - rng.randint(1, 4),
        "it_trainings_per_year": s.pick([2, 3, 4], [0, 1]),
        "teacher_training_coverage_pct": s.pct(70),
        "teachers_trained_pct": s.pct(80),
        "it_staff_trainings_per_year": s.pick([2, 3, 4], [1]),
        "leader_it_lectures_per_year": s.pick([1, 2], [0]),
        "student_digital_trainings_per_year": s.pick([1, 2], [0]),
    }
    return values


_FALLBACK: dict[str, Callable[[random.Random, FactSpec], object]] = {
    FactKind.INTEGER: lambda rng, spec: rng.randint(0, 10),
    FactKind.DECIMAL: lambda rng, spec: Decimal(str(round(rng.uniform(1, 100), 1))),
    FactKind.PERCENT: lambda rng, spec: Decimal(str(round(rng.uniform(50, 100), 1))),
    FactKind.BOOL: lambda rng, spec: rng.random() < 0.8,
    FactKind.CHOICE: lambda rng, spec: rng.choice(spec.choices)[0],
}


def school_facts(*, seed: int, school_code: str, school_type: str, catalogue: dict[str, FactSpec]) -> dict:
    """Every catalogue fact of one demo school, cleaned like a school's own entry (`FactSpec.clean`):
    parts never exceed their wholes, percentages stay within 0–100."""
    s = _School(_rng(seed, "facts", school_code), school_type)
    drawn = _values(s)
    out = {}
    for code, spec in catalogue.items():
        raw = drawn[code] if code in drawn else _FALLBACK[spec.kind](s.rng, spec)
        out[code] = spec.clean(raw)
    for code, spec in catalogue.items():
        if spec.part_of and out.get(code) is not None and out.get(spec.part_of) is not None:
            out[code] = min(out[code], out[spec.part_of])
    return out


@transaction.atomic
def campaign_facts_fill(*, campaign: Campaign, seed: int = 2026) -> int:
    """Record plausible facts (those the framework's checks read, and the basics) for every school
    of `campaign`; returns the number of values written. A constant number of queries per
    UPSERT_BATCH values."""
    catalogue = fact_catalogue()
    rules = rule_specs(framework=campaign.framework)
    fact_ids = dict(FactDefinition.objects.values_list("code", "pk"))
    cio_of_school = _first_user_ids(Role.SCHOOL_CIO, "school")
    rows: list[tuple] = []
    asked: dict[str, list[str]] = {}
    assessments = Assessment.objects.filter(campaign=campaign).values_list(
        "pk", "school_id", "school__code", "school__school_type"
    )
    for pk, school_id, code, school_type in assessments.order_by("school__code"):
        facts = school_facts(seed=seed, school_code=code, school_type=school_type, catalogue=catalogue)
        if school_type not in asked:
            asked[school_type] = asked_fact_codes(rules=rules, catalogue=catalogue, school_type=school_type)
        for fact in asked[school_type]:
            value = FactValue.stored(catalogue[fact], facts[fact])
            rows.append((pk, fact_ids[fact], value, cio_of_school.get(school_id)))
    _upsert(rows)
    campaign_data_changed(campaign.pk)
    return len(rows)


def _upsert(rows: list[tuple]) -> None:
    """`INSERT … ON CONFLICT (assessment, fact) DO UPDATE` per chunk (PostgreSQL and SQLite 3.24+):
    Django's `bulk_create(update_conflicts=True)` compiles every row in Python, about 1.5 ms each."""
    qn = connection.ops.quote_name
    table = qn(FactValue._meta.db_table)
    columns = ["assessment_id", "fact_id", "value", "updated_by_id", "source", "version", "updated_at"]
    columns += ["doubtful", "doubt_comment"]
    updated = ["value", "updated_by_id", "source", "version", "updated_at"]
    field = FactValue._meta.get_field("value")
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    constants = [FactSource.SCHOOL.value, 1, now, False, ""]
    sql = (
        f"INSERT INTO {table} ({', '.join(qn(c) for c in columns)}) VALUES {{values}} "  # noqa: S608 — names from _meta
        f"ON CONFLICT ({qn('assessment_id')}, {qn('fact_id')}) DO UPDATE SET "
        + ", ".join(f"{qn(c)} = excluded.{qn(c)}" for c in updated)
    )
    row_sql = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), UPSERT_BATCH):
            chunk = rows[start : start + UPSERT_BATCH]
            params = [
                p
                for pk, fact_id, value, user_id in chunk
                for p in (
                    pk,
                    fact_id,
                    connection.ops.adapt_decimalfield_value(value, field.max_digits, field.decimal_places),
                    user_id,
                    *constants,
                )
            ]
            cursor.execute(sql.format(values=", ".join([row_sql] * len(chunk))), params)
