from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def patient_url(patient_pk) -> str:
    """The patient's detail page in the portal."""
    return reverse("portal:patient_detail", args=[int(patient_pk)])


@register.filter
def pct(value) -> str:
    """A percentage for people: "87%", or a dash when there is nothing to divide by."""
    if value is None:
        return "—"
    return f"{value:.0f}%"


@register.filter
def signed(value) -> str:
    """Pain change: "+2", "−1.5", "0", or a dash."""
    if value is None:
        return "—"
    text = f"{value:+.1f}".rstrip("0").rstrip(".") if isinstance(value, float) else f"{value:+d}"
    if text in ("+0", "-0"):
        return "0"
    return text.replace("-", "−")


@register.filter
def ratio(part, whole) -> str:
    return _("%(part)s of %(whole)s") % {"part": part or 0, "whole": whole or 0}
