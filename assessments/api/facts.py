"""API of the school's facts and the automatic checks: `/api/assessment-facts/{assessment id}/`.

GET reads the facts the framework asks for (value, version, source and, for reviewers — and for the
school once returned or finalised — the reviewer's doubts); PATCH records values with the versions
they started from (409 with `current` when one is stale, 400 with a message per bad fact);
`…/checks/` reads every rule's result with the numbers used.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from indicators.models import FactKind

from .. import selectors, services
from ..models import FactValue
from ..scoping import Action


def _json_number(value):
    """A fact's value as JSON: true/false, an integer, or a number with its decimals."""
    if value is None or isinstance(value, bool):
        return value
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


class FactFieldSerializer(serializers.Serializer):
    code = serializers.CharField(source="spec.code")
    label = serializers.CharField(source="spec.label")
    unit = serializers.CharField(source="spec.unit")
    kind = serializers.CharField(source="spec.kind", help_text="integer/decimal/percent/bool/choice")
    value = serializers.SerializerMethodField(help_text=_("数值、true/false，或 null（未填）"))
    text = serializers.CharField(help_text=_("按事实类型显示的数值，如 1000 Mbps、是、第二级"))
    version = serializers.IntegerField(help_text=_("PATCH 时须带回的版本号（未填写过的为 0）"))
    source = serializers.SerializerMethodField(
        help_text=_("school（学校填报）/inventory（设备清单），未填为 null")
    )
    updated_at = serializers.DateTimeField(source="record.updated_at", default=None)
    used_by = serializers.ListField(
        child=serializers.CharField(), help_text=_("读取该事实的自动校验所在的条目")
    )
    editable = serializers.BooleanField()
    doubt = serializers.SerializerMethodField(
        help_text=_("评审专家的存疑标记（评审可见；退回或定稿后学校可见）")
    )

    def get_value(self, field) -> bool | int | float | None:
        return _json_number(field.value)

    def get_source(self, field) -> str | None:
        record = field.record
        return record.source if record is not None and record.value is not None else None

    def get_doubt(self, field) -> dict | None:
        if not self.context.get("can_read_doubts") or not field.doubtful:
            return None
        return {
            "comment": field.record.doubt_comment,
            "at": serializers.DateTimeField().to_representation(field.record.doubted_at),
        }


class FactSheetSerializer(serializers.Serializer):
    """The facts of one assessment (the 「学校基本情况」 tab)."""

    assessment = serializers.IntegerField(source="assessment.pk")
    school_type = serializers.CharField(help_text=_("学校类型（取自学校）：primary/junior/senior/…"))
    school_type_display = serializers.CharField(source="school_type_label")
    facts = serializers.SerializerMethodField()

    def get_facts(self, sheet) -> list[dict]:
        context = {**self.context, "can_read_doubts": sheet.abilities.can_read_doubts}
        return FactFieldSerializer(sheet.fields, many=True, context=context).data


class FactValueSerializer(serializers.ModelSerializer):
    """One recorded fact as it is now (the `current` of a version conflict)."""

    code = serializers.CharField(source="fact.code")
    value = serializers.SerializerMethodField()

    class Meta:
        model = FactValue
        fields = ("code", "value", "version", "source", "updated_at")
        read_only_fields = fields

    def get_value(self, record) -> bool | int | float | None:
        if record.value is None:
            return None
        if record.fact.kind == FactKind.BOOL:
            return record.value != 0
        return _json_number(record.value)


class FactsUpdateSerializer(serializers.Serializer):
    """PATCH input: `values` maps fact codes to values ("" or null clears one), `versions` maps the
    same codes to the version each edit started from (0 for a fact not recorded yet)."""

    values = serializers.DictField(
        child=serializers.JSONField(allow_null=True),
        allow_empty=False,
        help_text=_('如 {"students": 1200, "ipv6": true, "security_level": 2}'),
    )
    versions = serializers.DictField(
        child=serializers.IntegerField(),
        error_messages={"required": _("缺少版本号 versions。")},
        help_text=_('如 {"students": 0, "ipv6": 3}'),
    )


class UsedNumberSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()
    text = serializers.CharField()


class CheckSerializer(serializers.Serializer):
    node = serializers.CharField(source="result.node")
    items = serializers.ListField(child=serializers.CharField(), help_text=_("该规则所属的评分条目"))
    rule = serializers.CharField(source="result.rule")
    severity = serializers.CharField(
        source="spec.severity", help_text=_("blocking（阻止提交）/advisory（提示）")
    )
    status = serializers.CharField(help_text="pass/fail/unknown/not_applicable")
    passed = serializers.BooleanField(source="result.passed", allow_null=True)
    message = serializers.CharField(source="result.message")
    clause = serializers.CharField(source="spec.clause")
    numbers = UsedNumberSerializer(many=True)
    missing = serializers.ListField(child=serializers.CharField(), source="result.missing")


class FactChecksSerializer(serializers.Serializer):
    """Every rule of the assessment's framework evaluated on its facts."""

    assessment = serializers.IntegerField(source="assessment.pk")
    framework = serializers.CharField(source="assessment.campaign.framework.code")
    school_type = serializers.CharField()
    results = CheckSerializer(source="checks", many=True)


@extend_schema_view(
    retrieve=extend_schema(responses={200: FactSheetSerializer}),
    partial_update=extend_schema(
        request=FactsUpdateSerializer, responses={200: FactSheetSerializer, 409: FactValueSerializer}
    ),
)
class AssessmentFactsViewSet(viewsets.GenericViewSet):
    """The facts of an assessment in scope (by the assessment's id); PATCH with versions: 409 when
    one is stale. `checks/` gives the automatic checks."""

    serializer_class = FactSheetSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        action = Action.EDIT if self.action == "partial_update" else Action.VIEW
        return selectors.assessment_list(user=self.request.user, action=action).order_by("pk")

    def get_serializer(self, *args, **kwargs):
        if args and isinstance(args[0], FactValue):  # the newer row of a version conflict
            return FactValueSerializer(*args, **kwargs)
        return super().get_serializer(*args, **kwargs)

    def _sheet(self, assessment):
        sheet = selectors.fact_sheet(assessment=assessment, user=self.request.user)
        return Response(FactSheetSerializer(sheet).data)

    def retrieve(self, request, pk=None, format=None):
        return self._sheet(self.get_object())

    def partial_update(self, request, pk=None, format=None):
        assessment = self.get_object()
        serializer = FactsUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.fact_values_set(
            assessment=assessment,
            values=serializer.validated_data["values"],
            versions=serializer.validated_data["versions"],
            acting_user=request.user,
        )
        assessment.refresh_from_db()
        return self._sheet(assessment)

    @extend_schema(responses={200: FactChecksSerializer})
    @action(detail=True, methods=["get"])
    def checks(self, request, pk=None, format=None):
        checks = selectors.assessment_fact_checks(assessment=self.get_object())
        return Response(FactChecksSerializer(checks).data)
