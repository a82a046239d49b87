"""The audit trail in words: one sentence per recorded action, in one place.

`SENTENCES` maps each action code the services record to a function that turns the event's
stored data into a `Description` (a sentence, and the free text the person wrote, if any).
People and patients are named (never usernames or ids); exercises, programs and week rules
by their names; dates as a person writes them. A code missing here is shown by its label
(audit.actions), so a new action is never hidden, only less well worded;
tests/audit/test_audit_words.py checks that every recorded action has its sentence.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from exercises.models import Exercise, ProgramTemplate
from outcomes.models import CODE_CHOICES as OUTCOME_CHOICES
from patients.models import Alert, PlanWeek

from .actions import action_label

User = get_user_model()


@dataclass(frozen=True)
class Description:
    sentence: str
    quote: str = ""  # what the person wrote (a reason, a comment), shown as they wrote it

    def __str__(self) -> str:
        return f"{self.sentence}: “{self.quote}”" if self.quote else self.sentence


@dataclass
class Names:
    """Names for what the events on one page refer to, looked up once for the page."""

    exercises: dict[str, str] = field(default_factory=dict)
    programs: dict[str, str] = field(default_factory=dict)
    people: dict[int, str] = field(default_factory=dict)

    @classmethod
    def for_events(cls, events: Iterable) -> "Names":
        slugs, programs, people = set(), set(), set()
        for event in events:
            data = event.data or {}
            slugs.update(
                data[key] for key in ("exercise", "added", "removed") if isinstance(data.get(key), str)
            )
            if isinstance(data.get("template"), str):
                programs.add(data["template"])
            people.update(data[key] for key in ("therapist", "user") if isinstance(data.get(key), int))
        return cls(
            exercises=dict(Exercise.objects.filter(slug__in=slugs).values_list("slug", "name"))
            if slugs
            else {},
            programs=(
                dict(ProgramTemplate.objects.filter(slug__in=programs).values_list("slug", "name"))
                if programs
                else {}
            ),
            people={user.pk: str(user) for user in User.objects.filter(pk__in=people)} if people else {},
        )

    def exercise(self, slug: str) -> str:
        return self.exercises.get(slug, slug)


def _day(value) -> str:
    """An ISO date from the event's data as a person writes it ("27 Nov 2026")."""
    try:
        return date_format(dt.date.fromisoformat(str(value)), "j M Y")
    except ValueError:
        return str(value)


def _patient(event) -> str:
    return str(event.patient.user) if event.patient_id else _("a patient")


def _person(event, names: Names) -> str:
    """Whose login an account event is about: the patient, or the member of staff by name."""
    if event.patient_id:
        return _patient(event)
    return names.people.get(event.data.get("user"), _("a login"))


def _account(sentence: str) -> Callable:
    def describe(event, names: Names) -> Description:
        return Description(
            sentence % {"person": _person(event, names), "email": event.data.get("new_email", "")}
        )

    return describe


def _password_chosen(event, names: Names) -> Description:
    if event.data.get("invitation"):
        sentence = _("%(person)s chose their password from their invitation link")
    else:
        sentence = _("%(person)s chose a new password from a password reset link")
    return Description(sentence % {"person": _person(event, names)})


PATIENT_FIELDS = {
    "first_name": _("first name"),
    "last_name": _("last name"),
    "email": _("email"),
    "timezone": _("time zone"),
    "baseline_pain": _("usual pain at the start"),
    "language": _("language"),
}
EXPORTS = {
    "patients.csv": _("adherence per patient (CSV)"),
    "daily.csv": _("adherence day by day (CSV)"),
    "outcomes.csv": _("outcome measures (CSV)"),
    "rtm.csv": _("the RTM report (CSV)"),
    "api:reports/rtm": _("the RTM report (API)"),
}


def _rule_words(rule: dict) -> str:
    parts = []
    for name, value in rule.items():
        label = PlanWeek._meta.get_field(name).verbose_name if name in PlanWeek.RULE_FIELDS else name
        if value is None:
            value = _("off")
        elif value is True or value is False:
            value = _("yes") if value else _("no")
        elif name == "on_not_met":
            value = dict(PlanWeek.OnNotMet.choices).get(value, value)
        parts.append(f"{label} {value}")
    return "; ".join(parts)


