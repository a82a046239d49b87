"""The clinic's own library: the services that write exercises and program templates.

Pages, the API and tests all call these. Each reads the item again through
`exercises.access.library_changeable` (a shipped item: ShippedReadOnly; another clinic's:
NotInLibrary), validates with the models' own rules (field choices, the https-only video link,
the database's range constraints, one text limit), and writes an audit row in words.

Plans never change when the library does: a plan copies its template's weeks, rules, doses,
name and general cautions when it is made; and a clinic exercise that any plan uses is never
changed in place. Changing it makes a new version (a new row) that the clinic's templates move
to, while plans keep showing the version that was prescribed (`Exercise.replaced_by`).
"""

import secrets

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from audit.models import AuditEvent
from patients.services import MAX_RULE_DAYS  # a template's week rule has the plan's limits

from .access import NotInLibrary, library_changeable, uses_library
from .images import image_clean
from .models import (
    LIBRARY_TEXT_MAX_LENGTH,
    Exercise,
    ExerciseIllustration,
    ProgramTemplate,
    ProgramWeek,
    WeekExercise,
)

EXERCISE_FIELDS = (
    "name",
    "body_position",
    "equipment",
    "starting_position",
    "instructions",
    "per_side",
    "cautions",
    "hold_seconds_min",
    "hold_seconds_max",
    "reps_min",
    "reps_max",
    "video_url",
)
EXERCISE_TEXTS = ("starting_position", "instructions", "cautions")
PROGRAM_FIELDS = ("name", "description", "general_cautions", "is_active")
WEEK_FIELDS = ("title", "introduction", *ProgramWeek.RULE_FIELDS)


def _slug(name: str) -> str:
    """A new unique slug: the name's, with a random tail (the slug is unique across clinics)."""
    return f"{slugify(name)[:40] or 'item'}-{secrets.token_hex(4)}"


def _audit(*, by, action: str, target, data: dict) -> None:
    AuditEvent.record(actor=by, action=action, target=target, clinic=by.clinic, data=data)


def _checked(item, *, texts: tuple[str, ...], exclude: tuple[str, ...]) -> None:
    """The model's own validation (choices, validators, constraints) plus the text limit, said on
    the field it concerns (the database's length constraints would say it for the whole form)."""
    errors = {}
    too_long = _("Keep this to %(max)s characters or fewer.") % {"max": LIBRARY_TEXT_MAX_LENGTH}
    for name in texts:
        if len(getattr(item, name) or "") > LIBRARY_TEXT_MAX_LENGTH:
            errors[name] = ValidationError(too_long, code="max_length")
    try:
        item.full_clean(exclude=list(exclude), validate_unique=False)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            if field == NON_FIELD_ERRORS:
                messages = [message for message in messages if message != too_long]
            if messages:
                errors.setdefault(field, messages)
    if errors:
        raise ValidationError(errors)


def _require_library_user(by) -> None:
    if not uses_library(by):
        raise NotInLibrary


def _in_library(model, pk: int, *, by):
    """An item `by` may use (shipped or their clinic's, current version), or NotInLibrary."""
    item = model.objects.visible_to(by).current().filter(pk=pk).first()
    if item is None:
        raise NotInLibrary
    return item


# --- Exercises ------------------------------------------------------------------------------


def _exercise_check(exercise: Exercise) -> None:
    _checked(
        exercise,
        texts=EXERCISE_TEXTS,
        exclude=("slug", "clinic", "illustration", "replaced_by"),
    )


def _picture_set(exercise: Exercise, image) -> None:
    clean = image_clean(image)  # ValidationError({"image": ...}) before anything is stored
    exercise.illustration.save(clean.name, clean, save=False)


@transaction.atomic
def exercise_create(*, by, data: dict, image=None) -> Exercise:
    """A new exercise in `by`'s clinic library, with an optional picture (checked, re-encoded)."""
    _require_library_user(by)
    exercise = Exercise(clinic_id=by.clinic_id, **{k: v for k, v in data.items() if k in EXERCISE_FIELDS})
    exercise.slug = _slug(exercise.name)
    _exercise_check(exercise)
    if image is not None:
        _picture_set(exercise, image)
    exercise.save()
    _audit(by=by, action="exercise.created", target=exercise, data={"name": exercise.name})
    return exercise


