"""Create the demo world: regions, schools and one user per role, deterministically and idempotently."""

from __future__ import annotations

import datetime
import random

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from assessments import selectors, services
from assessments.demo.regions import REGIONS, SCHOOL_REGION_CODES, UNIVERSITIES
from assessments.models import (
    Assessment,
    Campaign,
    ItemResponse,
    Membership,
    Region,
    Role,
    School,
    SchoolType,
)
from indicators.selectors import framework_latest
from smartcampus.db import planner_statistics_refresh

DEMO_PASSWORD = "Campus#2026"

K12_TYPES = [
    (SchoolType.PRIMARY, "小学", 50),  # i18n: data
    (SchoolType.JUNIOR, "中学", 18),  # i18n: data
    (SchoolType.SENIOR, "高级中学", 10),  # i18n: data
    (SchoolType.NINE_YEAR, "学校", 10),  # i18n: data
    (SchoolType.COMPLETE, "中学", 7),  # i18n: data
    (SchoolType.VOCATIONAL, "职业学校", 5),  # i18n: data
]

_DIGITS = "零一二三四五六七八九"  # i18n: data


def chinese_number(n: int) -> str:
    """1..9999 as written in school names: 12 → 十二, 105 → 一百零五."""
    if n < 10:
        return _DIGITS[n]
    if n < 20:
        return "十" + (_DIGITS[n % 10] if n % 10 else "")  # i18n: data
    parts, units = [], [(1000, "千"), (100, "百"), (10, "十")]  # i18n: data
    rest, zero = n, False
    for value, unit in units:
        digit, rest = divmod(rest, value)
        if digit:
            if zero:
                parts.append("零")  # i18n: data
                zero = False
            parts.append(_DIGITS[digit] + unit)
        elif parts:
            zero = True
    if rest:
        if zero:
            parts.append("零")  # i18n: data
        parts.append(_DIGITS[rest])
    return "".join(parts)


# (username, display name, role, scope: region code or ("school", region code, nth school))
DEMO_USERS = [
    ("admin", "系统管理员", None, None),  # i18n: data
    ("bj_commission", "北京市教委·张老师", Role.COMMISSION, "110000"),  # i18n: data
    ("zb_commission", "淄博市教育局·刘老师", Role.COMMISSION, "370300"),  # i18n: data
    ("zj_commission", "浙江省教育厅·陈老师", Role.COMMISSION, "330000"),  # i18n: data
    ("hd_reviewer", "海淀区评审专家·王老师", Role.REVIEWER, "110108"),  # i18n: data
    ("cy_reviewer", "朝阳区评审专家·赵老师", Role.REVIEWER, "110105"),  # i18n: data
    ("zd_reviewer", "张店区评审专家·孙老师", Role.REVIEWER, "370303"),  # i18n: data
    ("hz_reviewer", "杭州市评审专家·周老师", Role.REVIEWER, "330100"),  # i18n: data
    ("hd_cio", "海淀区学校CIO·李老师", Role.SCHOOL_CIO, ("110108", 0)),  # i18n: data
    ("hd_cio2", "海淀区学校CIO·吴老师", Role.SCHOOL_CIO, ("110108", 1)),  # i18n: data
    ("cy_cio", "朝阳区学校CIO·郑老师", Role.SCHOOL_CIO, ("110105", 0)),  # i18n: data
    ("zd_cio", "张店区学校CIO·钱老师", Role.SCHOOL_CIO, ("370303", 0)),  # i18n: data
    ("hz_cio", "杭州市学校CIO·冯老师", Role.SCHOOL_CIO, ("330100", 0)),  # i18n: data
    ("bjut_cio", "北京工业大学CIO·何老师", Role.SCHOOL_CIO, ("univ", 0)),  # i18n: data
    # no membership: reviews the universities the commission assigns to them (ReviewAssignment)  # i18n: data
    ("bj_expert", "高校评审专家·林老师", None, None),  # i18n: data
]


# (framework code, title, owning region, universities only?, commission login)
DEMO_CAMPAIGNS = [
    ("beijing-k12", "2026年北京市中小学智慧校园自评", "110000", False, "bj_commission"),  # i18n: data
    ("beijing-higher", "2026年北京高校智慧校园建设达标自评", "110000", True, "bj_commission"),  # i18n: data
    ("zibo-k12", "2026年淄博市中小学智慧校园自评", "370300", False, "zb_commission"),  # i18n: data
    ("zhejiang-k12", "2026年浙江省中小学智慧校园建设自评", "330000", False, "zj_commission"),  # i18n: data
]


