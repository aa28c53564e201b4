"""The project's URLconf: each app's pages under its own namespace, and one API router, so that
`GET /api/` lists every resource."""

from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import cache_control
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from assessments.api.urls import ROUTES as ASSESSMENT_ROUTES
from classrooms.api.urls import ROUTES as CLASSROOM_ROUTES
from evidence.api.urls import ROUTES as EVIDENCE_ROUTES
from indicators.api.urls import ROUTES as INDICATOR_ROUTES
from inspections.api.urls import ROUTES as INSPECTION_ROUTES
from rectification.api.urls import ROUTES as RECTIFICATION_ROUTES
from reports.api.urls import ROUTES as REPORT_ROUTES

from . import views
from .tokens import api_token_view

admin.site.site_header = _("智慧校园自评平台 · 管理后台")
admin.site.site_title = _("智慧校园自评平台")

router = DefaultRouter()
for prefix, viewset, basename in [
    *INDICATOR_ROUTES,
    *ASSESSMENT_ROUTES,
    *EVIDENCE_ROUTES,
    *CLASSROOM_ROUTES,
    *RECTIFICATION_ROUTES,
    *INSPECTION_ROUTES,
    *REPORT_ROUTES,
]:
    router.register(prefix, viewset, basename=basename)

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/api-token/", api_token_view, name="api-token"),
    path("accounts/", include("smartcampus.accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # The interface strings of static/js for the active language. Pages ask for it with the language
    # in the query string, so the browser keeps one copy per language; no server cache, so the
    # pages' scripts never depend on the cache server being up.
    path(
        "jsi18n/",
        cache_control(max_age=60 * 60, private=True)(JavaScriptCatalog.as_view()),
        name="javascript-catalog",
    ),
    path("healthz", views.healthz, name="healthz"),
    path("frameworks/", include("indicators.urls")),
    path("evidence/", include("evidence.urls")),
    path("classrooms/", include("classrooms.urls")),
    path("rectification/", include("rectification.urls")),
    path("inspections/", include("inspections.urls")),
    path("reports/", include("reports.urls")),
    path("", include("assessments.urls")),
    path("api/", include(router.urls)),
    # The schema and its docs are public like any API description; the data behind them is not.
    # The split view serves Swagger UI's start-up code as a file, so no inline script is needed (CSP).
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI injects one <style> element at run time; only this page allows inline styles.
    path(
        "api/docs/",
        csp_update({"style-src": ["'unsafe-inline'"]})(
            SpectacularSwaggerSplitView.as_view(url_name="api-schema")
        ),
        name="api-docs",
    ),
    path("admin/", admin.site.urls),
]

# Errors raised outside the views (an unknown address, a body too large, a server error) answer the
# API's JSON error body under /api/ and Django's pages elsewhere.
handler400 = "smartcampus.api.bad_request"
handler404 = "smartcampus.api.not_found"
handler500 = "smartcampus.api.server_error"
