from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from assessments import views as assessment_views

admin.site.site_header = _("智慧校园自评平台 · 管理后台")
admin.site.site_title = _("智慧校园自评平台")

urlpatterns = [
    path("", assessment_views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", assessment_views.healthz, name="healthz"),
    path("frameworks/", include("indicators.urls")),
    path("evidence/", include("evidence.urls")),
    path("", include("assessments.urls")),
    path("api/", include("indicators.api.urls")),
    path("api/", include("assessments.api.urls")),
    path("api/", include("evidence.api.urls")),
    path("admin/", admin.site.urls),
]
