from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("patients.csv", views.export_patients, name="export_patients"),
    path("daily.csv", views.export_daily, name="export_daily"),
]
