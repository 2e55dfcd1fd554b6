#!/usr/bin/env bash
# `make demo`: Steady on the embedded default (SQLite, file-system broker and cache, e-mail to files)
# with a real Celery worker and beat, so scheduled work and reminders really run.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_DEBUG=1 DJANGO_HTTPS=0
unset DATABASE_URL REDIS_URL
BIN=.venv/bin
PORT=${PORT:-8000}

$BIN/python manage.py migrate --noinput -v0
$BIN/python manage.py seed_demo
mkdir -p var/mail var/log

$BIN/celery -A config worker --beat --pool=solo --loglevel=INFO \
  --schedule=var/celerybeat-schedule --logfile=var/log/celery.log &
WORKER=$!
trap 'kill $WORKER 2>/dev/null; wait $WORKER 2>/dev/null' EXIT INT TERM

cat <<MSG

  Steady is starting at http://127.0.0.1:$PORT
  Sign in with any account above. Staff also need a code from their authenticator:
      $BIN/python manage.py demo_totp <email>
  E-mails (invitations, sign-in codes) are written to var/mail/; the worker logs to var/log/celery.log.
  Stop with Ctrl+C.

MSG
$BIN/python manage.py runserver "127.0.0.1:$PORT"
