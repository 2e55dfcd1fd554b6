"""Files made in the background: each kind registers how it is rendered (reports.renderers).

- ``export_request`` (service) makes an Export row and enqueues ``reports.render_export`` after
  commit; a second click with the same request while one is waiting gets that row back.
- ``export_render`` (called by the task) claims the row with a conditional UPDATE, so a retried
  or duplicated task renders it once; any error marks it failed. Logs carry the export id and the
  error's type only, never its message (which may quote health data).
- ``access_own_export`` is the only way views reach an Export: by code, and only the owner's.
- ``export_resume`` (beat, every 5 minutes) hands pending exports to a worker again when their
  hand-off was lost (broker down at the time), and frees exports whose worker died mid-render.
"""

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from clinics.models import Clinic, Enrollment
from outcomes.reports import resume_unfinished
from reports.models import Export

logger = logging.getLogger(__name__)

# An export not finished after this long is shown as failed (its worker died or the queue is stuck),
# and asking again makes a new one rather than waiting on it forever.
GIVE_UP_AFTER = datetime.timedelta(minutes=30)
ERROR_MESSAGE = "The file could not be made."
# reports.render_export's limits. A render running past the hard limit has lost its worker.
RENDER_SOFT_TIME_LIMIT = 600
RENDER_TIME_LIMIT = 660


@dataclass(frozen=True)
class Rendered:
    content: bytes
    filename: str
    content_type: str


@dataclass(frozen=True)
class ExportKind:
    kind: str
    render: Callable[[Export], Rendered]
    # Where the status page's "back" link and "try again" lead: (url name, args) for the export.
    back: Callable[[Export], tuple[str, list]]
    back_label: str


KINDS: dict[str, ExportKind] = {}


def register(kind: ExportKind) -> None:
    KINDS[kind.kind] = kind


def access_own_export(user, code, *, done: bool = False) -> Export:
    """The user's own export with this code (404 otherwise); with ``done``, only a finished one."""
    exports = Export.objects.filter(owner_id=user.pk)
    if done:
        exports = exports.filter(status=Export.Status.DONE, content__isnull=False)
    else:
        exports = exports.defer("content")
    try:
        return exports.select_related("clinic", "enrollment").get(code=code)
    except Export.DoesNotExist:
        raise Http404("No such export.") from None


def export_state(export: Export, now=None) -> str:
    """The status to show: a pending or running export past GIVE_UP_AFTER counts as failed."""
    now = now or timezone.now()
    unfinished = export.status in (Export.Status.PENDING, Export.Status.RUNNING)
    if unfinished and export.created_at < now - GIVE_UP_AFTER:
        return Export.Status.FAILED
    return export.status


def export_request(
    *, owner: User, kind: str, clinic: Clinic | None = None, enrollment: Enrollment | None = None, params=None
) -> Export:
    """The owner's waiting export of this kind and params, or a new one with its task enqueued.

    Call it inside the caller's transaction if the caller also writes (an audit row): the task is
    enqueued only when that transaction commits.
    """
    from reports.tasks import render_export

    if kind not in KINDS:
        raise ValueError(f"unknown export kind {kind!r}")
    params = params or {}
    with transaction.atomic():
        # Serialise two clicks at once on PostgreSQL (SQLite writes one at a time anyway), so the
        # second finds the first's row instead of making a second job.
        list(User.objects.select_for_update().filter(pk=owner.pk).values_list("pk", flat=True))
        waiting = (
            Export.objects.filter(
                owner=owner,
                kind=kind,
                clinic=clinic,
                enrollment=enrollment,
                params=params,
                status__in=(Export.Status.PENDING, Export.Status.RUNNING),
                created_at__gte=timezone.now() - GIVE_UP_AFTER,
            )
            .defer("content")
            .first()
        )
        if waiting is not None:
            return waiting
        export = Export.objects.create(owner=owner, kind=kind, clinic=clinic, enrollment=enrollment, params=params)
        # robust: the row is committed; a lost hand-off (broker down) is logged, never a 500. The owner's
        # status page says it is still being made, and asking again after GIVE_UP_AFTER makes a new one.
        transaction.on_commit(lambda: render_export.delay(export.pk), robust=True)
    return export


def export_resume(now=None) -> int:
    """Enqueue again every export still worth making that no worker has (reports.resume_exports in
    beat; the sweep itself is outcomes.reports.resume_unfinished)."""
    from reports.tasks import render_export

    return resume_unfinished(
        Export, render_export.delay, give_up_after=GIVE_UP_AFTER, time_limit=RENDER_TIME_LIMIT, now=now
    )


def export_render(export_id: int) -> None:
    claimed = Export.objects.filter(pk=export_id, status=Export.Status.PENDING).update(
        status=Export.Status.RUNNING, started_at=timezone.now()
    )
    if claimed != 1:
        logger.info("export %s: not pending, nothing to do", export_id)
        return
    try:
        export = Export.objects.select_related("owner", "clinic", "enrollment").get(pk=export_id)
        rendered = KINDS[export.kind].render(export)
    except Exception as error:
        logger.error("export %s failed: %s", export_id, type(error).__name__)
        Export.objects.filter(pk=export_id, status=Export.Status.RUNNING).update(
            status=Export.Status.FAILED, error=ERROR_MESSAGE, finished_at=timezone.now()
        )
        return
    Export.objects.filter(pk=export_id, status=Export.Status.RUNNING).update(
        status=Export.Status.DONE,
        content=rendered.content,
        filename=rendered.filename,
        content_type=rendered.content_type,
        finished_at=timezone.now(),
        error="",
    )
    logger.info("export %s done", export_id)
