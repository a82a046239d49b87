"""A patient who reads Spanish: their pages, printed program, API answers, e-mails and error
messages are in Spanish, the shipped program's text included; switching language; the therapist
sees and sets the patient's language."""

import io
import re
from html import unescape
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from pypdf import PdfReader

from accounts.services import email_change_request
from exercises.data_text import data_texts
from tests.api.conftest import client_for
from tests.factories import PASSWORD, PatientFactory
from tests.printouts.conftest import pdf_required  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db

TODAY_URL = reverse("patients:today")
LOG_URL = reverse("patients:log")
PROGRESS_URL = reverse("patients:progress")
LANGUAGE_URL = reverse("own_language")

# Words of the menu and footer an English page always has: none may be left on a Spanish page.
ENGLISH_NAV = [
    "Log out",
    "Your devices",
    "Your email address",
    "Skip to main content",
    "My progress",
    "Today",
]


def _english_phrases() -> list[str]:
    """Every English sentence of the interface that reads differently in Spanish (two words or
    more, no placeholders): finding one on a Spanish page means a string was left untranslated."""
    catalogue = polib.pofile(str(Path(settings.BASE_DIR) / "locale/es/LC_MESSAGES/django.po"))
    return [
        entry.msgid
        for entry in catalogue.translated_entries()
        if not entry.msgid_plural
        and entry.msgstr != entry.msgid
        and len(entry.msgid.split()) >= 2
        and not re.search(r"[%{<]", entry.msgid)
    ]


def text(response) -> str:
    """The page's visible words, tags removed, whitespace collapsed."""
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", response.content.decode(), flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def assert_no_english(words: str) -> None:
    left = [phrase for phrase in _english_phrases() if phrase in words]
    assert not left, f"English left on a Spanish page: {left}"
    for label in ENGLISH_NAV:
        assert not re.search(rf"\b{re.escape(label)}\b", words), label


@pytest.fixture
def spanish_plan(active_plan):
    user = active_plan.patient.user
    user.language = "es"
    user.save(update_fields=["language"])
    return active_plan


@pytest.fixture
def spanish_client(client, spanish_plan):
    client.login(username=spanish_plan.patient.user.username, password=PASSWORD)
    return client


def test_today_is_in_spanish_with_the_program_translated_as_data(spanish_client):
    response = spanish_client.get(TODAY_URL)
    words = text(response)
    assert '<html lang="es">' in response.content.decode()
    assert "Ejercicios de hoy" in words
    assert "Hágalo despacio y pare si le duele." in words
    assert "Semana 1: Para empezar" in words
    assert "Estiramiento de una rodilla al pecho" in words  # the exercise's name, from the data
    assert "Túmbese boca arriba con las dos rodillas dobladas." in words  # its first step
    assert "con cada pierna" in words
    assert "Registrar la sesión de hoy" in words
    assert "Single knee-to-chest stretch" not in words
    assert "Cerrar sesión" in words and "Idioma" in words
    assert_no_english(words)


def test_the_day_is_written_the_spanish_way(spanish_client, spanish_plan):
    today = spanish_plan.patient.local_date()
    months = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto"]
    months += ["septiembre", "octubre", "noviembre", "diciembre"]
    words = text(spanish_client.get(TODAY_URL))
    assert f"{today.day} de {months[today.month - 1]}" in words


def test_the_log_form_is_in_spanish(spanish_client):
    words = text(spanish_client.get(LOG_URL))
    for phrase in [
        "Registrar una sesión",
        "Dolor antes de empezar",
        "Dolor ahora, después de los ejercicios",
        "Comparada con ayer, su espalda está",
        "Mejor",
        "Peor",
        "Lo he hecho todo como me indicaron",
        "Algo fue diferente",
        "Basculación pélvica",
    ]:
        assert phrase in words, phrase
    assert_no_english(words)


def test_a_spanish_patient_gets_validation_errors_in_spanish_and_nothing_is_saved(
    spanish_client, spanish_plan
):
    response = spanish_client.post(LOG_URL, {"pain_before": "11", "as_prescribed": "1"})
    words = text(response)
    assert response.status_code == 200
    assert "Todavía no se ha guardado nada. Revise, por favor:" in words
    assert "Elija cuánto dolor tiene ahora, de 0 a 10." in words
    assert not spanish_plan.patient.sessions.exists()
    assert_no_english(words)


