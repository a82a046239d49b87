from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrintoutsConfig(AppConfig):
    """Printable documents (the patient's program as a PDF), for patients and the portal."""

    name = "printouts"
    verbose_name = _("printouts")
