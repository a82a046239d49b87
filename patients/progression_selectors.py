"""Reads about progression and safety alerts, for the portal, the patient pages and the API."""

from dataclasses import dataclass
from datetime import date

from django.db.models import F, Prefetch, QuerySet
from django.utils.translation import gettext as _

from exercises.data_text import data_text

from .models import Alert, Patient, Plan, ProgressionNotice, ProgressionOverride, SessionExercise
from .progression_services import plan_lineage


@dataclass(frozen=True)
class SafetyMessage:
    """A plain message for the patient about an open safety alert."""

    kind: str
    text: str
    day: date | None


def _patient_text(alert: Alert, hurt_names: dict[int, list[str]]) -> str | None:
    kind = Alert.Kind
    if alert.kind == kind.HURT:
        names = hurt_names.get(alert.session_id, [])
        if names:
            return _(
                "You stopped %(exercises)s because it hurt. Do not do it again until you have "
                "talked to your therapist. Contact your therapist if the pain stays."
            ) % {"exercises": ", ".join(names)}
        return _(
            "You stopped an exercise because it hurt. "
            "Do not do it again until you have talked to your therapist."
        )
    if alert.kind == kind.WORSE_TWICE:
        return _(
            "Your symptoms have been getting worse. Please contact your therapist before your next session."
        )
    if alert.kind in (kind.HIGH_PAIN, kind.PAIN_RISE):
        return _(
            "Your pain has gone up. Stop any exercise that makes it worse, and contact your therapist "
            "before you carry on."
        )
    if alert.kind == kind.SILENCE:
        return _(
            "We have not seen a session from you for a few days. "
            "If something is wrong, contact your therapist."
        )
    return None  # a hold is the therapist's decision to explain, not a safety warning


def patient_safety_messages(*, patient: Patient) -> list[SafetyMessage]:
    """Plain messages for the patient's open alerts, newest first, each text once."""
    alerts = list(
        Alert.objects.filter(patient=patient, acknowledged_at__isnull=True)
        .select_related("session")
        .order_by("-created_at", "-pk")
    )
    # Only "it hurt" alerts name exercises: read those sessions' entries, and only when there are any.
    hurt_sessions = {a.session_id for a in alerts if a.kind == Alert.Kind.HURT and a.session_id}
    hurt_names: dict[int, list[str]] = {}
    if hurt_sessions:
        entries = SessionExercise.objects.filter(session_id__in=hurt_sessions, hurt=True).values_list(
            "session_id", "plan_exercise__exercise__name"
        )
        for session_id, name in entries:
            hurt_names.setdefault(session_id, []).append(data_text(name))  # in their language
    messages, seen = [], set()
    for alert in alerts:
        text = _patient_text(alert, hurt_names)
        if text and text not in seen:
            seen.add(text)
            messages.append(
                SafetyMessage(kind=alert.kind, text=text, day=alert.session.date if alert.session else None)
            )
    return messages


def alerts_for_review(*, patient: Patient) -> QuerySet[Alert]:
    """A patient's alerts for the therapist: open ones first (newest first), then the rest."""
    return (
        Alert.objects.filter(patient=patient)
        .select_related("session", "acknowledged_by", "plan")
        .prefetch_related(
            Prefetch(
                "session__exercises",
                queryset=SessionExercise.objects.filter(hurt=True).select_related("plan_exercise__exercise"),
                to_attr="hurt_entries",
            )
        )
        .order_by(F("acknowledged_at").asc(nulls_first=True), "-created_at", "-pk")
    )


def plan_progression_history(*, plan: Plan) -> QuerySet[ProgressionOverride]:
    """The therapist's progression decisions on this plan and the versions it replaced, newest first."""
    return (
        ProgressionOverride.objects.filter(plan__in=plan_lineage(plan))
        .select_related("created_by")
        .order_by("-effective_on", "-created_at", "-pk")
    )


def progression_notice_open_for(*, plan: Plan | None) -> ProgressionNotice | None:
    """The plan's open "held back" notice, if any (shown with the progression, not the alerts)."""
    if plan is None:
        return None
    return ProgressionNotice.objects.filter(plan=plan, closed_at__isnull=True).first()


def progression_notices_for(*, plan: Plan) -> QuerySet[ProgressionNotice]:
    """The notices of this plan and the versions it replaced: the open one first, then newest first."""
    return ProgressionNotice.objects.filter(plan__in=plan_lineage(plan)).order_by(
        F("closed_at").asc(nulls_first=True), "-opened_at", "-pk"
    )
