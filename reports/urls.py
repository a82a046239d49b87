from django.urls import path

from . import outcome_views, views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("patients.csv", views.export_patients, name="export_patients"),
    path("daily.csv", views.export_daily, name="export_daily"),
    path("outcomes/", outcome_views.outcomes, name="outcomes"),
    path("outcomes.csv", outcome_views.export_outcomes, name="export_outcomes"),
]
