"""The patient's invitation: the page says which username to log in with; choosing a password
logs them in and opens Today."""

import pytest
from django.urls import reverse

from patients import services
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def invited(therapist):
    patient = PatientFactory(therapist=therapist, user__username="sam.taylor")
    patient.user.set_unusable_password()
    patient.user.save()
    uidb64, token = services.patient_invitation(patient=patient, by=therapist)
    return patient, reverse("password_reset_confirm", kwargs={"uidb64": uidb64, "token": token})


def test_the_invitation_page_shows_the_username(client, invited):
    patient, link = invited
    page = client.get(link, follow=True)
    html = page.content.decode()
    assert "Choose your password" in html
    assert "Your username is <strong>sam.taylor</strong> — you will use it to log in." in html


def test_choosing_a_password_logs_the_patient_in_and_opens_today(client, invited):
    patient, link = invited
    form_url = client.get(link).url  # Django swaps the token for a session marker
    response = client.post(
        form_url, {"new_password1": "quiet-river-walk-7", "new_password2": "quiet-river-walk-7"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("patients:today")
    assert response.wsgi_request.user == patient.user
    assert "Your password is saved" in response.content.decode()
    patient.user.refresh_from_db()
    assert patient.user.check_password("quiet-river-walk-7")
    # The link is used up.
    assert "This link has expired" in client.get(link, follow=True).content.decode()


def test_a_used_or_wrong_link_shows_no_username(client, invited):
    patient, link = invited
    html = client.get(link[:-3] + "bad/", follow=True).content.decode()
    assert "This link has expired" in html and "sam.taylor" not in html
