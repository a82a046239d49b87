# BackCare — the two commands: `make run` and `make test`. Only Python 3.11+ is needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP_VERSION := 26.3
HOST ?= 127.0.0.1
PORT ?= 8000
# Local development defaults; real deployments set these in the environment.
export DEBUG ?= true

.PHONY: run test install axe lint migrations-check bench bench-requests outdated loadtest clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check pip==$(PIP_VERSION)

# Reinstall only when the pins change.
$(VENV)/.installed: requirements.txt requirements-dev.txt build-constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check \
		--build-constraint build-constraints.txt -r requirements-dev.txt
	touch $@

# A development .env (never copied into the Docker image), so `.venv/bin/python manage.py ...`
# works on a laptop without exporting DEBUG; production sets its variables itself.
.env:
	echo "DEBUG=true" > $@

# The translations: the repository holds only locale/*/LC_MESSAGES/*.po; the .mo files are made here.
install: $(VENV)/.installed .env
	$(BIN)/python manage.py compile_translations

# axe-core for the accessibility test, pinned in tests/browser/axe/package-lock.json, from the npm
# registry with npm (the copy inside axe-playwright-python lags behind the current rules). Only the
# tests need it: without npm, that test is skipped and says why (CI requires it).
AXE_JS := tests/browser/axe/node_modules/axe-core/axe.min.js
axe:
	@if [ ! -f $(AXE_JS) ] || [ tests/browser/axe/package-lock.json -nt $(AXE_JS) ]; then \
		if command -v npm >/dev/null; then \
			npm ci --prefix tests/browser/axe --no-audit --no-fund --silent && touch $(AXE_JS); \
		else echo "npm not found: the accessibility test will be skipped"; fi; \
	fi

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_programs
	$(BIN)/python manage.py load_instruments
	$(BIN)/python manage.py load_billing_codes
	$(BIN)/python manage.py load_demo
	@echo "BackCare is at http://$(HOST):$(PORT)/  (demo logins in README.md, password backcare-demo)"
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install axe
	$(BIN)/ruff check .
	$(BIN)/bandit -q -r accounts api audit backcare bench billing demo exercises interop messaging outcomes patients portal printouts records reminders reports scripts -lll
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest -n auto $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Pins with a newer release in the same minor series (run before a release).
outdated: install
	$(BIN)/python scripts/outdated.py

# 50 patients for 60 s against gunicorn + PostgreSQL; LOADTEST_ARGS="--restart-db --wrk" for more.
loadtest: install axe
	BIN=$(BIN) bench/loadtest-server.sh $(LOADTEST_ARGS)

# Milliseconds and queries per request for the load test's requests, in-process, as deployed.
bench-requests: install
	BIN=$(BIN) bench/loadtest-server.sh --in-process $(BENCH_ARGS)

# Adherence reports at clinic-chain scale; needs DATABASE_URL=postgres://... (data kept for reruns).
bench: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py bench_reports

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
