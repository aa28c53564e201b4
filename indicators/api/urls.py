"""The API routes of this app, registered on the project's one router (`smartcampus.urls`)."""

from .views import FrameworkViewSet

ROUTES = [("frameworks", FrameworkViewSet, "api-framework")]
