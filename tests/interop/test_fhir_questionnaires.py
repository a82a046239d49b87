"""Answered questionnaires in the FHIR export: each as a QuestionnaireResponse and its score as an
Observation derived from it, in a patient's bundle and in the bulk NDJSON files; every resource
validates against fhir.resources' R4 models, ids are stable, `_since` keeps only what changed,
and only those who may see the patient get them."""

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from interop.selectors import bulk_resources, patient_everything
from outcomes.models import PlanOutcome, Response
from outcomes.services import instrument_load, response_submit
from patients.models import Patient
from tests.api.conftest import client_for
from tests.factories import ManagerFactory, PatientFactory, TherapistFactory
from tests.outcomes.test_services import odi_file

pytestmark = pytest.mark.django_db

LOCAL = "https://backcare.example/fhir/CodeSystem/instrument"
PSFS = [
    {"name": "Putting on socks", "rating": 4},
    {"name": "Sitting an hour", "rating": 5},
    {"name": "Lifting a child", "rating": 7},
]


def startback_file() -> dict:
    """Shaped like the Keele STarT Back 9-item tool (placeholder wording: the real text is licensed)."""
    return {
        "format": 1,
        "code": "startback",
        "version_label": "9-item",
        "name": "Keele STarT Back",
        "language": "en",
        "instructions": "Thinking about the last 2 weeks, tick your response.",
        "copyright": "© Keele University 01/08/07",
        "items": [{"text": f"Statement {n}", "options": ["Disagree", "Agree"]} for n in range(1, 9)]
        + [
            {
                "text": "Bothersome?",
                "options": ["Not at all", "Slightly", "Moderately", "Very much", "Extremely"],
            }
        ],
    }


def url(patient):
    return f"/api/v1/fhir/Patient/{patient.pk}/$everything"


def resources(body, kind=None):
    return [e["resource"] for e in body["entry"] if kind is None or e["resource"]["resourceType"] == kind]


def by_id(body):
    return {r["id"]: r for r in resources(body)}


@pytest.fixture
def answered(active_plan):
    """Sam Taylor has answered the NPRS (6), the PSFS (three activities: 4, 5, 7), and the clinic's
    Oswestry (a section blank, one with two boxes ticked) and STarT Back (high risk)."""
    patient = active_plan.patient
    patient.user.first_name, patient.user.last_name = "Sam", "Taylor"
    patient.user.save()
    instrument_load(data=odi_file())
    instrument_load(data=startback_file())
    for code in ("odi", "startback"):
        PlanOutcome.objects.create(plan=active_plan, instrument_code=code, every_weeks=0, at_completion=False)
    response_submit(patient=patient, code="nprs", answers=[6])
    response_submit(patient=patient, code="psfs", answers=PSFS)
    # 3+2+[3,4]→4+1+None+1+2+2+1+1 = 17 of 45 (nine sections answered) → 37.8 %
    response_submit(patient=patient, code="odi", answers=[3, 2, [3, 4], 1, None, 1, 2, 2, 1, 1])
    # Items 1–8 agree except item 2; item 9 "very much": total 8, distress 5 → high risk
    response_submit(patient=patient, code="startback", answers=[1, 0, 1, 1, 1, 1, 1, 1, 3])
    return {r.instrument_code: r for r in Response.objects.filter(patient=patient)}


def test_every_questionnaire_response_and_score_validates_as_fhir_r4(answered, active_plan):
    body = client_for(active_plan.patient.therapist).get(url(active_plan.patient)).json()
    answers = resources(body, "QuestionnaireResponse")
    assert len(answers) == 4
    for resource in answers:
        QuestionnaireResponse.model_validate(resource)
    scores = [r for r in resources(body, "Observation") if r["id"].startswith("score-")]
    assert len(scores) == 4
    for resource in scores:
        Observation.model_validate(resource)
    Bundle.model_validate(body)


def test_the_psfs_reads_as_the_patient_answered_it(answered, active_plan):
    patient = active_plan.patient
    body = by_id(client_for(patient.therapist).get(url(patient)).json())
    psfs = answered["psfs"]
    answers = body[f"questionnaire-response-{psfs.pk}"]
    assert (
        answers["questionnaire"]
        == f"https://backcare.example/fhir/Questionnaire/psfs|{psfs.instrument.version}"
    )
    assert (answers["status"], answers["subject"]) == (
        "completed",
        {"reference": f"Patient/patient-{patient.pk}"},
    )
    assert answers["authored"].endswith("Z")
    read = [
        (group["item"][0]["answer"][0]["valueString"], group["item"][1]["answer"][0]["valueCoding"]["code"])
        for group in answers["item"]
    ]
    assert read == [("Putting on socks", "4"), ("Sitting an hour", "5"), ("Lifting a child", "7")]
    assert answers["item"][0]["item"][1]["text"].startswith("How well can you do it today?")

    score = body[f"score-{psfs.pk}"]
    assert score["code"]["coding"] == [{"system": LOCAL, "code": "psfs", "display": "PSFS score"}]
    assert score["category"][0]["coding"][0]["code"] == "survey"
    assert score["valueQuantity"] == {
        "value": 5.33,
        "unit": "score",
        "system": "http://unitsofmeasure.org",
        "code": "{score}",
    }
    assert score["derivedFrom"] == [{"reference": f"QuestionnaireResponse/questionnaire-response-{psfs.pk}"}]
    assert score["effectiveDateTime"] == patient.local_date().isoformat()


