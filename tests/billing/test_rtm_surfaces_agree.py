"""One RTM month, read on each surface a clinic uses (the report page, its CSV and the API), for
the manager and the therapist: the same days, minutes, interaction and codes for every patient."""

import csv
import html
import io
import re

import pytest

from patients.models import Patient
from tests.api.conftest import client_for
from tests.factories import ManagerFactory

from .test_rtm_report import march  # noqa: F401  (a fixture: the hand-counted March)

pytestmark = pytest.mark.django_db

MONTH = {"month": "2026-03"}


def from_page(client) -> dict[int, tuple]:
    body = client.get("/portal/rtm/", MONTH).content.decode()
    rows = {}
    for pk, row in re.findall(r'<tr data-patient="(\d+)">(.*?)</tr>', body, flags=re.S):
        days = [int(n) for n in re.findall(r'data-period="\d+">[^<]*?: (\d+) days?', row)]
        cells = re.findall(r'<td class="text-end" data-label="Minutes">(\d+)', row)
        interaction = re.search(r'data-label="Real-time interaction">(yes|no)<', row).group(1) == "yes"
        codes = html.unescape(re.search(r"data-codes>(.*?)</td>", row, flags=re.S).group(1))
        rows[int(pk)] = (days, int(cells[0]), interaction, [] if codes == "—" else codes.split(", "))
    return rows


def from_csv(client) -> dict[int, tuple]:
    response = client.get("/portal/rtm/rtm.csv", MONTH)
    rows = {}
    for line in csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())):
        pk = int(line["patient_id"])
        days = rows.get(pk, ([],))[0]
        days.append(int(line["days_with_data"]))
        interaction = line["real_time_interaction"] == "1"
        rows[pk] = (days, int(line["minutes"]), interaction, line["codes_earned"].split())
    return rows


def from_api(user) -> dict[int, tuple]:
    body = client_for(user).get("/api/v1/reports/rtm/", MONTH).json()
    return {
        row["id"]: (
            [period["days"] for period in row["periods"]],
            row["minutes"],
            row["real_time_interaction"],
            [code["code"] for code in row["codes"] for _unit in range(code["units"])],
        )
        for row in body["patients"]
    }


def test_the_page_the_csv_and_the_api_agree_for_every_patient(client, therapist, march):  # noqa: F811
    manager = ManagerFactory(clinic=therapist.clinic)
    for user in (therapist, manager):
        client.force_login(user)
        page, sheet, api = from_page(client), from_csv(client), from_api(user)
        assert len(page) == 6
        assert page == sheet == api, user.role
    # A patient with 30 days and 40 minutes earns the add-on once: the hand count, on every surface.
    p30 = march[30].pk
    assert api[p30] == ([30, 0], 40, True, ["98975", "98977", "98980", "98981"])
    late = Patient.objects.get(user__first_name="Late")
    assert api[late.pk][1:] == (41, False, ["98975", "98977"])  # no real-time interaction: no time code