def _plan_changed(event, names: Names) -> Description:
    data, patient = event.data, _patient(event)
    if "exercise" in data:
        return Description(
            _("Set %(exercise)s in %(patient)s's plan to hold %(hold)s s, %(reps)s repetitions")
            % {
                "exercise": names.exercise(data["exercise"]),
                "patient": patient,
                "hold": data.get("target_hold_seconds"),
                "reps": data.get("target_reps"),
            }
        )
    if "rule" in data:
        return Description(
            _("Changed when %(patient)s moves on to week %(week)s: %(rule)s")
            % {"patient": patient, "week": data.get("week"), "rule": _rule_words(data["rule"])}
        )
    if "added" in data:
        return Description(
            _("Added %(exercise)s to week %(week)s of %(patient)s's plan")
            % {"exercise": names.exercise(data["added"]), "week": data.get("week"), "patient": patient}
        )
    if "removed" in data:
        return Description(
            _("Removed %(exercise)s from %(patient)s's plan")
            % {"exercise": names.exercise(data["removed"]), "patient": patient}
        )
    if "start_date" in data:
        fields = data.get("fields", ["start_date"])
        values = {"version": _version(event), "patient": patient, "day": _day(data["start_date"])}
        if "start_date" in fields and "note_to_patient" in fields:
            sentence = _(
                "Set version %(version)s of %(patient)s's plan to start on %(day)s and changed its note "
                "to the patient"
            )
        elif "start_date" in fields:
            sentence = _("Set version %(version)s of %(patient)s's plan to start on %(day)s")
        else:
            sentence = _("Changed the note to the patient in version %(version)s of %(patient)s's plan")
        return Description(sentence % values)
    return Description(_("Changed %(patient)s's draft plan") % {"patient": patient})


def _version(event) -> str:
    return str(event.data.get("version", "?"))


def _override(sentence: str) -> Callable:
    def describe(event, names: Names) -> Description:
        data = event.data
        return Description(
            sentence
            % {
                "patient": _patient(event),
                "week": data.get("to_week"),
                "from_week": data.get("from_week"),
                "day": _day(data.get("effective_on")),
            },
            data.get("reason", ""),
        )

    return describe


def _export(event, names: Names) -> Description:
    data = event.data
    sentence = _("Exported %(export)s for %(start)s to %(end)s") % {
        "export": EXPORTS.get(data.get("export"), data.get("export")),
        "start": _day(data.get("start")),
        "end": _day(data.get("end")),
    }
    if data.get("therapist"):
        sentence += ", " + _("%(therapist)s's patients") % {
            "therapist": names.people.get(data["therapist"], _("one therapist"))
        }
    return Description(sentence)


def _simple(sentence: str, *, quote: str = "") -> Callable:
    def describe(event, names: Names) -> Description:
        data = event.data
        return Description(
            sentence
            % {"patient": _patient(event), **{k: v for k, v in data.items() if not isinstance(v, dict)}},
            data.get(quote, "") if quote else "",
        )

    return describe


def _outcomes_changed(event, names: Names) -> Description:
    data, patient = event.data, _patient(event)
    name = dict(OUTCOME_CHOICES).get(data.get("instrument"), data.get("instrument"))
    if not data.get("enabled"):
        return Description(
            _("Stopped asking %(patient)s for %(name)s in the draft plan")
            % {"patient": patient, "name": name}
        )
    times = []
    if data.get("at_baseline"):
        times.append(str(_("at the start")))
    if data.get("every_weeks"):
        times.append(str(_("every %(weeks)s weeks") % {"weeks": data["every_weeks"]}))
    if data.get("at_completion"):
        times.append(str(_("at completion")))
    return Description(
        _("Set %(name)s for %(patient)s's draft plan: %(times)s")
        % {"name": name, "patient": patient, "times": ", ".join(times)}
    )


def _alert(event, names: Names) -> Description:
    kind = dict(Alert.Kind.choices).get(event.data.get("kind"), event.data.get("kind"))
    return Description(
        _("Acknowledged %(patient)s's alert “%(kind)s”") % {"patient": _patient(event), "kind": kind},
        event.data.get("comment", ""),
    )