def test_progress_is_in_spanish(spanish_client):
    words = text(spanish_client.get(PROGRESS_URL))
    assert "Mi progreso" in words
    assert "Su racha" in words
    assert "Su dolor en las últimas 4 semanas" in words
    assert_no_english(words)


@pytest.mark.usefixtures("pdf_required")
def test_the_printed_program_is_in_the_patients_language_whoever_prints_it(client, spanish_plan):
    client.login(username=spanish_plan.patient.user.username, password=PASSWORD)
    response = client.get(reverse("patients:program_pdf"))
    pdf_text = " ".join(
        " ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(response.content)).pages
    )
    assert "Ejercicios para fortalecer la espalda" in pdf_text
    assert "Estiramiento de una rodilla al pecho" in pdf_text
    assert "Lo primero, la seguridad" in pdf_text
    assert "Single knee-to-chest" not in pdf_text
    assert "Safety first" not in pdf_text

    client.logout()  # the English-speaking therapist prints the same plan: still in Spanish
    client.login(username=spanish_plan.patient.therapist.username, password=PASSWORD)
    therapist_pdf = client.get(
        reverse("portal:plan_program_pdf", args=[spanish_plan.patient.pk, spanish_plan.pk])
    )
    assert therapist_pdf.status_code == 200
    text_of = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(therapist_pdf.content)).pages)
    assert "Lo primero, la seguridad" in " ".join(text_of.split())


def test_the_api_answers_a_spanish_patient_in_spanish(spanish_plan):
    api = client_for(spanish_plan.patient.user)
    today = api.get("/api/v1/me/today/").json()
    names = [exercise["name"] for exercise in today["exercises"]]
    assert names[0] == "Estiramiento de una rodilla al pecho"
    assert today["exercises"][0]["starting_position"] == "Túmbese boca arriba con las dos rodillas dobladas."
    assert today["general_cautions"].startswith("Haga estos ejercicios todos los días")
    assert api.get("/api/v1/me/today/")["Content-Language"] == "es"

    bad = api.post(
        "/api/v1/sessions/", {"pain_before": 11, "pain_after": 3, "symptom_change": "better"}, format="json"
    )
    assert bad.status_code == 400
    assert "10" in bad.json()["pain_before"][0] and "Ensure" not in bad.json()["pain_before"][0]
    assert not spanish_plan.patient.sessions.exists()


def test_a_clinics_own_text_without_spanish_shows_as_written(spanish_plan):
    item = spanish_plan.weeks.get(number=1).exercises.order_by("order").first()
    exercise = item.exercise
    exercise.name = "Our own stretch"
    exercise.save(update_fields=["name"])
    today = client_for(spanish_plan.patient.user).get("/api/v1/me/today/").json()
    assert "Our own stretch" in [row["name"] for row in today["exercises"]]


def test_switching_language_from_the_menu(client, active_plan):
    client.login(username=active_plan.patient.user.username, password=PASSWORD)
    assert "Today's exercises" in text(client.get(TODAY_URL))
    page = client.get(LANGUAGE_URL)
    assert b'<option value="es">Espa\xc3\xb1ol</option>' in page.content

    response = client.post(LANGUAGE_URL, {"language": "es"}, follow=True)
    assert "Se ha guardado su idioma." in text(response)
    active_plan.patient.user.refresh_from_db()
    assert active_plan.patient.user.language == "es"
    assert "Ejercicios de hoy" in text(client.get(TODAY_URL))

    refused = client.post(LANGUAGE_URL, {"language": "fr"})
    assert refused.status_code == 200
    assert "fr no es una de las opciones disponibles" in text(refused)  # Django's own message, in Spanish
    active_plan.patient.user.refresh_from_db()
    assert active_plan.patient.user.language == "es"

    client.post(LANGUAGE_URL, {"language": "en"})
    assert "Today's exercises" in text(client.get(TODAY_URL))


