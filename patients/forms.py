"""The patient's session form: one per day, few taps, targets pre-filled.

The form checks the shape of what was sent (numbers are numbers, the exercises are the ones
on the page); the rules (which days, which exercises, pain 0–10) are enforced once, in
`patients.services.session_log`, and its messages are put back on this form by the view.
"""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import (
    MAX_HOLD_SECONDS,
    MAX_REPS,
    PAIN_SCALE,
    TEXT_MAX_LENGTH,
    TEXT_TOO_LONG,
    PlanExercise,
    SessionLog,
)
from .services import ExerciseEntry, exercise_entry_problems

FORM_FIELD = {"hold_seconds": "hold"}  # session_log's field names → this form's

PAIN_LABELS = {0: _("no pain"), 5: _("moderate"), 10: _("worst")}
PAIN_CHOICES = [(value, str(value)) for value in PAIN_SCALE]

# Which button saved the form: "I did everything as prescribed", or the exercise by exercise rows.
AS_PRESCRIBED, EACH_EXERCISE = "as_prescribed", "each_exercise"


class SessionLogForm(forms.Form):
    day = forms.DateField(widget=forms.HiddenInput)
    completion = forms.ChoiceField(
        choices=[(AS_PRESCRIBED, AS_PRESCRIBED), (EACH_EXERCISE, EACH_EXERCISE)],
        widget=forms.HiddenInput,  # sent by the button pressed, never a field of its own
        error_messages={
            "required": _(
                "Press “I did everything as prescribed”, or tick what you did and press “Save what I did”."
            ),
            "invalid_choice": _(
                "Press “I did everything as prescribed”, or tick what you did and press “Save what I did”."
            ),
        },
    )
    pain_before = forms.TypedChoiceField(
        label=_("Pain before you started"),
        choices=PAIN_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose how much pain you had before you started, from 0 to 10."),
            "invalid_choice": _("Choose a number from 0 (no pain) to 10."),
        },
    )
    pain_after = forms.TypedChoiceField(
        label=_("Pain now, after the exercises"),
        choices=PAIN_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose how much pain you have now, from 0 to 10."),
            "invalid_choice": _("Choose a number from 0 (no pain) to 10."),
        },
    )
    symptom_change = forms.ChoiceField(
        label=_("Compared with yesterday, your back feels"),
        choices=SessionLog.SymptomChange.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose better, same or worse."),
            "invalid_choice": _("Choose better, same or worse."),
        },
    )
    note = forms.CharField(
        label=_("Anything to tell your therapist? (optional)"),
        required=False,
        max_length=TEXT_MAX_LENGTH,
        error_messages={"max_length": TEXT_TOO_LONG},
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, plan_exercises: list[PlanExercise], **kwargs):
        super().__init__(*args, **kwargs)
        self.plan_exercises = list(plan_exercises)
        self.unknown_exercise_ids: list[str] = []
        known = {str(item.pk) for item in self.plan_exercises}
        if self.is_bound and hasattr(self.data, "getlist"):
            self.unknown_exercise_ids = [
                value for value in self.data.getlist("exercise") if value not in known
            ]
        for item in self.plan_exercises:
            name = item.exercise.name
            # Never ticked in advance: an exercise is done only when the patient says so.
            self.fields[f"ex{item.pk}-done"] = forms.BooleanField(label=_("Done"), required=False)
            self.fields[f"ex{item.pk}-reps"] = forms.IntegerField(
                label=_("Repetitions"),
                required=False,
                initial=item.target_reps,
                error_messages={
                    "invalid": _("%(exercise)s: write the repetitions as a whole number.")
                    % {"exercise": name},
                },
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "max": MAX_REPS}),
            )
            self.fields[f"ex{item.pk}-hold"] = forms.IntegerField(
                label=_("Seconds held"),
                required=False,
                initial=item.target_hold_seconds,
                error_messages={
                    "invalid": _("%(exercise)s: write the hold in whole seconds.") % {"exercise": name},
                },
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "max": MAX_HOLD_SECONDS}),
            )
            self.fields[f"ex{item.pk}-hurt"] = forms.BooleanField(
                label=_("It hurt, I stopped"), required=False
            )

    def clean(self):
        cleaned = super().clean()
        if self.unknown_exercise_ids:
            raise ValidationError(
                _("One of the exercises is not in your plan for this week. Nothing was saved."),
                code="unknown_exercise",
            )
        if self.as_prescribed:
            return cleaned  # the rows below were not what the patient chose to send
        # The limits and "a done exercise needs its repetitions" are session_log's rules: its
        # messages are shown here at once, beside any other problem of the form.
        for item, entry in zip(self.plan_exercises, self.entries(), strict=True):
            for field, message, params in exercise_entry_problems(entry):
                name = f"ex{item.pk}-{FORM_FIELD.get(field, field)}"
                if name not in self.errors:
                    self.add_error(
                        name,
                        ValidationError(
                            message, code=field, params={**params, "exercise": item.exercise.name}
                        ),
                    )
        return cleaned

    @property
    def exercise_rows(self) -> list[dict]:
        """Each exercise with its bound fields, for the template."""
        rows = []
        for item in self.plan_exercises:
            row = {name: self[f"ex{item.pk}-{name}"] for name in ("done", "reps", "hold", "hurt")}
            # A row's numbers and "it hurt" are folded away unless they differ from the targets.
            row["changed"] = (
                bool(row["hurt"].value())
                or any(row[name].errors for name in ("reps", "hold", "hurt"))
                or str(row["reps"].value()) != str(item.target_reps)
                or str(row["hold"].value()) != str(item.target_hold_seconds)
            )
            rows.append({"item": item, **row})
        return rows

    @property
    def as_prescribed(self) -> bool:
        """The patient pressed "I did everything as prescribed"."""
        return self.is_bound and self.data.get("completion") == AS_PRESCRIBED

    @property
    def shows_each_exercise(self) -> bool:
        """Whether the exercise by exercise rows start open: the patient chose them, or the day's
        saved session was not everything as prescribed."""
        if self.is_bound:
            return self.data.get("completion") != AS_PRESCRIBED
        return bool(self.initial.get("changed"))

    def entries(self) -> list[ExerciseEntry]:
        """What the patient said for each exercise (none when they did everything as prescribed)."""
        if self.as_prescribed:
            return []
        data = self.cleaned_data
        return [
            ExerciseEntry(
                plan_exercise_id=item.pk,
                done=bool(data.get(f"ex{item.pk}-done")),
                reps=data.get(f"ex{item.pk}-reps"),
                hold_seconds=data.get(f"ex{item.pk}-hold"),
                hurt=bool(data.get(f"ex{item.pk}-hurt")),
            )
            for item in self.plan_exercises
        ]

    @staticmethod
    def initial_from_session(session: SessionLog | None, day: date) -> dict:
        """The form's starting values: the day's saved session, else the plan's targets."""
        initial: dict = {"day": day}
        if session is None:
            return initial
        initial.update(
            pain_before=session.pain_before,
            pain_after=session.pain_after,
            symptom_change=session.symptom_change,
            note=session.note,
        )
        reported_rows = list(session.exercises.select_related("plan_exercise"))
        initial["changed"] = not reported_rows or any(
            not row.done
            or row.hurt
            or (row.reps, row.hold_seconds)
            != (row.plan_exercise.target_reps, row.plan_exercise.target_hold_seconds)
            for row in reported_rows
        )
        for reported in reported_rows:
            prefix = f"ex{reported.plan_exercise_id}"
            initial[f"{prefix}-done"] = reported.done
            initial[f"{prefix}-hurt"] = reported.hurt
            if reported.reps is not None:
                initial[f"{prefix}-reps"] = reported.reps
            if reported.hold_seconds is not None:
                initial[f"{prefix}-hold"] = reported.hold_seconds
        return initial
