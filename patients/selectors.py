"""Reads about patients, plans and sessions that more than one page or endpoint needs."""

from django.db.models import Prefetch, QuerySet

from .models import Patient, Plan, PlanExercise, PlanWeek


def plan_live_for(*, patient: Patient) -> Plan | None:
    """The plan the patient follows now: approved or paused (never a draft)."""
    return (
        Plan.objects.filter(patient=patient, status__in=Plan.LIVE_STATUSES).select_related("template").first()
    )


def plan_draft_for(*, patient: Patient) -> Plan | None:
    return Plan.objects.filter(patient=patient, status=Plan.Status.DRAFT).first()


def plan_exercises_up_to_week(*, plan: Plan, week: int) -> QuerySet[PlanExercise]:
    """Exercises prescribed in `week`: each week adds to those of the weeks before it."""
    return (
        PlanExercise.objects.filter(week__plan=plan, week__number__lte=week)
        .select_related("exercise", "week")
        .order_by("week__number", "order", "pk")
    )


def plan_with_weeks(*, plan_id: int, queryset: QuerySet[Plan] | None = None) -> Plan:
    """A plan with its weeks and their exercises prefetched, for detail pages."""
    queryset = queryset if queryset is not None else Plan.objects.all()
    return (
        queryset.select_related("patient__user", "template", "approved_by", "created_by")
        .prefetch_related(
            Prefetch(
                "weeks",
                queryset=PlanWeek.objects.order_by("number").prefetch_related(
                    Prefetch(
                        "exercises",
                        queryset=PlanExercise.objects.select_related("exercise").order_by("order", "pk"),
                    )
                ),
            )
        )
        .get(pk=plan_id)
    )
