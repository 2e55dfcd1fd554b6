"""A file whose hand-off to a worker was lost (the broker was down), or whose worker died while
making it, is made anyway: beat's resume sweep enqueues it again, and it is made exactly once."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from outcomes.models import Export as ProgressExport
from outcomes.reports import export_resume as progress_resume
from reports.jobs import export_resume
from reports.models import Export

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def my_data_export(enrollment, *, created_minutes_ago, status=Export.Status.PENDING, started_minutes_ago=None):
    return Export.objects.create(
        owner=enrollment.patient,
        clinic=enrollment.clinic,
        enrollment=enrollment,
        kind=Export.Kind.MY_DATA_JSON,
        status=status,
        created_at=NOW - datetime.timedelta(minutes=created_minutes_ago),
        started_at=None if started_minutes_ago is None else NOW - datetime.timedelta(minutes=started_minutes_ago),
    )


def test_a_lost_hand_off_and_a_dead_worker_are_made_once_and_fresh_or_live_ones_are_left(enrollment):
    lost = my_data_export(enrollment, created_minutes_ago=5)
    dead = my_data_export(enrollment, created_minutes_ago=20, status=Export.Status.RUNNING, started_minutes_ago=13)
    just_asked = my_data_export(enrollment, created_minutes_ago=1)
    still_running = my_data_export(
        enrollment, created_minutes_ago=20, status=Export.Status.RUNNING, started_minutes_ago=5
    )
    given_up = my_data_export(enrollment, created_minutes_ago=45)

    assert export_resume(now=NOW) == 2

    for export in (lost, dead):
        export.refresh_from_db()
        assert export.status == Export.Status.DONE and export.content and export.filename.endswith(".json")
    for export, status in ((just_asked, "pending"), (still_running, "running"), (given_up, "pending")):
        export.refresh_from_db()
        assert (export.status, export.content) == (status, None)
    # A second sweep finds nothing more to do: nothing is made twice.
    assert export_resume(now=NOW) == 0


def test_a_claimed_export_is_not_made_again_by_a_duplicate_task(enrollment):
    from reports.tasks import render_export

    export = my_data_export(enrollment, created_minutes_ago=5)
    render_export.delay(export.pk)
    export.refresh_from_db()
    first = (export.finished_at, export.content)
    render_export.delay(export.pk)  # the original hand-off arriving after the sweep's
    export.refresh_from_db()
    assert (export.finished_at, export.content) == first


def test_a_lost_progress_report_is_made_by_the_sweep(enrollment, therapist):
    lost = ProgressExport.objects.create(
        owner=therapist,
        enrollment=enrollment,
        kind=ProgressExport.Kind.PROGRESS_PDF,
        created_at=NOW - datetime.timedelta(minutes=3),
    )
    dead = ProgressExport.objects.create(
        owner=therapist,
        enrollment=enrollment,
        kind=ProgressExport.Kind.PROGRESS_PDF,
        status=ProgressExport.Status.RUNNING,
        created_at=NOW - datetime.timedelta(minutes=10),
        started_at=NOW - datetime.timedelta(minutes=4),
    )
    assert progress_resume(now=NOW) == 2
    for export in (lost, dead):
        export.refresh_from_db()
        assert export.status == ProgressExport.Status.DONE and bytes(export.content).startswith(b"%PDF")


def test_beat_runs_both_sweeps_every_five_minutes():
    tasks = {entry["task"]: entry["schedule"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    for name in ("reports.resume_exports", "outcomes.resume_exports"):
        assert tasks[name].minute == set(range(0, 60, 5))