def _treatment_time(event, names: Names) -> Description:
    data = event.data
    values = {
        "minutes": data["minutes"],
        "patient": _patient(event),
        "day": _day(data["day"]),
        "who": data.get("performed_by", ""),
    }
    if data.get("interactive") and data.get("by_assistant"):
        sentence = _(
            "Recorded %(minutes)s minutes of treatment management for %(patient)s on %(day)s, "
            "with a real-time interaction, done by %(who)s (an assistant)"
        )
    elif data.get("interactive"):
        sentence = _(
            "Recorded %(minutes)s minutes of treatment management for %(patient)s on %(day)s, "
            "with a real-time interaction, done by %(who)s"
        )
    elif data.get("by_assistant"):
        sentence = _(
            "Recorded %(minutes)s minutes of treatment management for %(patient)s on %(day)s, "
            "done by %(who)s (an assistant)"
        )
    else:
        sentence = _(
            "Recorded %(minutes)s minutes of treatment management for %(patient)s on %(day)s, done by %(who)s"
        )
    return Description(sentence % values, data.get("activity", ""))


def _fhir_export(event, names: Names) -> Description:
    since = event.data.get("since")
    if event.data.get("kind"):
        sentence = _("Exported every %(kind)s resource as FHIR (NDJSON)") % {"kind": event.data["kind"]}
        if since:
            sentence += ", " + _("changes since %(day)s") % {"day": _day(str(since)[:10])}
        return Description(sentence)
    if since:
        return Description(
            _("Exported %(patient)s's record as FHIR, changes since %(day)s")
            % {"patient": _patient(event), "day": _day(str(since)[:10])}
        )
    return Description(_("Exported %(patient)s's record as FHIR") % {"patient": _patient(event)})


def _patient_changed(event, names: Names) -> Description:
    fields = ", ".join(str(PATIENT_FIELDS.get(name, name)) for name in event.data.get("fields", []))
    return Description(
        _("Changed %(patient)s's details: %(fields)s") % {"patient": _patient(event), "fields": fields}
    )


def _plan_created(event, names: Names) -> Description:
    return Description(
        _("Drafted plan version %(version)s for %(patient)s from %(program)s")
        % {
            "version": event.data.get("version"),
            "patient": _patient(event),
            "program": names.programs.get(event.data.get("template"), event.data.get("template")),
        }
    )


def _clinic_two_factor(event, names: Names) -> Description:
    if event.data["required"]:
        return Description(_("Required two-factor login for the clinic's therapists and managers"))
    return Description(_("Stopped requiring two-factor login for the clinic's therapists and managers"))


def _message_sent(event, names: Names) -> Description:
    """Who wrote to whom, never what: the words stay in the thread."""
    if event.data.get("from") == "patient":
        return Description(_("%(patient)s sent a message to their therapist") % {"patient": _patient(event)})
    return Description(_("Sent a message to %(patient)s") % {"patient": _patient(event)})


def _clinic_managers_read_messages(event, names: Names) -> Description:
    if event.data["allowed"]:
        return Description(_("Let the clinic's managers read the messages between patients and therapists"))
    return Description(
        _("Stopped the clinic's managers reading the messages between patients and therapists")
    )


def _recovery_code_used(event, names: Names) -> Description:
    return Description(
        ngettext(
            "Logged in with a recovery code (%(left)d left)",
            "Logged in with a recovery code (%(left)d left)",
            event.data["left"],
        )
        % {"left": event.data["left"]}
    )


def _sessions_ended(event, names: Names) -> Description:
    from accounts.services import EndReason

    reason = event.data.get("reason")
    return Description(
        _("Logged %(person)s out of every browser and device: %(reason)s")
        % {"person": event.data.get("person") or event.summary, "reason": EndReason.WORDS.get(reason, reason)}
    )


EXERCISE_FIELDS_WORDS = {
    "illustration": _("picture"),
}


def _exercise_changed(event, names: Names) -> Description:
    data = event.data
    fields = ", ".join(
        str(EXERCISE_FIELDS_WORDS.get(name) or Exercise._meta.get_field(name).verbose_name)
        for name in data.get("fields", [])
    )
    sentence = _("Changed the exercise %(name)s in the clinic's library: %(fields)s") % {
        "name": data["name"],
        "fields": fields,
    }
    if data.get("new_version"):
        sentence += "; " + _("plans made before keep the version they were prescribed")
    return Description(sentence)


PROGRAM_CHANGES = {
    "details": _("Changed the name, description or cautions of the program %(name)s"),
    "week_added": _("Added week %(week)s to the program %(name)s"),
    "week_changed": _(
        "Changed week %(week)s of the program %(name)s (title, introduction or when to move on)"
    ),
    "week_removed": _("Removed week %(week)s from the program %(name)s"),
    "exercise_added": _("Added %(exercise)s to week %(week)s of the program %(name)s"),
    "exercise_removed": _("Removed %(exercise)s from week %(week)s of the program %(name)s"),
    "weeks_set": _("Set the weeks and exercises of the program %(name)s (%(weeks)s weeks)"),
}


