"""Production settings: `check --deploy` is silent with the documented variables; pages carry a
strict Content Security Policy and load nothing from another origin."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

BASE_DIR = Path(__file__).resolve().parents[2]


def _documented_production_env() -> dict[str, str]:
    """The variables of .env.example (what an operator copies), with a real secret filled in."""
    env = {}
    for line in (BASE_DIR / ".env.example").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            name, value = line.split("=", 1)
            env[name] = value
    env["SECRET_KEY"] = secrets.token_urlsafe(50)
    return env


def test_check_deploy_is_silent_with_the_documented_production_variables(tmp_path):
    production = _documented_production_env()
    assert production["DEBUG"] == "false"
    env = {k: v for k, v in os.environ.items() if k not in production and not k.startswith("DJANGO_")}
    env.update(production)
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'deploy.sqlite3'}"
    result = subprocess.run(  # noqa: S603 (fixed arguments)
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues (0 silenced)." in output
    assert "WARNING" not in output


def test_production_defaults_are_hardened():
    """What check --deploy looks for, as the app is configured without DEBUG."""
    result = subprocess.run(  # noqa: S603 (fixed arguments)
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s; "
            "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, "
            "s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.DEBUG)",
        ],
        cwd=BASE_DIR,
        env={
            **{k: v for k, v in os.environ.items() if k != "DEBUG"},
            "DJANGO_SETTINGS_MODULE": "backcare.settings",
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "EMAIL_URL": "smtp+tls://mailer:pw@smtp.example.org:587",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "31536000", "True", "True", "True", "False"]


def _pages_for(client, active_plan, manager):
    """Each person's pages, rendered for that person."""
    patient_user = active_plan.patient.user
    therapist = active_plan.patient.therapist
    yield None, reverse("login")
    yield None, reverse("password_reset")
    client.force_login(patient_user)
    yield patient_user, "/me/"
    client.force_login(therapist)
    yield therapist, "/portal/"
    yield therapist, "/portal/reports/"
    client.force_login(manager)
    yield manager, "/portal/reports/"
    yield manager, reverse("audit:list")


@pytest.mark.django_db
def test_every_page_has_a_strict_content_security_policy(client, active_plan, manager):
    for _who, url in _pages_for(client, active_plan, manager):
        response = client.get(url)
        assert response.status_code == 200, url
        policy = response["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
        assert directives["default-src"] == "'self'", url
        assert directives["script-src"] == "'self'", url
        assert directives["style-src"] == "'self'", url
        assert directives["frame-ancestors"] == "'none'", url
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, url


@pytest.mark.django_db
def test_admin_and_api_docs_carry_the_policy_too(admin_client):
    for url in ["/admin/", "/admin/patients/plan/", "/api/docs/"]:
        response = admin_client.get(url)
        assert response.status_code == 200, url
        assert "script-src 'self'" in response["Content-Security-Policy"], url


@pytest.mark.django_db
def test_api_docs_script_is_a_separate_file_not_inline(admin_client):
    html = admin_client.get("/api/docs/").content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts
    assert all('src="' in attrs and not body.strip() for attrs, body in scripts)
    assert "<style" not in html
    init = re.search(r'<script src="([^"]*script=[^"]*)"', html).group(1).replace("&amp;", "&")
    response = admin_client.get(init)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in response.content.decode()


OTHER_ORIGIN = re.compile(r"""(?:src|href|action|srcset)\s*=\s*["']\s*(?:https?:)?//""", re.I)


@pytest.mark.django_db
def test_no_page_loads_or_links_anything_from_another_origin(client, admin_client, active_plan, manager):
    pages = [
        (url, client.get(url).content.decode()) for _who, url in _pages_for(client, active_plan, manager)
    ]
    pages += [(url, admin_client.get(url).content.decode()) for url in ["/admin/", "/api/docs/"]]
    for url, html in pages:
        assert not OTHER_ORIGIN.findall(html), f"{url} refers to another origin"
        assert "<link" in html or "<script" in html, url  # the scan looked at real pages


@pytest.mark.django_db
def test_backcare_pages_have_no_inline_scripts_styles_or_handlers(client, active_plan, manager):
    for _who, url in _pages_for(client, active_plan, manager):
        html = client.get(url).content.decode()
        for attrs, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S):
            assert "src=" in attrs and not body.strip(), f"inline script on {url}"
        assert not re.search(r"\sstyle\s*=", html), f"style attribute on {url}"
        assert not re.search(r"<style", html), f"style block on {url}"
        assert not re.search(r"\son[a-z]+\s*=", html), f"event handler attribute on {url}"
