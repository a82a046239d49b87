"""The API's plans: their weeks, targets and rules, editing them, and their progression."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from exercises.models import ProgramWeek
from patients.models import (
    Plan,
    PlanExercise,
    PlanWeek,
    ProgressionOverride,
)

from .fields import DataTextField, ProgressionRuleSerializer, text_field


class PlanExerciseSerializer(serializers.ModelSerializer):
    """An exercise in a patient's plan: the library's range and the therapist's targets."""

    id = serializers.IntegerField(read_only=True, help_text=_("The plan exercise's id (used when logging)."))
    exercise = serializers.SlugField(source="exercise.slug", read_only=True)
    name = DataTextField(source="exercise.name", read_only=True)
    per_side = serializers.BooleanField(source="exercise.per_side", read_only=True)

    class Meta:
        model = PlanExercise
        fields = [
            "id",
            "exercise",
            "name",
            "per_side",
            "order",
            "hold_seconds_min",
            "hold_seconds_max",
            "reps_min",
            "reps_max",
            "target_hold_seconds",
            "target_reps",
            "out_of_range_reason",
        ]
        read_only_fields = fields


class PlanWeekSerializer(serializers.ModelSerializer):
    title = DataTextField(read_only=True)
    introduction = DataTextField(read_only=True)
    progression_rule = ProgressionRuleSerializer(source="*", read_only=True)
    exercises = PlanExerciseSerializer(many=True, read_only=True)

    class Meta:
        model = PlanWeek
        fields = ["number", "title", "introduction", "progression_rule", "exercises"]
        read_only_fields = fields


class ReasonsField(serializers.ListField):
    """The progression engine's reasons, in plain words."""

    child = serializers.CharField()

    def to_representation(self, data):
        return [item if isinstance(item, str) else str(item) for item in (data or [])]


class PlanSummarySerializer(serializers.ModelSerializer):
    template = serializers.SlugField(source="template.slug", read_only=True)

    class Meta:
        model = Plan
        fields = [
            "id",
            "patient",
            "template",
            "version",
            "previous_version",
            "status",
            "start_date",
            "created_by",
            "created_at",
            "approved_by",
            "approved_at",
            "ended_at",
        ]
        read_only_fields = fields


class PlanSerializer(PlanSummarySerializer):
    progression_reasons = ReasonsField(read_only=True)
    weeks = PlanWeekSerializer(many=True, read_only=True)

    class Meta(PlanSummarySerializer.Meta):
        fields = [
            *PlanSummarySerializer.Meta.fields,
            "note_to_patient",
            "current_week",
            "progression_state",
            "progression_reasons",
            "weeks",
        ]
        read_only_fields = fields


class PlanTargetSerializer(serializers.Serializer):
    """The therapist's target for one exercise of the plan."""

    exercise = serializers.SlugField(help_text=_("The exercise's slug, as in the program."))
    # The limits are patients.services.plan_edit's (the portal shows the same messages).
    target_hold_seconds = serializers.IntegerField()
    target_reps = serializers.IntegerField()
    out_of_range_reason = text_field(help_text=_("Needed when a target is outside the library's range."))


class PlanCreateSerializer(serializers.Serializer):
    patient = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text=_("The id of one of your patients.")
    )
    template = serializers.SlugField(help_text=_("The slug of a program, e.g. back-strengthening."))
    start_date = serializers.DateField()
    confirm_start_date = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_(
            "Needed for a start date more than 14 days ago or more than 90 days ahead "
            "(otherwise 400, asking to confirm)."
        ),
    )
    note_to_patient = text_field()
    targets = PlanTargetSerializer(
        many=True,
        required=False,
        max_length=200,
        help_text=_("Targets to set; exercises left out start at the bottom of their range."),
    )


class PlanWeekRuleSerializer(serializers.Serializer):
    """When the patient may move on to `week` (2 or later); fields left out keep their value."""

    # The limits are patients.services.plan_edit's (the portal shows the same messages).
    week = serializers.IntegerField()
    min_days_in_previous_week = serializers.IntegerField(required=False)
    min_sessions_in_previous_week = serializers.IntegerField(required=False)
    no_worse_in_last_sessions = serializers.IntegerField(required=False)
    pain_rise_limit = serializers.IntegerField(required=False, allow_null=True)
    pain_ceiling = serializers.IntegerField(required=False, allow_null=True)
    requires_therapist_confirmation = serializers.BooleanField(required=False)
    on_not_met = serializers.ChoiceField(choices=ProgramWeek.OnNotMet.choices, required=False)


class PlanUpdateSerializer(serializers.Serializer):
    start_date = serializers.DateField(required=False)
    confirm_start_date = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("Needed for a new start date more than 14 days ago or more than 90 days ahead."),
    )
    note_to_patient = text_field()
    targets = PlanTargetSerializer(many=True, required=False, max_length=200)
    rules = PlanWeekRuleSerializer(
        many=True, required=False, max_length=52, help_text=_("Per-week progression rules to change.")
    )

    def validate_rules(self, value):
        weeks = [rule["week"] for rule in value]
        if len(weeks) != len(set(weeks)):
            raise serializers.ValidationError(_("A week is listed twice."))
        return value


class PlanPauseSerializer(serializers.Serializer):
    reason = text_field()


class ProgressionNoticeSerializer(serializers.Serializer):
    week = serializers.IntegerField(read_only=True, help_text=_("The week the patient is held back from."))
    message = serializers.CharField(read_only=True)
    opened_at = serializers.DateTimeField(read_only=True)


class ProgressionSerializer(serializers.Serializer):
    """The plan's progression; `notice` (from the context) is its open "held back" notice, or null."""

    current_week = serializers.IntegerField(read_only=True)
    state = serializers.ChoiceField(
        source="progression_state", choices=Plan.ProgressionState.choices, read_only=True
    )
    reasons = ReasonsField(source="progression_reasons", read_only=True)
    evaluated_at = serializers.DateTimeField(
        source="progression_evaluated_at", read_only=True, allow_null=True
    )
    notice = serializers.SerializerMethodField(
        help_text=_(
            "Held back from the next week: a progression notice, not a safety alert. Null when none is open."
        )
    )

    @extend_schema_field(ProgressionNoticeSerializer(allow_null=True))
    def get_notice(self, plan) -> dict | None:
        notice = self.context.get("notice")
        return ProgressionNoticeSerializer(notice).data if notice is not None else None


class ProgressionOverrideRequestSerializer(serializers.Serializer):
    """The therapist's decision; what it may be is progression_override's rule (as on the portal)."""

    action = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=16,
        help_text=_(
            "advance (move on to the next week), hold (in the current week), release (your hold) "
            "or back (go back a week)."
        ),
    )
    reason = text_field(help_text=_("Kept in the plan's history."))
    effective_on = serializers.DateField(
        required=False,
        allow_null=True,
        help_text=_("From the day (not in the future); left out: today in the patient's time zone."),
    )


class ProgressionOverrideSerializer(serializers.ModelSerializer):
    progression = ProgressionSerializer(
        source="plan", read_only=True, help_text=_("The plan's progression right after the decision.")
    )

    class Meta:
        model = ProgressionOverride
        fields = [
            "id",
            "plan",
            "action",
            "from_week",
            "to_week",
            "effective_on",
            "reason",
            "created_by",
            "created_at",
            "progression",
        ]
        read_only_fields = fields
