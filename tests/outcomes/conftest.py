import pytest

from outcomes.services import shipped_instruments_load


@pytest.fixture
def instruments(handout_program):
    """The shipped questionnaires (NPRS, PSFS) and the handout program's default schedule."""
    return {instrument.code: instrument for instrument in shipped_instruments_load()}
