from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from .reports_views import AdherenceReportView

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("v1/reports/adherence/", AdherenceReportView.as_view(), name="reports-adherence"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
]