def test_each_questionnaires_score_has_its_code_and_value(answered, active_plan):
    patient = active_plan.patient
    body = by_id(client_for(patient.therapist).get(url(patient)).json())
    score = {code: body[f"score-{response.pk}"] for code, response in answered.items()}
    # NPRS and PSFS have no LOINC code checked: the local code alone. ODI and STarT Back: LOINC first.
    assert [c["code"] for c in score["nprs"]["code"]["coding"]] == ["nprs"]
    assert score["nprs"]["valueQuantity"]["value"] == 6
    assert [(c["system"], c["code"]) for c in score["odi"]["code"]["coding"]] == [
        ("http://loinc.org", "97909-6"),
        (LOCAL, "odi"),
    ]
    assert score["odi"]["valueQuantity"]["value"] == 37.8
    assert score["startback"]["code"]["coding"][0]["code"] == "91351-7"
    assert score["startback"]["valueQuantity"]["value"] == 8
    subscale, risk = score["startback"]["component"]
    assert (subscale["code"]["coding"][0]["code"], subscale["valueQuantity"]["value"]) == ("91350-9", 5)
    assert risk["code"]["coding"][0]["code"] == "91352-5"
    assert risk["valueCodeableConcept"]["coding"][0]["code"] == "LA9193-9"  # High
    # The Oswestry: a blank section has no answer, a section with two boxes ticked has both.
    odi = body[f"questionnaire-response-{answered['odi'].pk}"]["item"]
    assert [item["linkId"] for item in odi] == [str(n) for n in range(1, 11)]
    assert [a["valueCoding"]["display"] for a in odi[2]["answer"]] == ["Statement 3.3", "Statement 3.4"]
    assert "answer" not in odi[4]


def test_ids_are_stable_and_since_keeps_only_the_answer_that_changed(answered, active_plan):
    patient = active_plan.patient
    client = client_for(patient.therapist)
    ids = [[r["id"] for r in resources(client.get(url(patient)).json())] for _ in range(2)]
    assert ids[0] == ids[1]
    psfs = answered["psfs"]
    later = timezone.now() + dt.timedelta(minutes=5)
    Response.objects.filter(pk=psfs.pk).update(updated_at=later + dt.timedelta(seconds=1))
    since = later.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    body = client.get(url(patient), {"_since": since}).json()
    assert [r["id"] for r in resources(body)] == [f"questionnaire-response-{psfs.pk}", f"score-{psfs.pk}"]
    assert resources(body)[0]["meta"]["lastUpdated"] == resources(body)[1]["meta"]["lastUpdated"]
    manager = ManagerFactory(clinic=patient.clinic)
    for kind in ("QuestionnaireResponse", "Observation"):
        assert [r["id"] for r in bulk_resources(user=manager, kind=kind, since=later)] == [
            f"questionnaire-response-{psfs.pk}" if kind == "QuestionnaireResponse" else f"score-{psfs.pk}"
        ]


def test_a_demo_patients_bundle_with_questionnaires_survives_a_round_trip():
    call_command("load_demo", verbosity=0)
    # Sam (the demo's first patient) leaves the questionnaires waiting; the others have answered.
    sam = (
        Patient.objects.select_related("therapist")
        .filter(outcome_responses__instrument_code="psfs")
        .order_by("pk")
        .first()
    )
    body = client_for(sam.therapist).get(url(sam)).json()
    answers = resources(body, "QuestionnaireResponse")
    scores = [r for r in resources(body, "Observation") if r["id"].startswith("score-")]
    answered = Response.objects.filter(patient=sam)
    assert len(answers) == len(scores) == answered.count() > 0
    assert {a["questionnaire"].split("/")[-1].split("|")[0] for a in answers} == {"nprs", "psfs"}
    # Every score points at an answer in the same bundle.
    in_bundle = {f"QuestionnaireResponse/{a['id']}" for a in answers}
    assert {s["derivedFrom"][0]["reference"] for s in scores} == in_bundle
    again = json.loads(Bundle.model_validate(body).model_dump_json())
    assert [e["resource"]["id"] for e in again["entry"]] == [e["resource"]["id"] for e in body["entry"]]
    assert [e["resource"].get("item") for e in again["entry"]] == [
        e["resource"].get("item") for e in body["entry"]
    ]
    assert [e["resource"].get("valueQuantity") for e in again["entry"]] == [
        e["resource"].get("valueQuantity") for e in body["entry"]
    ]
    assert Bundle.model_validate(again).model_dump() == Bundle.model_validate(body).model_dump()


