import os

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses to run
# there unless told it is safe (it is: the tests are single-threaded).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from django.conf import settings as django_settings  # noqa: E402
from django.utils import translation  # noqa: E402

from exercises.models import ProgramTemplate  # noqa: E402
from exercises.services import shipped_programs_load  # noqa: E402
from outcomes.services import shipped_instruments_load  # noqa: E402

from .factories import ManagerFactory, PatientFactory, TherapistFactory  # noqa: E402


def pytest_sessionstart(session):
    """The Spanish pages need the compiled catalogues (the repository holds only the .po files)."""
    from accounts.management.commands.compile_translations import compile_catalogues

    compile_catalogues()


@pytest.fixture
def handout_program(db) -> ProgramTemplate:
    shipped_programs_load()
    shipped_instruments_load()  # NPRS, PSFS and the program's default questionnaires, as `make run`
    return ProgramTemplate.objects.get(slug="back-strengthening")


@pytest.fixture
def therapist(db):
    return TherapistFactory()


@pytest.fixture
def manager(therapist):
    return ManagerFactory(clinic=therapist.clinic)


@pytest.fixture
def patient(therapist):
    return PatientFactory(therapist=therapist)


@pytest.fixture
def active_plan(patient, handout_program):
    """An approved plan of the handout's program that started 3 days ago."""
    import datetime as dt

    from patients.services import plan_approve, plan_create_from_template

    plan = plan_create_from_template(
        confirm_start_date=True,
        patient=patient,
        template=handout_program,
        start_date=patient.local_date() - dt.timedelta(days=3),
        by=patient.therapist,
    )
    return plan_approve(plan=plan, by=patient.therapist)


@pytest.fixture(autouse=True)
def _media_of_its_own(settings, tmp_path_factory):
    """Uploaded files (exercise pictures, the demo's among them) go to a folder of the test run,
    never into the project's media/."""
    settings.MEDIA_ROOT = str(tmp_path_factory.getbasetemp() / "media")


@pytest.fixture(autouse=True)
def _each_test_starts_in_english():
    """A request of a Spanish-speaking person leaves Spanish active in the thread, as Django does
    between requests (the next request sets its own); a test that makes words without a request
    must not inherit it from the test before."""
    translation.activate(django_settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Real deployments hash with PBKDF2; tests only need hashing to be correct, not slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def lose_the_race():
    """`with lose_the_race(Model):` — the service's check ran a moment too early.

    The test first stores the competing row, as the other request does. Inside the block, the
    first `.exists()` on `Model` (the service's up-front "already there?" check) answers False, as
    it would have just before that request committed. The service then meets the database's
    unique constraint, as the loser of a real race does, on any database. On leaving, checks that
    exactly that check was answered, and that it would really have found the competing row.
    """
    from contextlib import contextmanager
    from unittest import mock

    from django.db.models import QuerySet

    @contextmanager
    def lose(model):
        real_exists = QuerySet.exists
        would_have_found = []

        def exists(queryset):
            if queryset.model is model and not would_have_found:
                would_have_found.append(real_exists(queryset))
                return False
            return real_exists(queryset)

        with mock.patch.object(QuerySet, "exists", exists):
            yield
        assert would_have_found == [True], f"no check on {model.__name__} met the competing row"

    return lose
