"""Every portal URL × every kind of visitor: the whole permission matrix in one screen.

The alert list is read by therapists (their patients) and managers (their clinic).
Pages about one patient answer 404 to any therapist but the patient's own (same clinic or
another) — the patient is simply not found. Managers and patients get 403 on every portal
page, except that a manager reads the patient detail page (read-only) and prints the program of
their own clinic's patients; another clinic's manager gets 404 there. Anonymous visitors are sent
to log in. Refused requests change nothing (a printed program is audited, as exports are).
"""

import pytest
from django.urls import reverse

from audit.models import AuditEvent
from patients.models import PlanExercise
from tests.portal.test_pages import rule_form_data

pytestmark = pytest.mark.django_db

VISITORS = [
    "own_therapist",
    "therapist2_same_clinic",
    "therapist_other_clinic",
    "manager",
    "manager_other_clinic",
    "patient",
    "anonymous",
]

# Pages a clinic manager may read (GET) for the patients of their own clinic.
MANAGER_READS = {"portal:patient_detail", "portal:plan_program_pdf"}
# Lists a clinic manager reads, of their own clinic (another clinic's manager sees an empty list).
MANAGER_LISTS = {"portal:alert_list"}
# Only a clinic manager, for their own clinic's patients: the whole record (ZIP). Therapists 403.
MANAGER_ONLY = {"portal:patient_record_zip"}

# The message thread: a manager reads it only where the clinic allows it (off in this world;
# on is tested in tests/messaging), so to any manager it is not found.
MANAGER_NOT_FOUND = {"portal:patient_messages"}

# (method, url name, kwargs from the world, POST data, scoped to the patient?)
URLS = [
    ("get", "portal:caseload", lambda w: {}, None, False),
    ("get", "portal:patient_add", lambda w: {}, None, False),
    ("get", "portal:patient_detail", lambda w: {"pk": w.patient.pk}, None, True),
    ("get", "portal:patient_record_zip", lambda w: {"pk": w.patient.pk}, None, True),
    ("get", "portal:patient_welcome", lambda w: {"pk": w.patient.pk}, None, True),
    ("post", "portal:patient_invite", lambda w: {"pk": w.patient.pk}, {}, True),
    ("get", "portal:patient_email", lambda w: {"pk": w.patient.pk}, None, True),
    ("post", "portal:patient_email", lambda w: {"pk": w.patient.pk}, {"email": "new@example.org"}, True),
    (
        "post",
        "portal:alert_acknowledge",
        lambda w: {"pk": w.patient.pk, "alert_pk": w.alert.pk},
        {"comment": "Called."},
        True,
    ),
    (
        "post",
        "portal:alerts_acknowledge",
        lambda w: {"pk": w.patient.pk},
        {"comment": "Called.", "scope": "all"},
        True,
    ),
    ("get", "portal:alert_list", lambda w: {}, None, False),
    ("get", "portal:plan_create", lambda w: {"pk": w.patient.pk}, None, True),
    ("get", "portal:plan_detail", lambda w: {"pk": w.patient.pk, "plan_pk": w.plan.pk}, None, True),
    ("get", "portal:plan_detail", lambda w: {"pk": w.patient.pk, "plan_pk": w.draft.pk}, None, True),
    (
        "post",
        "portal:plan_detail",
        lambda w: {"pk": w.patient.pk, "plan_pk": w.draft.pk},
        "full_draft_form",
        True,
    ),
    (
        "post",
        "portal:plan_exercise_remove",
        lambda w: {"pk": w.patient.pk, "plan_pk": w.draft.pk},
        "first_draft_exercise",
        True,
    ),
    ("post", "portal:plan_approve", lambda w: {"pk": w.patient.pk, "plan_pk": w.draft.pk}, {}, True),
    ("post", "portal:plan_revise", lambda w: {"pk": w.patient.pk, "plan_pk": w.plan.pk}, {}, True),
    (
        "post",
        "portal:plan_pause",
        lambda w: {"pk": w.patient.pk, "plan_pk": w.plan.pk},
        {"reason": "x"},
        True,
    ),
    ("post", "portal:plan_resume", lambda w: {"pk": w.patient.pk, "plan_pk": w.plan.pk}, {}, True),
    ("post", "portal:plan_complete", lambda w: {"pk": w.patient.pk, "plan_pk": w.plan.pk}, {}, True),
    ("get", "portal:plan_program_pdf", lambda w: {"pk": w.patient.pk, "plan_pk": w.plan.pk}, None, True),
    ("get", "portal:progression", lambda w: {"pk": w.patient.pk}, None, True),
    ("get", "portal:patient_messages", lambda w: {"pk": w.patient.pk}, None, True),
    ("post", "portal:patient_messages", lambda w: {"pk": w.patient.pk}, {"body": "How is it going?"}, True),
    (
        "post",
        "portal:progression",
        lambda w: {"pk": w.patient.pk},
        {"action": "hold", "reason": "Wait for the review."},
        True,
    ),
]


