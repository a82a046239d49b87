"""Patient pages kept rendered in the shared cache between changes.

A patient opens their today page many times a day and it changes only when their plan,
sessions or alerts change, when the exercise library changes, or at local midnight. What the
page shows is cached per patient under a *stamp*: the patient's generation, the site-wide
generation, the patient record's creation time, a fingerprint of the code (backcare.release),
the patient's local date and the language. The whole page (`patient_page_response`) is also
stamped with the login's generations (its name and clinic are in the header) and the CSRF
cookie its form tokens are valid for. A change sets a new generation, so the next request
renders afresh; nothing is ever served across a change.

Generations (backcare.generations) are read before the database, so a page rendered while a
change commits is stored under the old generation and never served after it. They are bumped
from model signals (patients.signals) rather than from each service, so that every write — a
service, the admin, a management command — invalidates what it changes.

Needs a cache that every app process shares (Redis, REDIS_URL): with a per-process cache a
change made in one process would not reach the pages cached by another, so caching is off
unless settings.PATIENT_PAGE_CACHE is true (it defaults to whether REDIS_URL is set).
"""

import hashlib
from collections.abc import Callable, Sequence
from datetime import date
from typing import TypeVar

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from accounts.login_cache import login_generation_keys
from backcare.generations import generation_bump, generations_read
from backcare.release import release_fingerprint

from .models import Patient

# Long enough to serve a patient's day from the cache, short enough to bound memory.
PAGE_TIMEOUT = 6 * 60 * 60
SITE_GENERATION_KEY = "patient-pages:site"
T = TypeVar("T")


def _patient_generation_key(patient_id: int) -> str:
    return f"patient-pages:patient:{patient_id}"


def _page_key(name: str, patient_id: int) -> str:
    return f"patient-pages:{name}:{patient_id}"


def patient_pages_changed(patient_id: int) -> None:
    """One patient's pages are out of date (now, and again once the transaction commits)."""
    generation_bump(_patient_generation_key(patient_id))


def all_patient_pages_changed() -> None:
    """Every patient's pages are out of date (the exercise library, a program template or a
    therapist changed)."""
    generation_bump(SITE_GENERATION_KEY)


def patient_page_cached(
    *,
    name: str,
    patient: Patient,
    day: date,
    build: Callable[[], T],
    vary: tuple = (),
    also_generations: Sequence[str] = (),
) -> T:
    """What `build()` returns for this patient and day, from the cache when nothing changed.

    `build` must depend only on the database state of this patient, the exercise library and
    program templates, `day`, the active language and what `vary` and `also_generations` stand
    for, and must return a picklable value.
    """
    if not settings.PATIENT_PAGE_CACHE:
        return build()
    page_key = _page_key(name, patient.pk)
    generations, values = generations_read(
        [_patient_generation_key(patient.pk), SITE_GENERATION_KEY, *also_generations], also=[page_key]
    )
    stamp = (
        *generations,
        *vary,
        # A database rebuilt under a cache that outlived it may give the same id to another patient.
        patient.created_at.isoformat(),
        release_fingerprint(),  # the code that rendered it
        day.isoformat(),
        get_language(),
    )
    cached = values.get(page_key)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    value = build()
    cache.set(page_key, (stamp, value), timeout=PAGE_TIMEOUT)
    return value


def patient_page_fragment(*, name: str, patient: Patient, day: date, render: Callable[[], str]) -> SafeString:
    """The HTML `render()` returns for this patient and day (see patient_page_cached); it must be
    HTML safe to insert as it is (our own rendered template)."""
    html = patient_page_cached(name=name, patient=patient, day=day, build=render)
    return mark_safe(html)  # noqa: S308 (our own rendered template)


def patient_page_response(
    request, *, name: str, patient: Patient, day: date, render: Callable[[], HttpResponse]
) -> HttpResponse:
    """The whole page `render()` makes for the logged-in patient, from the cache when the frame
    around the cached content would be the same too: the same login (its name and clinic in the
    header: accounts.login_cache generations), the same CSRF cookie (the page's form tokens are
    valid for it) and no messages waiting to be shown. Otherwise `render()` as it is."""
    secret = request.META.get("CSRF_COOKIE")
    if not settings.PATIENT_PAGE_CACHE or not secret or list(get_messages(request)):
        # (Messages read here are still shown by the page that renders them.)
        return render()
    html = patient_page_cached(
        name=f"{name}-page",
        patient=patient,
        day=day,
        build=lambda: render().content.decode(),
        vary=(hashlib.sha256(secret.encode()).hexdigest(),),
        also_generations=login_generation_keys(request.user.pk),
    )
    return HttpResponse(html)
