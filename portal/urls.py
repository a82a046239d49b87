from django.urls import path

from messaging import views as messaging_views
from printouts import views as printouts_views
from records import views as records_views

from . import plan_views, progression_views, views

app_name = "portal"

plan = "patients/<int:pk>/plans/<int:plan_pk>/"

urlpatterns = [
    path("", views.caseload, name="caseload"),
    path("patients/add/", views.patient_add, name="patient_add"),
    path("patients/<int:pk>/", views.patient_detail, name="patient_detail"),
    path("patients/<int:pk>/record.zip", records_views.patient_record_zip, name="patient_record_zip"),
    path("patients/<int:pk>/messages/", messaging_views.patient_thread, name="patient_messages"),
    path("patients/<int:pk>/welcome/", views.patient_welcome, name="patient_welcome"),
    path("patients/<int:pk>/invite/", views.patient_invite, name="patient_invite"),
    path("patients/<int:pk>/email/", views.patient_email, name="patient_email"),
    path(
        "patients/<int:pk>/alerts/<int:alert_pk>/acknowledge/",
        views.alert_acknowledge,
        name="alert_acknowledge",
    ),
    path("patients/<int:pk>/alerts/acknowledge/", views.alerts_acknowledge, name="alerts_acknowledge"),
    path("alerts/", views.alert_list, name="alert_list"),
    path("patients/<int:pk>/plans/new/", plan_views.plan_create, name="plan_create"),
    path(plan, plan_views.plan_detail, name="plan_detail"),
    path(plan + "remove-exercise/", plan_views.plan_exercise_remove, name="plan_exercise_remove"),
    path(plan + "approve/", plan_views.plan_approve, name="plan_approve"),
    path(plan + "revise/", plan_views.plan_revise, name="plan_revise"),
    path(plan + "pause/", plan_views.plan_pause, name="plan_pause"),
    path(plan + "resume/", plan_views.plan_resume, name="plan_resume"),
    path(plan + "complete/", plan_views.plan_complete, name="plan_complete"),
    path(plan + "program.pdf", printouts_views.plan_program_pdf, name="plan_program_pdf"),
    path("patients/<int:pk>/progression/", progression_views.progression, name="progression"),
]
