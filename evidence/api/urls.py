"""The API routes of this app, registered on the project's one router (`smartcampus.urls`)."""

from .views import EvidenceFileViewSet, EvidenceLinkViewSet, ResponseEvidenceViewSet

ROUTES = [
    ("evidence/files", EvidenceFileViewSet, "api-evidence-file"),
    ("evidence/attachments", ResponseEvidenceViewSet, "api-evidence-attachment"),
    ("evidence/links", EvidenceLinkViewSet, "api-evidence-link"),
]
