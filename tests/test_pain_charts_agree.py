"""The patient and their therapist read the same pain chart: a therapist on the phone with a
patient, each looking at their own page, must find "before" and "after" drawn the same way and
the same numbers on the same markers."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from patients.services import session_log
from tests.factories import PASSWORD
from tests.patients.helpers import entries_for

pytestmark = pytest.mark.django_db


def pain_figure(html: str) -> str:
    """The pain chart's <figure> (the patient detail page has other charts)."""
    match = re.search(r'<figure class="pain-chart[^"]*">.*?</figure>', html, flags=re.S)
    assert match, "no pain chart on the page"
    return match.group(0)


def words(fragment: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", fragment).split())


def markers(figure: str) -> list[tuple[str, str]]:
    """Each data marker's shape and what its tooltip says, in drawing order."""
    svg = re.search(r'<svg[^>]*role="img".*?</svg>', figure, flags=re.S).group(0)
    return [
        (shape, " ".join(title.split()))
        for shape, title in re.findall(r"<(circle|rect)\b[^>]*><title>(.*?)</title>", svg, flags=re.S)
    ]


def test_the_patient_and_the_therapist_see_before_and_after_drawn_the_same_way(client, active_plan):
    patient = active_plan.patient
    today = patient.local_date()
    for back, (before, after) in enumerate([(6, 3), (5, 5), (4, 7)]):
        session_log(
            patient=patient,
            day=today - timedelta(days=back),
            pain_before=before,
            pain_after=after,
            symptom_change="same",
            exercises=entries_for(active_plan),
        )

    client.login(username=patient.user.username, password=PASSWORD)
    patients_chart = pain_figure(client.get(reverse("patients:progress")).content.decode())
    client.logout()
    client.force_login(patient.therapist)
    detail = reverse("portal:patient_detail", kwargs={"pk": patient.pk})
    therapists_chart = pain_figure(client.get(detail).content.decode())

    # Same description for screen readers, same legend.
    desc = re.compile(r"<desc[^>]*>(.*?)</desc>", flags=re.S)
    assert desc.search(patients_chart).group(1) == desc.search(therapists_chart).group(1)
    legend = re.compile(r"<figcaption[^>]*>(.*?)</figcaption>", flags=re.S)
    assert words(legend.search(patients_chart).group(1)) == words(legend.search(therapists_chart).group(1))
    assert "Dashed line with open circles: before the session" in patients_chart

    # Same shapes carrying the same numbers: open circles before, filled squares after.
    seen = markers(therapists_chart)
    assert markers(patients_chart) == seen
    days = [f"{(today - timedelta(days=back)):%-d %b}" for back in (2, 1, 0)]
    assert [title for shape, title in seen if shape == "circle"] == [
        f"{days[0]}: pain before 4",
        f"{days[1]}: pain before 5",
        f"{days[2]}: pain before 6",
    ]
    assert [title for shape, title in seen if shape == "rect"] == [
        f"{days[0]}: pain after 7",
        f"{days[1]}: pain after 5",
        f"{days[2]}: pain after 3",
    ]


def test_a_spanish_patients_chart_keeps_its_coordinates_in_numbers_a_browser_can_draw(client, active_plan):
    """Spanish writes 12,5 for 12.5; an SVG coordinate written that way is not drawn at all."""
    patient = active_plan.patient
    patient.user.language = "es"
    patient.user.save(update_fields=["language"])
    today = patient.local_date()
    for back, (before, after) in enumerate([(6, 3), (5, 5), (4, 0)]):
        session_log(
            patient=patient,
            day=today - timedelta(days=back),
            pain_before=before,
            pain_after=after,
            symptom_change="same",
            exercises=entries_for(active_plan),
        )
    client.login(username=patient.user.username, password=PASSWORD)
    chart = pain_figure(client.get(reverse("patients:progress")).content.decode())

    assert "Antes de la sesión" in chart
    coordinates = re.findall(r'\s(?:cx|cy|x|y|x1|x2|y1|y2)="([^"]*)"', chart)
    assert coordinates and all(re.fullmatch(r"-?\d+(\.\d+)?", value) for value in coordinates)
    for points in re.findall(r'points="([^"]*)"', chart):
        assert all(re.fullmatch(r"\d+(\.\d+)?,\d+(\.\d+)?", pair) for pair in points.split())
