"""Shapes of the library's requests: a clinic's exercises (a picture by multipart upload) and
program templates with their weeks. The rules are exercises.library's."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from exercises.library import LIBRARY_TEXT_MAX_LENGTH
from exercises.models import Exercise, ProgramTemplate, ProgramWeek

from .serializers import ExerciseSerializer, ProgramSerializer


class LibraryExerciseSerializer(ExerciseSerializer):
    """An exercise as the library shows it: whose it is, and where its picture is read."""

    shipped = serializers.BooleanField(
        source="is_shipped", read_only=True, help_text=_("Read-only: copy it.")
    )
    video_url = serializers.CharField(
        read_only=True, help_text=_("An https:// link to a video; empty if none.")
    )
    picture_url = serializers.SerializerMethodField(
        help_text=_(
            "The uploaded picture, for people of the clinic (and patients whose plan has it); null if none."
        )
    )

    class Meta(ExerciseSerializer.Meta):
        fields = [
            *[name for name in ExerciseSerializer.Meta.fields if name != "illustration"],
            "clinic",
            "shipped",
            "body_position",
            "equipment",
            "video_url",
            "picture_url",
            "replaced_by",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_picture_url(self, exercise: Exercise) -> str | None:
        return exercise.picture_url() or None


def _text(**kwargs) -> serializers.CharField:
    return serializers.CharField(max_length=LIBRARY_TEXT_MAX_LENGTH, **kwargs)


class ExerciseWriteSerializer(serializers.Serializer):
    """A clinic exercise to add or change (PATCH: only the fields given). Send multipart/form-data
    to upload a picture (JPEG, PNG or WebP, checked and re-encoded); JSON otherwise."""

    name = serializers.CharField(max_length=120)
    body_position = serializers.ChoiceField(choices=Exercise.BodyPosition.choices, required=False)
    equipment = serializers.ChoiceField(choices=Exercise.Equipment.choices, required=False)
    starting_position = _text()
    instructions = _text()
    per_side = serializers.BooleanField(required=False)
    cautions = _text(required=False, allow_blank=True)
    hold_seconds_min = serializers.IntegerField(min_value=1, max_value=600, required=False)
    hold_seconds_max = serializers.IntegerField(min_value=1, max_value=600, required=False)
    reps_min = serializers.IntegerField(min_value=1, max_value=100, required=False)
    reps_max = serializers.IntegerField(min_value=1, max_value=100, required=False)
    video_url = serializers.URLField(max_length=500, required=False, allow_blank=True)
    image = serializers.FileField(required=False, write_only=True, help_text=_("JPEG, PNG or WebP."))
    remove_image = serializers.BooleanField(required=False, default=False, write_only=True)


class WeekExerciseWriteSerializer(serializers.Serializer):
    exercise = serializers.IntegerField(help_text=_("The id of an exercise of your library."))
    hold_seconds_min = serializers.IntegerField(min_value=1, max_value=600, required=False)
    hold_seconds_max = serializers.IntegerField(min_value=1, max_value=600, required=False)
    reps_min = serializers.IntegerField(min_value=1, max_value=100, required=False)
    reps_max = serializers.IntegerField(min_value=1, max_value=100, required=False)


class ProgramWeekWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    introduction = _text(required=False, allow_blank=True)
    min_days_in_previous_week = serializers.IntegerField(min_value=0, max_value=28, required=False)
    min_sessions_in_previous_week = serializers.IntegerField(min_value=0, max_value=28, required=False)
    no_worse_in_last_sessions = serializers.IntegerField(min_value=0, max_value=28, required=False)
    pain_rise_limit = serializers.IntegerField(min_value=0, max_value=10, required=False, allow_null=True)
    pain_ceiling = serializers.IntegerField(min_value=0, max_value=10, required=False, allow_null=True)
    requires_therapist_confirmation = serializers.BooleanField(required=False)
    on_not_met = serializers.ChoiceField(choices=ProgramWeek.OnNotMet.choices, required=False)
    exercises = WeekExerciseWriteSerializer(many=True, required=False)


class ProgramWriteSerializer(serializers.Serializer):
    """A clinic program template to make or change (PATCH: only the fields given). `weeks`, when
    given, replaces all the template's weeks; plans made from it keep their own copy."""

    name = serializers.CharField(max_length=200)
    description = _text(required=False, allow_blank=True)
    general_cautions = _text(required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)
    weeks = ProgramWeekWriteSerializer(many=True, required=False, max_length=52)


class LibraryProgramSerializer(ProgramSerializer):
    shipped = serializers.BooleanField(
        source="is_shipped", read_only=True, help_text=_("Read-only: copy it.")
    )

    class Meta(ProgramSerializer.Meta):
        model = ProgramTemplate
        fields = ["id", *ProgramSerializer.Meta.fields, "clinic", "shipped"]
        read_only_fields = fields
