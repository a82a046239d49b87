from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views

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
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("portal/audit/", include("audit.urls")),
    path("portal/reports/", include("reports.urls")),
    path("portal/rtm/", include("billing.urls")),
    path("portal/", include("portal.urls")),
    path("me/", include("patients.urls")),
    path("api/", include("api.urls")),
]

# A database outage raised outside a view still answers 503; under /api/ every error is JSON
# (backcare/faults.py).
handler400 = "backcare.faults.bad_request"
handler404 = "backcare.faults.page_not_found"
handler500 = "backcare.faults.server_error"

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
