"""docker-compose.yml runs several app containers behind one proxy (issue 21, item 10).

`docker compose config` checks the file where Docker's compose plugin is installed; the rest
reads the file as YAML, as compose does, and checks what an operator relies on.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

BASE_DIR = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def services() -> dict:
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())["services"]


def test_compose_config_is_valid_where_docker_compose_is_installed(tmp_path):
    docker = shutil.which("docker")
    plugin = docker and subprocess.run(  # noqa: S603 (fixed arguments)
        [docker, "compose", "version"], capture_output=True, check=False
    )
    if not plugin or plugin.returncode:
        pytest.skip("docker compose is not installed here: the YAML checks below still run")
    result = subprocess.run(  # noqa: S603 (fixed arguments)
        [docker, "compose", "-f", str(BASE_DIR / "docker-compose.yml"), "config", "--quiet"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_several_app_containers_run_behind_one_proxy(services):
    app, proxy = services["app"], services["proxy"]
    assert re.fullmatch(r"\$\{APP_REPLICAS:-([2-9])\}", str(app["deploy"]["replicas"])), (
        "two or more by default"
    )
    assert "ports" not in app, "app containers are reached through the proxy only"
    assert proxy["ports"] == ["127.0.0.1:8000:80"], "only the TLS proxy on this machine reaches it"
    config_mount = next(v for v in proxy["volumes"] if v.endswith(":/etc/nginx/nginx.conf:ro"))
    nginx = (BASE_DIR / config_mount.split(":")[0]).read_text()
    # Every running app container, looked up again as containers come and go.
    assert re.search(r"server app:8000 resolve", nginx) and "resolver 127.0.0.11" in nginx
    assert "proxy_pass http://backcare_app;" in nginx
    assert "$proxy_add_x_forwarded_for" in nginx  # the client address reaches the app (TRUSTED_PROXY_COUNT)


def test_the_database_is_migrated_once_before_any_app_container_starts(services):
    migrate = services["migrate"]
    assert "manage.py migrate" in " ".join(migrate["command"])
    for name in ("app", "scheduler"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        assert "migrate" not in " ".join(services[name]["command"]), name
    # Uploaded pictures are shared by every app container.
    assert "media:/app/media" in services["app"]["volumes"]
