"""The shipped program's and questionnaires' text in the patient's language, as data.

Each `<dir>/translations/<language>.json` beside the shipped JSON maps an English text exactly as
shipped to its translation. A text is looked up as it is stored (a plan copies the template's
name and cautions word for word, so a copy keeps its translation); a clinic's own text, or one a
therapist changed, has no entry and shows as written. The files change only with the code, so each
process reads them once (correct by construction: no data in the database is cached).
"""

import json
from functools import cache
from pathlib import Path

from django.conf import settings
from django.utils import translation

TRANSLATION_DIRS = [
    Path(settings.BASE_DIR) / "exercises" / "programs" / "translations",
    Path(settings.BASE_DIR) / "outcomes" / "instruments" / "translations",
]


@cache
def data_texts(language: str) -> dict[str, str]:
    """Every shipped text's translation into `language` (empty for English or an unknown one)."""
    texts: dict[str, str] = {}
    for directory in TRANSLATION_DIRS:
        path = directory / f"{language}.json"
        if path.exists():
            texts.update(json.loads(path.read_text(encoding="utf-8"))["texts"])
    return texts


def data_text(text, language: str | None = None):
    """`text` in `language` (the active one by default), or as written when it has no translation."""
    if not text or not isinstance(text, str):
        return text
    language = (language or translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    return data_texts(language).get(text, text)
