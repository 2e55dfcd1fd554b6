"""Settings of the benchmark's gunicorn and in-process runs: Steady's own settings (from the
environment the harness sets: PostgreSQL, Redis, DEBUG off) plus the bare view H, reachable only
here through this ROOT_URLCONF, and an in-memory mail backend so sending costs no disk writes."""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
