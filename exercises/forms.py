"""The library pages' forms: they check the shape of input; the rules are exercises.library's."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .library import EXERCISE_FIELDS, LIBRARY_TEXT_MAX_LENGTH, PROGRAM_FIELDS, WEEK_FIELDS
from .models import Exercise, ProgramTemplate, ProgramWeek, WeekExercise


def library_label(item) -> str:
    """An exercise or program in a choice list, saying whose it is ("Bridge (your clinic)")."""
    if item.is_shipped:
        return str(item)
    return _("%(name)s (your clinic)") % {"name": item}


def _limit_texts(form: forms.Form) -> None:
    """Textareas tell the browser the one text limit; every field gets Bootstrap's class."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.Textarea):
            widget.attrs.update(rows=3, maxlength=LIBRARY_TEXT_MAX_LENGTH)


class ExerciseFilterForm(forms.Form):
    """Search and filters of the exercise library page (GET)."""

    q = forms.CharField(label=_("Name"), required=False, max_length=120)
    body_position = forms.ChoiceField(
        label=_("Body position"), required=False, choices=[("", _("Any"))] + Exercise.BodyPosition.choices
    )
    equipment = forms.ChoiceField(
        label=_("Equipment"), required=False, choices=[("", _("Any"))] + Exercise.Equipment.choices
    )

    def filter(self, queryset):
        if not self.is_valid():
            return queryset
        data = self.cleaned_data
        if data["q"]:
            queryset = queryset.filter(name__icontains=data["q"])
        if data["body_position"]:
            queryset = queryset.filter(body_position=data["body_position"])
        if data["equipment"]:
            queryset = queryset.filter(equipment=data["equipment"])
        return queryset


class ExerciseForm(forms.ModelForm):
    image = forms.FileField(
        label=_("Picture (JPEG, PNG or WebP)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text=_("Up to %(size)s MB. It is shown only to your clinic and to patients whose plan has it.")
        % {"size": f"{settings.EXERCISE_IMAGE_MAX_BYTES / (1024 * 1024):g}"},
    )
    remove_image = forms.BooleanField(label=_("Remove the current picture"), required=False)
    video_url = forms.URLField(
        label=_("Video link"),
        required=False,
        max_length=500,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
        help_text=_("Optional: a link to a video of the exercise, starting with https://."),
    )

    class Meta:
        model = Exercise
        fields = list(EXERCISE_FIELDS)
        help_texts = {
            "instructions": _("One step a sentence; the patient sees them as numbered steps."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _limit_texts(self)
        if not (self.instance.pk and self.instance.illustration):
            del self.fields["remove_image"]


class ProgramForm(forms.ModelForm):
    class Meta:
        model = ProgramTemplate
        fields = list(PROGRAM_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _limit_texts(self)


class WeekForm(forms.ModelForm):
    """A template week: its title, introduction and the rule for moving on to it (the same
    fields a plan's week copies and the plan page lets the therapist adjust)."""

    class Meta:
        model = ProgramWeek
        fields = list(WEEK_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _limit_texts(self)
        self.fields["introduction"].widget.attrs["rows"] = 2


class WeekExerciseForm(forms.Form):
    """Add a library exercise to a week; an empty range takes the exercise's own."""

    exercise = forms.ModelChoiceField(label=_("Exercise"), queryset=Exercise.objects.none())
    hold_seconds_min = forms.IntegerField(label=_("Shortest hold (s)"), required=False, min_value=1)
    hold_seconds_max = forms.IntegerField(label=_("Longest hold (s)"), required=False, min_value=1)
    reps_min = forms.IntegerField(label=_("Fewest repetitions"), required=False, min_value=1)
    reps_max = forms.IntegerField(label=_("Most repetitions"), required=False, min_value=1)

    def __init__(self, *args, user, program: ProgramTemplate, **kwargs):
        super().__init__(*args, **kwargs)
        in_program = WeekExercise.objects.filter(week__template=program).values("exercise")
        self.fields["exercise"].queryset = (
            Exercise.objects.visible_to(user).current().exclude(pk__in=in_program).order_by("name", "clinic")
        )
        self.fields["exercise"].label_from_instance = library_label
