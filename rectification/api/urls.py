"""The API routes of this app, registered on the project's one router (`smartcampus.urls`)."""

from .views import RectificationItemViewSet

ROUTES = [
    ("rectification-items", RectificationItemViewSet, "api-rectification-item"),
]
