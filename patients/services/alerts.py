"""Safety alerts: the therapist's acknowledgement, of one alert or of several with one comment."""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..access import OutOfScope
from ..choices import ALERT_COMMENT_MAX_LENGTH
from ..models import Alert, Plan
from .common import _audit

User = get_user_model()

# --- Alerts -------------------------------------------------------------------------------


def alert_comment_problem(comment: str) -> str | None:
    """Why this acknowledgement comment cannot be stored, or None (the one length rule)."""
    if len(comment.strip()) > ALERT_COMMENT_MAX_LENGTH:
        return _(
            "The comment is %(length)s characters long; keep it to %(limit)s or fewer "
            "(write the details in the patient's notes)."
        ) % {"length": len(comment.strip()), "limit": ALERT_COMMENT_MAX_LENGTH}
    return None


@transaction.atomic
def alerts_acknowledge(*, alerts: Iterable[Alert | int], by: User, comment: str = "") -> list[Alert]:
    """The therapist has seen these safety alerts: records who, when and one comment on each.

    All or nothing, in one transaction: the rows are read again through the access layer
    under their row locks; an alert that is not the acting therapist's (or does not exist)
    refuses the whole request (OutOfScope), and so does one already acknowledged, naming it.
    One audit row per alert, each with the comment. Returns the alerts, newest first.
    """
    ids = sorted({alert if isinstance(alert, int) else alert.pk for alert in alerts})
    if not ids:
        raise ValidationError(_("Choose at least one alert to acknowledge."), code="no_alerts")
    comment = comment.strip()
    problem = alert_comment_problem(comment)
    if problem:
        raise ValidationError({"comment": problem}, code="comment_too_long")
    locked = list(
        Alert.objects.changeable_by(by)
        .select_for_update(of=("self",))  # the alerts only (who acknowledged is an outer join)
        .filter(pk__in=ids)
        .select_related("patient__clinic", "acknowledged_by")
        .order_by("pk")  # locks taken in one order, so two bulk requests never deadlock
    )
    if len(locked) != len(ids):
        raise OutOfScope
    done = [alert for alert in locked if alert.acknowledged_at is not None]
    if done and len(ids) == 1:
        raise ValidationError(_("This alert was already acknowledged."), code="already_acknowledged")
    if done:
        first = done[0]
        raise ValidationError(
            ngettext(
                "%(count)s of these alerts was already acknowledged (%(kind)s, by %(who)s on %(when)s). "
                "Nothing was changed: reload the page and choose again.",
                "%(count)s of these alerts were already acknowledged (the first: %(kind)s, by %(who)s on "
                "%(when)s). Nothing was changed: reload the page and choose again.",
                len(done),
            )
            % {
                "count": len(done),
                "kind": first.get_kind_display(),
                "who": first.acknowledged_by.get_full_name() or first.acknowledged_by.username,
                "when": date_format(timezone.localtime(first.acknowledged_at), "DATETIME_FORMAT"),
            },
            code="already_acknowledged",
        )
    now = timezone.now()
    for alert in locked:
        alert.acknowledged_by, alert.acknowledged_at, alert.acknowledgement_comment = by, now, comment
    Alert.objects.bulk_update(locked, ["acknowledged_by", "acknowledged_at", "acknowledgement_comment"])
    for alert in locked:
        _audit(
            by=by,
            action="alert.acknowledged",
            target=alert,
            patient=alert.patient,
            data={"kind": alert.kind, "comment": comment, "together_with": len(locked) - 1},
        )
    return sorted(locked, key=lambda a: (a.created_at, a.pk), reverse=True)


def alert_acknowledge(*, alert: Alert, by: User, comment: str = "") -> Alert:
    """One alert: the same rule as several (`alerts_acknowledge`)."""
    (alert,) = alerts_acknowledge(alerts=[alert], by=by, comment=comment)
    return alert


def alert_raise_once(*, plan: Plan, kind: str, cause_key: str, message: str) -> Alert | None:
    """Raise a safety alert for `plan` unless one was raised for this cause on the plan or its
    earlier versions; returns the new alert, or None. For signals found outside the progression
    engine (a questionnaire scored meaningfully worse); the caller holds the plan's row lock.
    """
    lineage, current = [plan.pk], plan
    while current.previous_version_id is not None:
        lineage.append(current.previous_version_id)
        current = Plan.objects.only("previous_version_id").get(pk=current.previous_version_id)
    if Alert.objects.filter(plan_id__in=lineage, cause_key=cause_key).exists():
        return None
    try:
        with transaction.atomic():
            return Alert.objects.create(
                plan=plan, patient_id=plan.patient_id, kind=kind, message=message, cause_key=cause_key
            )
    except IntegrityError:  # raised by a concurrent request a moment ago
        return None
