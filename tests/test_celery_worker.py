"""A real Celery worker, as a separate process on Redis, delivers an invitation e-mail.

Needs PostgreSQL (the worker reads the rows this test commits) and Redis (the broker).
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from clinics.models import Enrollment
from config.celery import app as celery_app
from notifications.models import Notification
from tests.utils import client_for

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(tmp_path):
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    log = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_SECRET_KEY": "worker-test",
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "STEADY_VAR_DIR": str(tmp_path / "var"),
    }
    env.pop("EMAIL_HOST", None)
    # The queue may hold tasks left by an earlier, interrupted run: start from an empty one.
    celery_app.control.purge()
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--loglevel=INFO",
         f"--logfile={log}", "--without-mingle", "--without-gossip"],
        env=env,
        cwd=settings.BASE_DIR,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (log.exists() and " ready." in log.read_text()):
        if process.poll() is not None:
            pytest.fail(f"The Celery worker exited early:\n{log.read_text() if log.exists() else ''}")
        time.sleep(0.2)
    else:
        if not (log.exists() and " ready." in log.read_text()):
            process.terminate()
            pytest.fail("The Celery worker did not become ready within 30 s")
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield mail_dir
    celery_app.conf.task_always_eager = eager
    process.terminate()
    process.wait(timeout=20)


def wait_for_files(folder: Path, timeout: float = 30) -> list[Path]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        files = sorted(folder.iterdir())
        if files:
            time.sleep(1)  # anything sent twice would arrive now
            return sorted(folder.iterdir())
        time.sleep(0.2)
    return []


def test_a_real_worker_delivers_the_invitation_once(worker, clinic, cohort, therapist, clinic_admin):
    response = client_for(clinic_admin).post(
        reverse("clinic_detail", args=[clinic.slug]),
        {
            "name": "Rose Tyler",
            "email": "rose@example.com",
            "therapist": therapist.pk,
            "contact_mode": "async",
            "cohort": cohort.pk,
            "start_date": timezone.localdate().isoformat(),
            "time_zone": "Europe/London",
        },
    )
    assert response.status_code == 302
    enrollment = Enrollment.objects.get(patient__email="rose@example.com")

    files = wait_for_files(worker)

    assert len(files) == 1, "exactly one e-mail"
    message = files[0].read_text()
    assert "To: rose@example.com" in message
    assert "Your invitation to Steady" in message
    assert "/invite/" in message
    notification = Notification.objects.get(user=enrollment.patient)
    assert notification.status == Notification.Status.SENT
    assert notification.attempts == 1