def expected_status(visitor: str, method: str, name: str, scoped: bool) -> int:
    if visitor == "anonymous":
        return 302  # to the login page
    if visitor.startswith("manager") and method == "get" and name in MANAGER_LISTS:
        return 200
    if visitor.startswith("manager") and method == "get" and name in MANAGER_READS | MANAGER_ONLY:
        return 200 if visitor == "manager" else 404
    if visitor.startswith("manager") and name in MANAGER_NOT_FOUND:
        return 404
    if name in MANAGER_ONLY:
        return 403
    if visitor.startswith("manager") or visitor == "patient":
        return 403
    if visitor == "own_therapist" or not scoped:
        return 200 if method == "get" else 302
    return 404


def _user(world, visitor):
    return {
        "own_therapist": world.therapist,
        "therapist2_same_clinic": world.colleague,
        "therapist_other_clinic": world.other_clinic,
        "manager": world.manager,
        "manager_other_clinic": world.other_manager,
        "patient": world.patient.user,
        "anonymous": None,
    }[visitor]


@pytest.mark.parametrize("visitor", VISITORS)
@pytest.mark.parametrize(
    ("method", "name", "kwargs", "data", "scoped"),
    URLS,
    ids=[f"{method}-{name.split(':')[1]}-{i}" for i, (method, name, *_rest) in enumerate(URLS)],
)
def test_portal_permission_matrix(client, world, monkeypatch, visitor, method, name, kwargs, data, scoped):
    # Who may print is what is tested here; making the PDF is tests/printouts' job.
    monkeypatch.setattr("printouts.views.html_to_pdf", lambda html, *, base_url: b"%PDF-1.7 test")
    monkeypatch.setattr("printouts.pdf.html_to_pdf", lambda html, *, base_url: b"%PDF-1.7 test")
    user = _user(world, visitor)
    if user is not None:
        client.force_login(user)
    if data == "first_draft_exercise":
        data = {"plan_exercise": world.draft.weeks.get(number=1).exercises.first().pk}
    elif data == "full_draft_form":
        data = {
            "action": "save",
            "start_date": "2026-01-05",
            "note_to_patient": "Changed",
            "confirm_start_date": "on",
        }
        for item in PlanExercise.objects.filter(week__plan=world.draft):
            data[f"pe{item.pk}-target_hold_seconds"] = item.target_hold_seconds
            data[f"pe{item.pk}-target_reps"] = item.target_reps
        data.update(rule_form_data(world.draft))
    url = reverse(name, kwargs=kwargs(world))
    audit_before = AuditEvent.objects.count()

    response = client.get(url) if method == "get" else client.post(url, data)

    assert response.status_code == expected_status(visitor, method, name, scoped)
    if visitor == "anonymous":
        assert response.url.startswith(reverse("login"))
    # A manager's download of a patient's printed program is audited, as the CSV exports are.
    audited = name in ("portal:plan_program_pdf", "portal:patient_record_zip") and response.status_code == 200
    if visitor != "own_therapist" and not audited:
        assert AuditEvent.objects.count() == audit_before, "a refused request changed something"
        if response.status_code != 200:
            assert world.patient.user.last_name.encode() not in response.content


def test_the_matrix_covers_every_portal_url():
    from portal import urls

    covered = {name.split(":")[1] for _m, name, *_rest in URLS}
    assert covered == {pattern.name for pattern in urls.urlpatterns}
