"""Portal forms: they check the shape of input; the rules live in patients.services."""

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils.translation import gettext_lazy as _

from accounts.forms import language_choices
from exercises.forms import library_label
from exercises.models import Exercise, ProgramTemplate
from patients.choices import ALERT_COMMENT_MAX_LENGTH
from patients.models import (
    MAX_HOLD_SECONDS,
    MAX_REPS,
    TEXT_MAX_LENGTH,
    TEXT_TOO_LONG,
    Alert,
    Patient,
    PlanExercise,
    PlanWeek,
)
from patients.services import MAX_RULE_DAYS, alert_comment_problem

User = get_user_model()


def text_field(label, *, rows: int, **kwargs) -> forms.CharField:
    """A free-text field with the one limit (patients.models.TEXT_MAX_LENGTH) and its message;
    the browser is told the limit too (maxlength)."""
    return forms.CharField(
        label=label,
        required=False,
        max_length=TEXT_MAX_LENGTH,
        error_messages={"max_length": TEXT_TOO_LONG},
        widget=forms.Textarea(attrs={"rows": rows}),
        **kwargs,
    )


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class PatientAddForm(forms.Form):
    INVITE, PASSWORD = "invite", "password"
    ACCESS_CHOICES = [
        (INVITE, _("Give the patient a one-time link to set their own password")),
        (PASSWORD, _("Set a temporary password and tell the patient")),
    ]

    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text=_("What the patient types to log in. Letters, digits and @ . + - _ only."),
    )
    email = forms.EmailField(label=_("Email (optional)"), required=False)
    baseline_pain = forms.IntegerField(
        label=_("Usual pain at the start (0–10, optional)"),
        min_value=0,
        max_value=10,
        required=False,
        help_text=_("Empty: taken from the first sessions the patient logs."),
    )
    language = forms.ChoiceField(
        label=_("The patient's language"),
        choices=language_choices,
        initial=settings.LANGUAGE_CODE,
        required=False,  # left out: the site's default language
        help_text=_("Their pages, e-mails and printed program are in it; they can change it themselves."),
    )
    access = forms.ChoiceField(
        label=_("How the patient gets in"), choices=ACCESS_CHOICES, widget=forms.RadioSelect, initial=INVITE
    )
    password = forms.CharField(
        label=_("Temporary password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=True, attrs={"autocomplete": "new-password"}),
        help_text=_("Only when you chose a temporary password."),
    )

    def clean(self):
        data = super().clean()
        if data.get("access") == self.PASSWORD:
            password = data.get("password")
            if not password:
                self.add_error("password", _("Type a temporary password, or choose the invitation link."))
            else:
                probe = User(
                    username=data.get("username", ""),
                    first_name=data.get("first_name", ""),
                    last_name=data.get("last_name", ""),
                    email=data.get("email", ""),
                )
                try:
                    password_validation.validate_password(password, user=probe)
                except forms.ValidationError as error:
                    self.add_error("password", error)
        else:
            data["password"] = ""
        return data


class PatientEmailForm(forms.Form):
    email = forms.EmailField(
        label=_("New email address"),
        required=False,
        help_text=_(
            "The patient confirms a new address from a link mailed to it; until then password reset "
            "links go to the current one, which is told of the change. Empty: remove the address."
        ),
    )


class PlanCreateForm(forms.Form):
    template = forms.ModelChoiceField(
        label=_("Program"),
        queryset=ProgramTemplate.objects.none(),
        empty_label=None,
    )
    start_date = forms.DateField(label=_("Start date"), widget=DateInput())
    confirm_start_date = forms.BooleanField(label=_("Yes, start on that day"), required=False)
    note_to_patient = text_field(_("Note to the patient (optional)"), rows=3)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # The shipped programs and the clinic's own (exercises.access), those offered for new plans.
        self.fields["template"].queryset = (
            ProgramTemplate.objects.visible_to(user).filter(is_active=True).order_by("clinic", "name")
        )
        self.fields["template"].label_from_instance = library_label


class PlanDetailsForm(forms.Form):
    start_date = forms.DateField(label=_("Start date"), widget=DateInput())
    confirm_start_date = forms.BooleanField(label=_("Yes, start on that day"), required=False)
    note_to_patient = text_field(_("Note to the patient"), rows=3)


class TargetForm(forms.Form):
    """One exercise's targets in a draft plan."""

    # The limits are plan_edit's rule (its message shows on the field); the browser hints them.
    target_hold_seconds = forms.IntegerField(
        label=_("Hold (s)"), widget=forms.NumberInput(attrs={"min": 1, "max": MAX_HOLD_SECONDS})
    )
    target_reps = forms.IntegerField(
        label=_("Repetitions"), widget=forms.NumberInput(attrs={"min": 1, "max": MAX_REPS})
    )
    out_of_range_reason = text_field(_("Reason if outside the range"), rows=1)

    def __init__(self, *args, plan_exercise: PlanExercise, **kwargs):
        self.plan_exercise = plan_exercise
        kwargs.setdefault(
            "initial",
            {
                "target_hold_seconds": plan_exercise.target_hold_seconds,
                "target_reps": plan_exercise.target_reps,
                "out_of_range_reason": plan_exercise.out_of_range_reason,
            },
        )
        super().__init__(*args, prefix=f"pe{plan_exercise.pk}", **kwargs)


class WeekRuleForm(forms.Form):
    """When a patient may move on to one week of a draft plan (weeks 2 onwards).

    Fields, labels and choices come from the model; the limits are checked by the service.
    """

    HELP_TEXTS = {
        "min_days_in_previous_week": _("Days the patient stays in the week before. 0: no minimum stay."),
        "min_sessions_in_previous_week": _("Sessions logged in those days. At most the number of days."),
        "requires_therapist_confirmation": _(
            "When ticked you confirm each move; otherwise the patient moves on as soon as the rule is met."
        ),
        "on_not_met": _("What happens when the minimum stay is over and a condition is not met."),
    }
    MAXIMA = {
        "min_days_in_previous_week": MAX_RULE_DAYS,
        "min_sessions_in_previous_week": MAX_RULE_DAYS,
        "no_worse_in_last_sessions": MAX_RULE_DAYS,
        "pain_rise_limit": 10,
        "pain_ceiling": 10,
    }

    def __init__(self, *args, week: PlanWeek, **kwargs):
        self.week = week
        kwargs.setdefault("initial", week.rule_values())
        super().__init__(*args, prefix=f"rule{week.pk}", **kwargs)
        for name in PlanWeek.RULE_FIELDS:
            field = PlanWeek._meta.get_field(name).formfield()
            field.validators = []  # the limits are plan_edit's rule, with its own message
            if name in self.HELP_TEXTS:
                field.help_text = self.HELP_TEXTS[name]
            if name in self.MAXIMA:
                field.widget.attrs.update(max=self.MAXIMA[name], inputmode="numeric")
            self.fields[name] = field


class ExerciseAddForm(forms.Form):
    week = forms.TypedChoiceField(label=_("Week"), coerce=int)
    exercise = forms.ModelChoiceField(label=_("Exercise from the library"), queryset=Exercise.objects.none())
    target_hold_seconds = forms.IntegerField(
        label=_("Hold (s)"),
        widget=forms.NumberInput(attrs={"min": 1, "max": MAX_HOLD_SECONDS}),
        required=False,
        help_text=_("Empty: the shortest hold in the library's range."),
    )
    target_reps = forms.IntegerField(
        label=_("Repetitions"),
        widget=forms.NumberInput(attrs={"min": 1, "max": MAX_REPS}),
        required=False,
        help_text=_("Empty: the fewest repetitions in the library's range."),
    )
    out_of_range_reason = text_field(_("Reason if outside the range"), rows=1)

    def __init__(self, *args, plan, user, **kwargs):
        super().__init__(*args, prefix="add", **kwargs)
        self.fields["week"].choices = [(w.number, str(w)) for w in plan.weeks.all()]
        in_plan = PlanExercise.objects.filter(week__plan=plan).values("exercise")
        self.fields["exercise"].queryset = (
            Exercise.objects.visible_to(user).current().exclude(pk__in=in_plan).order_by("name", "clinic")
        )
        self.fields["exercise"].label_from_instance = library_label
        for name, field in self.fields.items():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            if self.is_bound and name in self.errors:
                css += " is-invalid"
            field.widget.attrs["class"] = css


class PauseForm(forms.Form):
    reason = text_field(_("Reason for pausing (optional)"), rows=2)


class AcknowledgeForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": ALERT_COMMENT_MAX_LENGTH}),
        help_text=_("What you did about it, for example: called the patient, plan paused."),
    )

    def clean_comment(self) -> str:
        comment = self.cleaned_data["comment"]
        problem = alert_comment_problem(comment)  # the service's rule and message
        if problem:
            raise forms.ValidationError(problem)
        return comment