def _program_changed(event, names: Names) -> Description:
    data = event.data
    return Description(PROGRAM_CHANGES[data["change"]] % data)


def _reminders(event, names: Names) -> Description:
    words = {"patient": _patient(event), "time": event.data.get("time", "")}
    if event.action == "reminders.turned_on":
        return Description(_("%(patient)s turned on reminders at %(time)s") % words)
    if event.data.get("via") == "unsubscribe":
        return Description(_("%(patient)s turned off reminders from the link in a reminder e-mail") % words)
    return Description(_("%(patient)s turned off reminders") % words)


SENTENCES: dict[str, Callable[..., Description]] = {
    "patient.created": _simple(_("Added %(patient)s as a patient")),
    "patient.invited": _simple(_("Made a one-time link for %(patient)s to choose a password")),
    "patient.changed": _patient_changed,
    "patient.record_exported": _simple(_("Exported the record of %(patient)s")),
    "email.change_requested": _account(
        _("Asked for %(person)s's email address to become %(email)s; waiting for their confirmation")
    ),
    "email.change_confirmed": _account(_("%(person)s confirmed %(email)s as their email address")),
    "email.change_cancelled": _account(
        _("Withdrew the new email address waiting for %(person)s's confirmation")
    ),
    "email.removed": _account(_("Removed %(person)s's email address")),
    "password.reset_requested": _account(
        _("A password reset link for %(person)s was asked for and mailed to their address")
    ),
    "password.reset_completed": _password_chosen,
    "plan.created": _plan_created,
    "plan.revised": _simple(
        _("Drafted version %(version)s of %(patient)s's plan from version %(from_version)s")
    ),
    "plan.changed": _plan_changed,
    "plan.approved": _simple(_("Approved version %(version)s of %(patient)s's plan")),
    "plan.paused": _simple(_("Paused %(patient)s's plan"), quote="reason"),
    "plan.resumed": _simple(_("Resumed %(patient)s's plan")),
    "plan.completed": _simple(_("Completed %(patient)s's plan")),
    "plan.outcomes_changed": _outcomes_changed,
    "progression.advance": _override(_("Moved %(patient)s on to week %(week)s from %(day)s")),
    "progression.hold": _override(_("Held %(patient)s in week %(week)s from %(day)s")),
    "progression.release": _override(_("Released the hold on %(patient)s in week %(week)s from %(day)s")),
    "progression.back": _override(_("Moved %(patient)s back to week %(week)s from %(day)s")),
    "alert.acknowledged": _alert,
    "report.exported": _export,
    "clinic.two_factor_required": _clinic_two_factor,
    "two_factor.enabled": _simple(_("Turned on two-factor login for their own account")),
    "two_factor.disabled": _simple(_("Turned off two-factor login for their own account")),
    "two_factor.recovery_codes_renewed": _simple(_("Made new recovery codes (the old ones no longer work)")),
    "two_factor.recovery_code_used": _recovery_code_used,
    "two_factor.reset": _simple(
        _("Reset two-factor login for %(person)s: their authenticator app and recovery codes no longer work")
    ),
    "account.sessions_ended": _sessions_ended,
    "exercise.created": _simple(_("Added the exercise %(name)s to the clinic's library")),
    "exercise.changed": _exercise_changed,
    "exercise.copied": _simple(_("Copied the exercise %(source)s into the clinic's library as %(name)s")),
    "program.created": _simple(_("Made the program template %(name)s")),
    "program.changed": _program_changed,
    "program.copied": _simple(_("Copied the program template %(source)s as %(name)s")),
    "rtm.time_recorded": _treatment_time,
    "fhir.exported": _fhir_export,
    "message.sent": _message_sent,
    "clinic.managers_read_messages": _clinic_managers_read_messages,
    "reminders.turned_on": _reminders,
    "reminders.turned_off": _reminders,
}


def describe(event, names: Names) -> Description:
    """The event in words; an action without a sentence here reads as its label."""
    sentence = SENTENCES.get(event.action)
    if sentence is None:
        return Description(capfirst(action_label(event.action)))
    try:
        return sentence(event, names)
    except (KeyError, TypeError, ValueError):  # data written by an older version of a service
        return Description(capfirst(action_label(event.action)))


def describe_events(events: list) -> None:
    """Sets `event.description` on each event of a page, with the names looked up once."""
    names = Names.for_events(events)
    for event in events:
        event.description = describe(event, names)
