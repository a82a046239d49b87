from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.caseload, name="caseload"),
    *__import__("portal.progression_urls").progression_urls.urlpatterns,  # portal:progression
]
