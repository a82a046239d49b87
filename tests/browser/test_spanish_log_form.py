"""A patient who reads Spanish logs a session on a phone (390 × 844): the login, the log form and
the confirmation are in Spanish, and the form passes axe."""

import re

import pytest

from patients.models import SessionLog
from tests.factories import PASSWORD

from .conftest import WCAG, screenshot

pytestmark = pytest.mark.django_db(transaction=True)

PHONE_390 = {"width": 390, "height": 844}
ENGLISH = ["Log out", "Your exercises", "Pain before you started", "I did everything as prescribed", "Save"]


@pytest.fixture
def spanish_phone(browser):
    # The browser asks for Spanish too, so the login page (before we know who it is) is in Spanish.
    context = browser.new_context(viewport=PHONE_390, has_touch=True, is_mobile=True, locale="es-ES")
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_a_spanish_patient_logs_a_session_on_a_phone(live_server, spanish_phone, active_plan, axe):
    user = active_plan.patient.user
    user.language = "es"
    user.save(update_fields=["language"])
    page = spanish_phone
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Nombre de usuario").fill(user.username)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()

    page.goto(f"{live_server.url}/me/log/")
    page.get_by_role("heading", name="Sus ejercicios").wait_for()
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_390["width"]  # no sideways scroll
    words = page.locator("body").inner_text()
    for english in ENGLISH:
        assert not re.search(rf"\b{re.escape(english)}\b", words), english
    assert "Estiramiento de una rodilla al pecho" in page.content()  # the program's text, as data
    violations = axe.run(page, options=WCAG).response["violations"]
    screenshot(page, "patient-log-spanish-phone")

    page.get_by_role("group", name="Dolor antes de empezar").get_by_text("5", exact=True).click()
    page.get_by_role("group", name="Dolor ahora, después de los ejercicios").get_by_text(
        "3", exact=True
    ).click()
    page.get_by_text("Igual", exact=True).click()
    page.get_by_role("button", name=re.compile("Lo he hecho todo como me indicaron")).click()
    page.get_by_text(re.compile(r"Guardada: su sesión \(Hoy\)\. ¡Muy bien!")).wait_for()
    violations += axe.run(page, options=WCAG).response["violations"]
    screenshot(page, "patient-today-spanish-phone")

    session = SessionLog.objects.get(patient=active_plan.patient)
    assert (session.pain_before, session.pain_after, session.symptom_change) == (5, 3, "same")
    assert not violations, [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in violations]
