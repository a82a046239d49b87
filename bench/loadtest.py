#!/usr/bin/env python3
"""BackCare load and fault test: 50 patients logging sessions and opening their today page.

Run it against gunicorn on this machine (`make loadtest` starts one and runs this):

  1. Correctness run (--duration seconds, default 60): N concurrent patients (threads, one
     keep-alive connection each) each log in for an API token and a page session, then loop:
     log or re-log a session for one of the last days (POST /api/v1/sessions/), open today
     through the API (GET /api/v1/me/today/) and as a page (GET /me/). With --restart-db,
     PostgreSQL is restarted in the middle; requests during the outage should answer 503.
     Prints requests per second, p50/p95/p99 latency, errors, 503s and the recovery time.
  2. Check: every session acknowledged with 2xx is in the database exactly once, with what
     was last acknowledged for its day (read through Django's ORM with the same DATABASE_URL).
  3. Throughput (--wrk): wrk, whose load costs little CPU, on the today page and on the session
     log endpoint, each for --wrk-duration seconds; prints wrk's requests/s and latency.
  4. Fixed rate (--rate PAGES,LOGS): today pages and session logs started at those rates per
     second for --rate-duration seconds, whatever the answers, by a pool of connections; the
     latency of each request counts from the moment it was due to start (so a server that falls
     behind shows it: no coordinated omission). Prints p50/p95/p99 per kind and the rate reached.

Phases 3 and 4 live in throughput.py; the HTTP client they share, in loadclient.py.
Only loopback addresses are accepted as a target. The script stops by itself.
Exit status 0 only when there were no errors and no lost or duplicated sessions.
"""

import argparse
import datetime as dt
import http.client
import json
import os
import random
import re
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter, defaultdict
from pathlib import Path

from loadclient import Client, log_body, percentile
from throughput import run_fixed_rate, run_wrk

ROOT = Path(__file__).resolve().parent.parent
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
DEFAULT_PASSWORD = "loadtest-backcare-pw"  # noqa: S105 (the load-test logins of loadtest_setup)
BACKFILL_DAYS = 3


class Results:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, Counter] = defaultdict(Counter)
        self.errors: list[str] = []
        # (username, date) -> (note, pain_after) of the last 2xx acknowledgement
        self.acknowledged: dict[tuple[str, str], tuple[str, int]] = {}
        self.created = 0
        self.updated = 0
        self.first_503: float | None = None
        self.last_503: float | None = None
        self.first_ok_after_503: float | None = None
        self.unclear_503: Counter = Counter()  # what was wrong with 503s that were not clear
        # What the throughput phase reuses: each patient's page cookies, API token and "today".
        self.cookies: dict[str, dict[str, str]] = {}
        self.tokens: dict[str, str] = {}
        self.today: dict[str, str] = {}
        self.exercises: dict[str, list[dict]] = {}

    def record(self, kind: str, status: int | str, seconds: float, data: bytes = b"", response=None):
        problem = outage_problem(kind, data, response) if status == 503 and response is not None else None
        now = time.monotonic()
        with self.lock:
            self.latencies[kind].append(seconds)
            self.statuses[kind][status] += 1
            if problem:
                self.unclear_503[problem] += 1
            if status == 503:
                self.first_503 = self.first_503 or now
                self.last_503 = now
                self.first_ok_after_503 = None
            elif (
                isinstance(status, int)
                and status < 400
                and self.first_503
                and self.first_ok_after_503 is None
            ):
                self.first_ok_after_503 = now


def outage_problem(kind: str, data: bytes, response) -> str | None:
    """What is wrong with a 503 answer, or None when it is the clear outage page or JSON error."""
    text = data.decode("utf-8", "replace")
    if "Traceback" in text or 'File "/' in text:
        return "a stack trace"
    content_type = response.getheader("Content-Type", "")
    if kind.startswith("api"):
        try:
            detail = json.loads(data)["detail"]
        except (ValueError, KeyError, TypeError):
            return f"not a JSON error ({content_type})"
        if not detail:
            return "a JSON error without a message"
    elif not content_type.startswith("text/html") or "<h1" not in text:
        return f"not an HTML page ({content_type})"
    if not response.getheader("Retry-After"):
        return "no Retry-After header"
    return None


