"""What a patient's FHIR bundle holds, read with a fixed number of queries (six), whatever the
number of plans, sessions and answered questionnaires, through the access layer
(`Patient.objects.visible_to`)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404

from outcomes.models import Response, Score
from patients.models import Patient, Plan, PlanExercise, PlanWeek, SessionLog

from . import fhir


def _plans():
    """Plans as exported (drafts are not), with their weeks and exercises: three queries a batch."""
    exercises = PlanExercise.objects.select_related("exercise").order_by("order", "pk")
    weeks = PlanWeek.objects.order_by("number").prefetch_related(Prefetch("exercises", queryset=exercises))
    return (
        Plan.objects.exclude(status=Plan.Status.DRAFT)
        .select_related("template", "created_by")
        .prefetch_related(Prefetch("weeks", queryset=weeks))
    )


def _plan_resources(plan) -> list[dict]:
    plan_weeks = list(plan.weeks.all())
    for week in plan_weeks:
        week.items = list(week.exercises.all())
    return [fhir.careplan_resource(plan, plan_weeks), fhir.goal_resource(plan)]


def _responses():
    """Answered questionnaires with the questionnaire version and the score: one query."""
    return Response.objects.select_related("instrument", "score")


def _response_resources(response) -> list[dict]:
    """The QuestionnaireResponse and, once scored, its score as an Observation."""
    resources = [fhir.questionnaire_response_resource(response)]
    try:
        score = response.score
    except Score.DoesNotExist:
        return resources
    return [*resources, fhir.score_observation(response, score)]


def patient_everything(*, user, pk: int, since: datetime | None = None) -> tuple[Patient, list[dict]]:
    """The patient `pk` as `user` may see them (404 otherwise) and their FHIR resources: the
    Patient, each approved plan version (drafts are not exported) as a CarePlan with its Goal,
    two pain Observations per session, and each answered questionnaire as a QuestionnaireResponse
    followed by its score as an Observation; with `since`, only those last updated at or after it."""
    patient = get_object_or_404(
        Patient.objects.visible_to(user).select_related("user", "clinic", "therapist"), pk=pk
    )
    plans = list(_plans().filter(patient=patient).order_by("version", "pk"))
    sessions = SessionLog.objects.filter(patient=patient).order_by("date")
    if since is not None:
        sessions = sessions.filter(updated_at__gte=since)
    responses = _responses().filter(patient=patient).order_by("answered_on", "instrument_code", "pk")
    if since is not None:
        responses = responses.filter(updated_at__gte=since)
    resources = []
    if since is None or fhir.patient_updated(patient) >= since:
        resources.append(fhir.patient_resource(patient))
    for plan in plans:
        plan.patient = patient
        if since is not None and fhir.plan_updated(plan) < since:
            continue
        resources += _plan_resources(plan)
    for session in sessions:
        resources += fhir.pain_observations(session)
    for response in responses:
        resources += _response_resources(response)
    return patient, resources


BULK_KINDS = ("Patient", "CarePlan", "Goal", "Observation", "QuestionnaireResponse")
BATCH = 500


def _batches(queryset, size: int):
    """`queryset` in primary-key order, `size` rows at a time (keyset pagination: each batch is
    the same few queries however far into the table it is)."""
    last = 0
    while True:
        rows = list(queryset.filter(pk__gt=last).order_by("pk")[:size])
        if not rows:
            return
        yield rows
        last = rows[-1].pk


def bulk_resources(*, user, kind: str, since: datetime | None = None, size: int = BATCH):
    """Every `kind` resource of the patients `user` may see (a manager's clinic, a therapist's
    own patients), as an iterator of dicts read in batches of `size` rows, for a streamed NDJSON
    file. Observations are the pain before and after each session, then each questionnaire's
    score. With `since`, only those last updated at or after it."""
    visible = Patient.objects.visible_to(user)
    if kind == "Patient":
        patients = visible.select_related("user", "clinic", "therapist")
        for batch in _batches(patients, size):
            for patient in batch:
                if since is None or fhir.patient_updated(patient) >= since:
                    yield fhir.patient_resource(patient)
    elif kind in ("CarePlan", "Goal"):
        plans = _plans() if kind == "CarePlan" else Plan.objects.exclude(status=Plan.Status.DRAFT)
        plans = plans.filter(patient__in=visible.values("pk")).select_related("patient", "template")
        for batch in _batches(plans, size):
            for plan in batch:
                if since is not None and fhir.plan_updated(plan) < since:
                    continue
                yield _plan_resources(plan)[0] if kind == "CarePlan" else fhir.goal_resource(plan)
    elif kind == "Observation":
        sessions = SessionLog.objects.filter(patient__in=visible.values("pk"))
        if since is not None:
            sessions = sessions.filter(updated_at__gte=since)
        for batch in _batches(sessions, size):
            for session in batch:
                yield from fhir.pain_observations(session)
        scores = Score.objects.filter(response__patient__in=visible.values("pk")).select_related("response")
        if since is not None:
            scores = scores.filter(response__updated_at__gte=since)
        for batch in _batches(scores, size):
            for score in batch:
                yield fhir.score_observation(score.response, score)
    elif kind == "QuestionnaireResponse":
        responses = Response.objects.filter(patient__in=visible.values("pk")).select_related("instrument")
        if since is not None:
            responses = responses.filter(updated_at__gte=since)
        for batch in _batches(responses, size):
            for response in batch:
                yield fhir.questionnaire_response_resource(response)
    else:
        raise ValueError(kind)