GRADES = [
    {"label": "优秀", "min_percent": 90},  # i18n: data
    {"label": "良好", "min_percent": 75},  # i18n: data
    {"label": "合格", "min_percent": 60},  # i18n: data
    {"label": "不合格", "min_percent": 0},  # i18n: data
]
#: the items the higher-education standard marks 「适度探索」 (aspirational) carry it as their note
EXPLORATORY_NOTE = "适度探索"  # i18n: data
# framework code → the demo campaign's result rule (`services.rule_save` keywords); excluded codes
# given as a callable are read from the framework
DEMO_RULES = {
    # 北京 K-12: 85 % of schools reaching the requirements (001 引言)
    "beijing-k12": {
        "pass_rule": "percent",
        "pass_min_percent": 60,
        "grades": GRADES,
        "target_share": "0.850",
    },
    "beijing-higher": {
        "pass_rule": "all_required",
        "excluded": lambda framework: list(
            framework.nodes.filter(note=EXPLORATORY_NOTE).order_by("position").values_list("code", flat=True)
        ),
    },
    "zibo-k12": {"pass_rule": "percent", "pass_min_percent": 60, "grades": GRADES},
    # 浙江: (六) 特色发展 is the school's own profile, left out of the pass decision
    "zhejiang-k12": {"pass_rule": "all_required", "excluded": ["6"]},
}


