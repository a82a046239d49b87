"""Reads for the therapist portal.

`caseload_for` computes every column of the caseload list in the database (subqueries and
annotations), so the list costs the same few queries for 5 patients or 500.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from functools import reduce
from operator import add

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Least
from django.utils import timezone

from patients.models import Alert, Patient, Plan, PlanPause, SessionExercise, SessionLog

ADHERENCE_WINDOW_DAYS = 14
SILENCE_DAYS = 3  # "no session for 3+ days" needs attention
PAGE_SIZE = 25

# Column key → the annotation (or field) it sorts by. Names sort by last then first name.
CASELOAD_SORTS = {
    "name": ("user__last_name", "user__first_name"),
    "status": ("plan_status",),
    "week": ("current_week", "progression_rank"),
    "progression": ("progression_rank", "current_week"),
    "last_session": ("last_session",),
    "adherence": ("adherence",),
    "alerts": ("open_alerts",),
}

# Filter value → condition on the annotated caseload.
STATUS_FILTERS = {
    "approved": Q(plan_status=Plan.Status.APPROVED),
    "paused": Q(plan_status=Plan.Status.PAUSED),
    "draft": Q(has_draft=True),
    "completed": Q(plan_status=Plan.Status.COMPLETED),
    "none": Q(plan_status__isnull=True),
}

# Progression filter value → condition: the engine's state of the followed plan.
PROGRESSION_FILTERS = {
    "ready": Q(progression_state=Plan.ProgressionState.READY),
    "held": Q(progression_state=Plan.ProgressionState.HELD),
}

# Sorting by progression puts what needs the therapist first: held, then ready to move on.
PROGRESSION_RANK = {
    Plan.ProgressionState.HELD: 0,
    Plan.ProgressionState.READY: 1,
    Plan.ProgressionState.IN_WEEK: 2,
    Plan.ProgressionState.FINISHED: 3,
}


def clinic_today(user) -> date:
    """Today's date in the user's clinic (the caseload's frame for "last 14 days")."""
    return user.clinic.local_date() if user.clinic_id else timezone.localdate()


def _count(queryset: QuerySet) -> Coalesce:
    """A correlated COUNT(*) over `queryset` (already filtered on OuterRef)."""
    return Coalesce(
        Subquery(
            queryset.order_by().values("patient").annotate(n=Count("pk")).values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def caseload_for(
    *,
    user,
    today: date,
    search: str = "",
    status: str = "",
    needs_attention: bool = False,
    progression: str = "",
    sort: str = "name",
) -> QuerySet[Patient]:
    """The patients `user` may see, each annotated with the caseload's columns.

    plan_status      the plan the patient follows (approved/paused), else their latest version's
    has_draft        a version is waiting for approval
    current_week     the followed plan's current week
    progression_state the engine's state of the followed plan (in_week/ready/held/finished)
    progression_rank held 0, ready 1, in week 2, finished 3 (for sorting; None without a plan)
    last_session     date of the latest session logged
    last_symptom     better/same/worse from that session
    open_alerts      safety alerts not yet acknowledged
    days_prescribed  days in the last 14 on which the followed plan was running (not paused)
    sessions_logged  sessions logged in the last 14 days
    adherence        sessions_logged / days_prescribed, in percent (None when nothing prescribed)
    silent           an approved plan but no session for 3 days or more
    needs_attention  open alerts, silent, symptoms reported worse last time, or held back
    waiting_for_you  ready to move on, waiting for the therapist's confirmation
    """
    window_start = today - timedelta(days=ADHERENCE_WINDOW_DAYS - 1)
    silence_day = today - timedelta(days=SILENCE_DAYS)
    plans = Plan.objects.filter(patient=OuterRef("pk"))
    live = plans.filter(status__in=Plan.LIVE_STATUSES)
    sessions = SessionLog.objects.filter(patient=OuterRef("pk"))
    live_pauses = PlanPause.objects.filter(plan__patient=OuterRef("pk"), plan__status__in=Plan.LIVE_STATUSES)

    def running_on(day: date) -> Case:
        paused = live_pauses.filter(paused_on__lte=day).filter(
            Q(resumed_on__isnull=True) | Q(resumed_on__gt=day)
        )
        return Case(When(Q(live_start__lte=day) & ~Exists(paused), then=Value(1)), default=Value(0))

    days = [window_start + timedelta(days=n) for n in range(ADHERENCE_WINDOW_DAYS)]
    queryset = (
        Patient.objects.visible_to(user)
        .select_related("user")
        .annotate(
            live_start=Subquery(live.values("start_date")[:1]),
            current_week=Subquery(live.values("current_week")[:1]),
            progression_state=Subquery(live.values("progression_state")[:1]),
            plan_status=Coalesce(
                Subquery(live.values("status")[:1]),
                Subquery(plans.order_by("-version").values("status")[:1]),
            ),
            has_draft=Exists(plans.filter(status=Plan.Status.DRAFT)),
            last_session=Subquery(sessions.order_by("-date").values("date")[:1]),
            last_symptom=Subquery(sessions.order_by("-date").values("symptom_change")[:1]),
            open_alerts=_count(Alert.objects.filter(patient=OuterRef("pk"), acknowledged_at__isnull=True)),
            sessions_logged=_count(sessions.filter(date__gte=window_start, date__lte=today)),
        )
        .annotate(
            progression_rank=Case(
                *(
                    When(progression_state=state, then=Value(rank))
                    for state, rank in PROGRESSION_RANK.items()
                ),
                default=None,
                output_field=IntegerField(),
            ),
            waiting_for_you=ExpressionWrapper(
                Q(progression_state=Plan.ProgressionState.READY), output_field=BooleanField()
            ),
        )
        .annotate(days_prescribed=reduce(add, (running_on(day) for day in days)))
        .annotate(
            adherence=Case(
                When(
                    days_prescribed__gt=0,
                    then=Least(
                        Value(100.0),
                        Cast(F("sessions_logged"), FloatField())
                        * 100.0
                        / Cast(F("days_prescribed"), FloatField()),
                    ),
                ),
                default=None,
                output_field=FloatField(),
            ),
            silent=ExpressionWrapper(
                Q(plan_status=Plan.Status.APPROVED)
                & Q(live_start__lte=silence_day)
                & (Q(last_session__isnull=True) | Q(last_session__lte=silence_day)),
                output_field=BooleanField(),
            ),
        )
        .annotate(
            needs_attention=ExpressionWrapper(
                Q(open_alerts__gt=0)
                | Q(silent=True)
                | Q(last_symptom=SessionLog.SymptomChange.WORSE)
                | Q(progression_state=Plan.ProgressionState.HELD),
                output_field=BooleanField(),
            )
        )
    )
    for term in search.split():
        queryset = queryset.filter(
            Q(user__first_name__icontains=term)
            | Q(user__last_name__icontains=term)
            | Q(user__username__icontains=term)
        )
    if status in STATUS_FILTERS:
        queryset = queryset.filter(STATUS_FILTERS[status])
    if needs_attention:
        queryset = queryset.filter(needs_attention=True)
    if progression in PROGRESSION_FILTERS:
        queryset = queryset.filter(PROGRESSION_FILTERS[progression])
    descending = sort.startswith("-")
    columns = CASELOAD_SORTS.get(sort.lstrip("-"), CASELOAD_SORTS["name"])
    order = [F(c).desc(nulls_last=True) if descending else F(c).asc(nulls_last=True) for c in columns]
    return queryset.order_by(*order, "user__last_name", "user__first_name", "pk")


# --- Patient detail -----------------------------------------------------------------------


def plan_versions_for(*, patient: Patient) -> QuerySet[Plan]:
    """Every version of the patient's plans, newest first, with who made and approved them."""
    return (
        Plan.objects.filter(patient=patient)
        .select_related("template", "created_by", "approved_by")
        .order_by("-version")
    )


def alerts_open_for(*, patient: Patient) -> QuerySet[Alert]:
    return (
        Alert.objects.filter(patient=patient, acknowledged_at__isnull=True)
        .select_related("session")
        .order_by("-created_at")
    )


def sessions_for(*, patient: Patient) -> QuerySet[SessionLog]:
    """The session timeline, newest first, with what was done in each."""
    return (
        SessionLog.objects.filter(patient=patient)
        .prefetch_related(
            Prefetch(
                "exercises",
                queryset=SessionExercise.objects.select_related("plan_exercise__exercise").order_by(
                    "plan_exercise__week__number", "plan_exercise__order", "pk"
                ),
            )
        )
        .order_by("-date")
    )


def pain_points_for(*, patient: Patient, limit: int = 60) -> list[tuple[date, int, int, int]]:
    """(day, pain before, pain after, change) of the latest `limit` sessions, oldest first."""
    rows = (
        SessionLog.objects.filter(patient=patient)
        .order_by("-date")
        .values_list("date", "pain_before", "pain_after")[:limit]
    )
    return [(day, before, after, after - before) for day, before, after in reversed(rows)]


@dataclass(frozen=True)
class WeekAdherence:
    number: int
    first_day: date
    last_day: date
    days_prescribed: int
    sessions_logged: int
    exercises_prescribed: int
    exercises_done: int

    @property
    def session_percent(self) -> int | None:
        if not self.days_prescribed:
            return None
        return min(100, round(100 * self.sessions_logged / self.days_prescribed))

    @property
    def exercise_percent(self) -> int | None:
        if not self.exercises_prescribed:
            return None
        return min(100, round(100 * self.exercises_done / self.exercises_prescribed))


def weekly_adherence(
    *,
    start: date,
    today: date,
    paused: list[tuple[date, date | None]],
    sessions: dict[date, tuple[int, int]],
    exercises_in_week: dict[int, int],
    week_of_day: dict[date, int],
) -> list[WeekAdherence]:
    """Adherence per 7-day week since `start`, up to `today`. Pure: no database.

    paused            (paused_on, resumed_on or None) periods; those days are not prescribed
    sessions          day → (exercises done, week number of the session)
    exercises_in_week plan week number → exercises prescribed a day in that week
    week_of_day       day → plan week the patient was in (days without a session take the
                      week of the latest session before them, or week 1)
    """

    def is_paused(day: date) -> bool:
        return any(on <= day and (off is None or day < off) for on, off in paused)

    rows = []
    week_number, first = 1, start
    current_plan_week = 1
    while first <= today:
        last = min(first + timedelta(days=6), today)
        days_prescribed = sessions_logged = prescribed = done = 0
        day = first
        while day <= last:
            current_plan_week = week_of_day.get(day, current_plan_week)
            if not is_paused(day):
                days_prescribed += 1
                prescribed += exercises_in_week.get(current_plan_week, 0)
            if day in sessions:
                sessions_logged += 1
                done += sessions[day][0]
            day += timedelta(days=1)
        rows.append(
            WeekAdherence(week_number, first, last, days_prescribed, sessions_logged, prescribed, done)
        )
        week_number, first = week_number + 1, first + timedelta(days=7)
    return rows


def adherence_by_week_for(*, plan: Plan, today: date) -> list[WeekAdherence]:
    """Weekly adherence of a followed plan: loads once, computes with `weekly_adherence`."""
    if plan.start_date > today:
        return []
    sessions = (
        SessionLog.objects.filter(patient=plan.patient, date__gte=plan.start_date, date__lte=today)
        .annotate(done=Count("exercises", filter=Q(exercises__done=True)))
        .values_list("date", "done", "week_number")
    )
    per_week = dict(
        plan.weeks.annotate(n=Count("exercises")).values_list("number", "n"),
    )
    cumulative, running = {}, 0
    for number in sorted(per_week):
        running += per_week[number]
        cumulative[number] = running
    return weekly_adherence(
        start=plan.start_date,
        today=today,
        paused=list(plan.pauses.values_list("paused_on", "resumed_on")),
        sessions={day: (done, week) for day, done, week in sessions},
        exercises_in_week=cumulative,
        week_of_day={day: week for day, _done, week in sessions},
    )
