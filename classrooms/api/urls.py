"""The API routes of this app, registered on the project's one router (`smartcampus.urls`)."""

from .views import ClassroomDeviceViewSet, ClassroomViewSet

ROUTES = [
    ("classrooms", ClassroomViewSet, "api-classroom"),
    ("classroom-devices", ClassroomDeviceViewSet, "api-classroom-device"),
]
