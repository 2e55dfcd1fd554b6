"""The patient's progress report as a PDF: asked for on "My progress", made by a Celery task, fetched
by its owner.

- ``progress_report_request`` (service) makes an Export row and enqueues ``outcomes.render_export``
  after commit; a second click while one is waiting gets the same row back.
- ``render_export`` (called by the task) claims the row with a conditional UPDATE, renders
  templates/outcomes/report/progress.html with WeasyPrint and stores the bytes.
- ``access_own_export`` is the only way views reach an Export: by code, and only the owner's.

WeasyPrint fetches every URL in the document (stylesheets, images, ``@import``, fonts) through
a ``StaticFilesOnlyFetcher``, which serves Steady's own static files from disk and refuses everything
else, so a report can never read local files or reach the network (security.md section 6; WeasyPrint
70 is the first release whose custom fetcher also covers ``stylesheets=``, GHSA-jf6q-chmf-3h3v).
"""

import datetime
import functools
import logging
import mimetypes
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.db import transaction
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone, translation

from clinics.models import Enrollment
from outcomes import progress
from outcomes.models import Export

logger = logging.getLogger(__name__)

# The document's own origin. ".invalid" never resolves (RFC 2606), so even a fetcher that slipped
# through could not reach anything; ours never opens a connection at all.
REPORT_BASE_URL = "https://report.steady.invalid/"
REPORT_STATIC_URL = REPORT_BASE_URL + "static/"
STATIC_SUFFIXES = frozenset({".css", ".svg", ".png", ".jpg", ".jpeg", ".woff", ".woff2", ".ttf", ".otf"})
# An export not finished after this long is shown as failed (its worker died or the queue is stuck),
# and a new click makes a new one rather than waiting on it forever.
GIVE_UP_AFTER = datetime.timedelta(minutes=15)
# outcomes.render_export's limits; a render running past the hard limit has lost its worker.
RENDER_SOFT_TIME_LIMIT = 60
RENDER_TIME_LIMIT = 90
# A pending export not picked up by then has probably lost its hand-off (see export_resume).
RESUME_PENDING_AFTER = datetime.timedelta(minutes=2)
ERROR_MESSAGE = "The report could not be made."


class RefusedURL(ValueError):
    """A URL the report may not fetch. WeasyPrint catches it and leaves the resource out."""


def static_files_only_fetcher():
    """A new ``StaticFilesOnlyFetcher`` (see ``_fetcher_class``)."""
    return _fetcher_class()()


@functools.cache
def _fetcher_class():
    # WeasyPrint is imported here, not at the top: importing it takes about a second and 40 MB, which
    # web processes (they import this module for the export views) should not pay. Only workers render.
    from weasyprint import URLFetcher
    from weasyprint.urls import URLFetcherResponse

    class StaticFilesOnlyFetcher(URLFetcher):
        """Serves files found by Django's static finders under REPORT_STATIC_URL; refuses the rest.

        No URL is opened: not file: (local files), not http(s): (the network, including the broker on
        localhost), not data:. ``served`` and ``refused`` list the URLs asked for, for tests and debugging.
        """

        def __init__(self):
            super().__init__(timeout=5, allowed_protocols=(), allow_redirects=False, fail_on_errors=False)
            self.served: list[str] = []
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            path = static_file_for(url)
            if path is None:
                self.refused.append(url)
                raise RefusedURL("only Steady's own static files may be used in a report")
            self.served.append(url)
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": content_type})

    return StaticFilesOnlyFetcher


def static_file_for(url: str) -> Path | None:
    """The static file a report URL names, or None when it is not one of ours."""
    if not url.startswith(REPORT_STATIC_URL):
        return None
    name = unquote(urlsplit(url).path).removeprefix("/static/")
    parts = PurePosixPath(name).parts
    if not parts or ".." in parts or "\\" in name or "\x00" in name or name.startswith("/"):
        return None
    if PurePosixPath(name).suffix.lower() not in STATIC_SUFFIXES:
        return None
    try:
        found = finders.find(name)
    except SuspiciousFileOperation:
        return None
    return Path(found) if found else None


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, base_url=REPORT_BASE_URL, url_fetcher=static_files_only_fetcher()).write_pdf()


# --- Access and service -------------------------------------------------------------------------


def access_own_export(user, code, *, done: bool = False) -> Export:
    """The user's own export with this code (404 otherwise); with ``done``, only a finished one."""
    exports = Export.objects.filter(owner_id=user.pk)
    if done:
        exports = exports.filter(status=Export.Status.DONE, content__isnull=False)
    else:
        exports = exports.defer("content")
    try:
        return exports.get(code=code)
    except Export.DoesNotExist:
        raise Http404("No such export.") from None