def _exercise_version(current: Exercise) -> Exercise:
    """An unsaved new version of `current`: its values, a new slug, the same stored picture."""
    return Exercise(
        clinic_id=current.clinic_id,
        slug=_slug(current.name),
        illustration=current.illustration.name,
        **{name: getattr(current, name) for name in EXERCISE_FIELDS},
    )


def _drawings_copy(source: Exercise, target: Exercise) -> None:
    ExerciseIllustration.objects.bulk_create(
        ExerciseIllustration(
            exercise=target,
            order=drawing.order,
            frame=drawing.frame,
            static_path=drawing.static_path,
            alt_text=drawing.alt_text,
            width=drawing.width,
            height=drawing.height,
        )
        for drawing in source.illustrations.all()
    )


@transaction.atomic
def exercise_update(
    *, exercise: Exercise, by, data: dict, image=None, remove_image: bool = False
) -> Exercise:
    """Change a clinic exercise; returns the exercise as it now is (maybe a new version).

    Not yet in any plan: changed in place. In a plan: a new version is made with the changes,
    the clinic's templates move to it, and the plans keep the version they were made with.
    """
    from patients.models import PlanExercise  # patients builds on exercises, not the other way

    current = library_changeable(Exercise, exercise.pk, by=by, lock=True)
    if current.replaced_by_id:
        raise ValidationError(
            _("This exercise has been changed since. Open its newest version to change it.")
        )
    changed = [name for name in EXERCISE_FIELDS if name in data and getattr(current, name) != data[name]]
    if not changed and image is None and not (remove_image and current.illustration):
        return current
    in_plans = PlanExercise.objects.filter(exercise=current).exists()
    target = _exercise_version(current) if in_plans else current
    for name in changed:
        setattr(target, name, data[name])
    _exercise_check(target)
    if image is not None:
        _picture_set(target, image)
    elif remove_image:
        target.illustration = ""
    target.save()
    if in_plans:
        _drawings_copy(current, target)
        current.replaced_by = target
        current.save(update_fields=["replaced_by"])
        WeekExercise.objects.filter(exercise=current).update(exercise=target)
    fields = changed + (["illustration"] if image is not None or remove_image else [])
    _audit(
        by=by,
        action="exercise.changed",
        target=target,
        data={"name": target.name, "fields": fields, "new_version": in_plans},
    )
    return target


@transaction.atomic
def exercise_copy(*, exercise: Exercise, by) -> Exercise:
    """A copy of a shipped (or the clinic's own) exercise in `by`'s clinic library, to adapt."""
    _require_library_user(by)
    source = Exercise.objects.visible_to(by).filter(pk=exercise.pk).first()
    if source is None:
        raise NotInLibrary
    if source.replaced_by_id:
        raise ValidationError(_("This is an earlier version of the exercise. Copy its newest version."))
    copy = _exercise_version(source)
    copy.clinic_id = by.clinic_id
    copy.name = _("%(name)s (copy)") % {"name": source.name}
    copy.name = copy.name[: Exercise._meta.get_field("name").max_length]
    copy.save()
    _drawings_copy(source, copy)
    _audit(
        by=by,
        action="exercise.copied",
        target=copy,
        data={"name": copy.name, "source": source.name},
    )
    return copy


# --- Program templates ------------------------------------------------------------------------


def _program_check(program: ProgramTemplate) -> None:
    _checked(program, texts=("description", "general_cautions"), exclude=("slug", "clinic"))


COUNTED_RULE_FIELDS = (
    "min_days_in_previous_week",
    "min_sessions_in_previous_week",
    "no_worse_in_last_sessions",
)


def _week_check(week: ProgramWeek) -> None:
    errors = {
        name: ValidationError(
            _("Choose 0 to %(max)s.") % {"max": MAX_RULE_DAYS},
            code="limit",
        )
        for name in COUNTED_RULE_FIELDS
        if (getattr(week, name) or 0) > MAX_RULE_DAYS
    }
    if errors:
        raise ValidationError(errors)
    _checked(week, texts=("introduction",), exclude=("template", "number"))


