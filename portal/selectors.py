"""Reads for the therapist portal.

`caseload_for` computes every column of the caseload list in the database (subqueries and
annotations), so the list costs the same few queries for 5 patients or 500.
"""

import zoneinfo
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
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

from messaging.selectors import unread_from_patient_count
from patients.adherence import last_days_window, patient_annotations
from patients.choices import ALERT_SEVERITY
from patients.models import (
    Alert,
    Patient,
    Plan,
    PlanWeek,
    ProgressionPeriod,
    SessionExercise,
    SessionLog,
)

SILENCE_DAYS = 3  # "no session for 3+ days" needs attention
PAGE_SIZE = 25

# Column key → the annotation (or field) it sorts by. Names sort by last then first name.
# "triage" (the default) is the order of the day: see TRIAGE_ORDER.
CASELOAD_SORTS = {
    "triage": ("triage_group",),
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


# Today's triage, the caseload's default order: what needs the therapist now comes first.
class Triage:
    ALERTS = 0  # open safety alerts: the most serious, then the oldest, first
    PROGRESSION = 1  # held back, or ready to move on and waiting for the therapist
    MESSAGES = 2  # a message from the patient the therapist has not opened yet
    QUIET = 3  # no session for 3+ days, or symptoms reported worse last time
    REST = 4


def _triage_order(descending: bool) -> list:
    """The triage's ORDER BY: the group, then within it what is most urgent."""
    group = F("triage_group").desc() if descending else F("triage_group").asc()
    return [
        group,
        F("worst_alert").asc(nulls_last=True),
        F("oldest_alert_at").asc(nulls_last=True),
        F("progression_rank").asc(nulls_last=True),
        F("week_since").asc(nulls_last=True),  # of those ready, who has waited longest first
        F("last_session").asc(nulls_first=True),
    ]


def clinic_tz(user) -> zoneinfo.ZoneInfo:
    """The user's clinic's time zone (the day a plan was approved or ended is taken in it)."""
    return zoneinfo.ZoneInfo(user.clinic.timezone if user.clinic_id else settings.TIME_ZONE)


def clinic_today(user) -> date:
    """Today's date in the user's clinic (the caseload's frame for "last 14 days")."""
    return user.clinic.local_date() if user.clinic_id else timezone.localdate()


# An alert's severity as SQL (from the one table in patients.choices).
ALERT_SEVERITY_SQL = Case(
    *(When(kind=kind, then=Value(rank)) for kind, rank in ALERT_SEVERITY.items()),
    default=Value(max(ALERT_SEVERITY.values()) + 1),
    output_field=IntegerField(),
)


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
    sort: str = "triage",
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
    unread_messages  the patient's messages their therapist has not opened yet (messaging)
    days_prescribed  prescribed days in the last 14 (patients.adherence: any counted plan, not paused)
    sessions_logged  sessions logged on those days
    exercises_prescribed, exercises_done  the same days' exercises (the weeks the patient was in)
    adherence        sessions_logged / days_prescribed, in percent (None when nothing prescribed)
    silent           an approved plan but no session for 3 days or more
    needs_attention  open alerts, silent, symptoms reported worse last time, or held back
    waiting_for_you  ready to move on, waiting for the therapist's confirmation
    live_plan        the followed plan's id (the row's "open the plan")
    week_since       the day the patient moved into their current week (its open progression period)
    next_week_min_days the days the next week's rule asks for in this one (when "ready" began)
    worst_alert      the most serious open alert's severity (patients.choices.ALERT_SEVERITY)
    oldest_alert_at  when the oldest open alert was raised
    triage_group     Triage.ALERTS / PROGRESSION / MESSAGES / QUIET / REST (the default order)
    """
    window_start, _today = last_days_window(today=today)
    silence_day = today - timedelta(days=SILENCE_DAYS)
    plans = Plan.objects.filter(patient=OuterRef("pk"))
    live = plans.filter(status__in=Plan.LIVE_STATUSES)
    sessions = SessionLog.objects.filter(patient=OuterRef("pk"))
    open_alerts = Alert.objects.filter(patient=OuterRef("pk"), acknowledged_at__isnull=True)
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
            live_plan=Subquery(live.values("pk")[:1]),
            week_since=Subquery(
                ProgressionPeriod.objects.filter(
                    plan__patient=OuterRef("pk"), plan__status__in=Plan.LIVE_STATUSES, end__isnull=True
                ).values("start")[:1]
            ),
            open_alerts=_count(open_alerts),
            unread_messages=unread_from_patient_count(),
            worst_alert=Subquery(
                open_alerts.annotate(severity=ALERT_SEVERITY_SQL).order_by("severity").values("severity")[:1],
                output_field=IntegerField(),
            ),
            oldest_alert_at=Subquery(open_alerts.order_by("created_at").values("created_at")[:1]),
            **patient_annotations(start=window_start, end=today, tz=clinic_tz(user)),
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
            ),
            next_week_min_days=Subquery(
                PlanWeek.objects.filter(
                    plan__patient=OuterRef("pk"),
                    plan__status__in=Plan.LIVE_STATUSES,
                    number=OuterRef("current_week") + 1,
                ).values("min_days_in_previous_week")[:1]
            ),
            triage_group=Case(
                When(open_alerts__gt=0, then=Value(Triage.ALERTS)),
                When(
                    progression_state__in=[Plan.ProgressionState.HELD, Plan.ProgressionState.READY],
                    then=Value(Triage.PROGRESSION),
                ),
                When(unread_messages__gt=0, then=Value(Triage.MESSAGES)),
                When(
                    Q(silent=True) | Q(last_symptom=SessionLog.SymptomChange.WORSE), then=Value(Triage.QUIET)
                ),
                default=Value(Triage.REST),
                output_field=IntegerField(),
            ),
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
    key = sort.lstrip("-") if sort.lstrip("-") in CASELOAD_SORTS else "triage"
    if key == "triage":
        order = _triage_order(descending)
    else:
        order = [
            F(c).desc(nulls_last=True) if descending else F(c).asc(nulls_last=True)
            for c in CASELOAD_SORTS[key]
        ]
    return queryset.order_by(*order, "user__last_name", "user__first_name", "pk").prefetch_related(
        Prefetch(
            "alerts",
            queryset=Alert.objects.filter(acknowledged_at__isnull=True)
            .select_related("session")
            .order_by("-created_at", "-pk"),
            to_attr="open_alert_list",
        )
    )


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
        .order_by("-created_at", "-pk")
    )


@dataclass(frozen=True)
class AlertGroup:
    """A patient's open alerts of one kind (one cause), newest first."""

    kind: str
    label: str
    severity: int
    alerts: list[Alert]

    @property
    def count(self) -> int:
        return len(self.alerts)

    @property
    def newest(self) -> Alert:
        return self.alerts[0]


def alert_groups_for(*, patient: Patient) -> list[AlertGroup]:
    """The patient's open alerts grouped by kind: the most serious kind first, then the newest.

    One query; the groups and their order come from patients.choices.ALERT_SEVERITY.
    """
    by_kind: dict[str, list[Alert]] = {}
    for alert in alerts_open_for(patient=patient):
        by_kind.setdefault(alert.kind, []).append(alert)
    groups = [
        AlertGroup(
            kind=kind,
            label=str(Alert.Kind(kind).label),
            severity=ALERT_SEVERITY.get(kind, max(ALERT_SEVERITY.values()) + 1),
            alerts=alerts,
        )
        for kind, alerts in by_kind.items()
    ]
    return sorted(groups, key=lambda g: (g.severity, -g.newest.created_at.timestamp(), -g.newest.pk))


def alerts_for_list(*, user) -> QuerySet[Alert]:
    """The clinic-wide alert list: the alerts `user` may read (a therapist's patients', a
    manager's clinic's), newest first, with what each row shows."""
    return (
        Alert.objects.visible_to(user)
        .select_related("patient__user", "session", "acknowledged_by")
        .order_by("-created_at", "-pk")
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
