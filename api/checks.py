"""`manage.py check --deploy`: says so when the token endpoint's throttle would count per process."""

from django.conf import settings
from django.core.checks import Tags, register
from django.core.checks import Warning as CheckWarning

PER_PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
)


@register(Tags.security, deploy=True)
def throttle_counts_are_shared(app_configs, **kwargs):
    if settings.CACHES["default"]["BACKEND"] not in PER_PROCESS_CACHES:
        return []
    return [
        CheckWarning(
            "The API token endpoint's throttle counts in each process's own memory: with several "
            "gunicorn workers or containers, each counts apart, so a client gets that many times the limit.",
            hint="Set REDIS_URL (e.g. redis://redis:6379/0) so every process shares the counts.",
            id="api.W001",
        )
    ]