@transaction.atomic
def program_create(*, by, data: dict) -> ProgramTemplate:
    """A new, empty program template of `by`'s clinic; weeks and exercises are added next."""
    _require_library_user(by)
    program = ProgramTemplate(
        clinic_id=by.clinic_id, **{k: v for k, v in data.items() if k in PROGRAM_FIELDS}
    )
    program.slug = _slug(program.name)
    _program_check(program)
    program.save()
    _audit(by=by, action="program.created", target=program, data={"name": program.name})
    return program


def _program_changed(*, by, program: ProgramTemplate, change: str, **details) -> None:
    _audit(
        by=by,
        action="program.changed",
        target=program,
        data={"name": program.name, "change": change, **details},
    )


@transaction.atomic
def program_update(*, program: ProgramTemplate, by, data: dict) -> ProgramTemplate:
    """Change a template's name, description, cautions or whether it is offered. Plans made from
    it keep what they copied."""
    program = library_changeable(ProgramTemplate, program.pk, by=by, lock=True)
    changed = [name for name in PROGRAM_FIELDS if name in data and getattr(program, name) != data[name]]
    if not changed:
        return program
    for name in changed:
        setattr(program, name, data[name])
    _program_check(program)
    program.save(update_fields=changed)
    _program_changed(by=by, program=program, change="details", fields=changed)
    return program


@transaction.atomic
def program_week_add(*, program: ProgramTemplate, by, data: dict) -> ProgramWeek:
    """A new last week of the template, with its title, introduction and progression rule."""
    program = library_changeable(ProgramTemplate, program.pk, by=by, lock=True)
    last = program.weeks.order_by("-number").values_list("number", flat=True).first() or 0
    week = ProgramWeek(
        template=program, number=last + 1, **{k: v for k, v in data.items() if k in WEEK_FIELDS}
    )
    _week_check(week)
    week.save()
    _program_changed(by=by, program=program, change="week_added", week=week.number)
    return week


@transaction.atomic
def program_week_update(*, week: ProgramWeek, by, data: dict) -> ProgramWeek:
    program = library_changeable(ProgramTemplate, week.template_id, by=by, lock=True)
    week = program.weeks.get(pk=week.pk)
    changed = [name for name in WEEK_FIELDS if name in data and getattr(week, name) != data[name]]
    if not changed:
        return week
    for name in changed:
        setattr(week, name, data[name])
    _week_check(week)
    week.save(update_fields=changed)
    _program_changed(by=by, program=program, change="week_changed", week=week.number)
    return week


@transaction.atomic
def program_week_remove_last(*, program: ProgramTemplate, by) -> None:
    program = library_changeable(ProgramTemplate, program.pk, by=by, lock=True)
    week = program.weeks.order_by("-number").first()
    if week is None:
        raise ValidationError(_("This program has no week to remove."))
    number = week.number
    week.delete()
    _program_changed(by=by, program=program, change="week_removed", week=number)


@transaction.atomic
def program_exercise_add(
    *, week: ProgramWeek, exercise: Exercise, by, doses: dict | None = None
) -> WeekExercise:
    """Add a library exercise to a week, with the range the program states (default: the
    exercise's own)."""
    program = library_changeable(ProgramTemplate, week.template_id, by=by, lock=True)
    week = program.weeks.get(pk=week.pk)
    exercise = _in_library(Exercise, exercise.pk, by=by)
    if WeekExercise.objects.filter(week__template=program, exercise=exercise).exists():
        raise ValidationError(
            {"exercise": _("%(exercise)s is already in this program.") % {"exercise": exercise.name}}
        )
    doses = {k: v for k, v in (doses or {}).items() if v is not None}
    last = week.exercises.order_by("-order").values_list("order", flat=True).first() or 0
    item = WeekExercise(
        week=week,
        exercise=exercise,
        order=last + 1,
        hold_seconds_min=doses.get("hold_seconds_min", exercise.hold_seconds_min),
        hold_seconds_max=doses.get("hold_seconds_max", exercise.hold_seconds_max),
        reps_min=doses.get("reps_min", exercise.reps_min),
        reps_max=doses.get("reps_max", exercise.reps_max),
    )
    _checked(item, texts=(), exclude=("week", "exercise"))
    item.save()
    _program_changed(
        by=by, program=program, change="exercise_added", week=week.number, exercise=exercise.name
    )
    return item


