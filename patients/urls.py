from django.urls import path

from printouts import views as printouts_views

from . import views

app_name = "patients"

urlpatterns = [
    path("", views.today, name="today"),
    path("log/", views.log_session, name="log"),
    path("log/token/", views.log_token, name="log_token"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("progress/", views.progress, name="progress"),
    path("sessions/<int:pk>/", views.session_detail, name="session"),
    path("program.pdf", printouts_views.my_program_pdf, name="program_pdf"),
]
