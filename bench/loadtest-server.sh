#!/usr/bin/env bash
# `make loadtest`: serve BackCare with gunicorn (2 workers) over PostgreSQL on 127.0.0.1 with
# production settings (HTTPS redirects off: there is no TLS proxy here), create the load-test
# clinic, run bench/loadtest.py against it with the arguments given, and stop the server.
# With --in-process first: no server; manage.py bench_requests times the same requests in-process.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-.venv/bin}
PORT=${LOADTEST_PORT:-8116}
export DATABASE_URL=${LOADTEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/backcare_loadtest}
export DEBUG=false
# The shared cache (API throttle counts) as deployed; emptied before each run.
export REDIS_URL=${LOADTEST_REDIS_URL:-redis://127.0.0.1:6379/1}
SECRET_KEY=$("$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(50))')
export SECRET_KEY
export ALLOWED_HOSTS=127.0.0.1,localhost SECURE_SSL_REDIRECT=false SESSION_COOKIE_SECURE=false \
  CSRF_COOKIE_SECURE=false SECURE_HSTS_SECONDS=0 LOG_LEVEL=WARNING ALLOW_CONSOLE_EMAIL=true
# 50 patients ask for a token from one address within seconds; the production limit is 10/minute.
export API_TOKEN_THROTTLE_RATE=${API_TOKEN_THROTTLE_RATE:-1000/minute}
STATIC_ROOT=$(mktemp -d)
export STATIC_ROOT

if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
"$BIN/python" - <<'PY'
import os, urllib.parse, psycopg
url = urllib.parse.urlsplit(os.environ["DATABASE_URL"])
name = url.path.lstrip("/")
conn = psycopg.connect(host=url.hostname, port=url.port or 5432, user=url.username, password=url.password, dbname="postgres", autocommit=True)
with conn.cursor() as cur:
    cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
    if not cur.fetchone():
        cur.execute(f'CREATE DATABASE "{name}"')
PY
"$BIN/python" -c 'import os, redis; redis.Redis.from_url(os.environ["REDIS_URL"]).flushdb()'
"$BIN/python" manage.py migrate --noinput -v0
"$BIN/python" manage.py collectstatic --noinput -v0
"$BIN/python" manage.py loadtest_setup --patients "${LOADTEST_PATIENTS:-50}" --reset
if [ "${1:-}" = "--in-process" ]; then
  # `make bench-requests`: the same requests, through Django's handler in this process only.
  shift
  "$BIN/python" manage.py bench_requests "$@"
  rm -rf "$STATIC_ROOT"
  exit 0
fi

"$BIN/gunicorn" backcare.wsgi --bind "127.0.0.1:$PORT" --workers "${LOADTEST_WORKERS:-2}" --no-control-socket \
  --log-level warning --pid "$STATIC_ROOT/gunicorn.pid" &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -rf "$STATIC_ROOT"' EXIT
for _ in $(seq 1 50); do
  curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.2
done
"$BIN/python" bench/loadtest.py --url "http://127.0.0.1:$PORT" --patients "${LOADTEST_PATIENTS:-50}" "$@"
