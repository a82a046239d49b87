"""The handout's exercises come with drawings (start and hold), shipped as data and static files,
and the therapist sees them where plans are built."""

import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from django.contrib.staticfiles import finders
from django.core.exceptions import ImproperlyConfigured
from django.templatetags.static import static

from exercises.models import Exercise, ExerciseIllustration
from exercises.services import SHIPPED_PROGRAMS_DIR, program_load, shipped_programs_load
from tests.factories import PASSWORD

SVG = "{http://www.w3.org/2000/svg}"
PROGRAMS = sorted(SHIPPED_PROGRAMS_DIR.glob("*.json"))
HANDOUT = json.loads((SHIPPED_PROGRAMS_DIR / "back-strengthening.json").read_text(encoding="utf-8"))
# Every exercise of the handout has a start and a hold drawing, except the lying hip rotation
# stretch: a side view cannot show "the lower leg across your chest", and no drawing is better
# than a misleading one.
DRAWN = [spec["slug"] for spec in HANDOUT["exercises"] if spec["slug"] != "lying-hip-rotation-stretch"]


class Images(HTMLParser):
    """The <img> tags of a page, as attribute dicts."""

    def __init__(self, html: str):
        super().__init__()
        self.images: list[dict] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.images.append(dict(attrs))


def drawings_named_by(path) -> list[tuple[str, dict]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return [
        (spec["slug"], drawing) for spec in data["exercises"] for drawing in spec.get("illustrations", [])
    ]


@pytest.mark.parametrize("program", PROGRAMS, ids=lambda path: path.name)
def test_every_drawing_a_program_names_is_a_static_svg_file_without_words(program):
    drawings = drawings_named_by(program)
    assert drawings
    for slug, drawing in drawings:
        found = finders.find(drawing["file"])
        assert found, f"{slug}: {drawing['file']} is not a static file"
        root = ET.parse(found).getroot()  # noqa: S314 (our own files)
        assert root.tag == f"{SVG}svg"
        assert (root.get("width"), root.get("height")) == ("240", "150")
        assert root.get("viewBox") == "0 0 240 150"
        assert not list(root.iter(f"{SVG}text")), "no words inside a picture"
        assert not list(root.iter(f"{SVG}image")), "drawn here, not pasted in"
        label = {"start": "Start: ", "hold": "Hold: "}[drawing["frame"]]
        assert drawing["alt"].startswith(label) and len(drawing["alt"]) > 30


def test_the_handouts_exercises_have_a_start_and_a_hold_drawing():
    frames = {slug: [] for slug in (spec["slug"] for spec in HANDOUT["exercises"])}
    for slug, drawing in drawings_named_by(SHIPPED_PROGRAMS_DIR / "back-strengthening.json"):
        frames[slug].append(drawing["frame"])
    assert {slug: f for slug, f in frames.items() if f} == {slug: ["start", "hold"] for slug in DRAWN}
    assert frames["lying-hip-rotation-stretch"] == []


def test_the_loader_stores_each_drawing_with_its_alt_text_and_size(handout_program):
    for spec in HANDOUT["exercises"]:
        stored = list(
            ExerciseIllustration.objects.filter(exercise__slug=spec["slug"]).values_list(
                "order", "frame", "static_path", "alt_text", "width", "height"
            )
        )
        expected = [
            (order, d["frame"], d["file"], d["alt"], 240, 150)
            for order, d in enumerate(spec.get("illustrations", []), start=1)
        ]
        assert stored == expected
    bridge = Exercise.objects.get(slug="bridge").illustrations.get(frame="hold")
    assert bridge.url == static("exercises/illustrations/bridge-hold.svg")
    assert "buttocks raised a few inches" in bridge.alt_text


def test_loading_again_keeps_the_same_drawings_and_follows_changes_to_the_data(handout_program):
    before = list(ExerciseIllustration.objects.order_by("pk").values_list("pk", "static_path", "alt_text"))
    shipped_programs_load()
    assert (
        list(ExerciseIllustration.objects.order_by("pk").values_list("pk", "static_path", "alt_text"))
        == before
    )

    data = json.loads(json.dumps(HANDOUT))
    bridge = next(spec for spec in data["exercises"] if spec["slug"] == "bridge")
    bridge["illustrations"] = bridge["illustrations"][1:]  # only the hold now
    bridge["illustrations"][0]["alt"] = "Hold: hips up a few inches."
    program_load(data=data)
    assert list(
        Exercise.objects.get(slug="bridge").illustrations.values_list("order", "frame", "alt_text")
    ) == [(1, "hold", "Hold: hips up a few inches.")]


def test_a_program_naming_a_missing_picture_is_refused_and_nothing_is_loaded(db):
    data = json.loads(json.dumps(HANDOUT))
    data["exercises"][0]["illustrations"][0]["file"] = "exercises/illustrations/no-such-drawing.svg"
    with pytest.raises(ImproperlyConfigured, match="no-such-drawing.svg"):
        program_load(data=data)
    assert not Exercise.objects.exists()


def test_the_plan_builder_shows_each_exercises_drawings(client, active_plan):
    client.login(username=active_plan.patient.therapist.username, password=PASSWORD)
    page = client.get(f"/portal/patients/{active_plan.patient.pk}/plans/{active_plan.pk}/")
    assert page.status_code == 200
    shown = {
        (img["src"], img["alt"], img.get("width"), img.get("height"), img.get("loading"))
        for img in Images(page.content.decode()).images
    }
    for slug in DRAWN:
        for drawing in Exercise.objects.get(slug=slug).illustrations.all():
            assert (drawing.url, drawing.alt_text, "240", "150", "lazy") in shown


def test_the_admin_shows_an_exercises_drawings(admin_client, handout_program):
    exercise = Exercise.objects.get(slug="partial-curl")
    page = admin_client.get(f"/admin/exercises/exercise/{exercise.pk}/change/").content.decode()
    alts = [img.get("alt") for img in Images(page).images]
    for drawing in exercise.illustrations.all():
        assert drawing.alt_text in alts
    assert "exercises/illustrations/partial-curl-hold.svg" in page