def login_page_session(client: Client, username: str, password: str) -> None:
    status, body, _ = client.request("GET", "/accounts/login/")
    if status != 200:
        raise RuntimeError(f"login page answered {status}")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    form = urllib.parse.urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token})
    status, _, _ = client.request(
        "POST",
        "/accounts/login/",
        body=form.encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Referer": client_origin(client)},
    )
    if status != 302:
        raise RuntimeError(f"page login for {username} answered {status}")


def client_origin(client: Client) -> str:
    return f"http://{client.host}:{client.port}/"


def api_token(client: Client, username: str, password: str) -> str:
    body = json.dumps({"username": username, "password": password}).encode()
    status, data, _ = client.request(
        "POST", "/api/v1/auth/token/", body=body, headers={"Content-Type": "application/json"}
    )
    if status != 200:
        raise RuntimeError(f"token for {username} answered {status}: {data[:200]!r}")
    return json.loads(data)["token"]


class Run:
    """All patients log in first; then the run starts for everyone at once."""

    def __init__(self, patients: int):
        self.logged_in = threading.Barrier(patients + 1)
        self.go = threading.Event()
        self.deadline = 0.0
        # Password hashing is slow on purpose: log the patients in a few at a time.
        self.login_slots = threading.Semaphore(4)


def patient_loop(args, username: str, results: Results, run: Run):
    rng = random.Random(username)  # noqa: S311 (load shape, not security)
    page = Client(args.host, args.port)
    api = Client(args.host, args.port)
    token = None
    try:
        with run.login_slots:
            login_page_session(page, username, args.password)
            if not args.pages_only:
                token = api_token(api, username, args.password)
    except Exception as exc:  # noqa: BLE001 (reported, counted as an error)
        with results.lock:
            results.errors.append(f"{username}: setup failed: {exc}")
        run.logged_in.abort()
        return
    try:
        run.logged_in.wait(timeout=300)
    except threading.BrokenBarrierError:
        return
    run.go.wait()
    deadline = run.deadline
    auth = {"Authorization": f"Token {token}"} if token else {}
    exercises: list[dict] = []
    today: dt.date | None = None
    while time.monotonic() < deadline:
        action = rng.random()
        try:
            if token and (action < 0.45 or not exercises):
                started = time.perf_counter()
                status, data, response = api.request("GET", "/api/v1/me/today/", headers=auth)
                results.record("api today", status, time.perf_counter() - started, data, response)
                if status == 200:
                    payload = json.loads(data)
                    exercises = payload.get("exercises", [])
                    today = dt.date.fromisoformat(payload["date"])
            elif token and action < 0.75 and today is not None:
                day = today - dt.timedelta(days=rng.randint(0, BACKFILL_DAYS))
                note = f"load {username} {time.time_ns()}"
                pain_after = rng.randint(0, 4)
                body = log_body(
                    day.isoformat(),
                    exercises,
                    pain_before=rng.randint(1, 4),
                    pain_after=pain_after,
                    symptom_change=rng.choice(["better", "same"]),
                    note=note,
                )
                started = time.perf_counter()
                status, data, response = api.request(
                    "POST",
                    "/api/v1/sessions/",
                    body=body,
                    headers={**auth, "Content-Type": "application/json"},
                )
                results.record("api log session", status, time.perf_counter() - started, data, response)
                if status in (200, 201):
                    with results.lock:
                        results.acknowledged[(username, day.isoformat())] = (note, pain_after)
                        if status == 201:
                            results.created += 1
                        else:
                            results.updated += 1
                elif status != 503:
                    with results.lock:
                        results.errors.append(f"{username}: log session {status}: {data[:200]!r}")
            else:
                started = time.perf_counter()
                status, data, response = page.request("GET", "/me/")
                results.record("page /me/", status, time.perf_counter() - started, data, response)
                if status == 200 and b"<h1" not in data:
                    with results.lock:
                        results.errors.append(f"{username}: /me/ answered 200 without a page")
        except (OSError, http.client.HTTPException) as exc:
            results.record("connection error", type(exc).__name__, 0.0)
            time.sleep(0.05)
    page.close()
    api.close()
    with results.lock:
        results.cookies[username] = dict(page.cookies)
        if token and today:
            results.tokens[username] = token
            results.today[username] = today.isoformat()
            results.exercises[username] = exercises