class Command(BaseCommand):
    @property
    def help(self) -> str:
        # A property: argparse needs a real string, translated in the active language.
        return _("创建演示数据：北京、淄博、浙江的地区、学校与各角色演示账号（可重复执行，结果相同）。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--schools",
            type=int,
            default=120,
            help=_("中小学数量（默认 120，上限 20000；与 --campaign 一起使用时为该活动所在地区的学校数）"),
        )
        parser.add_argument("--seed", type=int, default=2026, help=_("随机种子（决定学校类型分布）"))
        parser.add_argument("--quiet", action="store_true", help=_("不打印演示账号"))
        # --campaign/--fill: assessments/demo/fill.py (complete self-assessments, reviews, evidence)
        parser.add_argument(
            "--campaign",
            choices=[code for code, *_rest in DEMO_CAMPAIGNS],
            help=_("只填充该指标体系的演示自评活动（与 --fill 一起使用；默认全部）"),
        )
        parser.add_argument(
            "--fill", action="store_true", help=_("为演示自评活动生成完整的自评、评审结果与佐证材料")
        )

    @transaction.atomic
    def handle(
        self, *args, schools: int, seed: int, quiet: bool, campaign=None, fill=False, **options
    ) -> None:
        if not 0 <= schools <= 20000:
            self.stderr.write(_("--schools 须在 0 到 20000 之间"))
            raise SystemExit(2)
        regions = self._regions()
        created_schools = self._schools(regions, schools, seed, self._campaign_districts(campaign, regions))
        self._users(regions)
        self._classrooms()
        has_campaigns = self._campaigns(regions)
        if has_campaigns and campaign is None:
            from assessments.demo.years import demo_previous_year_seed

            demo_previous_year_seed(seed=seed, log=self.stdout.write)
        if fill:
            self._fill(campaign, seed)
        elif campaign is None and has_campaigns:
            from assessments.demo.reviews import demo_reviews_seed

            demo_reviews_seed(seed=seed, log=self.stdout.write)
        planner_statistics_refresh(School, Assessment, ItemResponse)
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "演示数据就绪：地区 %(regions)d 个，学校 %(schools)d 所"
                    "（本次新增 %(created)d），账号 %(users)d 个。"
                )
                % {
                    "regions": Region.objects.count(),
                    "schools": School.objects.count(),
                    "created": created_schools,
                    "users": len(DEMO_USERS),
                }
            )
        )
        if not quiet:
            self.stdout.write("\n" + _("演示账号（密码均为 %(password)s）：") % {"password": DEMO_PASSWORD})
            for username, display, _role, _scope in DEMO_USERS:
                self.stdout.write(f"  {username:<14} {display}")

    def _regions(self) -> dict[str, Region]:
        existing = {r.code: r for r in Region.objects.all()}
        for code, name, level, parent_code in REGIONS:  # parents come first in REGIONS
            parent = existing.get(parent_code) if parent_code else None
            region = existing.get(code)
            if region is None:
                region = Region(code=code)
            if (region.name, region.level, region.parent_id) != (name, level, parent.pk if parent else None):
                region.name, region.level, region.parent = name, level, parent
                region.save()
            existing[code] = region
        return existing

    def _schools(
        self, regions: dict[str, Region], count: int, seed: int, only_regions: set[str] | None = None
    ) -> int:
        weights = [w for _t, _s, w in K12_TYPES]
        rows = []
        per_region_type: dict[tuple[str, str], int] = {}
        i = -1
        while len(rows) < count:
            i += 1
            region_code = SCHOOL_REGION_CODES[i % len(SCHOOL_REGION_CODES)]
            nth = i // len(SCHOOL_REGION_CODES) + 1
            if only_regions is not None and region_code not in only_regions:
                continue  # --campaign: the same schools the round robin makes, in that campaign's region
            rng = random.Random(seed * 1_000_003 + i)
            school_type, suffix, _w = rng.choices(K12_TYPES, weights=weights)[0]
            key = (region_code, suffix)
            per_region_type[key] = per_region_type.get(key, 0) + 1
            region = regions[region_code]
            rows.append(
                School(
                    code=f"{region_code}{nth:04d}",
                    name=f"{region.name}第{chinese_number(per_region_type[key])}{suffix}",  # i18n: data
                    school_type=school_type,
                    region=region,
                )
            )
        for code, name, region_code in UNIVERSITIES:
            rows.append(
                School(code=code, name=name, school_type=SchoolType.HIGHER, region=regions[region_code])
            )
        before = School.objects.count()
        School.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
        return School.objects.count() - before

    def _users(self, regions: dict[str, Region]) -> None:
        User = get_user_model()
        password_hash = make_password(DEMO_PASSWORD)  # hashed once: the same demo password for every login
        for username, display, role, scope in DEMO_USERS:
            user, created = User.objects.get_or_create(
                username=username, defaults={"first_name": display, "password": password_hash}
            )
            if username == "admin" and not user.is_superuser:
                user.is_superuser = user.is_staff = True
                user.save(update_fields=["is_superuser", "is_staff"])
            if role is None:
                continue
            if role == Role.SCHOOL_CIO:
                region_code, nth = scope
                if region_code == "univ":
                    school = School.objects.get(code=UNIVERSITIES[nth][0])
                else:
                    school = (
                        School.objects.filter(region=regions[region_code])
                        .exclude(school_type=SchoolType.HIGHER)
                        .order_by("code")[nth : nth + 1]
                        .first()
                    )
                if school is None:
                    continue  # too few schools requested for this demo login
                Membership.objects.get_or_create(user=user, role=role, school=school)
            else:
                Membership.objects.get_or_create(user=user, role=role, region=regions[scope])

    def _classrooms(self) -> None:
        """Demo classrooms for the demo CIOs' schools, when the classroom app is installed (a soft
        dependency through the app registry, like the evidence of --fill: this app never imports it)."""
        from django.apps import apps
        from django.utils.module_loading import import_string

        if apps.is_installed("classrooms"):
            import_string("classrooms.demo.classrooms_demo_seed")(log=self.stdout.write)

    def _campaign_districts(self, framework_code: str | None, regions: dict[str, Region]) -> set[str] | None:
        """With --campaign (a K-12 framework), --schools counts the schools of that campaign's region."""
        for code, _title, region_code, higher, _user in DEMO_CAMPAIGNS:
            if code == framework_code and not higher:
                path = regions[region_code].path
                return {c for c in SCHOOL_REGION_CODES if regions[c].path.startswith(path)}
        return None

    def _fill(self, framework_code: str | None, seed: int) -> None:
        from assessments.demo.fill import demo_campaigns_fill

        campaigns = [
            c
            for code, title, *_rest in DEMO_CAMPAIGNS
            if framework_code in (None, code)
            for c in Campaign.objects.filter(title=title, framework__code=code).select_related("framework")
        ]
        demo_campaigns_fill(campaigns=campaigns, seed=seed, log=self.stdout.write)

    def _campaigns(self, regions: dict[str, Region]) -> bool:
        """One demo campaign per framework, created or grown (new schools added) through the services.
        False when no framework is loaded yet (nothing created)."""
        User = get_user_model()
        if not any(framework_latest(code=code) for code, *_rest in DEMO_CAMPAIGNS):
            self.stdout.write(_("指标体系尚未加载，跳过演示自评活动（先运行 manage.py load_frameworks）。"))
            return False
        for code, title, region_code, higher, username in DEMO_CAMPAIGNS:
            framework = framework_latest(code=code)
            if framework is None:
                self.stdout.write(
                    _("指标体系 %(code)s 尚未加载，跳过“%(title)s”。") % {"code": code, "title": title}
                )
                continue
            region = regions[region_code]
            schools = School.objects.filter(region__path__startswith=region.path).select_related("region")
            schools = (
                schools.filter(school_type=SchoolType.HIGHER)
                if higher
                else schools.exclude(school_type=SchoolType.HIGHER)
            )
            commission = User.objects.get(username=username)
            campaign = Campaign.objects.filter(title=title, framework__code=code).first()
            if campaign is None:
                campaign = services.campaign_create(
                    framework=framework,
                    year=2026,
                    title=title,
                    region=region,
                    self_deadline=services.end_of_day(datetime.date(2026, 12, 31)),
                    review_deadline=services.end_of_day(datetime.date(2027, 1, 31)),
                    schools=schools,
                    acting_user=commission,
                )
                added = campaign.assessments.count()
            else:
                added = services.campaign_add_schools(
                    campaign=campaign, schools=schools, acting_user=commission
                )
            self.stdout.write(
                _("演示自评活动“%(title)s”：新增 %(n)d 所学校。") % {"title": title, "n": added}
            )
            if code in DEMO_RULES and selectors.current_rule(campaign) is None:
                rule = {
                    key: value(framework) if callable(value) else value
                    for key, value in DEMO_RULES[code].items()
                }
                services.rule_save(campaign=campaign, acting_user=commission, **rule)
        return True
