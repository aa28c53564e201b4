import os

from csp.decorators import csp_update
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import views
from .tokens import api_token_view

admin.site.site_header = _("智慧校园自评平台 · 管理后台")
admin.site.site_title = _("智慧校园自评平台")

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/api-token/", api_token_view, name="api-token"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", views.healthz, name="healthz"),
    path("frameworks/", include("indicators.urls")),
    path("evidence/", include("evidence.urls")),
    path("reports/", include("reports.urls")),
    path("", include("assessments.urls")),
    path("api/", include("indicators.api.urls")),
    path("api/", include("assessments.api.urls")),
    path("api/", include("evidence.api.urls")),
    path("api/", include("reports.api.urls")),
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

# bench/http.py's baseline page, mounted only when the benchmark's server sets SMARTCAMPUS_BENCH=1
# (docs/benchmarks.md); production never sets it, and the bench package is not installed there.
if os.environ.get("SMARTCAMPUS_BENCH") == "1":
    from bench.bare_view import bare_page_view

    urlpatterns.append(path("__bench__/bare/", bare_page_view, name="bench-bare"))