def restart_database(delay: float, log: list[str]) -> None:
    time.sleep(delay)
    versions = sorted(os.listdir("/etc/postgresql"))
    command = ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "restart"]
    log.append(f"{time.strftime('%H:%M:%S')} restarting PostgreSQL: {' '.join(command)}")
    started = time.monotonic()
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    log.append(
        f"{time.strftime('%H:%M:%S')} restart finished in {time.monotonic() - started:.1f} s "
        f"(exit {result.returncode}) {result.stderr.strip()}"
    )


def verify_sessions(results: Results) -> tuple[int, int, int, int]:
    """(acknowledged days, missing, duplicated, different from the last acknowledgement)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backcare.settings")
    import django

    django.setup()
    from django.db.models import Count

    from patients.models import SessionLog

    usernames = {username for username, _ in results.acknowledged}
    rows = defaultdict(list)
    for username, day, note, pain_after in SessionLog.objects.filter(
        patient__user__username__in=usernames
    ).values_list("patient__user__username", "date", "note", "pain_after"):
        rows[(username, day.isoformat())].append((note, pain_after))
    duplicated = (
        SessionLog.objects.filter(patient__user__username__in=usernames)
        .values("patient", "date")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .count()
    )
    missing = different = 0
    for key, expected in results.acknowledged.items():
        stored = rows.get(key, [])
        if not stored:
            missing += 1
        elif len(stored) > 1:
            duplicated += 1
        elif stored[0] != expected:
            different += 1
    return len(results.acknowledged), missing, duplicated, different


def report(results: Results, elapsed: float) -> int:
    total = sum(sum(c.values()) for c in results.statuses.values())
    print(f"\n== {total} requests in {elapsed:.1f} s: {total / elapsed:.0f} requests/s ==")
    print(f"{'request':<18}{'count':>8}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}  statuses")
    all_latencies = []
    for kind in sorted(results.statuses):
        latencies = results.latencies[kind]
        count = sum(results.statuses[kind].values())
        if kind != "connection error":
            all_latencies += latencies
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(results.statuses[kind].items(), key=str))
        print(
            f"{kind:<18}{count:>8}{count / elapsed:>8.0f}{percentile(latencies, 50) * 1000:>9.1f}"
            f"{percentile(latencies, 95) * 1000:>9.1f}{percentile(latencies, 99) * 1000:>9.1f}  {statuses}"
        )
    print(
        f"{'all':<18}{len(all_latencies):>8}{len(all_latencies) / elapsed:>8.0f}"
        f"{percentile(all_latencies, 50) * 1000:>9.1f}{percentile(all_latencies, 95) * 1000:>9.1f}"
        f"{percentile(all_latencies, 99) * 1000:>9.1f}"
    )
    outage = sum(c[503] for c in results.statuses.values())
    connection_errors = sum(results.statuses["connection error"].values())
    server_errors = sum(
        n
        for c in results.statuses.values()
        for s, n in c.items()
        if isinstance(s, int) and s >= 500 and s != 503
    )
    client_errors = sum(
        n for c in results.statuses.values() for s, n in c.items() if isinstance(s, int) and 400 <= s < 500
    )
    errors = len(results.errors) + server_errors + client_errors + connection_errors
    print(
        f"errors: {errors} (5xx other than 503: {server_errors}, 4xx: {client_errors}, "
        f"connection: {connection_errors}, other: {len(results.errors)})"
    )
    for line in results.errors[:10]:
        print(f"  {line}")
    unclear = sum(results.unclear_503.values())
    print(
        f"outage answers (503): {outage}, clear (JSON error or HTML page with Retry-After, "
        f"no stack trace): {outage - unclear}"
    )
    for problem, n in results.unclear_503.items():
        print(f"  {n} answered 503 with {problem}")
    errors += unclear
    if results.first_503:
        if results.first_ok_after_503:
            print(
                f"outage: 503s for {results.last_503 - results.first_503:.1f} s; first success "
                f"{results.first_ok_after_503 - results.first_503:.1f} s after the first 503 "
                "(recovered by itself)"
            )
        else:
            print("outage: NOT RECOVERED - no successful request after the last 503")
            errors += 1
    print(f"sessions acknowledged: {results.created} created (201), {results.updated} re-logged (200)")
    return errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8116", help="the server (loopback only)")
    parser.add_argument("--patients", type=int, default=50, help="concurrent patients (loadtest-01..)")
    parser.add_argument("--duration", type=float, default=60, help="seconds of the correctness run")
    parser.add_argument("--password", default=DEFAULT_PASSWORD)
    parser.add_argument(
        "--restart-db", action="store_true", help="restart PostgreSQL in the middle of the run"
    )
    parser.add_argument("--pages-only", action="store_true", help="only the /me/ page (no API calls)")
    parser.add_argument("--wrk", action="store_true", help="then measure throughput with wrk")
    parser.add_argument("--wrk-duration", type=int, default=30)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--no-verify", action="store_true", help="skip the database check")
    parser.add_argument(
        "--rate",
        type=lambda value: tuple(float(part) for part in value.split(",")),
        help="PAGES,LOGS: then start today pages and session logs at these rates per second",
    )
    parser.add_argument("--rate-duration", type=float, default=30)
    args = parser.parse_args(argv)
    url = urllib.parse.urlsplit(args.url)
    if url.scheme != "http" or url.hostname not in LOOPBACK:
        parser.error("the load test only targets this machine: http://127.0.0.1:PORT")
    args.host, args.port = url.hostname, url.port or 80
    args.concurrency = args.patients

    usernames = [f"loadtest-{n:02d}" for n in range(1, args.patients + 1)]
    results = Results()
    run = Run(len(usernames))
    restart_log: list[str] = []
    print(
        f"{len(usernames)} patients against {args.url} for {args.duration:.0f} s"
        + (" with a PostgreSQL restart in the middle" if args.restart_db else "")
    )
    threads = [threading.Thread(target=patient_loop, args=(args, u, results, run)) for u in usernames]
    for thread in threads:
        thread.start()
    try:
        run.logged_in.wait(timeout=300)
    except threading.BrokenBarrierError:
        run.go.set()
        for thread in threads:
            thread.join()
        print("setup failed:")
        for line in results.errors[:10]:
            print(f"  {line}")
        return 2
    started = time.monotonic()
    run.deadline = started + args.duration
    run.go.set()
    restarter = None
    if args.restart_db:
        restarter = threading.Thread(target=restart_database, args=(args.duration / 3, restart_log))
        restarter.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    if restarter:
        restarter.join()
    for line in restart_log:
        print(line)
    errors = report(results, elapsed)

    lost = 0
    if not args.no_verify and results.acknowledged:
        acknowledged, missing, duplicated, different = verify_sessions(results)
        print(
            f"database check: {acknowledged} acknowledged patient-days; missing {missing}, "
            f"duplicated {duplicated}, not the last acknowledged version {different}"
        )
        lost = missing + duplicated + different

    if args.wrk:
        run_wrk(args, results.tokens, results.cookies, results.today, results.exercises)
    if args.rate:
        errors += run_fixed_rate(args, results.tokens, results.cookies, results.today, results.exercises)

    ok = errors == 0 and lost == 0
    print(f"\nRESULT: {'PASS' if ok else 'FAIL'} ({errors} errors, {lost} lost or duplicated sessions)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
