"""The API routes of this app, registered on the project's one router (`smartcampus.urls`)."""

from .views import ObjectionViewSet, PublicationViewSet, VisitViewSet

ROUTES = [
    ("visits", VisitViewSet, "api-visit"),
    ("publications", PublicationViewSet, "api-publication"),
    ("objections", ObjectionViewSet, "api-objection"),
]
