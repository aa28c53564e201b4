"""Mounted at `api/`: /api/evidence/files/, /api/evidence/attachments/, /api/evidence/links/."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from .views import EvidenceFileViewSet, EvidenceLinkViewSet, ResponseEvidenceViewSet

router = DefaultRouter()
router.register("evidence/files", EvidenceFileViewSet, basename="api-evidence-file")
router.register("evidence/attachments", ResponseEvidenceViewSet, basename="api-evidence-attachment")
router.register("evidence/links", EvidenceLinkViewSet, basename="api-evidence-link")

urlpatterns = [path("", include(router.urls))]
