from django.apps import AppConfig


class BenchConfig(AppConfig):
    """Benchmarks and the load test: commands that measure the apps, kept apart from them."""

    name = "bench"
