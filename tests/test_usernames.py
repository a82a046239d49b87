"""Usernames: one spelling per person, whatever keyboard typed it, and a refusal that says
nothing about who holds a name.

Every way a login is made — the portal's "add a patient", POST /api/v1/patients/, the Django
admin's "add user" and its change form — stores the username NFKC-normalised (as Django's
own forms do) and refuses one that is taken ignoring case, with one neutral message: a
therapist cannot tell a name held in their own clinic from one held in another clinic.
"""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.urls import reverse

from patients.models import Patient
from tests.api.conftest import client_for
from tests.factories import ClinicFactory, PatientFactory, TherapistFactory, UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()
TAKEN = "That username is taken. Choose another."
FULL_WIDTH_THERAPIST = "\uff54\uff48\uff45\uff52\uff41\uff50\uff49\uff53\uff54"  # ｔｈｅｒａｐｉｓｔ
NEW_PATIENT = {"first_name": "Rita", "last_name": "Moreno", "access": "invite", "email": ""}


def portal_add(client, therapist, username):
    client.force_login(therapist)
    response = client.post(reverse("portal:patient_add"), {**NEW_PATIENT, "username": username})
    errors = response.context["form"].errors.get("username", []) if response.status_code == 200 else []
    return response.status_code, list(errors)


def api_add(therapist, username):
    response = client_for(therapist).post(
        "/api/v1/patients/",
        {"username": username, "first_name": "Rita", "last_name": "Moreno"},
        format="json",
    )
    return response.status_code, response.json().get("username", [])


@pytest.fixture
def holder_elsewhere():
    """`therapist` is a login in another clinic."""
    return TherapistFactory(username="therapist", clinic=ClinicFactory())


def test_the_full_width_look_alike_of_a_taken_name_is_refused_on_the_portal(client, holder_elsewhere):
    therapist = TherapistFactory()
    assert portal_add(client, therapist, FULL_WIDTH_THERAPIST) == (200, [TAKEN])
    assert User.objects.count() == 2
    assert not Patient.objects.exists()


def test_the_full_width_look_alike_of_a_taken_name_is_refused_by_the_api(holder_elsewhere):
    therapist = TherapistFactory()
    assert api_add(therapist, FULL_WIDTH_THERAPIST) == (400, [TAKEN])
    assert not Patient.objects.exists()


def test_a_full_width_name_that_is_free_is_stored_in_its_plain_form(client):
    therapist = TherapistFactory()
    assert api_add(therapist, "\uff52\uff49\uff54\uff41")[0] == 201  # ｒｉｔａ
    assert Patient.objects.get().user.username == "rita"


@pytest.mark.parametrize("typed", ["rita", "RITA", "\uff32\uff29\uff34\uff21"])
def test_the_refusal_reads_the_same_whether_the_name_is_held_in_this_clinic_or_another(client, typed):
    here = TherapistFactory()
    elsewhere = TherapistFactory(clinic=ClinicFactory())
    holder = PatientFactory(therapist=here, user__username="rita")
    same_clinic = (portal_add(client, here, typed), api_add(here, typed))
    # The same login, now a patient of another clinic.
    User.objects.filter(pk=holder.user_id).update(clinic=elsewhere.clinic)
    Patient.objects.filter(pk=holder.pk).update(clinic=elsewhere.clinic, therapist=elsewhere)
    other_clinic = (portal_add(client, here, typed), api_add(here, typed))
    assert same_clinic == other_clinic == ((200, [TAKEN]), (400, [TAKEN]))
    assert User.objects.count() == 3


def test_the_admin_stores_a_new_username_normalised_and_refuses_a_look_alike(admin_client, holder_elsewhere):
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": FULL_WIDTH_THERAPIST,
            "password1": "a-long-passphrase-9",
            "password2": "a-long-passphrase-9",
            "usable_password": "true",
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["username"] == [TAKEN]
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "\uff52\uff49\uff54\uff41",
            "password1": "a-long-passphrase-9",
            "password2": "a-long-passphrase-9",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    assert User.objects.filter(username="rita").exists()


def test_the_admin_refuses_renaming_a_user_to_a_look_alike(admin_client, holder_elsewhere):
    other = UserFactory(username="sam")
    data = {
        "username": "THERAPIST",
        "first_name": other.first_name,
        "last_name": other.last_name,
        "email": other.email,
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "10:00:00",
        "clinic": other.clinic_id,
        "role": other.role,
    }
    response = admin_client.post(reverse("admin:accounts_user_change", args=[other.pk]), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["username"] == [TAKEN]
    other.refresh_from_db()
    assert other.username == "sam"


def test_the_kelvin_sign_is_refused_as_taken_in_the_admin_not_a_server_error(admin_client):
    UserFactory(username="kate")
    response = admin_client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "\u212aate",
            "password1": "a-long-passphrase-9",
            "password2": "a-long-passphrase-9",
            "usable_password": "true",
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["username"] == [TAKEN]


def test_passwords_shorter_than_twelve_characters_are_refused(client):
    therapist = TherapistFactory()
    response = client_for(therapist).post(
        "/api/v1/patients/",
        {"username": "rita", "first_name": "Rita", "last_name": "Moreno", "password": "Eleven-char"},
        format="json",
    )
    assert response.status_code == 400
    assert "at least 12 characters" in response.json()["password"][0]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite runs one write transaction at a time, so no race can happen",
)
def test_a_name_and_its_full_width_look_alike_created_at_once_one_is_refused_with_the_message():
    from tests.api.test_concurrent_creates import _at_once, checks_meet

    a, b = TherapistFactory(), TherapistFactory(clinic=ClinicFactory())

    def create(therapist, username):
        return lambda: api_add(therapist, username)

    with checks_meet(User):
        results = _at_once(create(a, "therapist"), create(b, FULL_WIDTH_THERAPIST))
    assert sorted(results, key=str) == [(201, "therapist"), (400, [TAKEN])], results
    assert User.objects.filter(username="therapist").count() == 1
