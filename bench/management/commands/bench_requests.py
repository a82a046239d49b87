"""What the load test's requests cost inside Django: no network, no server, no load generator.

Calls Django's WSGI handler directly, one request at a time, for the requests bench/loadtest.py
makes, as a load-test patient (`loadtest_setup` makes them), and prints milliseconds and database
queries per request. Run it with the load test's settings (`make bench-requests` does: PostgreSQL,
Redis, DEBUG off), where it says how much of a request is Django's and ours, apart from gunicorn,
the network and wrk; with 2 workers on 2 cores, 2,000 / (ms per request) is a ceiling on
requests per second. It logs today's session for the first load-test patient (again and again);
`loadtest_setup --reset` removes it.
"""

import io
import json
import time
from http.cookies import SimpleCookie

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client

from accounts.services import device_token_create
from patients.models import Patient
from patients.selectors import plan_exercises_up_to_week, plan_live_for

from .loadtest_setup import patient_username


class _QueryCounter:
    """A database execute wrapper counting the statements of one request (not BEGIN/COMMIT),
    and keeping each one's SQL and milliseconds."""

    def __init__(self):
        self.count = 0
        self.statements: list[tuple[float, str]] = []

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.statements.append(((time.perf_counter() - started) * 1000, sql))


class Command(BaseCommand):
    help = "Milliseconds and queries per request for the load test's requests, in-process."

    def add_arguments(self, parser):
        parser.add_argument("--requests", type=int, default=500, help="timed requests of each kind")
        parser.add_argument(
            "--sql",
            action="store_true",
            help="also print each request's statements with their milliseconds",
        )
        parser.add_argument(
            "--profile",
            metavar="REQUEST",
            help="instead of timing, profile this request kind (cProfile) and print where the time goes",
        )

    def handle(self, *args, requests, profile=None, sql=False, **options):
        patient = Patient.objects.filter(user__username=patient_username(1)).select_related("user").first()
        if patient is None:
            raise CommandError("No load-test patient: run `manage.py loadtest_setup` first.")
        plan = plan_live_for(patient=patient)
        if plan is None or not plan.is_active_on(patient.local_date()):
            raise CommandError("The load-test patient has no active plan: run `manage.py loadtest_setup`.")
        handler = WSGIHandler()
        names = [h for h in settings.ALLOWED_HOSTS if h and h != "*" and not h.startswith(".")]
        host = names[0] if names else "localhost"

        def call(method: str, path: str, headers: dict, body: bytes = b"") -> tuple[int, dict]:
            environ = {
                "REQUEST_METHOD": method,
                "PATH_INFO": path,
                "QUERY_STRING": "",
                "SERVER_NAME": host,
                "SERVER_PORT": "443",
                "HTTP_HOST": host,
                "REMOTE_ADDR": "127.0.0.1",
                "wsgi.url_scheme": "https",
                "wsgi.input": io.BytesIO(body),
                "CONTENT_LENGTH": str(len(body)),
                **headers,
            }
            answer = {}

            def start_response(status, response_headers, exc_info=None):
                answer["status"], answer["headers"] = int(status[:3]), response_headers

            response = handler(environ, start_response)
            b"".join(response)
            response.close()
            return answer["status"], answer["headers"]

        # A browser's cookies: the login's session, and the CSRF cookie the first page sets.
        client = Client()
        client.force_login(patient.user)
        cookies = {name: morsel.value for name, morsel in client.cookies.items()}
        page_headers = {"HTTP_COOKIE": "; ".join(f"{k}={v}" for k, v in cookies.items())}
        status, headers = call("GET", "/me/", page_headers)
        for name, value in headers:
            if name.lower() == "set-cookie":
                cookies.update({k: m.value for k, m in SimpleCookie(value).items()})
        page_headers = {"HTTP_COOKIE": "; ".join(f"{k}={v}" for k, v in cookies.items())}

        _device, token = device_token_create(user=patient.user, name="bench_requests")
        today = patient.local_date()
        exercises = [
            {
                "plan_exercise": item.pk,
                "done": True,
                "reps": item.target_reps,
                "hold_seconds": item.target_hold_seconds,
                "hurt": False,
            }
            for item in plan_exercises_up_to_week(plan=plan, week=plan.current_week)
        ]
        body = json.dumps(
            {
                "date": today.isoformat(),
                "pain_before": 3,
                "pain_after": 2,
                "symptom_change": "same",
                "note": "bench",
                "exercises": exercises,
            }
        ).encode()
        api_headers = {"HTTP_AUTHORIZATION": f"Token {token}", "CONTENT_TYPE": "application/json"}

        kinds = {
            "healthz": lambda: call("GET", "/healthz", {}),
            "today_page": lambda: call("GET", "/me/", page_headers),
            "api_today": lambda: call("GET", "/api/v1/me/today/", api_headers),
            "session_log_relog_today": lambda: call("POST", "/api/v1/sessions/", api_headers, body),
        }
        if profile:
            if profile not in kinds:
                raise CommandError(f"--profile takes one of: {', '.join(kinds)}")
            self._profile(kinds[profile], requests)
            return
        results = {}
        self.stdout.write(
            f"{requests} requests each, in-process, as {patient.user.username} (database {connection.vendor})"
        )
        self.stdout.write(f"{'request':28} {'ms/request':>10} {'queries':>8} {'ceiling /s':>11}")
        for name, request in kinds.items():
            for _ in range(max(20, requests // 10)):  # warm: connections, template and query caches
                status, _headers = request()
            if status >= 400:
                raise CommandError(f"{name} answered {status}")
            queries = _QueryCounter()
            with connection.execute_wrapper(queries):
                request()
            started = time.perf_counter()
            for _ in range(requests):
                request()
            ms = (time.perf_counter() - started) / requests * 1000
            results[name] = {"ms": round(ms, 3), "queries": queries.count}
            self.stdout.write(f"{name:28} {ms:10.3f} {queries.count:8d} {2000 / ms:11.0f}")
            if sql:
                for took, statement in queries.statements:
                    self.stdout.write(f"    {took:7.3f} ms  {statement[:400]}")
        self.stdout.write(json.dumps(results))

    def _profile(self, request, requests: int) -> None:
        import cProfile
        import pstats

        for _ in range(max(20, requests // 10)):
            request()
        try:  # a sampling profiler distorts small functions less, when it is installed
            from pyinstrument import Profiler
        except ImportError:
            pass
        else:
            sampler = Profiler(interval=0.0002)
            with sampler:
                for _ in range(requests):
                    request()
            self.stdout.write(sampler.output_text(show_all=False, short_mode=False))
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(requests):
            request()
        profiler.disable()
        report = io.StringIO()
        stats = pstats.Stats(profiler, stream=report)
        stats.sort_stats("cumulative").print_stats(80)
        stats.sort_stats("tottime").print_stats(40)
        self.stdout.write(report.getvalue())
