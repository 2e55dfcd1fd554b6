"""Test settings: Steady's settings with the few overrides tests need, all in this one place."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-not-a-secret")  # noqa: S105 (tests only)
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")

from config.settings import *  # noqa: E402,F403
from config.settings import VAR_DIR  # noqa: E402

# Production security settings stay on (HTTPS cookies, HSTS, CSP); only the redirect to https is off
# because the test client and the live server speak plain HTTP.
SECURE_SSL_REDIRECT = False
# Fast hashing: tests create many users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
# Tasks run inline unless a test starts a real worker (tests/test_celery_worker.py).
CELERY_TASK_ALWAYS_EAGER = True
STEADY_VAR_DIR = VAR_DIR / "test"
# Static files straight from static/ (no collectstatic before tests).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STATIC_ROOT = STEADY_VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

if REDIS_URL:  # noqa: F405
    # A database of its own: tests clear the cache, which must never touch the broker's keys.
    from urllib.parse import urlsplit, urlunsplit

    _parts = urlsplit(REDIS_URL)  # noqa: F405
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": urlunsplit(_parts._replace(path="/15")),
            "KEY_PREFIX": "steady-test",
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": STEADY_VAR_DIR / "cache",
        }
    }
