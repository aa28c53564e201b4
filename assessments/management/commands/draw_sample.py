"""Draw (and optionally keep) the city re-check sample of a campaign, on the same code path as the
sampling page: `sample_params_clean` → `sample_preview` (→ `sample_draw`), or `sample_save`.

    python manage.py draw_sample --campaign 3 --rate 0.2 --strata district,school_type --seed 42 --json

prints {"campaign": 3, "seed": 42, "rate": 0.2, "strata": ["district", "school_type"],
"schools": ["<school code>", …]}. A dry run unless `--save` (which needs `--user`, the commission
member recorded as having drawn it).
"""

from __future__ import annotations

import json

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from assessments import services
from assessments.models import Campaign
from smartcampus.errors import DomainError


class Command(BaseCommand):
    @property
    def help(self) -> str:
        # A property: argparse needs a real string, translated in the active language.
        return _("抽取市级复核的学校样本（默认只预览；--save 保存）。同一种子和参数总是得到同样的学校。")

    def add_arguments(self, parser):
        parser.add_argument("--campaign", type=int, required=True, help=_("自评活动编号"))
        parser.add_argument("--rate", help=_("抽样比例（0–1），与 --count 二选一"))
        parser.add_argument("--count", help=_("每层抽取数，与 --rate 二选一"))
        parser.add_argument(
            "--strata", default="", help=_("分层依据：district、school_type，逗号分隔；不填为简单随机抽样")
        )
        parser.add_argument("--seed", required=True, help=_("随机种子（非负整数）"))
        parser.add_argument("--manual", default="", help=_("人工增补的学校标识码，逗号分隔"))
        parser.add_argument("--json", action="store_true", help=_("以 JSON 输出"))
        parser.add_argument("--save", action="store_true", help=_("保存抽样（需要 --user）"))
        parser.add_argument("--user", help=_("保存时记录的抽样人（用户名）"))

    def handle(self, *args, **options):
        campaign = (
            Campaign.objects.select_related("region", "framework").filter(pk=options["campaign"]).first()
        )
        if campaign is None:
            raise CommandError(_("自评活动 %(id)s 不存在。") % {"id": options["campaign"]})
        try:
            params = services.sample_params_clean(
                strata=options["strata"],
                rate=options["rate"],
                per_stratum=options["count"],
                seed=options["seed"],
                manual=options["manual"],
            )
            if options["save"]:
                user = get_user_model().objects.filter(username=options["user"] or "").first()
                if user is None:
                    raise CommandError(_("--save 需要 --user（有权为该活动抽样的用户名）。"))
                sample = services.sample_save(campaign=campaign, params=params, acting_user=user)
                result = services.sample_preview(campaign=campaign, params=params)
                codes = list(
                    sample.schools.order_by("position").values_list("assessment__school__code", flat=True)
                )
                if codes != list(result.schools):
                    raise CommandError(_("保存的抽样与预览不一致。"))
            else:
                result = services.sample_preview(campaign=campaign, params=params)
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        if options["json"]:
            self.stdout.write(json.dumps(result.as_json(campaign.pk), ensure_ascii=False))
            return
        for stratum in result.strata:
            label = " / ".join(stratum.key) or _("全部")
            self.stdout.write(
                _("%(label)s（%(drawn)d/%(size)d）：%(codes)s")
                % {
                    "label": label,
                    "drawn": len(stratum.drawn),
                    "size": stratum.size,
                    "codes": ", ".join(stratum.drawn),
                }
            )
        if result.manual:
            self.stdout.write(_("人工增补：%(codes)s") % {"codes": ", ".join(result.manual)})
        if options["save"]:
            summary = _("共 %(n)d 所学校，种子 %(seed)s（已保存）")
        else:
            summary = _("共 %(n)d 所学校，种子 %(seed)s（未保存）")
        self.stdout.write(summary % {"n": len(result.schools), "seed": params.seed})
