"""The printed program's tests need WeasyPrint's system libraries (Pango, HarfBuzz).

Without them the tests that make a PDF are skipped with a visible reason, except where
BACKCARE_REQUIRE_BROWSER is set (CI, which installs them), where that is a failure.
"""

import os

import pytest

from printouts.pdf import pdf_unavailable_reason


@pytest.fixture
def pdf_required():
    reason = pdf_unavailable_reason()
    if reason:
        message = f"{reason}: install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b to make PDFs"
        if os.environ.get("BACKCARE_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
