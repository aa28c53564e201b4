from django.urls import include, path
from rest_framework.routers import DefaultRouter

from .campaigns import AssessmentViewSet, CampaignViewSet, ItemResponseViewSet
from .organisations import RegionViewSet, SchoolViewSet
from .reviews import ReviewItemViewSet, ReviewViewSet

router = DefaultRouter()
router.register("schools", SchoolViewSet, basename="api-school")
router.register("regions", RegionViewSet, basename="api-region")
router.register("campaigns", CampaignViewSet, basename="api-campaign")
router.register("assessments", AssessmentViewSet, basename="api-assessment")
router.register("responses", ItemResponseViewSet, basename="api-response")
router.register("reviews", ReviewViewSet, basename="api-review")
router.register("review-items", ReviewItemViewSet, basename="api-review-item")

urlpatterns = [path("", include(router.urls))]
