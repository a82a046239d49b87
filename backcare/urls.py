from django.contrib import admin
from django.urls import include, path

from accounts import session_views, two_factor_views
from accounts import views as account_views
from exercises import views as exercise_views

urlpatterns = [
    path("", account_views.home, name="home"),
    path("healthz", account_views.healthz, name="healthz"),
    path("favicon.ico", account_views.favicon, name="favicon"),
    # Before Django's auth urls: the invitation page shows the username and logs the person in.
    path(
        "accounts/reset/<uidb64>/<token>/",
        account_views.PasswordChooseView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/two-factor/", include("accounts.two_factor_urls")),
    # Before Django's auth urls: a new password ends every other login (accounts.services).
    path("accounts/password_change/", session_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/devices/", session_views.devices, name="devices"),
    path("accounts/devices/<int:pk>/end/", session_views.device_end_view, name="device_end"),
    path("accounts/log-out-everywhere/", session_views.log_out_everywhere, name="log_out_everywhere"),
    path("accounts/password_reset/", account_views.PasswordResetAskView.as_view(), name="password_reset"),
    path("accounts/email/", account_views.own_email, name="own_email"),
    path("accounts/language/", account_views.own_language, name="own_language"),
    path(
        "accounts/email/confirm/<str:token>/",
        account_views.email_confirm,
        name="email_change_confirm",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("", include("outcomes.urls")),
    path("portal/audit/", include("audit.urls")),
    path("portal/reports/", include("reports.urls")),
    path("portal/clinic/", two_factor_views.clinic_settings, name="clinic_settings"),
    path(
        "portal/clinic/staff/<int:pk>/reset-two-factor/",
        two_factor_views.two_factor_reset,
        name="two_factor_reset",
    ),
    path("portal/library/", include("exercises.urls")),
    path("portal/rtm/", include("billing.urls")),
    path("portal/", include("portal.urls")),
    path("pictures/exercises/<int:pk>/", exercise_views.exercise_picture, name="exercise_picture"),
    path("me/messages/", include("messaging.urls")),
    path("", include("reminders.urls")),
    path("me/", include("patients.urls")),
    path("api/", include("api.urls")),
]

# A database outage raised outside a view still answers 503; under /api/ every error is JSON
# (backcare/faults.py).
handler400 = "backcare.faults.bad_request"
handler404 = "backcare.faults.page_not_found"
handler500 = "backcare.faults.server_error"
# Uploaded files (MEDIA_ROOT) are never served at a public address: a clinic's exercise pictures
# go through the access-checked view exercises:picture.