@transaction.atomic
def program_exercise_remove(*, item: WeekExercise, by) -> None:
    program = library_changeable(ProgramTemplate, item.week.template_id, by=by, lock=True)
    item = WeekExercise.objects.select_related("exercise", "week").get(pk=item.pk, week__template=program)
    item.delete()
    _program_changed(
        by=by, program=program, change="exercise_removed", week=item.week.number, exercise=item.exercise.name
    )


@transaction.atomic
def program_copy(*, program: ProgramTemplate, by) -> ProgramTemplate:
    """A copy of a shipped (or the clinic's own) template in `by`'s clinic: weeks, rules and
    exercises with their ranges. The exercises stay the library's (shipped ones read-only)."""
    _require_library_user(by)
    source = ProgramTemplate.objects.visible_to(by).filter(pk=program.pk).first()
    if source is None:
        raise NotInLibrary
    name = (_("%(name)s (copy)") % {"name": source.name})[
        : ProgramTemplate._meta.get_field("name").max_length
    ]
    copy = ProgramTemplate.objects.create(
        clinic_id=by.clinic_id,
        name=name,
        slug=_slug(source.name),
        description=source.description,
        general_cautions=source.general_cautions,
        is_active=True,
    )
    for week in source.weeks.prefetch_related("exercises").order_by("number"):
        new_week = ProgramWeek.objects.create(
            template=copy,
            number=week.number,
            title=week.title,
            introduction=week.introduction,
            **week.rule_values(),
        )
        WeekExercise.objects.bulk_create(
            WeekExercise(
                week=new_week,
                exercise_id=item.exercise_id,
                order=item.order,
                hold_seconds_min=item.hold_seconds_min,
                hold_seconds_max=item.hold_seconds_max,
                reps_min=item.reps_min,
                reps_max=item.reps_max,
            )
            for item in week.exercises.all()
        )
    _audit(by=by, action="program.copied", target=copy, data={"name": copy.name, "source": source.name})
    return copy


@transaction.atomic
def program_weeks_set(*, program: ProgramTemplate, by, weeks: list[dict]) -> ProgramTemplate:
    """Make the template's weeks exactly `weeks`, in order: each a dict of WEEK_FIELDS and
    "exercises", a list of {"exercise": Exercise, and optional hold/repetition range}.

    All or nothing: the first refusal (another clinic's exercise, a range the wrong way round, the
    same exercise twice) rolls everything back. Plans made from the template keep their copy.
    """
    program = library_changeable(ProgramTemplate, program.pk, by=by, lock=True)
    program.weeks.all().delete()
    seen: set[int] = set()
    for number, spec in enumerate(weeks, start=1):
        week = ProgramWeek(
            template=program, number=number, **{k: v for k, v in spec.items() if k in WEEK_FIELDS}
        )
        _week_check(week)
        week.save()
        for order, entry in enumerate(spec.get("exercises", []), start=1):
            exercise = _in_library(Exercise, entry["exercise"].pk, by=by)
            if exercise.pk in seen:
                raise ValidationError(
                    {"weeks": _("%(exercise)s is in the program twice.") % {"exercise": exercise.name}}
                )
            seen.add(exercise.pk)
            item = WeekExercise(
                week=week,
                exercise=exercise,
                order=order,
                **{
                    name: entry.get(name) or getattr(exercise, name)
                    for name in ("hold_seconds_min", "hold_seconds_max", "reps_min", "reps_max")
                },
            )
            _checked(item, texts=(), exclude=("week", "exercise"))
            item.save()
    _program_changed(by=by, program=program, change="weeks_set", weeks=len(weeks))
    return program
