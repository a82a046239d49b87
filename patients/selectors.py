"""Reads about patients, plans and sessions that more than one page or endpoint needs."""

from datetime import date, timedelta

from django.db.models import Count, Prefetch, Q, QuerySet, Subquery

from .models import Patient, Plan, PlanExercise, PlanWeek, SessionExercise, SessionLog


def patient_of_user(user) -> Patient | None:
    """The patient record of a signed-in patient, or None if the login has none.

    Read with the user when authentication did (accounts.backends.UserModelBackend, the API's
    token authentication): no query then. It is the patient's own record, the only one
    `Patient.objects.visible_to(user)` holds for a patient.
    """
    try:
        patient = user.patient
    except Patient.DoesNotExist:
        return None
    patient.user = user
    if user.clinic_id == patient.clinic_id:
        patient.clinic = user.clinic  # pages show it; one row, read once
    return patient


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
                        queryset=PlanExercise.objects.select_related("exercise")
                        .prefetch_related("exercise__illustrations")
                        .order_by("order", "pk"),
                    )
                ),
            )
        )
        .get(pk=plan_id)
    )


# --- The patient's own pages ----------------------------------------------------------------


def plan_week_current(*, plan: Plan) -> PlanWeek | None:
    """The week of the plan the patient is in now (its title and introduction)."""
    return PlanWeek.objects.filter(plan=plan, number=plan.current_week).first()


def session_logged_on(*, patient: Patient, day: date) -> bool:
    """Whether the patient has logged a session for that local day."""
    return SessionLog.objects.filter(patient=patient, date=day).exists()


def session_for_day(*, patient: Patient, day: date) -> SessionLog | None:
    """The patient's session on a local day, with what they reported per exercise."""
    return (
        SessionLog.objects.filter(patient=patient, date=day)
        .prefetch_related(Prefetch("exercises", queryset=SessionExercise.objects.order_by()))
        .first()
    )


def session_history(*, patient: Patient, limit: int = 60) -> QuerySet[SessionLog]:
    """The patient's most recent sessions, newest first, with exercises done / reported."""
    return (
        SessionLog.objects.filter(patient=patient)
        .annotate(  # exercises_done is stored on the session (SessionLog.exercises_done)
            exercises_reported=Count("exercises"),
            exercises_hurt=Count("exercises", filter=Q(exercises__hurt=True)),
        )
        .order_by("-date")[:limit]
    )


def session_streak(*, days_logged: set[date], today: date) -> int:
    """Days in a row with a session, ending today (or yesterday, when today is still to come)."""
    day = today if today in days_logged else today - timedelta(days=1)
    streak = 0
    while day in days_logged:
        streak += 1
        day -= timedelta(days=1)
    return streak


def exercises_hurt_last_session(*, patient: Patient) -> set[int]:
    """The library exercises (ids) the patient said hurt ("it hurt, I stopped") in their last session.

    One query. By exercise, not plan entry, so the mark holds across a new version of the plan.
    """
    last = SessionLog.objects.filter(patient=patient).order_by("-date").values("pk")[:1]
    return set(
        SessionExercise.objects.filter(session=Subquery(last), hurt=True).values_list(
            "plan_exercise__exercise_id", flat=True
        )
    )
