"""Print one framework's tree, as JSON (the fixture shape) or as an indented outline."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators.models import Framework
from indicators.selectors import framework_spec
from indicators.trees import fmt_points, nest, spec_to_dict


class Command(BaseCommand):
    help = gettext_lazy("打印指标体系的树（--json 输出与 fixtures 相同的结构）")

    def create_parser(self, prog_name, subcommand, **kwargs):
        # `--version N` selects a framework version; it replaces Django's own --version flag here.
        return super().create_parser(prog_name, subcommand, conflict_handler="resolve", **kwargs)

    def add_arguments(self, parser):
        parser.add_argument("code")
        parser.add_argument(
            "--version", dest="fw_version", type=int, help=gettext_lazy("版本号（默认最新版本）")
        )
        parser.add_argument("--json", action="store_true", help=gettext_lazy("以 JSON 输出"))

    def handle(self, *args, code, fw_version, json: bool, **options):
        qs = Framework.objects.filter(code=code)
        framework = qs.filter(version=fw_version).first() if fw_version else qs.order_by("-version").first()
        if framework is None:
            raise CommandError(
                _("找不到指标体系 %(code)s") % {"code": code} + (f" v{fw_version}" if fw_version else "")
            )
        spec = framework_spec(framework=framework)
        if json:
            self.stdout.write(_dumps(spec_to_dict(spec, version=framework.version)))
            return
        scoring = framework.get_scoring_display()
        total = (
            _("，总分 %(value)s") % {"value": fmt_points(framework.total_points)}
            if framework.total_points is not None
            else ""
        )
        self.stdout.write(
            _("%(name)s（%(code)s v%(version)s，%(scoring)s%(total)s）")
            % {
                "name": framework.name,
                "code": framework.code,
                "version": framework.version,
                "scoring": scoring,
                "total": total,
            }
        )

        def line(node):
            return {"node": node, "children": []}

        def show(items, depth):
            for item in items:
                n = item["node"]
                marks = []
                if n.points is not None:
                    marks.append(
                        _("%(value)s分") % {"value": fmt_points(n.points)}
                        + (_("（推定）") if n.points_inferred else "")
                    )
                elif n.points_inferred:
                    marks.append(_("（推定）"))
                if n.starred:
                    marks.append("*")
                if n.optional:
                    marks.append(_("可选"))
                if n.optional_clauses:
                    marks.append(
                        _("可选条款") + _("、").join(_("（%(c)s）") % {"c": c} for c in n.optional_clauses)
                    )
                title = n.name or (n.text[:60] + ("…" if len(n.text) > 60 else ""))
                suffix = f"  [{' '.join(marks)}]" if marks else ""
                self.stdout.write(f"{'  ' * depth}{n.code} {title}{suffix}")
                show(item["children"], depth + 1)

        show(nest(spec.nodes, line), 0)


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
