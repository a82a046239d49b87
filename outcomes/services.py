"""Writes of outcome measures: loading questionnaires, each plan's schedule, answers and scores.

Pages, the API, the management commands and the demo loader all call these; views only parse
and render. Plans are reached through `patients.access.changeable`; a patient answers only their
own questionnaires.
"""

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AuditEvent
from exercises.models import ProgramTemplate
from patients.access import changeable
from patients.models import Alert, Patient, Plan, PlanPause
from patients.services import alert_raise_once

from .itemfile import ItemFile, item_file_parse
from .models import EVERY_WEEKS_MAX, Instrument, PlanOutcome, ProgramOutcomeDefault, Response, Score
from .scoring import RULES, Activity, AnswerError, change, plain_number
from .selectors import AFTER_COMPLETION_DAYS, plan_dues

User = get_user_model()

SHIPPED_DIR = Path(__file__).resolve().parent / "instruments"
SHIPPED_CODES = ("nprs", "psfs")
# The shipped program's default questionnaires (a template without defaults asks for none).
SHIPPED_DEFAULTS = {"back-strengthening": ("nprs", "psfs")}


# --- Questionnaires -------------------------------------------------------------------------


@transaction.atomic
def instrument_load(*, data, source: str = Instrument.Source.CLINIC) -> tuple[Instrument, str]:
    """Load one questionnaire's item file; returns (instrument, what happened).

    Checked against its scoring rule first (`ItemFileError` lists every problem; nothing is
    stored). The same text again changes nothing ("unchanged"). Changed text replaces the
    current version in place only while no one has answered it ("updated"); otherwise it
    becomes a new version ("new version") and the answered one stays as it was.
    """
    parsed: ItemFile = item_file_parse(data)
    code = parsed.rule.code
    content = parsed.content()
    current = Instrument.objects.select_for_update().filter(code=code, is_current=True).first()
    if current is not None:
        stored = {key: getattr(current, key) for key in content}
        if stored == content and current.source == source:
            return current, "unchanged"
        if not current.responses.exists():
            for key, value in content.items():
                setattr(current, key, value)
            current.source, current.loaded_at = source, timezone.now()
            current.save()
            return current, "updated"
        Instrument.objects.filter(pk=current.pk).update(is_current=False)  # its text stays as it was
    version = (current.version + 1) if current else 1
    return Instrument.objects.create(code=code, version=version, source=source, **content), (
        "new version" if current else "loaded"
    )


def shipped_instruments_load() -> list[Instrument]:
    """The questionnaires whose text ships (NPRS, PSFS), and the shipped program's defaults."""
    loaded = []
    for code in SHIPPED_CODES:
        data = json.loads((SHIPPED_DIR / f"{code}.json").read_text(encoding="utf-8"))
        loaded.append(instrument_load(data=data, source=Instrument.Source.SHIPPED)[0])
    for slug, codes in SHIPPED_DEFAULTS.items():
        template = ProgramTemplate.objects.filter(slug=slug).first()
        if template is None:
            continue
        for code in codes:
            ProgramOutcomeDefault.objects.get_or_create(template=template, instrument_code=code)
    return loaded


# --- Schedules ------------------------------------------------------------------------------

SCHEDULE_FIELDS = ("at_baseline", "every_weeks", "at_completion")


def plan_outcomes_copy(*, plan: Plan, from_plan: Plan | None = None) -> None:
    """A new plan's questionnaires: the previous version's, or else the program's defaults.

    Called by `patients.services.plan_create_from_template` and `plan_revise`, in their
    transaction.
    """
    rows = from_plan.outcomes.all() if from_plan is not None else plan.template.outcome_defaults.all()
    PlanOutcome.objects.bulk_create(
        PlanOutcome(
            plan=plan,
            instrument_code=row.instrument_code,
            **{name: getattr(row, name) for name in SCHEDULE_FIELDS},
        )
        for row in rows
    )


