"""One patient's whole record as a ZIP: JSON files and the printed program, section by section.

`SECTIONS` is the list of what goes in. Each `Section` names its file and has a function that
takes the patient (and the moment of the export) and returns the file's content: a JSON-able
value or bytes. A feature added later (questionnaires, messages) adds one section here, and
the record, its manifest and its tests pick it up.

Nothing here decides who may export: `records.services.record_export` reads the patient through
`Patient.objects.record_exportable_by(user)` first and records the export in the audit trail.
Login facts leave out the password hash; everything else about the patient is included.
"""

import datetime as dt
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Model, Prefetch, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit.describe import describe_events
from audit.models import AuditEvent
from patients.models import (
    Alert,
    Patient,
    Plan,
    PlanExercise,
    PlanWeek,
    ProgressionNotice,
    ProgressionOverride,
    ProgressionPeriod,
    SessionExercise,
    SessionLog,
)
from patients.selectors import plan_live_for

FORMAT_VERSION = 1
LOGIN_FIELDS = (
    "id",
    "username",
    "first_name",
    "last_name",
    "email",
    "role",
    "is_active",
    "date_joined",
    "last_login",
)


@dataclass(frozen=True)
class Export:
    """What every section is given: the patient (with user, clinic, therapist), who exports (a
    section the access layer keeps from them is left out) and when."""

    patient: Patient
    by: object  # the exporting user
    at: dt.datetime
    base_url: str


@dataclass(frozen=True)
class Section:
    filename: str
    describes: str  # in the manifest: what the file holds
    build: Callable[[Export], object]  # a JSON-able value, or bytes; None leaves the file out
    when_empty: str = _("nothing to include")  # in the manifest when `build` gives None


def row(obj: Model, *, exclude: tuple[str, ...] = ()) -> dict:
    """Every stored column of `obj` (foreign keys as their ids, e.g. `plan_id`)."""
    return {
        field.attname: field.value_from_object(obj)
        for field in obj._meta.concrete_fields
        if field.name not in exclude
    }


def _person(user) -> str | None:
    return str(user) if user is not None else None


def _patient(export: Export) -> dict:
    patient = export.patient
    user = patient.user
    return {
        "patient": row(patient),
        "login": {name: getattr(user, name) for name in LOGIN_FIELDS},
        "clinic": {"id": patient.clinic_id, "name": patient.clinic.name},
        "therapist": {"id": patient.therapist_id, "name": _person(patient.therapist)},
    }


def _plans(export: Export) -> list:
    plans = (
        Plan.objects.filter(patient=export.patient)
        .select_related("template", "created_by", "approved_by")
        .prefetch_related(
            "pauses",
            Prefetch(
                "weeks",
                queryset=PlanWeek.objects.order_by("number").prefetch_related(
                    Prefetch(
                        "exercises",
                        queryset=PlanExercise.objects.select_related("exercise").order_by("order", "pk"),
                    )
                ),
            ),
        )
        .order_by("version", "pk")
    )
    return [
        {
            **row(plan),
            "program": plan.template.name,
            "created_by_name": _person(plan.created_by),
            "approved_by_name": _person(plan.approved_by),
            "pauses": [row(pause) for pause in plan.pauses.order_by("paused_on", "pk")],
            "weeks": [
                {
                    **row(week),
                    "exercises": [
                        {**row(item), "exercise": item.exercise.slug, "exercise_name": item.exercise.name}
                        for item in week.exercises.all()
                    ],
                }
                for week in plan.weeks.all()
            ],
        }
        for plan in plans
    ]


def _sessions(export: Export) -> list:
    sessions = (
        SessionLog.objects.filter(patient=export.patient)
        .prefetch_related(
            Prefetch(
                "exercises",
                queryset=SessionExercise.objects.select_related("plan_exercise__exercise").order_by("pk"),
            )
        )
        .order_by("date", "pk")
    )
    return [
        {
            **row(session),
            "exercises": [
                {**row(item), "exercise": item.plan_exercise.exercise.slug}
                for item in session.exercises.all()
            ],
        }
        for session in sessions
    ]


def _alerts(export: Export) -> list:
    alerts = Alert.objects.filter(patient=export.patient).select_related("acknowledged_by")
    return [
        {**row(alert), "acknowledged_by_name": _person(alert.acknowledged_by)}
        for alert in alerts.order_by("created_at", "pk")
    ]


def _progression(export: Export) -> dict:
    plans = {"plan__patient": export.patient}
    return {
        "periods": [row(p) for p in ProgressionPeriod.objects.filter(**plans).order_by("plan_id", "start")],
        "notices": [row(n) for n in ProgressionNotice.objects.filter(**plans).order_by("opened_at", "pk")],
        "overrides": [
            row(o) for o in ProgressionOverride.objects.filter(**plans).order_by("created_at", "pk")
        ],
    }


def _questionnaires(export: Export) -> list:
    """Every questionnaire answered, oldest due date first: the version's name, the answers as
    given, and the score with its change from baseline."""
    from outcomes.models import Response, Score

    responses = (
        Response.objects.filter(patient=export.patient)
        .select_related("instrument", "score")
        .order_by("due_date", "instrument_code", "pk")
    )
    answered = []
    for response in responses:
        try:
            score = row(response.score, exclude=("id", "response"))
        except Score.DoesNotExist:
            score = None
        answered.append({**row(response), "questionnaire": str(response.instrument), "score": score})
    return answered


