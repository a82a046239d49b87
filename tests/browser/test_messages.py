"""A patient asks their therapist a question from a phone; the therapist answers from the
patient's page in the portal; the patient sees the answer, newest last."""

import re

import pytest

from messaging.models import Message
from tests.factories import PASSWORD

from .conftest import log_in, open_menu, screenshot
from .test_questionnaire_phone import PHONE_390, _blocking

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_patient_asks_on_a_phone_and_the_therapist_answers_from_patient_detail(
    live_server, phone_page, desktop_page, active_plan
):
    patient = active_plan.patient
    therapist = patient.therapist
    phone = phone_page
    phone.set_viewport_size(PHONE_390)
    log_in(phone, live_server, patient.user.username, PASSWORD)
    phone.wait_for_url(f"{live_server.url}/me/")
    open_menu(phone)
    phone.get_by_role("link", name="Messages").click()
    phone.get_by_role("heading", name="Messages", level=1).wait_for()
    # Too long: refused with the reason, and what was typed is still there to shorten.
    box = phone.get_by_label("Your message")
    too_long = "Is the bridge safe? " * 101
    box.evaluate("(el, text) => { el.removeAttribute('maxlength'); el.value = text; }", too_long)
    phone.get_by_role("button", name="Send").click()
    phone.get_by_text("Keep a message to 2000 characters or fewer").wait_for()
    assert phone.get_by_label("Your message").input_value() == too_long
    phone.get_by_label("Your message").fill("Can I do the bridge if my back feels stiff in the morning?")
    phone.get_by_role("button", name="Send").click()
    phone.get_by_text("Message sent.").wait_for()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE_390["width"]
    assert _blocking(phone) == []
    screenshot(phone, "messages-patient-phone")

    desktop = desktop_page
    log_in(desktop, live_server, therapist.username, PASSWORD)
    desktop.wait_for_url(f"{live_server.url}/portal/")
    # The question puts the patient in the triage's messages group, its button opening the thread.
    desktop.get_by_text("Messages waiting for you").wait_for()
    screenshot(desktop, "messages-triage-desktop")
    desktop.get_by_role("link", name=re.compile(r"^Read and answer")).click()
    thread = desktop.locator("#messages")
    thread.get_by_text("Can I do the bridge if my back feels stiff").wait_for()
    thread.get_by_label("Your message").fill("Yes: start with a smaller lift, and stop if it hurts.")
    thread.get_by_role("button", name="Send").click()
    desktop.get_by_text("Message sent.").wait_for()
    assert "unread message" not in desktop.goto(f"{live_server.url}/portal/").text()
    screenshot(desktop, "messages-therapist-desktop")

    phone.goto(f"{live_server.url}/me/")
    open_menu(phone)
    phone.get_by_role("link", name="Messages 1 unread message").click()
    bodies = phone.locator(".message-body").all_inner_texts()
    assert bodies == [
        "Can I do the bridge if my back feels stiff in the morning?",
        "Yes: start with a smaller lift, and stop if it hurts.",
    ]
    assert Message.objects.filter(read_at__isnull=True).count() == 0
