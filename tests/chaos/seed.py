"""Seed the chaos database: ``python -m tests.chaos.seed COUNT`` (DATABASE_URL and REDIS_URL set).

Makes COUNT patients of one clinic, each with a baseline questionnaire whose day has begun, then
runs the questionnaire sweep ``outcomes.schedule.open_due`` exactly as beat's ``outcomes.open_due``
task does in production: it opens each questionnaire and writes one due reminder per patient in the
outbox, whose commit hands the reminder to a worker through the broker (the fast path).
Prints the number of reminders written.
"""

import datetime
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from config.celery import app as celery_app  # noqa: E402
from notifications.models import Notification  # noqa: E402
from outcomes import schedule  # noqa: E402
from outcomes.instruments import get_instrument  # noqa: E402
from outcomes.models import Assessment, Occasion  # noqa: E402
from tests.factories import CohortFactory, EnrollmentFactory  # noqa: E402


def seed(count: int) -> int:
    now = timezone.now()
    phq9 = get_instrument("phq9")
    with transaction.atomic():
        cohort = CohortFactory(name="Chaos group")
        for _ in range(count):
            enrollment = EnrollmentFactory(cohort=cohort, patient__time_zone="UTC", patient__reminder_hour=6)
            # Opened yesterday at midnight: the reminder's hour (06:00 that day) has passed, so the
            # reminder open_due writes is due at once.
            opens = datetime.datetime.combine(
                now.date() - datetime.timedelta(days=1), datetime.time.min, tzinfo=datetime.UTC
            )
            Assessment.objects.create(
                enrollment=enrollment, instrument_key="phq9", instrument_version=phq9.version,
                occasion="baseline", occasion_kind=Occasion.BASELINE,
                opens_at=opens, due_at=opens + schedule.DUE_AFTER, closes_at=opens + schedule.CLOSES_AFTER,
            )  # fmt: skip
    celery_app.conf.task_always_eager = False  # tests.settings runs tasks inline; production does not
    schedule.open_due()
    return Notification.objects.filter(kind=schedule.OPEN_REMINDER_KIND).count()


if __name__ == "__main__":
    print(seed(int(sys.argv[1])))
