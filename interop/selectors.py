"""What a patient's FHIR bundle holds, read with a fixed number of queries (five), whatever the
number of plans and sessions, through the access layer (`Patient.objects.visible_to`)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404

from patients.models import Patient, Plan, PlanExercise, PlanWeek, SessionLog

from . import fhir


def patient_everything(*, user, pk: int, since: datetime | None = None) -> tuple[Patient, list[dict]]:
    """The patient `pk` as `user` may see them (404 otherwise) and their FHIR resources: the
    Patient, each approved plan version (drafts are not exported) as a CarePlan with its Goal,
    and two pain Observations per session; with `since`, only those last updated at or after it."""
    patient = get_object_or_404(
        Patient.objects.visible_to(user).select_related("user", "clinic", "therapist"), pk=pk
    )
    exercises = PlanExercise.objects.select_related("exercise").order_by("order", "pk")
    weeks = PlanWeek.objects.order_by("number").prefetch_related(Prefetch("exercises", queryset=exercises))
    plans = list(
        Plan.objects.filter(patient=patient)
        .exclude(status=Plan.Status.DRAFT)
        .select_related("template", "created_by")
        .prefetch_related(Prefetch("weeks", queryset=weeks))
        .order_by("version", "pk")
    )
    sessions = SessionLog.objects.filter(patient=patient).order_by("date")
    if since is not None:
        sessions = sessions.filter(updated_at__gte=since)
    resources = []
    if since is None or max(patient.created_at, patient.user.date_joined) >= since:
        resources.append(fhir.patient_resource(patient))
    for plan in plans:
        plan.patient = patient
        if since is not None and fhir.plan_updated(plan) < since:
            continue
        plan_weeks = list(plan.weeks.all())
        for week in plan_weeks:
            week.items = list(week.exercises.all())
        resources += [fhir.careplan_resource(plan, plan_weeks), fhir.goal_resource(plan)]
    for session in sessions:
        session.patient = patient
        resources += fhir.pain_observations(session)
    return patient, resources