def export_state(export: Export, now=None) -> str:
    """The status to show: a pending or running export past GIVE_UP_AFTER counts as failed."""
    now = now or timezone.now()
    unfinished = export.status in (Export.Status.PENDING, Export.Status.RUNNING)
    if unfinished and export.created_at < now - GIVE_UP_AFTER:
        return Export.Status.FAILED
    return export.status


def progress_report_request(*, owner, enrollment: Enrollment) -> Export:
    """The owner's waiting progress report for this enrolment, or a new one with its task enqueued."""
    from outcomes.tasks import render_export

    with transaction.atomic():
        # Serialises two clicks at once on PostgreSQL (SQLite writes one at a time anyway), so the
        # second finds the first's row instead of making a second job.
        list(Enrollment.objects.select_for_update().filter(pk=enrollment.pk).values_list("pk", flat=True))
        waiting = (
            Export.objects.filter(
                owner=owner,
                enrollment=enrollment,
                kind=Export.Kind.PROGRESS_PDF,
                status__in=(Export.Status.PENDING, Export.Status.RUNNING),
                created_at__gte=timezone.now() - GIVE_UP_AFTER,
            )
            .defer("content")
            .first()
        )
        if waiting is not None:
            return waiting
        export = Export.objects.create(owner=owner, enrollment=enrollment, kind=Export.Kind.PROGRESS_PDF)
        # robust: a lost hand-off (broker down) is logged, never a 500 after the row is committed.
        transaction.on_commit(lambda: render_export.delay(export.pk), robust=True)
    return export


# --- The task's work ----------------------------------------------------------------------------


def resume_unfinished(model, enqueue, *, give_up_after, time_limit: int, now=None) -> int:
    """Enqueue again every background file of ``model`` still worth making that no worker has:
    pending ones whose hand-off may have been lost (older than RESUME_PENDING_AFTER), and running
    ones whose worker died (started longer ago than the task's hard ``time_limit``). Only one task
    can claim a row, so enqueueing one twice makes it once. Shared by this app's progress reports
    and reports.jobs (the two Export models have the same status fields)."""
    now = now or timezone.now()
    live = model.objects.filter(created_at__gte=now - give_up_after)
    dead_workers = now - datetime.timedelta(seconds=time_limit + 60)
    live.filter(status=model.Status.RUNNING, started_at__lt=dead_workers).update(
        status=model.Status.PENDING, started_at=None
    )
    waiting = live.filter(status=model.Status.PENDING, created_at__lt=now - RESUME_PENDING_AFTER)
    ids = list(waiting.values_list("pk", flat=True))
    for export_id in ids:
        enqueue(export_id)
    if ids:
        logger.info("resumed %d %s rows", len(ids), model._meta.label_lower)
    return len(ids)


def export_resume(now=None) -> int:
    """The progress reports' resume sweep (outcomes.resume_exports in beat)."""
    from outcomes.tasks import render_export as render_task

    return resume_unfinished(
        Export, render_task.delay, give_up_after=GIVE_UP_AFTER, time_limit=RENDER_TIME_LIMIT, now=now
    )


def render_export(export_id: int) -> None:
    """Claim the export, render its PDF and store it; on any error mark it failed.

    Logs carry the export id only: the report is health data, and so may be an exception's message.
    """
    claimed = Export.objects.filter(pk=export_id, status=Export.Status.PENDING).update(
        status=Export.Status.RUNNING, started_at=timezone.now()
    )
    if claimed != 1:
        logger.info("export %s: not pending, nothing to do", export_id)
        return
    try:
        export = Export.objects.select_related(
            "owner", "enrollment__patient", "enrollment__program", "enrollment__clinic", "enrollment__therapist"
        ).get(pk=export_id)
        content, filename = _render(export)
    except Exception as error:
        logger.error("export %s failed: %s", export_id, type(error).__name__)
        Export.objects.filter(pk=export_id, status=Export.Status.RUNNING).update(
            status=Export.Status.FAILED, error=ERROR_MESSAGE, finished_at=timezone.now()
        )
        return
    Export.objects.filter(pk=export_id, status=Export.Status.RUNNING).update(
        status=Export.Status.DONE, content=content, filename=filename, finished_at=timezone.now(), error=""
    )
    logger.info("export %s done", export_id)


def _render(export: Export) -> tuple[bytes, str]:
    patient = export.enrollment.patient
    # The patient's own dates and language, as on their pages (there is no request here).
    with timezone.override(patient.zone), translation.override(patient.language):
        today = timezone.localdate()
        html = render_to_string("outcomes/report/progress.html", report_context(export.enrollment, today))
        return html_to_pdf(html), f"steady-progress-{today:%Y-%m-%d}.pdf"


def report_context(enrollment: Enrollment, today) -> dict:
    return {
        "enrollment": enrollment,
        "patient": enrollment.patient,
        "today": today,
        "overview": progress.progress_overview(enrollment),
        "modules": progress.modules_completed(enrollment),
        "diary": progress.diary_summary(enrollment, today),
        "static_url": REPORT_STATIC_URL,
    }