def test_before_login_the_browser_language_is_used(client):
    words = text(client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9"))
    assert "Iniciar sesión en BackCare" in words
    assert "¿Ha olvidado su contraseña?" in words
    assert "Log in to BackCare" in text(client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en"))


def test_the_users_language_wins_over_the_browsers(spanish_client):
    assert "Ejercicios de hoy" in text(spanish_client.get(TODAY_URL, HTTP_ACCEPT_LANGUAGE="en-GB,en"))


def test_password_reset_mail_is_in_the_accounts_language_whoever_asks(client, patient):
    patient.user.language = "es"
    patient.user.email = "ana@example.org"
    patient.user.save(update_fields=["language", "email"])
    client.post(reverse("password_reset"), {"email": "ana@example.org"}, HTTP_ACCEPT_LANGUAGE="en")
    assert len(mail.outbox) == 1
    assert "Abra este enlace para elegir su contraseña:" in mail.outbox[0].body


def test_email_change_mails_are_in_the_patients_language(
    patient, therapist, django_capture_on_commit_callbacks
):
    patient.user.language = "es"
    patient.user.email = "old@example.org"
    patient.user.save(update_fields=["language", "email"])
    with django_capture_on_commit_callbacks(execute=True):
        email_change_request(
            user=patient.user, new_email="new@example.org", by=therapist, base_url="http://x/"
        )
    subjects = sorted(message.subject for message in mail.outbox)
    assert subjects == [
        "Confirme su nueva dirección de correo electrónico para BackCare",
        "Se ha pedido un cambio de su correo electrónico de BackCare",
    ]


def test_the_therapist_sets_and_sees_the_patients_language(client, therapist):
    api = client_for(therapist)
    created = api.post(
        "/api/v1/patients/",
        {"username": "lucia", "first_name": "Lucía", "last_name": "Gómez", "password": "", "language": "es"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert created.json()["language"] == "es"
    assert api.get(f"/api/v1/patients/{created.json()['id']}/").json()["language"] == "es"

    refused = api.post(
        "/api/v1/patients/",
        {"username": "pierre", "first_name": "Pierre", "last_name": "Martin", "language": "fr"},
        format="json",
    )
    assert refused.status_code == 400 and "language" in refused.json()

    client.login(username=therapist.username, password=PASSWORD)
    page = text(client.get(reverse("portal:patient_detail", args=[created.json()["id"]])))
    assert "Language: Spanish" in page

    english = PatientFactory(therapist=therapist)
    assert "Language: English" in text(client.get(reverse("portal:patient_detail", args=[english.pk])))


def test_the_therapist_chooses_the_language_when_adding_a_patient_in_the_portal(client, therapist):
    client.login(username=therapist.username, password=PASSWORD)
    response = client.post(
        reverse("portal:patient_add"),
        {
            "first_name": "Lucía",
            "last_name": "Gómez",
            "username": "lucia",
            "language": "es",
            "access": "invite",
        },
    )
    assert response.status_code == 302
    from accounts.models import User

    assert User.objects.get(username="lucia").language == "es"


def test_the_questionnaires_are_in_spanish(spanish_client, spanish_plan):
    from outcomes.services import shipped_instruments_load

    shipped_instruments_load()
    today = text(spanish_client.get(TODAY_URL))
    assert "Escala de dolor (EVN)" in today and "Actividades que le cuestan (PSFS)" in today
    nprs = text(spanish_client.get("/me/questionnaires/nprs/"))
    assert "¿cuánto le ha dolido la espalda?" in nprs
    assert "Elija el número que mejor describe su dolor." in nprs
    assert_no_english(nprs)
    psfs = text(spanish_client.get("/me/questionnaires/psfs/"))
    assert "ponerse los calcetines" in psfs
    assert_no_english(psfs)
    refused = text(spanish_client.post("/me/questionnaires/nprs/", {}))
    assert "Responda a la(s) pregunta(s) 1." in refused


def test_the_therapist_changes_a_patients_language_and_the_audit_trail_says_so(client, patient, manager):
    changed = client_for(patient.therapist).patch(
        f"/api/v1/patients/{patient.pk}/", {"language": "es"}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["language"] == "es"
    refused = client_for(patient.therapist).patch(
        f"/api/v1/patients/{patient.pk}/", {"language": "xx"}, format="json"
    )
    assert refused.status_code == 400
    patient.user.refresh_from_db()
    assert patient.user.language == "es"
    client.force_login(manager)
    name = patient.user.get_full_name()
    assert f"Changed {name}'s details: language" in text(client.get("/portal/audit/"))


def test_a_spanish_patients_invitation_page_is_in_spanish_whatever_the_browser(client, therapist):
    from patients import services

    patient = services.patient_create(
        therapist=therapist, username="lucia", first_name="Lucía", last_name="Gómez", language="es"
    )
    uidb64, token = services.patient_invitation(patient=patient, by=therapist)
    link = reverse("password_reset_confirm", kwargs={"uidb64": uidb64, "token": token})
    form_url = client.get(link, HTTP_ACCEPT_LANGUAGE="en").url
    page = text(client.get(form_url, HTTP_ACCEPT_LANGUAGE="en"))
    assert "Elija su contraseña" in page and "Su nombre de usuario es lucia" in page
    weak = text(
        client.post(form_url, {"new_password1": "123", "new_password2": "123"}, HTTP_ACCEPT_LANGUAGE="en")
    )
    assert "La contraseña es demasiado corta" in weak  # Django's own validation message, in Spanish
    assert_no_english(weak)


def test_an_exercise_that_hurt_and_the_session_page_are_in_spanish(spanish_client, spanish_plan):
    from patients.selectors import plan_exercises_up_to_week
    from patients.services import ExerciseEntry, session_log

    items = list(plan_exercises_up_to_week(plan=spanish_plan, week=1))
    entries = [ExerciseEntry.at_targets(item, hurt=item.exercise.slug == "pelvic-tilt") for item in items]
    session, _created = session_log(
        patient=spanish_plan.patient,
        day=spanish_plan.patient.local_date(),
        pain_before=4,
        pain_after=5,
        symptom_change="worse",
        exercises=entries,
    )
    today = text(spanish_client.get(TODAY_URL))
    assert "Usted paró Basculación pélvica porque le dolía." in today  # the name from the data, too
    assert "La última vez esto le dolió y paró." in today
    assert_no_english(today)
    detail = text(spanish_client.get(reverse("patients:session", args=[session.pk])))
    assert "Dolor antes" in detail and "Basculación pélvica" in detail and "Peor" in detail
    assert_no_english(detail)


def test_a_spanish_speaking_therapist_sees_the_shipped_library_in_spanish(client, therapist, handout_program):
    therapist.language = "es"
    therapist.save(update_fields=["language"])
    client.login(username=therapist.username, password=PASSWORD)
    library = text(client.get(reverse("library:exercise_list")))
    assert "Puente" in library and "Basculación pélvica" in library
    program = text(client.get(reverse("library:program_detail", args=[handout_program.pk])))
    assert "Ejercicios para fortalecer la espalda" in program and "Semana 1: Para empezar" in program
    assert "Getting started" not in program
    assert_no_english(text(client.get(reverse("portal:caseload"))))


def _shipped_english(answer) -> list[str]:
    """Every string in a JSON answer that is shipped English text with a Spanish translation."""
    translated = {english for english, spanish in data_texts("es").items() if english != spanish}
    found = []

    def walk(value):
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str) and value in translated:
            found.append(value)

    walk(answer)
    return found


def test_no_api_answer_to_a_spanish_speaker_holds_the_shipped_english_text(spanish_plan):
    """Every endpoint a Spanish-speaking patient or therapist reads gives the shipped program's
    and questionnaires' text in Spanish: exercise names, week titles and introductions,
    progression rules, the questionnaires due. (An instrument's own resource is its definition as
    stored, which states its language; it is not translated.)"""
    patient_api = client_for(spanish_plan.patient.user)
    therapist = spanish_plan.patient.therapist
    therapist.language = "es"
    therapist.save(update_fields=["language"])
    therapist_api = client_for(therapist)
    paths = {
        patient_api: ["/api/v1/me/today/", "/api/v1/me/questionnaires/"],
        therapist_api: [
            f"/api/v1/plans/{spanish_plan.pk}/",
            "/api/v1/plans/",
            "/api/v1/programs/",
            "/api/v1/exercises/",
        ],
    }
    for api, urls in paths.items():
        for url in urls:
            answer = api.get(url)
            assert answer.status_code == 200, url
            assert not _shipped_english(answer.json()), f"{url}: {_shipped_english(answer.json())[:5]}"
