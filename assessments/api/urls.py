from django.urls import include, path
from rest_framework.routers import DefaultRouter

from .views import AssessmentViewSet, CampaignViewSet, ItemResponseViewSet, RegionViewSet, SchoolViewSet

router = DefaultRouter()
router.register("schools", SchoolViewSet, basename="api-school")
router.register("regions", RegionViewSet, basename="api-region")
router.register("campaigns", CampaignViewSet, basename="api-campaign")
router.register("assessments", AssessmentViewSet, basename="api-assessment")
router.register("responses", ItemResponseViewSet, basename="api-response")

urlpatterns = [path("", include(router.urls))]