@transaction.atomic
def plan_outcome_set(
    *,
    plan: Plan,
    by: User,
    instrument_code: str,
    enabled: bool,
    at_baseline: bool = True,
    every_weeks: int = 2,
    at_completion: bool = True,
) -> PlanOutcome | None:
    """Ask for a questionnaire in a draft plan, and when; or (`enabled` False) stop asking for it."""
    plan = changeable(Plan, plan.pk, by=by, lock=True, related=("patient__clinic",))
    if plan.status != Plan.Status.DRAFT:
        raise ValidationError(
            _("Questionnaires are chosen in a draft plan. Make a new version to change them.")
        )
    if instrument_code not in RULES:
        raise ValidationError({"instrument_code": _("Choose one of the questionnaires listed.")})
    if enabled and not Instrument.objects.current().filter(code=instrument_code).exists():
        raise ValidationError(
            {"instrument_code": _("This questionnaire's text has not been loaded on this server yet.")}
        )
    if (
        isinstance(every_weeks, bool)
        or not isinstance(every_weeks, int)
        or not 0 <= every_weeks <= EVERY_WEEKS_MAX
    ):
        raise ValidationError(
            {
                "every_weeks": _("Every 0 to %(max)s weeks (0: no follow-up during the plan).")
                % {"max": EVERY_WEEKS_MAX}
            }
        )
    if enabled and not (at_baseline or every_weeks or at_completion):
        raise ValidationError(_("Choose at least one time to ask, or stop asking for this questionnaire."))
    existing = PlanOutcome.objects.filter(plan=plan, instrument_code=instrument_code).first()
    values = {"at_baseline": at_baseline, "every_weeks": every_weeks, "at_completion": at_completion}
    if not enabled:
        if existing is None:
            return None
        existing.delete()
        row = None
    else:
        row, _created = PlanOutcome.objects.update_or_create(
            plan=plan, instrument_code=instrument_code, defaults=values
        )
    AuditEvent.record(
        actor=by,
        action="plan.outcomes_changed",
        target=plan,
        clinic=plan.patient.clinic,
        patient=plan.patient,
        data={"instrument": instrument_code, "enabled": enabled, **(values if enabled else {})},
    )
    return row


# --- Answers --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answered:
    response: Response
    created: bool
    alert: Alert | None


def _plan_for_answers(patient: Patient) -> Plan | None:
    """The plan whose questionnaires the patient answers, locked: live, else the last completed."""
    return (
        Plan.objects.select_for_update(of=("self",))
        .filter(patient_id=patient.pk, status__in=[*Plan.LIVE_STATUSES, Plan.Status.COMPLETED])
        .order_by("-version")
        .first()
    )


def _activities(answers) -> list[Activity]:
    if not isinstance(answers, list):
        raise AnswerError(_("List the activities, each with a name and a rating."))
    result = []
    for entry in answers:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise AnswerError(_("Give each activity a name and a rating from 0 to 10."))
        result.append(Activity(entry["name"].strip(), entry.get("rating")))
    return result


