"""The shipped languages' catalogues are complete: every string the code marks for translation is
in locale/<lang>/LC_MESSAGES/django.po, translated (not empty, not fuzzy), with the same
placeholders, and the catalogue compiles. A new string without its translation fails here."""

import gettext
import json
import os
import re
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from accounts.management.commands.update_catalogues import IGNORE, MAKEMESSAGES_OPTIONS, shipped_languages

LOCALE = Path(settings.BASE_DIR) / "locale"
SKIP = {*IGNORE, "locale", "__pycache__"}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


def _key(entry: polib.POEntry) -> tuple:
    return (entry.msgctxt, entry.msgid, entry.msgid_plural)


def _committed(language: str) -> polib.POFile:
    return polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))


def _placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> polib.POFile:
    """Every string marked in the code today, extracted afresh (Django's makemessages)."""
    if shutil.which("xgettext") is None:
        message = "xgettext (GNU gettext) not found: apt-get install gettext to check the catalogues"
        if os.environ.get("BACKCARE_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    # makemessages writes into the locale folder beside the files it reads: read a mirror of the
    # project's source (links to its files) so that the committed catalogue is left untouched.
    base = Path(settings.BASE_DIR)
    mirror = tmp_path_factory.mktemp("source")
    for directory, folders, files in os.walk(base):
        folders[:] = [name for name in folders if name not in SKIP and not name.startswith(".")]
        for name in files:
            if name.endswith((".py", ".html", ".txt")):
                target = mirror / Path(directory).relative_to(base) / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.symlink_to(Path(directory) / name)
    (mirror / "locale").mkdir()
    here = os.getcwd()
    os.chdir(mirror)
    try:
        with override_settings(LOCALE_PATHS=[mirror / "locale"]):
            call_command("makemessages", locale=["es"], **MAKEMESSAGES_OPTIONS)
    finally:
        os.chdir(here)
    return polib.pofile(str(mirror / "locale" / "es" / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("language", shipped_languages())
def test_every_string_of_the_code_is_in_the_catalogue(extracted, language):
    committed = {_key(entry) for entry in _committed(language) if not entry.obsolete}
    missing = [entry.msgid for entry in extracted if _key(entry) not in committed]
    assert not missing, (
        f"{len(missing)} string(s) not in locale/{language}: run `manage.py update_catalogues` and "
        f"translate them: {missing[:10]}"
    )


@pytest.mark.parametrize("language", shipped_languages())
def test_every_entry_is_translated_and_none_is_fuzzy(language):
    catalogue = _committed(language)
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries() if not entry.obsolete]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert not untranslated, f"{len(untranslated)} untranslated in locale/{language}: {untranslated[:10]}"
    assert not fuzzy, f"{len(fuzzy)} fuzzy in locale/{language} (check, then drop the flag): {fuzzy[:10]}"
    assert len(catalogue.translated_entries()) > 1000  # the whole interface, not a part


@pytest.mark.parametrize("language", shipped_languages())
def test_translations_keep_every_placeholder(language):
    """%(name)s and {name} come through unchanged (a singular form is checked against the singular)."""
    wrong = []
    for entry in _committed(language).translated_entries():
        if entry.msgid_plural:
            forms = [
                (entry.msgid if int(n) == 0 else entry.msgid_plural, text)
                for n, text in entry.msgstr_plural.items()
            ]
        else:
            forms = [(entry.msgid, entry.msgstr)]
        for source, text in forms:
            if _placeholders(source) != _placeholders(text):
                wrong.append((source, text))
    assert not wrong, f"placeholders changed in locale/{language}: {wrong[:5]}"


@pytest.mark.parametrize("language", shipped_languages())
def test_the_catalogue_compiles(tmp_path, language):
    mo = tmp_path / "django.mo"
    _committed(language).save_as_mofile(str(mo))
    with mo.open("rb") as file:
        compiled = gettext.GNUTranslations(file)
    assert compiled.gettext("Log out") != "Log out"


# The shipped program's and questionnaires' words (not slugs, file names or codes).
DATA_TEXT_KEYS = {
    "name",
    "description",
    "general_cautions",
    "starting_position",
    "instructions",
    "cautions",
    "alt",
    "title",
    "introduction",
    "activity_prompt",
    "text",
    "options",
}


def _shipped_texts(path: Path) -> set[str]:
    texts: set[str] = set()

    def walk(value, key=None):
        if isinstance(value, dict):
            for child_key, child in value.items():
                walk(child, child_key)
        elif isinstance(value, list):
            for child in value:
                walk(child, key)
        elif isinstance(value, str) and key in DATA_TEXT_KEYS and value.strip() and not value.isdigit():
            texts.add(value)

    walk(json.loads(path.read_text(encoding="utf-8")))
    return texts


@pytest.mark.parametrize("language", shipped_languages())
@pytest.mark.parametrize("folder", ["exercises/programs", "outcomes/instruments"])
def test_the_shipped_programs_and_questionnaires_text_is_translated_as_data(folder, language):
    base = Path(settings.BASE_DIR) / folder
    shipped = set().union(*(_shipped_texts(path) for path in base.glob("*.json")))
    translations = json.loads((base / "translations" / f"{language}.json").read_text(encoding="utf-8"))[
        "texts"
    ]
    assert sorted(shipped - set(translations)) == [], "shipped text without a translation"
    assert sorted(set(translations) - shipped) == [], "a translation of a text no longer shipped"
    assert all(text.strip() and text != source for source, text in translations.items())
