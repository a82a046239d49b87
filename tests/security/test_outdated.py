"""`make outdated`: which pins have a newer release in the same minor series."""

import importlib.util
from pathlib import Path
from unittest import mock

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "outdated.py"
spec = importlib.util.spec_from_file_location("outdated", SCRIPT)
outdated = importlib.util.module_from_spec(spec)
spec.loader.exec_module(outdated)


def test_only_a_newer_patch_of_the_same_minor_series_counts():
    available = ["6.0.1", "6.0", "5.3.0", "5.2.21", "5.2.20", "5.2.20rc1", "5.2.19", "5.1.15"]
    assert outdated.newer_in_series("5.2.19", available) == "5.2.21"
    assert outdated.newer_in_series("5.2.21", available) is None
    assert outdated.newer_in_series("5.1.15", available) is None
    assert outdated.newer_in_series("2026.9", ["2026.10", "2026.9"]) is None


def test_pins_are_read_from_the_requirements_files(tmp_path):
    req = tmp_path / "requirements.txt"
    req.write_text("# runtime\nDjango==5.2.19\nsetuptools<81\npsycopg[binary]==3.2.1  # db\n-r other.txt\n")
    assert outdated.pins([req]) == {"Django": "5.2.19", "psycopg": "3.2.1"}


def test_the_report_lists_what_is_behind(tmp_path, capsys):
    req = tmp_path / "requirements.txt"
    req.write_text("Django==5.2.19\nwhitenoise==6.12.0\n")
    index = {"Django": ["5.2.20", "5.2.19"], "whitenoise": ["6.12.0"]}
    with mock.patch.object(outdated, "available_versions", side_effect=lambda name, python: index[name]):
        assert outdated.main([str(req)]) == 1
    assert capsys.readouterr().out.strip() == "Django==5.2.19 -> 5.2.20"
