from django.urls import include, path
from rest_framework.routers import DefaultRouter

from .views import RegionViewSet, SchoolViewSet

router = DefaultRouter()
router.register("schools", SchoolViewSet, basename="api-school")
router.register("regions", RegionViewSet, basename="api-region")

urlpatterns = [path("", include(router.urls))]
