from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from . import auth_views, library_views, outcome_views, views
from .fhir_views import BulkExportView, PatientEverythingView
from .message_views import OwnMessagesView, PatientMessagesView
from .record_views import PatientRecordView
from .reminder_views import MyRemindersView
from .reports_views import AdherenceReportView
from .rtm_views import RtmReportView

app_name = "api"

router = DefaultRouter()
router.register("exercises", library_views.ExerciseViewSet, basename="exercise")
router.register("programs", library_views.ProgramViewSet, basename="program")
router.register("patients", views.PatientViewSet, basename="patient")
router.register("plans", views.PlanViewSet, basename="plan")
router.register("sessions", views.SessionViewSet, basename="session")
router.register("alerts", views.AlertViewSet, basename="alert")
router.register("auth/devices", auth_views.DeviceViewSet, basename="device")
router.register("instruments", outcome_views.InstrumentViewSet, basename="instrument")
router.register("schedules", outcome_views.ScheduleViewSet, basename="schedule")
router.register("responses", outcome_views.ResponseViewSet, basename="response")
router.register("scores", outcome_views.ScoreViewSet, basename="score")

v1 = [
    path("auth/token/", views.TokenView.as_view(), name="token"),
    path("auth/log-out-everywhere/", auth_views.LogOutEverywhereView.as_view(), name="log-out-everywhere"),
    path("me/today/", views.TodayView.as_view(), name="me-today"),
    path("me/messages/", OwnMessagesView.as_view(), name="me-messages"),
    path("patients/<int:id>/messages/", PatientMessagesView.as_view(), name="patient-messages"),
    path("me/reminders/", MyRemindersView.as_view(), name="me-reminders"),
    path("me/questionnaires/", outcome_views.DueQuestionnairesView.as_view(), name="me-questionnaires"),
    path("reports/adherence/", AdherenceReportView.as_view(), name="reports-adherence"),
    path("patients/<int:id>/record/", PatientRecordView.as_view(), name="patient-record"),
    path("reports/outcomes/", outcome_views.OutcomeReportView.as_view(), name="reports-outcomes"),
    path("reports/rtm/", RtmReportView.as_view(), name="reports-rtm"),
    # FHIR's operation name starts with "$": a regular expression, so the schema keeps it.
    re_path(
        r"^fhir/Patient/(?P<id>[0-9]{1,18})/\$everything$",
        PatientEverythingView.as_view(),
        name="fhir-everything",
    ),
    path("fhir/export/<str:kind>.ndjson", BulkExportView.as_view(), name="fhir-export"),
    path("", include(router.urls)),
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its start-up script as a file, so the page needs no inline script.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="api/swagger_ui.html"),
        name="docs",
    ),
    # Any other address under /api/ answers a JSON 404, like a missing object does.
    re_path(r"^.*$", views.NotFoundView.as_view(), name="not-found"),
]
