from django.urls import include, path
from rest_framework.routers import DefaultRouter

from .views import FrameworkViewSet

router = DefaultRouter()
router.register("frameworks", FrameworkViewSet, basename="api-framework")

urlpatterns = [path("", include(router.urls))]
