"""Serializers validate and shape; the views call one service each."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from assessments.scoping import Action
from assessments.selectors import response_list, school_list
from smartcampus.fields import ScopedPrimaryKeyField

from .. import selectors
from ..models import EvidenceFile, EvidenceLink, ResponseEvidence


class EvidenceFileSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    uploaded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    download_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField(
        help_text=_("图片的服务器缩略图（JPEG）；超过预览上限的图片只应显示它。非图片为 null。")
    )

    class Meta:
        model = EvidenceFile
        fields = (
            "id",
            "school",
            "original_name",
            "content_type",
            "kind",
            "kind_display",
            "size",
            "sha256",
            "width",
            "height",
            "uploaded_by",
            "uploaded_at",
            "download_url",
            "thumbnail_url",
        )
        read_only_fields = fields

    def get_download_url(self, obj: EvidenceFile) -> str:
        return reverse("evidence:file-download", args=[obj.pk])

    def get_thumbnail_url(self, obj: EvidenceFile) -> str | None:
        return reverse("evidence:file-thumbnail", args=[obj.pk]) if obj.is_image else None


class EvidenceUploadSerializer(serializers.Serializer):
    """Multipart input: `school` (id of the caller's own school) and `file`."""

    school = ScopedPrimaryKeyField(school_list, action=Action.EDIT)
    file = serializers.FileField(allow_empty_file=True)


class ResponseEvidenceSerializer(serializers.ModelSerializer):
    file = ScopedPrimaryKeyField(selectors.evidence_file_list, action=Action.EDIT)
    response = ScopedPrimaryKeyField(response_list, action=Action.EDIT)
    attached_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    file_detail = EvidenceFileSerializer(source="file", read_only=True)

    class Meta:
        model = ResponseEvidence
        fields = ("id", "response", "file", "file_detail", "attached_by", "attached_at")
        read_only_fields = ("id", "attached_by", "attached_at")
        validators = []  # duplicates are the service's business (attaching twice is a no-op)


class EvidenceLinkSerializer(serializers.ModelSerializer):
    response = ScopedPrimaryKeyField(response_list, action=Action.EDIT)
    added_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = EvidenceLink
        fields = ("id", "response", "url", "title", "added_by", "added_at")
        read_only_fields = ("id", "added_by", "added_at")
