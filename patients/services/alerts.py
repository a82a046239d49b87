"""Safety alerts: the therapist's acknowledgement."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..access import changeable
from ..models import (
    Alert,
)
from .common import _audit

User = get_user_model()

# --- Alerts -------------------------------------------------------------------------------


@transaction.atomic
def alert_acknowledge(*, alert: Alert, by: User, comment: str = "") -> Alert:
    """The patient's therapist has seen a safety alert; records who, when and their comment."""
    alert = changeable(Alert, alert.pk, by=by, lock=True, related=("patient__clinic",))
    if alert.acknowledged_at is not None:
        raise ValidationError(_("This alert was already acknowledged."))
    alert.acknowledged_by, alert.acknowledged_at = by, timezone.now()
    alert.acknowledgement_comment = comment.strip()
    alert.save(update_fields=["acknowledged_by", "acknowledged_at", "acknowledgement_comment"])
    _audit(
        by=by,
        action="alert.acknowledged",
        target=alert,
        patient=alert.patient,
        data={"kind": alert.kind, "comment": alert.acknowledgement_comment},
    )
    return alert
