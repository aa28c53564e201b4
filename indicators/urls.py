from django.urls import path

from . import views

app_name = "indicators"

urlpatterns = [
    path("", views.framework_list_view, name="framework-list"),
    path("<slug:code>/", views.framework_detail_view, name="framework-detail"),
]
