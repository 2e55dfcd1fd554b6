"""Beat for the chaos tests, on a compressed clock: ``python -m tests.chaos.beat``.

Production's beat (config/settings.py CELERY_BEAT_SCHEDULE) publishes ``notifications.dispatch_due``
every minute and ``notifications.reap_stuck`` every 5 minutes, which returns rows a dead worker
left in ``sending`` for 10 minutes (services.REAP_AFTER). A test bounded to a few minutes cannot
wait that long, so this process runs the same two sweeps on a shorter clock:

- every DISPATCH_EVERY seconds it publishes ``notifications.dispatch_due`` through the broker, the
  very message beat sends, for a worker to run;
- every REAP_EVERY seconds it runs ``services.reap_stuck`` with ``older_than=REAP_AFTER`` seconds.
  REAP_AFTER stays far above the longest time a live worker holds a claim here (a file-backend send
  takes milliseconds; a batch of 200 about a second), which is what services.REAP_AFTER guarantees
  in production with SMTP timeouts.

Like beat, it keeps going while Redis or PostgreSQL is down: a sweep that fails is tried again on
the next tick. Each tick is logged to stdout (counts only).
"""

import os
import sys
import time
from datetime import timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connections  # noqa: E402

from config.celery import app as celery_app  # noqa: E402
from notifications import services  # noqa: E402

DISPATCH_EVERY = float(os.environ.get("CHAOS_DISPATCH_EVERY", "5"))
REAP_EVERY = float(os.environ.get("CHAOS_REAP_EVERY", "2"))
REAP_AFTER = timedelta(seconds=float(os.environ.get("CHAOS_REAP_AFTER", "30")))


def log(text: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {text}", flush=True)


def main() -> None:
    next_dispatch = next_reap = time.monotonic()
    while True:
        now = time.monotonic()
        if now >= next_dispatch:
            next_dispatch = now + DISPATCH_EVERY
            try:
                celery_app.send_task("notifications.dispatch_due", retry=False)
            except Exception as error:  # noqa: BLE001 - the broker is down: try on the next tick
                log(f"dispatch not published: {type(error).__name__}")
        if now >= next_reap:
            next_reap = now + REAP_EVERY
            try:
                reaped = services.reap_stuck(older_than=REAP_AFTER)
                if reaped:
                    log(f"reaped {reaped}")
            except Exception as error:  # noqa: BLE001 - the database is down: try on the next tick
                log(f"reap failed: {type(error).__name__}")
                connections.close_all()
        time.sleep(0.1)


if __name__ == "__main__":
    log("chaos beat started")
    sys.exit(main())
