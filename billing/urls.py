from django.urls import path

from . import views

app_name = "billing"

urlpatterns = [
    path("", views.report, name="report"),
    path("rtm.csv", views.report_csv, name="report_csv"),
    path("patients/<int:pk>/time/", views.treatment_time_add, name="treatment_time_add"),
]