class AlertsAcknowledgeForm(AcknowledgeForm):
    """One comment for several of a patient's open alerts: those ticked, one kind, or all.

    `scope` is the button pressed: "selected", "all", or "kind:<alert kind>". Which alerts
    that means is read here; whether they may be acknowledged is the service's rule.
    """

    alerts = forms.ModelMultipleChoiceField(queryset=Alert.objects.none(), required=False)
    scope = forms.CharField()

    def __init__(self, *args, patient: Patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient
        self.fields["alerts"].queryset = Alert.objects.filter(patient=patient)

    def clean(self):
        data = super().clean()
        scope = data.get("scope", "")
        open_alerts = Alert.objects.filter(patient=self.patient, acknowledged_at__isnull=True)
        if scope == "all":
            chosen = list(open_alerts)
        elif scope.startswith("kind:") and scope[5:] in Alert.Kind.values:
            chosen = list(open_alerts.filter(kind=scope[5:]))
        elif scope == "selected":
            chosen = list(data.get("alerts") or [])
        else:
            raise forms.ValidationError(_("Choose which alerts to acknowledge."))
        if not chosen:
            raise forms.ValidationError(
                _("Tick at least one alert, or choose “Acknowledge all”.")
                if scope == "selected"
                else _("There are no open alerts to acknowledge here.")
            )
        data["chosen"] = chosen
        return data
