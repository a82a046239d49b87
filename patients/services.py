"""Business rules for patients, plans and session logs.

Every page, form, API endpoint and management command calls these functions; a rule is
written once, here. Rule violations raise django.core.exceptions.ValidationError with
messages a person can act on.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from audit.models import AuditEvent
from exercises.models import Exercise, ProgramTemplate

from . import adherence
from .access import changeable
from .models import (
    MAX_HOLD_SECONDS,
    MAX_REPS,
    Alert,
    Patient,
    Plan,
    PlanExercise,
    PlanPause,
    PlanWeek,
    SessionExercise,
    SessionLog,
)
from .progression import SessionFacts
from .progression_services import (
    PlanContent,
    ProgressionFacts,
    plan_live_for_update,
    plan_notices_close,
    plan_progression_store,
)

User = get_user_model()

BACKFILL_DAYS = 3  # a missed day may be filled in up to this many days back
NOTE_MAX_LENGTH = SessionLog._meta.get_field("note").max_length  # TextField: not enforced by the DB
MAX_RULE_DAYS = 28  # a week's rule may ask for up to four weeks' stay
# Dates far outside a plan's life are certainly typing mistakes (and date arithmetic on them
# could overflow): a plan starts within these years.
EARLIEST_START = date(2000, 1, 1)
LATEST_START = date(2100, 12, 31)
PLAN_NOTE_MAX_LENGTH = 2000


def _audit(*, by, action: str, target, patient: Patient, data: dict | None = None) -> None:
    AuditEvent.record(actor=by, action=action, target=target, clinic=patient.clinic, data=data or {})


@contextmanager
def _lost_race_raises(error: ValidationError, *, taken: Callable[[], bool]) -> Iterator[None]:
    """Run an insert that a unique constraint guards and that was checked just before.

    A concurrent request can take the same value between that check and the insert; the
    database's unique constraint then refuses the insert. That IntegrityError becomes `error`,
    the ValidationError the check itself raises, when `taken()` (the check again) now finds the
    competing row: the loser of the race reads the same message as a sequential duplicate.
    Any other IntegrityError is a bug and propagates. The insert runs in a savepoint, so the
    caller's transaction stays usable until the ValidationError rolls it back.

    PostgreSQL reports the violation only once the competing transaction has committed, and
    at READ COMMITTED (Django's default) the check run again sees that row.
    """
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        if taken():
            raise error from exc
        raise


# --- Patients -----------------------------------------------------------------------------


@transaction.atomic
def patient_create(
    *,
    therapist: User,
    username: str,
    first_name: str,
    last_name: str,
    email: str = "",
    password: str | None = None,
    timezone_name: str | None = None,
    baseline_pain: int | None = None,
) -> Patient:
    """Create a patient's login, tied to the therapist's clinic and to the therapist.

    Without a password the login cannot be used until the patient sets one through an
    invitation (password-reset) link.
    """
    if not Patient.objects.may_add(therapist):
        raise ValidationError(_("Only a therapist can add a patient."))

    def username_taken() -> bool:
        return User.objects.filter(username__iexact=username).exists()

    taken_error = ValidationError({"username": _("That username is taken. Choose another.")})
    if username_taken():
        raise taken_error
    user = User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=email,
        role=User.Role.PATIENT,
        clinic=therapist.clinic,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    with _lost_race_raises(taken_error, taken=username_taken):
        user.save()
    patient = Patient.objects.create(
        user=user,
        clinic=therapist.clinic,
        therapist=therapist,
        timezone=timezone_name or therapist.clinic.timezone,
        baseline_pain=baseline_pain,
    )
    _audit(by=therapist, action="patient.created", target=patient, patient=patient)
    return patient


@transaction.atomic
def patient_invitation(*, patient: Patient, by: User) -> tuple[str, str]:
    """A one-time invitation for a patient to set their own password: (uidb64, token).

    Built from Django's password-reset token, so it stops working once the password is set
    (or after PASSWORD_RESET_TIMEOUT). Only the patient's own therapist may make one.
    """
    patient = changeable(Patient, patient.pk, by=by, lock=False, related=("user", "clinic"))
    uidb64 = urlsafe_base64_encode(force_bytes(patient.user.pk))
    token = default_token_generator.make_token(patient.user)
    _audit(by=by, action="patient.invited", target=patient, patient=patient)
    return uidb64, token


PATIENT_USER_FIELDS = ("first_name", "last_name", "email")
PATIENT_FIELDS = ("timezone", "baseline_pain")


@transaction.atomic
def patient_update(*, patient: Patient, by: User, **changes) -> Patient:
    """Change a patient's name, email, time zone or baseline pain (their own therapist only).

    `changes` holds only the fields that change: first_name, last_name, email, timezone,
    baseline_pain.
    """
    unknown = set(changes) - set(PATIENT_USER_FIELDS) - set(PATIENT_FIELDS)
    if unknown:
        raise ValueError(f"patient_update does not change {sorted(unknown)}")
    patient = changeable(Patient, patient.pk, by=by, lock=False, related=("user", "clinic"))
    user_changes = {k: v for k, v in changes.items() if k in PATIENT_USER_FIELDS}
    patient_changes = {k: v for k, v in changes.items() if k in PATIENT_FIELDS}
    if user_changes:
        for name, value in user_changes.items():
            setattr(patient.user, name, value)
        patient.user.save(update_fields=list(user_changes))
    if patient_changes:
        for name, value in patient_changes.items():
            setattr(patient, name, value)
        patient.save(update_fields=list(patient_changes))
    if changes:
        _audit(
            by=by, action="patient.changed", target=patient, patient=patient, data={"fields": sorted(changes)}
        )
    return patient


# --- Plans --------------------------------------------------------------------------------


def _require_draft(plan: Plan) -> None:
    if plan.status != Plan.Status.DRAFT:
        raise ValidationError(_("This plan version is approved and frozen. Make a new version to change it."))


def _target_errors(item: PlanExercise) -> dict[str, ValidationError]:
    """What is wrong with a plan exercise's targets, by field (empty: nothing)."""
    errors: dict[str, ValidationError] = {}
    name = item.exercise.name
    for field, value, limit, message in (
        (
            "target_hold_seconds",
            item.target_hold_seconds,
            MAX_HOLD_SECONDS,
            _("%(exercise)s: a hold target is 1 to %(max)s seconds."),
        ),
        ("target_reps", item.target_reps, MAX_REPS, _("%(exercise)s: a repetitions target is 1 to %(max)s.")),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= limit:
            errors[field] = ValidationError(message, code="limit", params={"exercise": name, "max": limit})
    if not errors and item.target_out_of_range and not item.out_of_range_reason.strip():
        errors["out_of_range_reason"] = ValidationError(
            _(
                "%(exercise)s: the target is outside the library's range "
                "(hold %(hold_min)s–%(hold_max)s s, %(reps_min)s–%(reps_max)s repetitions). "
                "Give a reason to keep it."
            ),
            code="out_of_range",
            params={
                "exercise": name,
                "hold_min": item.hold_seconds_min,
                "hold_max": item.hold_seconds_max,
                "reps_min": item.reps_min,
                "reps_max": item.reps_max,
            },
        )
    return errors


def _plan_weeks_copy(*, plan: Plan, weeks, targets) -> None:
    """Copy weeks (a template's or another plan's) with their rules and exercises into `plan`.

    `targets(item)` gives each exercise's (hold seconds, repetitions, out-of-range reason).
    """
    for source in weeks:
        week = PlanWeek.objects.create(
            plan=plan,
            number=source.number,
            title=source.title,
            introduction=source.introduction,
            **source.rule_values(),
        )
        PlanExercise.objects.bulk_create(
            PlanExercise.copied_from(
                item, week=week, target_hold_seconds=hold, target_reps=reps, reason=reason
            )
            for item in source.exercises.all()
            for hold, reps, reason in [targets(item)]
        )


@transaction.atomic
def plan_create_from_template(
    *,
    patient: Patient,
    template: ProgramTemplate,
    start_date: date,
    by: User,
    note_to_patient: str = "",
) -> Plan:
    """A new draft plan: a copy of the template's weeks, rules and exercises.

    Targets start at the bottom of each range (the handout: "take it slow"); the therapist
    adjusts them before approving. The template itself never changes.
    """
    patient = changeable(Patient, patient.pk, by=by, lock=False, related=("clinic",))
    errors = _details_errors(start_date=start_date, note_to_patient=note_to_patient)
    if errors:
        raise ValidationError(errors)

    def has_draft() -> bool:
        return Plan.objects.filter(patient=patient, status=Plan.Status.DRAFT).exists()

    has_draft_error = ValidationError(_("This patient already has a draft plan. Edit or approve it."))
    if has_draft():
        raise has_draft_error
    last = Plan.objects.filter(patient=patient).order_by("-version").first()
    # A concurrent creation (or revision) makes a draft with the same version number: the
    # draft and version constraints refuse the second insert.
    with _lost_race_raises(has_draft_error, taken=has_draft):
        plan = Plan.objects.create(
            patient=patient,
            template=template,
            version=(last.version + 1) if last else 1,
            start_date=start_date,
            note_to_patient=note_to_patient,
            created_by=by,
        )
    template_weeks = template.weeks.prefetch_related("exercises").order_by("number")
    _plan_weeks_copy(
        plan=plan, weeks=template_weeks, targets=lambda item: (item.hold_seconds_min, item.reps_min, "")
    )
    _audit(
        by=by,
        action="plan.created",
        target=plan,
        patient=patient,
        data={"template": template.slug, "version": plan.version},
    )
    return plan


@transaction.atomic
def plan_revise(*, plan: Plan, by: User) -> Plan:
    """Start a new draft version from an approved (or paused) plan. The old one stays as is."""
    plan = changeable(Plan, plan.pk, by=by, lock=True, related=("patient__clinic",))
    if not plan.is_live:
        raise ValidationError(_("Only the plan the patient follows now can be revised."))

    def has_draft() -> bool:
        return Plan.objects.filter(patient=plan.patient, status=Plan.Status.DRAFT).exists()

    has_draft_error = ValidationError(_("A new version is already being drafted."))
    if has_draft():
        raise has_draft_error
    last_version = Plan.objects.filter(patient=plan.patient).order_by("-version").first().version
    with _lost_race_raises(has_draft_error, taken=has_draft):
        draft = Plan.objects.create(
            patient=plan.patient,
            template=plan.template,
            version=last_version + 1,
            previous_version=plan,
            start_date=plan.start_date,
            note_to_patient=plan.note_to_patient,
            created_by=by,
            current_week=plan.current_week,
            progression_state=plan.progression_state,
            progression_reasons=plan.progression_reasons,
        )
    _plan_weeks_copy(
        plan=draft,
        weeks=plan.weeks.prefetch_related("exercises").order_by("number"),
        targets=lambda item: (item.target_hold_seconds, item.target_reps, item.out_of_range_reason),
    )
    _audit(
        by=by,
        action="plan.revised",
        target=draft,
        patient=plan.patient,
        data={"from_version": plan.version, "version": draft.version},
    )
    return draft


def _rule_errors(rule: dict) -> dict[str, ValidationError]:
    """What is wrong with a week's rule, by field (empty: nothing)."""
    errors: dict[str, ValidationError] = {}
    counts = ("min_days_in_previous_week", "min_sessions_in_previous_week", "no_worse_in_last_sessions")
    for name in counts:
        value = rule[name]
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_RULE_DAYS:
            errors[name] = ValidationError(
                _("Give a whole number from 0 to %(max)s."), code="limit", params={"max": MAX_RULE_DAYS}
            )
    # A rise of 0 points would be no limit at all, so the rise limit starts at 1.
    for name, lowest in (("pain_rise_limit", 1), ("pain_ceiling", 0)):
        value = rule[name]
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or not lowest <= value <= 10
        ):
            errors[name] = ValidationError(
                _("Give a number from %(lowest)s to 10, or leave it empty."),
                code="limit",
                params={"lowest": lowest},
            )
    days, sessions = rule["min_days_in_previous_week"], rule["min_sessions_in_previous_week"]
    if (
        not errors.keys() & {"min_days_in_previous_week", "min_sessions_in_previous_week"}
        and 0 < days < sessions
    ):
        errors["min_sessions_in_previous_week"] = ValidationError(
            _("At most one session a day counts: %(sessions)s sessions cannot fit in %(days)s days."),
            code="too_many_sessions",
            params={"sessions": sessions, "days": days},
        )
    if not isinstance(rule["requires_therapist_confirmation"], bool):
        errors["requires_therapist_confirmation"] = ValidationError(_("Choose yes or no."), code="choice")
    if rule["on_not_met"] not in PlanWeek.OnNotMet.values:
        errors["on_not_met"] = ValidationError(_("Choose one of the offered options."), code="choice")
    return errors


def _located(error: ValidationError, **where) -> ValidationError:
    """`error` with where it applies (which exercise or week, which field) in its params.

    The message is unchanged; a page puts it on the matching form field, the API under the
    matching key (api.views.plan_edit_errors).
    """
    return ValidationError(error.message, code=error.code, params={**(error.params or {}), **where})


def _details_errors(
    *, start_date: date | None, note_to_patient: str | None
) -> dict[str, list[ValidationError]]:
    """What is wrong with a plan's start date and note to the patient (None: not given)."""
    errors: dict[str, list[ValidationError]] = {}
    if start_date is not None and not EARLIEST_START <= start_date <= LATEST_START:
        errors["start_date"] = [
            ValidationError(
                _("Choose a start date between %(first)s and %(last)s."),
                code="start_date",
                params={"first": EARLIEST_START.isoformat(), "last": LATEST_START.isoformat()},
            )
        ]
    if note_to_patient is not None and len(note_to_patient.strip()) > PLAN_NOTE_MAX_LENGTH:
        errors["note_to_patient"] = [
            ValidationError(
                _("Keep the note to %(max)s characters."),
                code="max_length",
                params={"max": PLAN_NOTE_MAX_LENGTH},
            )
        ]
    return errors


@transaction.atomic
def plan_edit(
    *,
    plan: Plan,
    by: User,
    start_date: date | None = None,
    note_to_patient: str | None = None,
    targets: list[dict] | None = None,
    rules: dict[int, dict] | None = None,
) -> Plan:
    """Change a draft plan: start date, note, exercise targets, week rules; all or nothing.

    What is left out (None) stays as it is. `targets`: dicts with `exercise` (the exercise's
    slug), `target_hold_seconds`, `target_reps` and, for a target outside the library's range,
    `out_of_range_reason`. `rules`: week number → any of `ProgressionRule.RULE_FIELDS` (those
    left out keep their value); week 1 has no week before it, so it has no rule to change.

    Everything is checked before anything is stored, and every refusal comes back in one
    ValidationError: `start_date` and `note_to_patient` messages, and `targets` / `rules`
    messages whose params say where they apply (`slug` or `week`, and `field`).
    """
    plan = changeable(Plan, plan.pk, by=by, lock=True, related=("patient__clinic",))
    _require_draft(plan)
    errors = _details_errors(start_date=start_date, note_to_patient=note_to_patient)
    if note_to_patient is not None:
        note_to_patient = note_to_patient.strip()

    items = {
        item.exercise.slug: item
        for item in PlanExercise.objects.filter(week__plan=plan).select_related("exercise", "week")
    }
    changed_items: list[PlanExercise] = []
    seen: set[str] = set()
    for target in targets or []:
        slug = target["exercise"]
        item = items.get(slug)
        if item is None or slug in seen:
            message = _("%(slug)s is not in this plan.") if item is None else _("%(slug)s is listed twice.")
            errors.setdefault("targets", []).append(
                ValidationError(message, code="exercise", params={"slug": slug, "field": "exercise"})
            )
            continue
        seen.add(slug)
        before = (item.target_hold_seconds, item.target_reps, item.out_of_range_reason)
        item.target_hold_seconds = target["target_hold_seconds"]
        item.target_reps = target["target_reps"]
        item.out_of_range_reason = (target.get("out_of_range_reason") or "").strip()
        item_errors = _target_errors(item)
        if not item_errors and not item.target_out_of_range:
            item.out_of_range_reason = ""
        for field, error in item_errors.items():
            errors.setdefault("targets", []).append(_located(error, slug=slug, field=field))
        if (item.target_hold_seconds, item.target_reps, item.out_of_range_reason) != before:
            changed_items.append(item)

    weeks = {week.number: week for week in PlanWeek.objects.filter(plan=plan)}
    changed_weeks: list[tuple[PlanWeek, dict]] = []
    for number, rule in (rules or {}).items():
        unknown = set(rule) - set(PlanWeek.RULE_FIELDS)
        if unknown:
            raise TypeError(f"Unknown rule fields: {', '.join(sorted(unknown))}")
        week = weeks.get(number)
        if week is None or number <= 1:
            message = (
                _("This plan has no week %(week)s.")
                if week is None
                else _("Week 1 is where a plan starts: it has no rule for moving on to it.")
            )
            errors.setdefault("rules", []).append(
                ValidationError(message, code="week", params={"week": number, "field": "week"})
            )
            continue
        values = {**week.rule_values(), **rule}
        for field, error in _rule_errors(values).items():
            errors.setdefault("rules", []).append(_located(error, week=number, field=field))
        changed = {name: value for name, value in values.items() if getattr(week, name) != value}
        if changed:
            changed_weeks.append((week, changed))

    if errors:
        raise ValidationError(errors)

    details = {}
    if start_date is not None and start_date != plan.start_date:
        details["start_date"] = start_date
    if note_to_patient is not None and note_to_patient != plan.note_to_patient:
        details["note_to_patient"] = note_to_patient
    if details:
        for name, value in details.items():
            setattr(plan, name, value)
        plan.save(update_fields=list(details))
        _audit(
            by=by,
            action="plan.changed",
            target=plan,
            patient=plan.patient,
            data={"start_date": plan.start_date.isoformat()},
        )
    for item in changed_items:
        item.save(update_fields=["target_hold_seconds", "target_reps", "out_of_range_reason"])
        _audit(
            by=by,
            action="plan.changed",
            target=plan,
            patient=plan.patient,
            data={
                "exercise": item.exercise.slug,
                "target_hold_seconds": item.target_hold_seconds,
                "target_reps": item.target_reps,
            },
        )
    for week, changed in changed_weeks:
        for name, value in changed.items():
            setattr(week, name, value)
        week.save(update_fields=list(changed))
        _audit(
            by=by,
            action="plan.changed",
            target=plan,
            patient=plan.patient,
            data={"week": week.number, "rule": changed},
        )
    return plan


@transaction.atomic
def plan_exercise_add(
    *,
    week: PlanWeek,
    exercise: Exercise,
    by: User,
    target_hold_seconds: int | None = None,
    target_reps: int | None = None,
    out_of_range_reason: str = "",
) -> PlanExercise:
    # The plan row is locked: two adds of one exercise to different weeks (which no constraint
    # forbids) wait for each other, and the second finds the first; so does an approval.
    plan = changeable(Plan, week.plan_id, by=by, lock=True, related=("patient",))
    week.plan = plan
    _require_draft(plan)

    def in_plan() -> bool:
        return PlanExercise.objects.filter(week__plan=plan, exercise=exercise).exists()

    in_plan_error = ValidationError(
        {"exercise": _("%(exercise)s is already in this plan.") % {"exercise": exercise.name}}
    )
    if in_plan():
        raise in_plan_error
    last_order = week.exercises.order_by("-order").values_list("order", flat=True).first() or 0
    plan_exercise = PlanExercise(
        week=week,
        exercise=exercise,
        order=last_order + 1,
        hold_seconds_min=exercise.hold_seconds_min,
        hold_seconds_max=exercise.hold_seconds_max,
        reps_min=exercise.reps_min,
        reps_max=exercise.reps_max,
        target_hold_seconds=target_hold_seconds or exercise.hold_seconds_min,
        target_reps=target_reps or exercise.reps_min,
        out_of_range_reason=out_of_range_reason.strip(),
    )
    target_errors = _target_errors(plan_exercise)
    if target_errors:
        raise ValidationError(target_errors)
    with _lost_race_raises(in_plan_error, taken=in_plan):  # the same exercise added to this week
        plan_exercise.save()
    _audit(
        by=by,
        action="plan.changed",
        target=plan,
        patient=plan.patient,
        data={"added": exercise.slug, "week": week.number},
    )
    return plan_exercise


@transaction.atomic
def plan_exercise_remove(*, plan_exercise: PlanExercise, by: User) -> None:
    plan = changeable(Plan, plan_exercise.week.plan_id, by=by, lock=True, related=("patient__clinic",))
    _require_draft(plan)
    plan_exercise = PlanExercise.objects.select_related("exercise").get(pk=plan_exercise.pk, week__plan=plan)
    slug = plan_exercise.exercise.slug
    plan_exercise.delete()
    _audit(by=by, action="plan.changed", target=plan, patient=plan.patient, data={"removed": slug})


@transaction.atomic
def plan_approve(*, plan: Plan, by: User) -> Plan:
    """Approve a draft: records who and when, freezes it, and makes it the patient's plan.

    The version it replaces (if any) becomes superseded and stays readable.
    """
    plan = changeable(Plan, plan.pk, by=by, lock=True, related=("patient__clinic",))
    if plan.status != Plan.Status.DRAFT:
        raise ValidationError(_("Only a draft plan can be approved."))
    if not PlanExercise.objects.filter(week__plan=plan).exists():
        raise ValidationError(_("A plan needs at least one exercise before it is approved."))
    now = timezone.now()
    previous = (
        Plan.objects.select_for_update().filter(patient=plan.patient, status__in=Plan.LIVE_STATUSES).first()
    )
    if previous is not None:
        PlanPause.objects.filter(plan=previous, resumed_on__isnull=True).update(
            resumed_on=plan.patient.local_date(now), resumed_by=by
        )
        previous.patient = plan.patient
        adherence.periods_refresh(plan=previous, today=plan.patient.local_date(now))  # final
        previous.status, previous.ended_at = Plan.Status.SUPERSEDED, now
        previous.save(update_fields=["status", "ended_at"])
        plan_notices_close(plan=previous, reason=_("A new version of the plan replaced this one."))
    plan.status, plan.approved_by, plan.approved_at = Plan.Status.APPROVED, by, now
    plan.save(update_fields=["status", "approved_by", "approved_at"])
    _audit(by=by, action="plan.approved", target=plan, patient=plan.patient, data={"version": plan.version})
    # The patient follows it from now: where they start (and the week periods adherence counts),
    # decided under its lock.
    return plan_progression_store(plan=plan, alerts=False)


@transaction.atomic
def plan_pause(*, plan: Plan, by: User, reason: str = "", on: date | None = None) -> Plan:
    plan = changeable(Plan, plan.pk, by=by, lock=True, related=("patient__clinic",))
    if plan.status != Plan.Status.APPROVED:
        raise ValidationError(_("Only an approved plan can be paused."))
    paused_on = on or plan.patient.local_date()
    PlanPause.objects.create(plan=plan, paused_on=paused_on, paused_by=by, reason=reason)
    plan.status = Plan.Status.PAUSED
    plan.save(update_fields=["status"])
    _audit(by=by, action="plan.paused", target=plan, patient=plan.patient, data={"reason": reason})
    return plan_progression_store(plan=plan)


@transaction.atomic
def plan_resume(*, plan: Plan, by: User, on: date | None = None) -> Plan:
    plan = changeable(Plan, plan.pk, by=by, lock=True, related=("patient__clinic",))
    if plan.status != Plan.Status.PAUSED:
        raise ValidationError(_("Only a paused plan can be resumed."))
    resumed_on = on or plan.patient.local_date()
    pause = plan.pauses.get(resumed_on__isnull=True)
    pause.resumed_on, pause.resumed_by = max(resumed_on, pause.paused_on), by
    pause.save(update_fields=["resumed_on", "resumed_by"])
    plan.status = Plan.Status.APPROVED
    plan.save(update_fields=["status"])
    _audit(by=by, action="plan.resumed", target=plan, patient=plan.patient)
    return plan_progression_store(plan=plan)


@transaction.atomic
def plan_complete(*, plan: Plan, by: User) -> Plan:
    plan = changeable(Plan, plan.pk, by=by, lock=True, related=("patient__clinic",))
    if not plan.is_live:
        raise ValidationError(_("Only an approved or paused plan can be completed."))
    now = timezone.now()
    PlanPause.objects.filter(plan=plan, resumed_on__isnull=True).update(
        resumed_on=plan.patient.local_date(now), resumed_by=by
    )
    adherence.periods_refresh(plan=plan, today=plan.patient.local_date(now))  # final
    plan.status, plan.ended_at = Plan.Status.COMPLETED, now
    plan.save(update_fields=["status", "ended_at"])
    plan_notices_close(plan=plan, reason=_("The plan was completed."))
    _audit(by=by, action="plan.completed", target=plan, patient=plan.patient)
    return plan


# --- Session logs -------------------------------------------------------------------------


@dataclass(frozen=True)
class ExerciseEntry:
    """What the patient reports for one exercise of the day."""

    plan_exercise_id: int
    done: bool
    reps: int | None = None
    hold_seconds: int | None = None
    hurt: bool = False

    @classmethod
    def at_targets(cls, item: PlanExercise, **changes) -> "ExerciseEntry":
        """A plan exercise done at the therapist's targets, but for `changes`."""
        values = {"done": True, "reps": item.target_reps, "hold_seconds": item.target_hold_seconds}
        return cls(plan_exercise_id=item.pk, **{**values, **changes})


def session_day_window(*, patient: Patient, plan: Plan, today: date) -> tuple[date, date]:
    """The days a patient may log: today and up to BACKFILL_DAYS back, not before the start."""
    return max(today - timedelta(days=BACKFILL_DAYS), plan.start_date), today


def exercise_entry_problems(entry: ExerciseEntry) -> list[tuple[str, str, dict]]:
    """What is wrong with one exercise's report: (field, message, params) for each problem.

    The message takes the exercise's name as `exercise`. session_log refuses a report with
    any; the patient's form asks too, so they show beside the form's other problems.
    """
    problems = []
    if entry.done and entry.reps is None:
        problems.append(("reps", _("%(exercise)s: how many repetitions did you do?"), {}))
    for field, value, limit, too_low, too_high in (
        (
            "reps",
            entry.reps,
            MAX_REPS,
            _("%(exercise)s: repetitions cannot be below 0."),
            _("%(exercise)s: repetitions go up to %(max)s."),
        ),
        (
            "hold_seconds",
            entry.hold_seconds,
            MAX_HOLD_SECONDS,
            _("%(exercise)s: the hold cannot be below 0 seconds."),
            _("%(exercise)s: a hold goes up to %(max)s seconds."),
        ),
    ):
        if value is not None and not 0 <= value <= limit:
            problems.append((field, too_low if value < 0 else too_high, {"max": limit}))
    return problems


def _exercise_name(plan_exercise_id: int) -> str:
    """The name a patient knows a plan exercise by (read only to explain a refusal)."""
    return PlanExercise.objects.values_list("exercise__name", flat=True).get(pk=plan_exercise_id)


def _validate_session(
    *,
    patient: Patient,
    plan: Plan | None,
    day: date,
    today: date,
    pain_before: int,
    pain_after: int,
    symptom_change: str,
    note: str,
    entries: list[ExerciseEntry],
    allowed_ids: set[int],
) -> None:
    errors: dict[str, list[str]] = {}
    if plan is None or plan.status == Plan.Status.DRAFT:
        raise ValidationError(_("Your therapist has not approved a plan for you yet."))
    if plan.status == Plan.Status.PAUSED:
        raise ValidationError(_("Your plan is paused. Contact your therapist before exercising."))
    earliest, latest = session_day_window(patient=patient, plan=plan, today=today)
    if day > latest:
        errors.setdefault("date", []).append(_("You cannot log a day that has not happened yet."))
    elif day < plan.start_date:
        errors.setdefault("date", []).append(
            _("Your plan starts on %(start)s; you cannot log a day before it.")
            % {"start": plan.start_date.isoformat()}
        )
    elif day < earliest:
        errors.setdefault("date", []).append(
            _("You can fill in a missed day up to %(days)s days back.") % {"days": BACKFILL_DAYS}
        )
    for name, value in (("pain_before", pain_before), ("pain_after", pain_after)):
        if value is None or not 0 <= value <= 10:
            errors.setdefault(name, []).append(_("Choose a number from 0 (no pain) to 10."))
    if symptom_change not in SessionLog.SymptomChange.values:
        errors.setdefault("symptom_change", []).append(_("Choose better, same or worse."))
    if len(note or "") > NOTE_MAX_LENGTH:
        errors.setdefault("note", []).append(
            _("Keep the note to %(max)s characters.") % {"max": NOTE_MAX_LENGTH}
        )
    seen = set()
    for entry in entries:
        if entry.plan_exercise_id not in allowed_ids:
            errors.setdefault("exercises", []).append(
                _("One of the exercises is not in your plan for this week.")
            )
            break
        if entry.plan_exercise_id in seen:
            errors.setdefault("exercises", []).append(_("An exercise is listed twice."))
            break
        seen.add(entry.plan_exercise_id)
        for field, message, params in exercise_entry_problems(entry):
            errors.setdefault("exercises", []).append(
                ValidationError(
                    message,
                    code=field,
                    params={
                        **params,
                        "exercise": _exercise_name(entry.plan_exercise_id),
                        "plan_exercise": entry.plan_exercise_id,
                        "field": field,
                    },
                )
            )
    if errors:
        raise ValidationError(errors)


def session_log(
    *,
    patient: Patient,
    day: date,
    pain_before: int,
    pain_after: int,
    symptom_change: str,
    note: str = "",
    exercises: list[ExerciseEntry] | None = None,
    today: date | None = None,
) -> tuple[SessionLog, bool]:
    """Record the patient's session for one local day; returns (session, created).

    Logging the same day again edits that session: a double submission never makes two.
    Safe under concurrent requests: the patient's live plan is locked first, so one patient's
    logs are stored one at a time, and the (patient, day) unique constraint decides the insert.
    """
    today = today or patient.local_date()
    exercises = exercises or []
    with transaction.atomic():
        # 1. The live plan, locked: the facts read below stay true until the commit.
        plan = plan_live_for_update(patient_id=patient.pk)
        if plan is not None:
            plan.patient = patient

        # 2. The facts: the plan's weeks, rules and exercises, and its history (which also says
        # whether this day is logged already).
        content = PlanContent(plan) if plan is not None else None
        _validate_session(
            patient=patient,
            plan=plan,
            day=day,
            today=today,
            pain_before=pain_before,
            pain_after=pain_after,
            symptom_change=symptom_change,
            note=note,
            entries=exercises,
            allowed_ids=content.exercise_ids(up_to_week=plan.current_week) if content else set(),
        )
        facts = ProgressionFacts(plan, today=today, content=content)
        logged = facts.logged.get(day)

        # 3. The session: one upsert on (patient, day); a day logged before keeps its week and
        # when it was first logged.
        fields = {
            "plan": plan,
            "pain_before": pain_before,
            "pain_after": pain_after,
            "symptom_change": symptom_change,
            "note": (note or "").strip(),
            "exercises_done": sum(1 for entry in exercises if entry.done),  # = the done rows below
            "updated_at": timezone.now(),
        }
        session = SessionLog(
            patient=patient,
            date=day,
            week_number=logged.week_number if logged else plan.current_week,
            created_at=logged.created_at if logged else fields["updated_at"],
            **fields,
        )
        SessionLog.objects.bulk_create(
            [session], update_conflicts=True, unique_fields=["patient", "date"], update_fields=list(fields)
        )
        created = logged is None

        # 4. Its exercise rows: those left out of an edit are deleted, the others upserted in
        # place (no dead rows when a patient edits the day again and again).
        rows = [
            SessionExercise(
                session=session,
                plan_exercise_id=entry.plan_exercise_id,
                done=entry.done,
                reps=entry.reps if entry.done else None,
                hold_seconds=entry.hold_seconds if entry.done else None,
                hurt=entry.hurt,
            )
            for entry in exercises
        ]
        if not created:
            SessionExercise.objects.filter(session=session).exclude(
                plan_exercise_id__in=[row.plan_exercise_id for row in rows]
            ).delete()  # no signals, nothing refers to these rows: one DELETE
        SessionExercise.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["session", "plan_exercise"],
            update_fields=["done", "reps", "hold_seconds", "hurt"],
        )
        items = content.items

        # 5. Decide from the history with this session in its place; store the week, state and
        # reasons, the sessions' weeks, the progression notice and any new safety alert.
        facts.record(
            SessionFacts(
                date=day,
                pain_before=pain_before,
                pain_after=pain_after,
                symptom_change=symptom_change,
                hurt_exercises=tuple(items[row.plan_exercise_id].name for row in rows if row.hurt),
                session_id=session.pk,
            ),
            week=session.week_number,
        )
        plan_progression_store(plan=plan, today=today, session=session, facts=facts)
    return session, created


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