def response_submit(*, patient: Patient, code: str, answers, today: date | None = None) -> Answered:
    """The patient answers the questionnaire due now; answering again for that due date edits it.

    `answers`: for a questionnaire of items, one option index per item (the Oswestry takes a list
    where two boxes were ticked); for the PSFS, a list of {"name", "rating"} (at a follow-up the
    names of the baseline's activities, in its order). Scored by the questionnaire's rule; the
    change from baseline is stored with every answer, and a change meaningfully worse raises one
    safety alert for the therapist. Safe under concurrent submissions: the plan's row is locked
    and (patient, questionnaire, due date) is unique.
    """
    today = today or patient.local_date()
    with transaction.atomic():
        plan = _plan_for_answers(patient)
        rule = RULES.get(code)
        schedule = list(PlanOutcome.objects.filter(plan=plan, instrument_code=code)) if plan else []
        if rule is None or not schedule:
            raise ValidationError(_("This questionnaire is not part of your plan."), code="not_scheduled")
        plan.patient = patient
        if (
            plan.status == Plan.Status.COMPLETED
            and (today - patient.local_date(plan.ended_at)).days > AFTER_COMPLETION_DAYS
        ):
            raise ValidationError(_("Your plan has ended: there is nothing to answer now."), code="not_due")
        pauses = PlanPause.objects.filter(plan__patient_id=patient.pk)
        dues = plan_dues(plan, schedule, pauses, today=today)
        earlier = list(
            Response.objects.filter(patient=patient, instrument_code=code, due_date__gte=plan.start_date)
            .select_related("score")
            .order_by("due_date")
        )
        # The latest due date reached: open if unanswered, and editable once answered.
        reached = [due for due in dues if due.due_date <= today]
        if not reached:
            raise ValidationError(_("This questionnaire is not due now."), code="not_due")
        due = reached[-1]
        instrument = Instrument.objects.current().filter(code=code).first()
        if instrument is None:
            raise ValidationError(_("This questionnaire is not available on this server."), code="not_loaded")
        baseline = earlier[0] if earlier and earlier[0].due_date < due.due_date else None
        try:
            if rule.activities:
                names = [str(name) for name in baseline.answers["activities_named"]] if baseline else None
                activities = _activities(answers)
                score = rule.score(activities, baseline=names)
                stored = {
                    "activities": [{"name": a.name, "rating": a.rating} for a in activities],
                    "activities_named": [a.name for a in activities],
                }
            else:
                score = rule.score(answers)
                stored = {"items": list(answers)}
        except AnswerError as error:
            raise ValidationError({"answers": str(error)}, code="answers") from None

        now = timezone.now()
        existing = next((r for r in earlier if r.due_date == due.due_date), None)
        if existing is not None:
            existing.instrument, existing.answers, existing.answered_on, existing.updated_at = (
                instrument,
                stored,
                today,
                now,
            )
            existing.save(update_fields=["instrument", "answers", "answered_on", "updated_at"])
            response = existing
        else:
            response, _created = Response.objects.get_or_create(
                patient=patient,
                instrument_code=code,
                due_date=due.due_date,
                defaults={
                    "plan": plan,
                    "instrument": instrument,
                    "is_baseline": baseline is None,
                    "answered_on": today,
                    "answers": stored,
                    "created_at": now,
                    "updated_at": now,
                },
            )
            if not _created:  # a concurrent submission of the same day: it stands, edited by this one
                response.answers, response.answered_on, response.updated_at = stored, today, now
                response.save(update_fields=["answers", "answered_on", "updated_at"])
            existing = None if _created else response
        values = {
            "value": score.value,
            "subscale": score.subscale,
            "band": score.band,
            "parts": [str(part) for part in score.parts],
            "change": None,
            "meaningful": "",
        }
        result = None
        if baseline is not None:
            result = change(rule, baseline=baseline.score.as_rule_score(), latest=score)
            values["change"], values["meaningful"] = result.points, result.meaningful
        Score.objects.update_or_create(response=response, defaults=values)
        if baseline is None:  # the baseline itself (answered again): the later changes follow it
            for later in earlier:
                if later.due_date > due.due_date:
                    moved = change(rule, baseline=score, latest=later.score.as_rule_score())
                    later.score.change, later.score.meaningful = moved.points, moved.meaningful
                    later.score.save(update_fields=["change", "meaningful"])
        alert = None
        if result is not None and result.meaningful == Score.Meaning.WORSE:
            alert = alert_raise_once(
                plan=plan,
                kind=Alert.Kind.OUTCOME_WORSE,
                cause_key=f"outcome_worse:{code}:{baseline.due_date.isoformat()}",
                message=_("%(name)s is meaningfully worse than at the start: %(baseline)s → %(latest)s.")
                % {
                    "name": instrument.name,
                    "baseline": plain_number(baseline.score.value),
                    "latest": plain_number(score.value),
                },
            )
    return Answered(response=response, created=existing is None, alert=alert)
