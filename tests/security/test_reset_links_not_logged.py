"""A password-reset or invitation link is a login: it must never reach a log line.

In production mail goes out through EMAIL_URL (the console backend would print every link into
gunicorn's log), and the access logs of gunicorn and Django show /reset/<uid>/<token>/ paths
with the token redacted.
"""

import contextlib
import logging
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from backcare.log_filters import redact_tokens

BASE_DIR = Path(__file__).resolve().parents[2]
TOKEN = "cz5a1b-0123456789abcdef0123456789abcdef"  # noqa: S105 (the shape of Django's reset token)
RESET_PATH = f"/accounts/reset/MTI/{TOKEN}/"


SETUP = "import django; django.setup(); from django.conf import settings as s"


def _settings(env_overrides: dict, expr: str) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "EMAIL_URL", "EMAIL_BACKEND", "ALLOW_CONSOLE_EMAIL"}
    }
    env.update({"DJANGO_SETTINGS_MODULE": "backcare.settings", "SECRET_KEY": secrets.token_urlsafe(50)})
    env.update(env_overrides)
    return subprocess.run(  # noqa: S603 (fixed arguments)
        [sys.executable, "-c", f"{SETUP}\n{expr}"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_email_url_configures_the_smtp_server():
    result = _settings(
        {"DEBUG": "false", "EMAIL_URL": "smtp+tls://mailer:s3cret@smtp.example.org:587"},
        "print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, s.EMAIL_USE_TLS)",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.core.mail.backends.smtp.EmailBackend",
        "smtp.example.org",
        "587",
        "mailer",
        "True",
    ]


@pytest.mark.parametrize(
    "email",
    [
        {},
        {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"},
        {"EMAIL_URL": "consolemail://"},
    ],
    ids=["nothing-set", "console-backend", "console-url"],
)
def test_production_refuses_to_print_mail_into_the_log(email):
    result = _settings({"DEBUG": "false", **email}, "print(s.EMAIL_BACKEND)")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "EMAIL_URL" in result.stderr and "ALLOW_CONSOLE_EMAIL=true" in result.stderr


def test_production_prints_mail_only_when_told_to():
    result = _settings({"DEBUG": "false", "ALLOW_CONSOLE_EMAIL": "true"}, "print(s.EMAIL_BACKEND)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.core.mail.backends.console.EmailBackend"


def test_development_prints_mail_to_the_console():
    result = _settings({"DEBUG": "true"}, "print(s.EMAIL_BACKEND)")
    assert result.stdout.strip() == "django.core.mail.backends.console.EmailBackend"


@pytest.mark.parametrize(
    "text",
    [
        f"GET {RESET_PATH} HTTP/1.1",
        f"https://backcare.example.org{RESET_PATH}?next=x",
        f"/reset/MTI/{TOKEN}/",
        f"GET /accounts/login/?next=%2Faccounts%2Freset%2FMTI%2F{TOKEN}%2F HTTP/1.1",
    ],
)
def test_redact_tokens_hides_the_token(text):
    redacted = redact_tokens(text)
    assert TOKEN not in redacted and "reset" in redacted and "[redacted]" in redacted


@pytest.mark.parametrize("text", ["GET /accounts/reset/MTI/set-password/ HTTP/1.1", "GET /me/today/"])
def test_redact_tokens_keeps_paths_without_a_token(text):
    assert redact_tokens(text) == text


class _Lines(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines = []

    def emit(self, record):
        self.lines.append(record.getMessage())


@pytest.mark.parametrize(
    ("logger_name", "message", "args"),
    [
        ("django.server", '"%s" %s %s', (f"GET {RESET_PATH} HTTP/1.1", 200, 1234)),
        ("django.request", "Not Found: %s", (RESET_PATH,)),
        ("django.request", f"Internal Server Error: {RESET_PATH}", ()),
        ("backcare", "Something about %s", (RESET_PATH,)),
    ],
)
def test_djangos_log_records_show_no_token(logger_name, message, args):
    """The records Django writes for a request (runserver's access log, 4xx/5xx warnings),
    as every configured handler receives them."""
    logger = logging.getLogger(logger_name)
    lines = _Lines()
    # Filters sit on the handlers that write the logs: check each handler a record reaches.
    reached = []
    current = logger
    while current:
        # (pytest's own capturing handlers are not the app's logs)
        reached.extend(h for h in current.handlers if not type(h).__module__.startswith("_pytest"))
        if not current.propagate:
            break
        current = current.parent
    assert reached, f"{logger_name} writes nowhere"
    for handler in reached:
        record = logger.makeRecord(logger_name, logging.WARNING, __file__, 1, message, args, None)
        assert handler.filter(record)
        lines.emit(record)
    assert lines.lines and all(TOKEN not in line for line in lines.lines), lines.lines


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_gunicorns_access_log_shows_no_token(tmp_path):
    """gunicorn as the Dockerfile runs it (its config file, access log on stdout)."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        {
            "DEBUG": "true",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
            "ALLOWED_HOSTS": "127.0.0.1",
        }
    )
    out, err = tmp_path / "out.log", tmp_path / "err.log"
    with out.open("w") as stdout, err.open("w") as stderr:
        server = subprocess.Popen(  # noqa: S603 (fixed arguments)
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "backcare.wsgi",
                "-c",
                "gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
                "--no-control-socket",
                "--access-logfile",
                "-",
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=stdout,
            stderr=stderr,
        )
        try:
            deadline = time.monotonic() + 20
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)  # noqa: S310
                    break
                except urllib.error.HTTPError:
                    break
                except OSError:
                    assert time.monotonic() < deadline, err.read_text()
                    time.sleep(0.2)
            for path in (RESET_PATH, RESET_PATH + "?x=1"):
                # The empty database answers 500: the point is what the logs say.
                with contextlib.suppress(urllib.error.HTTPError):
                    urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10)  # noqa: S310
            time.sleep(0.5)
        finally:
            server.terminate()
            server.wait(timeout=10)
    logs = out.read_text() + err.read_text()
    assert "/accounts/reset/" in logs  # the requests were logged...
    assert TOKEN not in logs  # ...without their token
