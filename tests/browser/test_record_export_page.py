"""A clinic manager on a phone downloads a patient's whole record from the patient's page."""

import io
import zipfile

import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, ManagerFactory

from .conftest import PHONE, log_in, screenshot
from .test_accessibility import _violations

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_manager_downloads_the_record_on_a_phone(live_server, phone_page, axe, active_plan, monkeypatch):
    # The printed program inside is tests/records' to check; here, the page and the download.
    monkeypatch.setattr("printouts.pdf.html_to_pdf", lambda html, *, base_url: b"%PDF-1.7 test")
    patient = active_plan.patient
    manager = ManagerFactory(clinic=patient.clinic)
    page = phone_page
    log_in(page, live_server, manager.username, PASSWORD)
    page.goto(f"{live_server.url}/portal/patients/{patient.pk}/")
    name = patient.user.get_full_name()
    page.get_by_role("heading", name=name, level=1).wait_for()

    button = page.get_by_role("link", name="Export the whole record (ZIP)")
    expect(button).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert not _violations(axe, page)
    screenshot(page, "portal-patient-record-export-phone")

    with page.expect_download() as download:
        button.click()
    path = download.value.path()
    assert download.value.suggested_filename.startswith("backcare-record-")
    with zipfile.ZipFile(io.BytesIO(open(path, "rb").read())) as archive:
        assert {"manifest.json", "sessions.json", "program.pdf"} <= set(archive.namelist())
