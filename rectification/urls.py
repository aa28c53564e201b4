from django.urls import path

from . import views

app_name = "rectification"

urlpatterns = [
    path("", views.due_list_view, name="due-list"),
    path("review/", views.review_queue_view, name="review-queue"),
    path("items/<int:pk>/", views.item_view, name="item"),
    path("items/<int:pk>/<slug:step>/", views.item_step_view, name="item-step"),
    path("assessments/<int:pk>/confirm/", views.confirm_view, name="confirm"),
]
