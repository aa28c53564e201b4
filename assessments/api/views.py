from rest_framework import viewsets

from .. import selectors
from .serializers import RegionSerializer, SchoolSerializer


class SchoolViewSet(viewsets.ReadOnlyModelViewSet):
    """Schools in the caller's scope; `?q=` searches name and code, `?region=` a region code subtree."""

    serializer_class = SchoolSerializer

    def get_queryset(self):
        params = self.request.query_params
        return selectors.school_list(
            user=self.request.user,
            filters={
                "q": params.get("q"),
                "region": params.get("region"),
                "school_type": params.get("school_type"),
            },
        )


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = RegionSerializer

    def get_queryset(self):
        return selectors.region_list(user=self.request.user).order_by("path")
