"""Reads of the RTM feature: the codes as rules, a patient's recorded time, the monthly report.

The report reads with a fixed number of queries whatever the number of patients (the rules,
the approved plans, the days with a session, the month's minutes and the patients), and
counts with the pure functions of `billing.rtm`.
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, F, IntegerField, Max, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from patients.models import Patient, Plan, SessionLog
from reports.selectors import report_patients

from . import rtm
from .models import BillingCode, TreatmentTime

RECENT_TIME_ENTRIES = 10


def codes_in_use() -> list[BillingCode]:
    """The codes in use (one query)."""
    return list(BillingCode.objects.filter(active=True).order_by("code"))


def rules_load(codes: list[BillingCode] | None = None) -> rtm.Rules:
    """The codes in use, as the pure functions take them (one query, none when `codes` are given)."""
    fields = ("code", "kind", "min_days", "max_days", "period_days", "minutes", "needs_interaction")
    codes = codes_in_use() if codes is None else codes
    return rtm.Rules(codes=tuple(rtm.CodeRule(*(getattr(code, name) for name in fields)) for code in codes))


def treatment_times_for(*, patient: Patient, limit: int = RECENT_TIME_ENTRIES) -> list[TreatmentTime]:
    """The patient's latest recorded treatment-management time, newest first (one query)."""
    return list(TreatmentTime.objects.filter(patient=patient).order_by("-day", "-recorded_at")[:limit])


@dataclass
class RtmRow:
    patient: Patient
    month: rtm.MonthRtm

    @property
    def name(self) -> str:
        return self.patient.user.get_full_name() or self.patient.user.username


def _local_day(moment, tz_name: str) -> date:
    return timezone.localtime(moment, zoneinfo.ZoneInfo(tz_name)).date()


APPROVED = (Plan.Status.APPROVED, Plan.Status.PAUSED, Plan.Status.COMPLETED, Plan.Status.SUPERSEDED)


def rtm_month(
    *, user, month: date, today: date | None = None, rules: rtm.Rules | None = None, therapist=None
) -> list[RtmRow]:
    """Per patient `user` may see (a therapist's own, a manager's clinic): the RTM figures of
    `month` (its first day), for patients being monitored in it or with time recorded in it,
    in name order; with `therapist`, only their patients. "Today" (periods not yet over) is each
    patient's own unless given. Five queries (four when `rules` are given), whatever the number
    of patients."""
    rules = rules or rules_load()
    last = rtm.month_last_day(month)
    scope = report_patients(user=user, therapist=therapist)  # what `user` may see, one therapist's
    visible = scope.values("pk")

    # The approved plans that can start an episode meeting the month (one query).
    plans = list(
        Plan.objects.filter(patient__in=visible, status__in=APPROVED, approved_at__isnull=False)
        .filter(start_date__lte=last)
        .values_list(
            "patient_id", "start_date", "previous_version_id", "status", "ended_at", "patient__timezone"
        )
    )
    by_patient: dict[int, list] = defaultdict(list)
    for patient_id, start, previous, status, ended_at, tz_name in plans:
        completed_on = None
        if status == Plan.Status.COMPLETED and ended_at is not None:
            completed_on = _local_day(ended_at, tz_name)
        by_patient[patient_id].append((start, previous is None, completed_on))
    episodes = {
        patient_id: [e for e in rtm.episodes(rows) if not (e.end and e.end < month)]
        for patient_id, rows in by_patient.items()
    }

    # Days with a session (the patient's local day, as stored), from the start of the episode
    # running when the month began (or the month's first day) to the end of the last period
    # that can meet the month (one query).
    episode_start = (
        Plan.objects.filter(patient=OuterRef("patient"), status__in=APPROVED, approved_at__isnull=False)
        .filter(previous_version__isnull=True, start_date__lte=month)
        .order_by()
        .values("patient")
        .annotate(start=Max("start_date"))
        .values("start")
    )
    logged: dict[int, set[date]] = defaultdict(set)
    sessions = (
        SessionLog.objects.filter(patient__in=visible, date__lte=last + timedelta(days=rules.period_days - 1))
        .annotate(since=Coalesce(Subquery(episode_start), Value(month)))
        .filter(date__gte=F("since"))
        .values_list("patient_id", "date")
    )
    for patient_id, day in sessions:
        logged[patient_id].add(day)

    # The month's minutes (one query).
    minutes = {
        row["patient"]: row
        for row in TreatmentTime.objects.filter(patient__in=visible, day__range=(month, last))
        .order_by()
        .values("patient")
        .annotate(
            total=Sum("minutes"),
            assistant=Coalesce(
                Sum("minutes", filter=Q(by_assistant=True)), Value(0), output_field=IntegerField()
            ),
            interactions=Count("pk", filter=Q(interactive=True)),
        )
    }

    ids = {pk for pk, found in episodes.items() if found} | set(minutes)
    patients = (
        scope.filter(pk__in=ids)
        .select_related("user", "therapist")
        .order_by("user__last_name", "user__first_name", "pk")
    )
    rows = []
    for patient in patients:
        spent = minutes.get(patient.pk, {})
        rows.append(
            RtmRow(
                patient=patient,
                month=rtm.month_rtm(
                    month=month,
                    today=today or patient.local_date(),
                    episodes=episodes.get(patient.pk, []),
                    logged=logged.get(patient.pk, set()),
                    minutes=spent.get("total", 0),
                    assistant_minutes=spent.get("assistant", 0),
                    interactive=spent.get("interactions", 0) > 0,
                    rules=rules,
                ),
            )
        )
    return rows