# --- Who gets them ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("therapist", 200),
        ("patient", 200),
        ("manager", 200),
        ("colleague", 404),
        ("other_clinic", 404),
        ("other_patient", 404),
        ("anonymous", 401),
    ],
)
def test_only_those_who_may_see_the_patient_get_their_answers(answered, active_plan, who, status):
    patient = active_plan.patient
    user = {
        "therapist": lambda: patient.therapist,
        "patient": lambda: patient.user,
        "manager": lambda: ManagerFactory(clinic=patient.clinic),
        "colleague": lambda: TherapistFactory(clinic=patient.clinic),
        "other_clinic": lambda: TherapistFactory(),
        "other_patient": lambda: PatientFactory(therapist=patient.therapist).user,
        "anonymous": lambda: None,
    }[who]()
    response = client_for(user).get(url(patient))
    assert response.status_code == status
    if status == 200:
        assert len(resources(response.json(), "QuestionnaireResponse")) == 4
    else:
        assert "Putting on socks" not in response.content.decode()


def export(user, kind):
    response = client_for(user).get(f"/api/v1/fhir/export/{kind}.ndjson")
    if response.status_code != 200:
        return response.status_code
    return [json.loads(line) for line in b"".join(response.streaming_content).decode().splitlines()]


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("therapist", "own"),
        ("manager", "own"),
        ("colleague", "none"),
        ("other_clinic_manager", "none"),
        ("patient", 403),
        ("anonymous", 401),
    ],
)
@pytest.mark.parametrize("kind", ["QuestionnaireResponse", "Observation"])
def test_the_bulk_files_hold_the_answers_of_the_patients_the_caller_may_see(
    answered, active_plan, who, expected, kind
):
    patient = active_plan.patient
    user = {
        "therapist": lambda: patient.therapist,
        "manager": lambda: ManagerFactory(clinic=patient.clinic),
        "colleague": lambda: TherapistFactory(clinic=patient.clinic),
        "other_clinic_manager": lambda: ManagerFactory(),
        "patient": lambda: patient.user,
        "anonymous": lambda: None,
    }[who]()
    lines = export(user, kind)
    if isinstance(expected, int):
        assert lines == expected
        return
    ids = {r["id"] for r in lines if kind == "QuestionnaireResponse" or r["id"].startswith("score-")}
    prefix = "questionnaire-response" if kind == "QuestionnaireResponse" else "score"
    assert ids == ({f"{prefix}-{r.pk}" for r in answered.values()} if expected == "own" else set())
    for line in lines:
        (QuestionnaireResponse if kind == "QuestionnaireResponse" else Observation).model_validate(line)


# --- Queries ------------------------------------------------------------------------------------


def test_the_bundle_reads_the_same_six_queries_however_many_answers(
    answered, active_plan, django_assert_num_queries
):
    patient = active_plan.patient
    therapist = patient.therapist
    with django_assert_num_queries(6):
        _patient, found = patient_everything(user=therapist, pk=patient.pk)
    assert sum(r["resourceType"] == "QuestionnaireResponse" for r in found) == 4


def test_the_bulk_export_reads_a_fixed_number_of_queries_per_batch(
    answered, active_plan, django_assert_max_num_queries
):
    # Three more patients of the clinic, each with their NPRS and PSFS answered: 4 + 6 = 10 answers.
    from patients.services import plan_approve, plan_create_from_template

    template = active_plan.template
    for _ in range(3):
        other = PatientFactory(therapist=active_plan.patient.therapist)
        plan = plan_create_from_template(
            confirm_start_date=True,
            patient=other,
            template=template,
            start_date=other.local_date(),
            by=other.therapist,
        )
        plan_approve(plan=plan, by=other.therapist)
        response_submit(patient=other, code="nprs", answers=[3])
        response_submit(patient=other, code="psfs", answers=PSFS)
    manager = ManagerFactory(clinic=active_plan.patient.clinic)
    # Batches of 4 rows: 10 answers are 3 batches and the empty read that ends them.
    with django_assert_max_num_queries(4):
        assert len(list(bulk_resources(user=manager, kind="QuestionnaireResponse", size=4))) == 10
    # Observations: the sessions (none here: one empty read), then the scores in 3 batches and the end.
    with django_assert_max_num_queries(1 + 4):
        assert len(list(bulk_resources(user=manager, kind="Observation", size=4))) == 10
