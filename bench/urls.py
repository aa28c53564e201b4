"""The project's URLconf plus /__bench__/bare/, the baseline page of bench/http.py."""

from django.urls import include, path

from .bare_view import bare_page_view

urlpatterns = [
    path("__bench__/bare/", bare_page_view, name="bench-bare"),
    path("", include("smartcampus.urls")),
]
