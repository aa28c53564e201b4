"""The API routes of this app, registered on the project's one router (`smartcampus.urls`)."""

from .acceptance import AcceptanceViewSet
from .campaigns import AssessmentViewSet, CampaignViewSet, ItemResponseViewSet
from .designations import DesignationViewSet
from .facts import AssessmentFactsViewSet
from .organisations import RegionViewSet, SchoolViewSet
from .results import ResultRuleViewSet, ResultsViewSet
from .reviews import ReviewItemViewSet, ReviewViewSet
from .sampling import SampleViewSet

ROUTES = [
    ("schools", SchoolViewSet, "api-school"),
    ("regions", RegionViewSet, "api-region"),
    ("campaigns", CampaignViewSet, "api-campaign"),
    ("assessments", AssessmentViewSet, "api-assessment"),
    ("responses", ItemResponseViewSet, "api-response"),
    ("results", ResultsViewSet, "api-results"),
    ("result-rules", ResultRuleViewSet, "api-result-rule"),
    ("assessment-facts", AssessmentFactsViewSet, "api-assessment-facts"),
    ("reviews", ReviewViewSet, "api-review"),
    ("designations", DesignationViewSet, "api-designation"),
    ("review-items", ReviewItemViewSet, "api-review-item"),
    ("acceptance", AcceptanceViewSet, "api-acceptance"),
    ("samples", SampleViewSet, "api-sample"),
]
