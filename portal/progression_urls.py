"""portal:progression — kept beside its view; portal/urls.py splices these patterns in."""

from django.urls import path

from .progression_views import progression

urlpatterns = [
    path("patients/<int:pk>/progression/", progression, name="progression"),
]
