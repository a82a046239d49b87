"""FHIR R4 resources from BackCare's records, as plain dicts (JSON), built by pure functions.

Nothing here reads the database: `interop.selectors` loads what a bundle needs (a fixed number
of queries) and hands the objects in. Each resource has a stable id made from its kind and
its row's primary key (`patient-12`, `careplan-34`, `goal-34`, `pain-before-56`), and a
`meta.lastUpdated`. Every resource validates against the R4 models of `fhir.resources` (R4B,
the closest to R4 it ships: tests/interop/).

What maps to what (docs/fhir.md says the same):

- **Patient**: name, email, active; the clinic as `managingOrganization` and the therapist as
  `generalPractitioner`, by display name.
- **CarePlan**, one per plan version: status draft / active (approved) / on-hold (paused) /
  completed / revoked (superseded by a newer version, which `replaces` it); `period.start` is the
  plan's start date; one `activity` per exercise of the plan, its `detail` saying the week it
  starts, the daily repetitions and hold, and per side when the exercise is done with each leg.
- **Goal**, one per plan: "follow the home exercise program" (`lifecycleStatus` from the plan).
- **Observation**, two per session: pain before and pain after, each coded LOINC 72514-3
  ("Pain severity - 0-10 verbal numeric rating [Score] - Reported"), `valueInteger` 0–10,
  `effectiveDateTime` the session's day (the patient's own calendar day), told apart by
  `code.text` and the id (`pain-before-…`, `pain-after-…`).
- **QuestionnaireResponse**, one per answered questionnaire (`questionnaire-response-{pk}`):
  status completed, `questionnaire` the canonical URL of the questionnaire's code and BackCare
  version (`https://backcare.example/fhir/Questionnaire/psfs|1`), `authored` when last answered,
  one item per question with the option chosen as a Coding (its index and wording); the PSFS as
  one group per activity holding its name and its rating.
- **Observation**, one per score (`score-{response pk}`): category survey, coded LOINC where
  the questionnaire's score has a LOINC code (Oswestry 97909-6, STarT Back total 91351-7, with
  the distress subscore 91350-9 and risk level 91352-5 as components) and always by the local
  CodeSystem `https://backcare.example/fhir/CodeSystem/instrument`; `derivedFrom` the
  QuestionnaireResponse; `valueQuantity` the score in `{score}`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal

from django.utils import timezone

from outcomes.scoring import RULES

LOINC = "http://loinc.org"
PAIN_CODE = "72514-3"
PAIN_DISPLAY = "Pain severity - 0-10 verbal numeric rating [Score] - Reported"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
SURVEY = {"coding": [{"system": OBSERVATION_CATEGORY, "code": "survey", "display": "Survey"}]}
UCUM = "http://unitsofmeasure.org"
# BackCare's own identifiers for its questionnaires and their scores (not meant to resolve).
QUESTIONNAIRE_BASE = "https://backcare.example/fhir/Questionnaire/"
INSTRUMENT_SYSTEM = "https://backcare.example/fhir/CodeSystem/instrument"
# A score's LOINC code, only where one was checked on loinc.org (docs/fhir.md): the PSFS, the
# RMDQ and this NPRS (average pain over the last week) have none checked, and go by the local
# code alone.
SCORE_LOINC = {
    "odi": ("97909-6", "Oswestry disability index score ODI"),
    "startback": ("91351-7", "Total score [STarT Back]"),
}
STARTBACK_SUBSCALE = ("91350-9", "Distress subscore [STarT Back]")
STARTBACK_RISK = ("91352-5", "STarT Back Screening risk level")
STARTBACK_RISK_ANSWERS = {
    "low": ("LA9194-7", "Low"),
    "medium": ("LA8982-6", "Medium"),
    "high": ("LA9193-9", "High"),
}

CAREPLAN_STATUS = {
    "draft": "draft",
    "approved": "active",
    "paused": "on-hold",
    "completed": "completed",
    "superseded": "revoked",
}
GOAL_STATUS = {
    "draft": "proposed",
    "approved": "active",
    "paused": "on-hold",
    "completed": "completed",
    "superseded": "cancelled",
}


def instant(moment: datetime) -> str:
    """A FHIR instant: UTC, with seconds and a zone."""
    return timezone.localtime(moment, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _meta(updated: datetime) -> dict:
    return {"lastUpdated": instant(updated)}


def _person(user) -> str:
    return user.get_full_name() or user.username


def patient_id(patient) -> str:
    return f"patient-{patient if isinstance(patient, int) else patient.pk}"


def patient_resource(patient) -> dict:
    user = patient.user
    resource = {
        "resourceType": "Patient",
        "id": patient_id(patient),
        "meta": _meta(patient_updated(patient)),
        "identifier": [{"system": "urn:backcare:patient", "value": str(patient.pk)}],
        "active": user.is_active,
        "name": [{"use": "usual", "text": _person(user)}],
        "managingOrganization": {"display": patient.clinic.name},
        "generalPractitioner": [{"display": _person(patient.therapist)}],
    }
    if user.first_name or user.last_name:
        name = resource["name"][0]
        if user.last_name:
            name["family"] = user.last_name
        if user.first_name:
            name["given"] = [user.first_name]
    if user.email:
        resource["telecom"] = [{"system": "email", "value": user.email}]
    return resource


def patient_updated(patient) -> datetime:
    """When the Patient resource last changed: the patient's row or their login's (name, e-mail,
    active), whichever was saved last (backcare.models.ChangeStamped)."""
    return max(patient.updated_at, patient.user.updated_at)


def plan_updated(plan) -> datetime:
    """When the CarePlan and Goal last changed: the plan's last save (approved, paused, resumed,
    completed, superseded all save it)."""
    return plan.updated_at


def _ref(kind: str, resource_id: str) -> dict:
    return {"reference": f"{kind}/{resource_id}"}


def goal_resource(plan) -> dict:
    return {
        "resourceType": "Goal",
        "id": f"goal-{plan.pk}",
        "meta": _meta(plan_updated(plan)),
        "lifecycleStatus": GOAL_STATUS[plan.status],
        "description": {"text": f"Follow the home exercise program: {plan.template.name}"},
        "subject": _ref("Patient", patient_id(plan.patient_id)),
        "startDate": plan.start_date.isoformat(),
    }


def _activity(week, item) -> dict:
    exercise = item.exercise
    dose = f"{item.target_reps} repetitions, hold {item.target_hold_seconds} s"
    if exercise.per_side:
        dose += ", each side"
    return {
        "detail": {
            "kind": "ServiceRequest",
            "code": {"text": exercise.name},
            "status": "not-started" if week.number > 1 else "in-progress",
            "description": f"Week {week.number} ({week.title}) onwards: {dose}, daily.",
            "scheduledTiming": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}},
        }
    }


def careplan_resource(plan, weeks: Iterable) -> dict:
    """The plan as a CarePlan; `weeks` its weeks in order, each with `.items` (its exercises)."""
    resource = {
        "resourceType": "CarePlan",
        "id": f"careplan-{plan.pk}",
        "meta": _meta(plan_updated(plan)),
        "status": CAREPLAN_STATUS[plan.status],
        "intent": "plan",
        "title": f"{plan.template.name}, version {plan.version}",
        "subject": _ref("Patient", patient_id(plan.patient_id)),
        "period": {"start": plan.start_date.isoformat()},
        "created": instant(plan.created_at),
        "author": {"display": _person(plan.created_by)},
        "goal": [_ref("Goal", f"goal-{plan.pk}")],
        "activity": [_activity(week, item) for week in weeks for item in week.items],
    }
    if plan.note_to_patient:
        resource["description"] = plan.note_to_patient
    if plan.previous_version_id:
        resource["replaces"] = [_ref("CarePlan", f"careplan-{plan.previous_version_id}")]
    if plan.ended_at and plan.status in ("completed", "superseded"):
        resource["period"]["end"] = timezone.localtime(plan.ended_at, plan.patient.tzinfo).date().isoformat()
    return resource


def pain_observations(session) -> list[dict]:
    """Pain before and after the session, as two Observations coded LOINC 72514-3."""
    out = []
    for when, value in (("before", session.pain_before), ("after", session.pain_after)):
        out.append(
            {
                "resourceType": "Observation",
                "id": f"pain-{when}-{session.pk}",
                "meta": _meta(session.updated_at),
                "status": "final",
                "category": [SURVEY],
                "code": {
                    "coding": [{"system": LOINC, "code": PAIN_CODE, "display": PAIN_DISPLAY}],
                    "text": f"Pain {when} the home exercise session (0-10)",
                },
                "subject": _ref("Patient", patient_id(session.patient_id)),
                "effectiveDateTime": session.date.isoformat(),
                "issued": instant(session.updated_at),
                "valueInteger": value,
            }
        )
    return out


def questionnaire_url(instrument) -> str:
    """The questionnaire's canonical URL with its BackCare version (each version's exact text)."""
    return f"{QUESTIONNAIRE_BASE}{instrument.code}|{instrument.version}"


def _option(options: list[str], index: int) -> dict:
    return {"valueCoding": {"code": str(index), "display": options[index]}}


def _items(instrument, answers: dict) -> list[dict]:
    """The answers as QuestionnaireResponse items: one per question, in the questionnaire's order
    (`linkId` its number); a question left blank has no answer, one where two boxes were ticked
    (the Oswestry) has two."""
    questions = instrument.items
    if "activities" in answers:  # PSFS: each activity the patient named, with its rating
        question = questions[0]
        return [
            {
                "linkId": f"activity-{number}",
                "text": f"Activity {number}",
                "item": [
                    {
                        "linkId": f"activity-{number}.name",
                        "text": instrument.activity_prompt or "Activity",
                        "answer": [{"valueString": activity["name"]}],
                    },
                    {
                        "linkId": f"activity-{number}.rating",
                        "text": question["text"],
                        "answer": [_option(question["options"], activity["rating"])],
                    },
                ],
            }
            for number, activity in enumerate(answers["activities"], start=1)
        ]
    items = []
    for number, (question, answer) in enumerate(zip(questions, answers["items"], strict=False), start=1):
        item = {"linkId": str(number), "text": question["text"]}
        chosen = [] if answer is None else answer if isinstance(answer, list) else [answer]
        if chosen:
            item["answer"] = [_option(question["options"], index) for index in chosen]
        items.append(item)
    return items


def response_id(response) -> str:
    return f"questionnaire-response-{response.pk}"


def questionnaire_response_resource(response) -> dict:
    """One answered questionnaire (`response.instrument` the version it was answered on)."""
    instrument = response.instrument
    return {
        "resourceType": "QuestionnaireResponse",
        "id": response_id(response),
        "meta": _meta(response.updated_at),
        "questionnaire": questionnaire_url(instrument),
        "status": "completed",
        "subject": _ref("Patient", patient_id(response.patient_id)),
        "authored": instant(response.updated_at),
        "author": _ref("Patient", patient_id(response.patient_id)),
        "source": _ref("Patient", patient_id(response.patient_id)),
        "item": _items(instrument, response.answers),
    }


def _number(value: Decimal) -> int | float:
    """A stored decimal as a JSON number, without a trailing .0 for whole scores."""
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


def _loinc(code: tuple[str, str]) -> dict:
    return {"system": LOINC, "code": code[0], "display": code[1]}


def _score_quantity(value) -> dict:
    return {"value": _number(value), "unit": "score", "system": UCUM, "code": "{score}"}


def score_observation(response, score) -> dict:
    """The score of `response` (its `score`) as an Observation derived from its answers."""
    code = response.instrument_code
    name = RULES[code].name
    coding = [{"system": INSTRUMENT_SYSTEM, "code": code, "display": f"{name} score"}]
    if code in SCORE_LOINC:
        coding.insert(0, _loinc(SCORE_LOINC[code]))
    resource = {
        "resourceType": "Observation",
        "id": f"score-{response.pk}",
        "meta": _meta(response.updated_at),
        "status": "final",
        "category": [SURVEY],
        "code": {"coding": coding, "text": f"{name} score"},
        "subject": _ref("Patient", patient_id(response.patient_id)),
        "effectiveDateTime": response.answered_on.isoformat(),
        "issued": instant(response.updated_at),
        "valueQuantity": _score_quantity(score.value),
        "derivedFrom": [_ref("QuestionnaireResponse", response_id(response))],
    }
    components = []
    if score.subscale is not None:
        components.append(
            {
                "code": {"coding": [_loinc(STARTBACK_SUBSCALE)]},
                "valueQuantity": _score_quantity(score.subscale),
            }
        )
    if score.band:
        answer = STARTBACK_RISK_ANSWERS[score.band]
        components.append(
            {
                "code": {"coding": [_loinc(STARTBACK_RISK)]},
                "valueCodeableConcept": {"coding": [_loinc(answer)], "text": answer[1]},
            }
        )
    if components:
        resource["component"] = components
    return resource


def bundle(resources: list[dict], *, base: str, updated: datetime) -> dict:
    """A collection Bundle of `resources`, each with its full URL under `base` (ends with /)."""
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "timestamp": instant(updated),
        "meta": _meta(updated),
        "entry": [{"fullUrl": f"{base}{r['resourceType']}/{r['id']}", "resource": r} for r in resources],
    }
