"""Drafting a plan: made from a template or from the live version, its details, targets, rules
and exercises edited while it is a draft. Its life after that (approve, pause, resume, complete)
is plan_lifecycle.py."""

from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from exercises.doses import dose_range_words
from exercises.models import Exercise, ProgramTemplate

from ..access import changeable
from ..models import (
    MAX_HOLD_SECONDS,
    MAX_REPS,
    TEXT_MAX_LENGTH,
    Patient,
    Plan,
    PlanExercise,
    PlanWeek,
)
from .common import _audit, _lost_race_raises, _text_too_long

User = get_user_model()

MAX_RULE_DAYS = 28  # a week's rule may ask for up to four weeks' stay
# Dates far outside a plan's life are certainly typing mistakes (and date arithmetic on them
# could overflow): a plan starts within these years.
EARLIEST_START = date(2000, 1, 1)
LATEST_START = date(2100, 12, 31)
PLAN_NOTE_MAX_LENGTH = TEXT_MAX_LENGTH
# A start further back or ahead than this is probably a slip: it is kept only when confirmed.
START_CONFIRM_PAST_DAYS = 14
START_CONFIRM_FUTURE_DAYS = 90


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
    if too_long := _text_too_long(item.out_of_range_reason):
        errors["out_of_range_reason"] = _located(too_long, exercise=name)
    if not errors and item.target_out_of_range and not item.out_of_range_reason.strip():
        errors["out_of_range_reason"] = ValidationError(
            _(
                "%(exercise)s: the target is outside the library's range (%(range)s). "
                "Give a reason to keep it."
            ),
            code="out_of_range",
            params={"exercise": name, "range": dose_range_words(item)},
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
    confirm_start_date: bool = False,
) -> Plan:
    """A new draft plan: a copy of the template's weeks, rules and exercises.

    Targets start at the bottom of each range (the handout: "take it slow"); the therapist
    adjusts them before approving. The template itself never changes. A start date far in
    the past or future needs `confirm_start_date` (see `_details_errors`).
    """
    patient = changeable(Patient, patient.pk, by=by, lock=False, related=("clinic",))
    errors = _details_errors(
        start_date=start_date,
        note_to_patient=note_to_patient,
        today=patient.local_date(),
        confirm_start_date=confirm_start_date,
    )
    if not ProgramTemplate.objects.visible_to(by).filter(pk=template.pk, is_active=True).exists():
        errors["template"] = [ValidationError(_("This program is not offered in your clinic's library."))]
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
            program_name=template.name,
            general_cautions=template.general_cautions,
            version=(last.version + 1) if last else 1,
            start_date=start_date,
            note_to_patient=note_to_patient,
            created_by=by,
        )
    template_weeks = template.weeks.prefetch_related("exercises").order_by("number")
    _plan_weeks_copy(
        plan=plan, weeks=template_weeks, targets=lambda item: (item.hold_seconds_min, item.reps_min, "")
    )
    from outcomes.services import plan_outcomes_copy  # outcomes builds on patients

    plan_outcomes_copy(plan=plan)  # the program's default questionnaires
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
            program_name=plan.program_name,
            general_cautions=plan.general_cautions,
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
    from outcomes.services import plan_outcomes_copy  # outcomes builds on patients

    plan_outcomes_copy(plan=draft, from_plan=plan)
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
    *,
    start_date: date | None,
    note_to_patient: str | None,
    today: date | None = None,
    confirm_start_date: bool = False,
) -> dict[str, list[ValidationError]]:
    """What is wrong with a plan's start date and note to the patient (None: not given).

    With `today` (the patient's), a start date more than START_CONFIRM_PAST_DAYS before it or
    START_CONFIRM_FUTURE_DAYS after it is refused unless `confirm_start_date`.
    """
    errors: dict[str, list[ValidationError]] = {}
    if start_date is not None and not EARLIEST_START <= start_date <= LATEST_START:
        errors["start_date"] = [
            ValidationError(
                _("Choose a start date between %(first)s and %(last)s."),
                code="start_date",
                params={"first": EARLIEST_START.isoformat(), "last": LATEST_START.isoformat()},
            )
        ]
    elif start_date is not None and today is not None and not confirm_start_date:
        if start_date < today - timedelta(days=START_CONFIRM_PAST_DAYS):
            message = _(
                "%(day)s is more than %(days)s days ago. Check the date, or confirm that the plan "
                "starts on that day."
            )
            days = START_CONFIRM_PAST_DAYS
        elif start_date > today + timedelta(days=START_CONFIRM_FUTURE_DAYS):
            message = _(
                "%(day)s is more than %(days)s days ahead. Check the date, or confirm that the plan "
                "starts on that day."
            )
            days = START_CONFIRM_FUTURE_DAYS
        else:
            message = None
        if message:
            errors["start_date"] = [
                ValidationError(
                    message,
                    code="start_date_unconfirmed",
                    params={"day": date_format(start_date, "j F Y"), "days": days},
                )
            ]
    if too_long := _text_too_long(note_to_patient):
        errors["note_to_patient"] = [too_long]
    return errors


@transaction.atomic
def plan_edit(
    *,
    plan: Plan,
    by: User,
    start_date: date | None = None,
    confirm_start_date: bool = False,
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
    messages whose params say where they apply (`slug` or `week`, and `field`). A new start
    date far in the past or future needs `confirm_start_date` (see `_details_errors`).
    """
    plan = changeable(Plan, plan.pk, by=by, lock=True, related=("patient__clinic",))
    _require_draft(plan)
    # A start date is questioned only when it changes: a revision keeps its plan's start.
    errors = _details_errors(
        start_date=start_date,
        note_to_patient=note_to_patient,
        today=plan.patient.local_date() if start_date not in (None, plan.start_date) else None,
        confirm_start_date=confirm_start_date,
    )
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
            data={
                "version": plan.version,
                "start_date": plan.start_date.isoformat(),
                "fields": sorted(details),
            },
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
    if not Exercise.objects.visible_to(by).current().filter(pk=exercise.pk).exists():
        raise ValidationError({"exercise": _("This exercise is not in your clinic's library.")})

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
