"""Today's triage in words: why a caseload row is where it is, and the one click to act on it.

`portal.selectors.caseload_for` orders the rows and annotates them (in the database, with the
page's open alerts prefetched); this turns one row into the sentence a therapist reads between
two patients ("2 alerts: stopped an exercise because it hurt (Tue), pain 7 after a session
(Mon)") and the link to the action that clears it. No queries here.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from patients.choices import ALERT_SEVERITY
from patients.models import Alert, Patient, Plan

from .selectors import Triage


@dataclass(frozen=True)
class TriageLine:
    group: int
    reason: str
    action_label: str
    action_url: str


def short_day(day: date, *, today: date) -> str:
    """ "Tue" within the last week, "3 Nov" before that."""
    return date_format(day, "D" if today - day < timedelta(days=7) else "j M")


def alert_day(alert: Alert) -> date:
    return (
        alert.session.date
        if alert.session_id and alert.session
        else timezone.localtime(alert.created_at).date()
    )


def _alert_phrase(alert: Alert, *, today: date) -> str:
    kind = Alert.Kind
    if alert.kind == kind.HURT:
        return _("stopped an exercise because it hurt")
    if alert.kind == kind.HIGH_PAIN:
        if alert.session_id and alert.session:
            return _("pain %(pain)s after a session") % {"pain": alert.session.pain_after}
        return _("pain 7 or more after a session")
    if alert.kind == kind.PAIN_RISE:
        return _("pain up 2 or more from their usual")
    if alert.kind == kind.WORSE_TWICE:
        return _("worse two sessions running")
    if alert.kind == kind.OUTCOME_WORSE:
        return _("a questionnaire score meaningfully worse")
    return _("no session for 3 days")


def alerts_summary(alerts: list[Alert], *, today: date) -> str:
    """The open alerts in words, most serious kind first, each kind once with its latest day."""
    by_kind: dict[str, list[Alert]] = {}
    for alert in sorted(alerts, key=lambda a: (a.created_at, a.pk), reverse=True):
        by_kind.setdefault(alert.kind, []).append(alert)
    order = sorted(by_kind, key=lambda k: (ALERT_SEVERITY.get(k, 99), -alert_day(by_kind[k][0]).toordinal()))
    parts = []
    for kind in order:
        newest = by_kind[kind][0]
        phrase, day = _alert_phrase(newest, today=today), short_day(alert_day(newest), today=today)
        count = len(by_kind[kind])
        if count > 1:
            parts.append(
                _("%(what)s (%(count)s times, last %(day)s)") % {"what": phrase, "count": count, "day": day}
            )
        else:
            parts.append(_("%(what)s (%(day)s)") % {"what": phrase, "day": day})
    return ngettext("%(count)s alert: %(list)s", "%(count)s alerts: %(list)s", len(alerts)) % {
        "count": len(alerts),
        "list": ", ".join(parts),
    }


def ready_since(patient: Patient, *, today: date) -> date | None:
    """About when a patient ready to move on became ready: the day after the days the next
    week's rule asks for in this one (paused days are not taken off: it may be a little early)."""
    if patient.week_since is None:
        return None
    return min(today, patient.week_since + timedelta(days=patient.next_week_min_days or 0))


def unread_messages_phrase(patient: Patient) -> str:
    """ "2 unread messages" on a caseload row (the caseload's `unread_messages`), or ""."""
    count = getattr(patient, "unread_messages", 0) or 0
    if not count:
        return ""
    return ngettext("%(count)s unread message", "%(count)s unread messages", count) % {"count": count}


def triage_line(patient: Patient, *, today: date) -> TriageLine:
    """Why this caseload row needs the therapist (or not), and the link to act on it."""
    detail = reverse("portal:patient_detail", kwargs={"pk": patient.pk})
    plan_url = (
        reverse("portal:plan_detail", kwargs={"pk": patient.pk, "plan_pk": patient.live_plan})
        if patient.live_plan
        else ""
    )
    group = patient.triage_group
    if group == Triage.ALERTS:
        return TriageLine(
            group,
            alerts_summary(patient.open_alert_list, today=today),
            ngettext("Acknowledge the alert", "Acknowledge the %(count)s alerts", patient.open_alerts)
            % {"count": patient.open_alerts},
            detail + "#alerts",
        )
    if group == Triage.PROGRESSION:
        progression = reverse("portal:progression", kwargs={"pk": patient.pk})
        next_week = (patient.current_week or 0) + 1
        if patient.progression_state == Plan.ProgressionState.READY:
            since = ready_since(patient, today=today)
            if since is not None and since < today:
                reason = _("Ready for week %(week)s: waiting for you since %(day)s") % {
                    "week": next_week,
                    "day": short_day(since, today=today),
                }
            else:
                reason = _("Ready for week %(week)s: waiting for you") % {"week": next_week}
            return TriageLine(
                group,
                reason,
                _("Confirm week %(week)s") % {"week": next_week},
                progression,
            )
        return TriageLine(
            group,
            _("Held back from week %(week)s") % {"week": next_week},
            _("Review the hold"),
            progression,
        )
    if group == Triage.MESSAGES:
        return TriageLine(
            group,
            unread_messages_phrase(patient),
            _("Read and answer"),
            detail + "#messages",  # the thread beside the patient's pain and plan
        )
    if group == Triage.QUIET:
        if patient.silent:
            reason = (
                _("No session since %(day)s") % {"day": short_day(patient.last_session, today=today)}
                if patient.last_session
                else _("No session yet")
            )
        else:
            reason = _("Reported worse last session (%(day)s)") % {
                "day": short_day(patient.last_session, today=today)
            }
        return TriageLine(
            group, reason, _("Open the plan") if plan_url else pgettext("button", "Open"), plan_url or detail
        )
    if plan_url:
        return TriageLine(group, "", _("Open the plan"), plan_url)
    return TriageLine(group, "", pgettext("button", "Open"), detail)


def questionnaires_overdue(items, *, today: date) -> str:
    """Overdue questionnaires in words ("Questionnaires overdue: Pain rating (NPRS), since Tue"),
    or "" when none is: a reminder beside the row's reason, not a triage group of its own."""
    overdue = [item for item in items if item.overdue]
    if not overdue:
        return ""
    oldest = min(item.due.due_date for item in overdue)
    return ngettext(
        "Questionnaire overdue: %(names)s, due %(day)s",
        "Questionnaires overdue: %(names)s, due since %(day)s",
        len(overdue),
    ) % {"names": ", ".join(item.instrument.name for item in overdue), "day": short_day(oldest, today=today)}
