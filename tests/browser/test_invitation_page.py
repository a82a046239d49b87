"""The invitation on a desktop: the page names the username; saving the password opens Today."""

import pytest
from django.urls import reverse

from patients import services

from .conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_invitation_names_the_username_and_opens_today(live_server, desktop_page, active_plan):
    patient = active_plan.patient
    patient.user.set_unusable_password()
    patient.user.save()
    uidb64, token = services.patient_invitation(patient=patient, by=patient.therapist)
    page = desktop_page
    page.goto(live_server.url + reverse("password_reset_confirm", kwargs={"uidb64": uidb64, "token": token}))
    page.get_by_text(f"Your username is {patient.user.username} — you will use it to log in.").wait_for()
    screenshot(page, "invitation-choose-password-desktop")
    page.get_by_label("New password").first.fill("quiet-river-walk-7")
    page.get_by_label("New password confirmation").fill("quiet-river-walk-7")
    page.get_by_role("button", name="Save my password").click()
    page.get_by_role("heading", name="Today's exercises").wait_for()
    assert page.url.endswith("/me/")