def _treatment_time(export: Export) -> list:
    """Every entry of treatment-management time (RTM): the day, minutes, what was done, by whom."""
    from billing.models import TreatmentTime

    entries = TreatmentTime.objects.filter(patient=export.patient).select_related("recorded_by")
    return [
        {**row(entry), "recorded_by_name": _person(entry.recorded_by)}
        for entry in entries.order_by("day", "recorded_at", "pk")
    ]


def audit_events_about(patient: Patient):
    """The audit events about `patient`: those naming them, and printouts of their plans."""
    plan_ids = [str(pk) for pk in Plan.objects.filter(patient=patient).values_list("pk", flat=True)]
    return (
        AuditEvent.objects.filter(Q(patient=patient) | Q(object_type="patients.plan", object_id__in=plan_ids))
        .select_related("actor", "patient__user")
        .order_by("created_at", "pk")
    )


def _audit(export: Export) -> list:
    events = list(audit_events_about(export.patient))
    describe_events(events)
    return [
        {
            **row(event),
            "actor_name": _person(event.actor),
            "in_words": str(event.description),
        }
        for event in events
    ]


def _messages(export: Export) -> list | None:
    """The thread with the therapist, oldest first: who wrote, when, the words, when it was read.
    Only for someone who may read the thread (`Patient.objects.messages_readable_by`: a manager
    where the clinic lets its managers read messages); None for anyone else."""
    from messaging.models import Message

    if not Patient.objects.messages_readable_by(export.by).filter(pk=export.patient.pk).exists():
        return None
    messages = Message.objects.filter(patient=export.patient).select_related("author", "read_by")
    return [
        {
            **row(message),
            "author_name": _person(message.author),
            "read_by_name": _person(message.read_by),
        }
        for message in messages.order_by("created_at", "pk")
    ]


def _program_pdf(export: Export) -> bytes | None:
    """The printed program of the plan the patient follows (or last followed), as they get it."""
    from printouts.pdf import html_to_pdf
    from printouts.selectors import program_printout

    plan = plan_live_for(patient=export.patient) or (
        Plan.objects.filter(patient=export.patient)
        .exclude(status=Plan.Status.DRAFT)
        .select_related("template")
        .order_by("-version", "-pk")
        .first()
    )
    if plan is None:
        return None
    plan.patient = export.patient
    context = program_printout(plan=plan, today=export.patient.local_date())
    html = render_to_string("printouts/program.html", context)
    return html_to_pdf(html, base_url=export.base_url)


SECTIONS: list[Section] = [
    Section("patient.json", _("the patient, their login (no password), clinic and therapist"), _patient),
    Section("plans.json", _("every plan version with its pauses, weeks, rules and exercises"), _plans),
    Section("sessions.json", _("every logged session with pain, symptoms and each exercise"), _sessions),
    Section("alerts.json", _("every safety alert, with who acknowledged it, when and why"), _alerts),
    Section(
        "progression.json", _("the weeks the patient was in, progression notices and overrides"), _progression
    ),
    Section("questionnaires.json", _("every questionnaire answered, with its score"), _questionnaires),
    Section("treatment_time.json", _("every entry of treatment-management time (RTM)"), _treatment_time),
    Section(
        "messages.json",
        _("every message between the patient and their therapist"),
        _messages,
        when_empty=_("the clinic does not let its managers read messages (clinic settings)"),
    ),
    Section("audit.json", _("every audit event about the patient, in words"), _audit),
    Section(
        "program.pdf",
        _("the printed program of the current (or last approved) plan"),
        _program_pdf,
        when_empty=_("no approved plan to print"),
    ),
]


def _encode(content) -> bytes:
    if isinstance(content, bytes):
        return content
    return json.dumps(content, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2).encode()


def record_zip(*, patient: Patient, by, base_url: str, sections: list[Section] | None = None) -> bytes:
    """The ZIP of `patient`'s record as `by` takes it away: one file per section and
    `manifest.json` saying what is in it and why a section is left out (no approved plan to print;
    PDFs not available here; messages the clinic keeps from its managers)."""
    from printouts.pdf import PdfUnavailable

    export = Export(patient=patient, by=by, at=timezone.now(), base_url=base_url)
    manifest = {"format": FORMAT_VERSION, "exported_at": export.at, "patient_id": patient.pk, "files": []}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for section in SECTIONS if sections is None else sections:
            entry = {"name": section.filename, "holds": section.describes}
            try:
                content = section.build(export)
            except PdfUnavailable as error:
                content, entry["left_out"] = (
                    None,
                    gettext("PDFs cannot be made on this server (%(error)s)") % {"error": error},
                )
            if content is None:
                entry.setdefault("left_out", section.when_empty)
            else:
                archive.writestr(section.filename, _encode(content))
            manifest["files"].append(entry)
        archive.writestr("manifest.json", _encode(manifest))
    return buffer.getvalue()
