"""The outbox: write a notification in the event's transaction, claim due rows, send each once.

A row's life: ``pending`` -> (claimed) ``sending`` -> ``sent``; or back to ``pending`` with a later
``due_at`` after a named transient error; or ``failed`` after a permanent error or ``MAX_ATTEMPTS``.
Rows are claimed with row locks (``select_for_update(skip_locked=True)``) or a conditional UPDATE,
so two dispatchers running at once never send one row twice (healthchecks' ``sendalerts`` claim,
without its flaw of committing rows as sent before sending). ``reap_stuck`` returns rows whose worker
died mid-send, so nothing is skipped.

Logs carry the notification's id, kind and an exception's class name; never the recipient, the
e-mail or the context.
"""

import contextlib
import logging
import smtplib
import time
import uuid
from collections import deque
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import partial
from urllib.parse import urlsplit

from celery.exceptions import SoftTimeLimitExceeded
from django import db
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import F
from django.template import TemplateDoesNotExist
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation

from accounts.models import User
from notifications.models import Notification
from notifications.registry import NoLongerNeeded, NotificationKind, get_kind

logger = logging.getLogger(__name__)

Status = Notification.Status

MAX_ATTEMPTS = 6
# The wait after failed attempt n is BACKOFF[n - 1]; the sixth failure is final (about 5 h 21 min
# after the first try), so a short SMTP outage costs a delay, not a lost message.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(minutes=60),
    timedelta(minutes=240),
)
LAST_ERROR_MAX_CHARS = 1000
# A dispatcher stops claiming and releases what it has not tried after this long, well inside the
# task's soft time limit (CELERY_TASK_SOFT_TIME_LIMIT = 120 s). So a live worker holds a claim for
# at most this plus one send (the mailer's timeout, 20 s), far less than reap_stuck's 10 minutes.
DISPATCH_TIME_BUDGET = timedelta(seconds=90)
REAP_AFTER = timedelta(minutes=10)


class MailNotAccepted(Exception):
    """The mail backend returned without sending (no recipient address, or a silenced failure)."""


# --- Writing --------------------------------------------------------------------------------------


def notify(
    *,
    user: User,
    kind: str,
    dedupe_key: str,
    context: dict | None = None,
    due_at: datetime | None = None,
) -> Notification:
    """Put one notification in the outbox; call it inside the transaction of the event causing it.

    The row is written once per ``dedupe_key``: a second call (a retried request, a sweep running
    twice at once) returns the first row and writes nothing. ``context`` holds ids and non-health
    data only. A new row due now is handed to a worker when the transaction commits; if that hand-off
    is lost (broker down, process killed after commit), the periodic dispatcher still sends it.
    """
    get_kind(kind)  # fail in the caller's transaction, not hours later in a worker
    if len(dedupe_key) > Notification._meta.get_field("dedupe_key").max_length:
        raise ValueError("A dedupe_key is at most 200 characters.")
    now = timezone.now()
    # get_or_create inserts in a savepoint and, on the unique key's IntegrityError (a concurrent
    # insert that committed first), reads the winner's row instead.
    with transaction.atomic():
        notification, created = Notification.objects.get_or_create(
            dedupe_key=dedupe_key,
            defaults={"user": user, "kind": kind, "context": context or {}, "due_at": due_at or now},
        )
    if not created and (notification.user_id != user.pk or notification.kind != kind):
        raise ValueError(f"dedupe_key {dedupe_key!r} is already used by another user or kind.")
    if created and notification.due_at <= now:
        transaction.on_commit(partial(_enqueue_delivery, notification.pk), robust=True)
    return notification


def _enqueue_delivery(notification_id: int) -> None:
    from notifications.tasks import deliver  # tasks.py imports this module

    deliver.delay(notification_id)


# --- Claiming -------------------------------------------------------------------------------------


def claim_due(*, limit: int, now: datetime | None = None) -> list[Notification]:
    """Claim up to ``limit`` due pending rows for this caller alone, oldest due first.

    ``now`` decides what is due (tests, benchmarks); ``claimed_at`` is always the real time, which
    is what reap_stuck measures.

    PostgreSQL: the SELECT locks the rows it returns and skips rows another dispatcher has locked,
    so concurrent claims get disjoint batches. SQLite: the settings' IMMEDIATE transaction mode makes
    this atomic block hold the database's write lock, so claims run one after another.
    """
    now = now or timezone.now()
    token = uuid.uuid4()
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(status=Status.PENDING, due_at__lte=now)
            .order_by("due_at", "id")
            .values_list("id", flat=True)[:limit]
        )
        if not ids:
            return []
        Notification.objects.filter(id__in=ids, status=Status.PENDING).update(
            status=Status.SENDING, claim_token=token, claimed_at=timezone.now(), attempts=F("attempts") + 1
        )
    return list(Notification.objects.filter(claim_token=token).select_related("user").order_by("due_at", "id"))


def claim_one(notification_id: int, *, now: datetime | None = None) -> Notification | None:
    """Claim one row if it is pending and due; None if another worker has it or it is not due."""
    now = now or timezone.now()
    token = uuid.uuid4()
    changed = Notification.objects.filter(pk=notification_id, status=Status.PENDING, due_at__lte=now).update(
        status=Status.SENDING, claim_token=token, claimed_at=timezone.now(), attempts=F("attempts") + 1
    )
    if changed != 1:
        return None
    return Notification.objects.filter(pk=notification_id, claim_token=token).select_related("user").first()


# --- Sending --------------------------------------------------------------------------------------


def send_claimed(notification: Notification, *, mailer: BaseEmailBackend | None = None) -> bool:
    """Render and send a claimed notification, marking it sent; True if it went out.

    The kind's ``build_context``, the ``sent`` mark and the send share one transaction: if the send
    fails, what ``build_context`` wrote (a freshly minted invitation token) and the mark are rolled
    back, and the row is put back for a retry or marked failed, never left in ``sending``. The mark
    is written before the send, so a database that went away (a restart, a failover) while the mail
    was rendered stops it before it leaves: the row stays claimed for reap_stuck and goes out once,
    later. Only losing the worker or the database between the mark and its COMMIT, while the mail
    server takes the message, can still send it twice (see reap_stuck). On SQLite
    that transaction holds the write lock for the length of one send; with a real SMTP server in
    production, PostgreSQL holds only the rows written.
    """
    try:
        with transaction.atomic():
            message = _render(notification, get_kind(notification.kind))
            sent_at = _mark_sent(notification)
            _send(message, mailer)
    except _ClaimLost:
        # Reaped while this worker rendered (slower than reap_stuck's limit): the row is pending
        # again and another worker will send it. Sending here too would send it twice.
        logger.warning("Notification %s (%s) was not sent: its claim was lost", notification.pk, notification.kind)
        return False
    except NoLongerNeeded as reason:
        Notification.objects.filter(pk=notification.pk, claim_token=notification.claim_token).update(
            status=Status.CANCELLED, claim_token=None, last_error=f"Cancelled: {reason}"[:LAST_ERROR_MAX_CHARS]
        )
        notification.status, notification.claim_token = Status.CANCELLED, None
        return False
    except SoftTimeLimitExceeded:
        # The task's time is up, possibly after the server took the mail: leave the row in
        # ``sending`` for reap_stuck rather than marking a message that may have gone out as failed.
        raise
    except Exception as exc:  # every failure is recorded on the row and logged, none escapes
        if mailer is not None:
            _close_quietly(mailer)  # the next send opens a fresh connection
        _record_failure(notification, exc)
        return False
    notification.status, notification.sent_at, notification.claim_token = Status.SENT, sent_at, None
    return True


def _render(notification: Notification, kind: NotificationKind) -> EmailMultiAlternatives:
    user = notification.user
    with translation.override(user.language), timezone.override(user.zone):
        context = {**notification.context, "notification": notification, "user": user}
        context["base_url"] = settings.STEADY_BASE_URL
        if kind.build_context is not None:
            context.update(kind.build_context(notification))
        subject = " ".join(render_to_string(kind.subject_template, context).split())
        body = render_to_string(kind.text_template, context)
        html = _render_if_exists(kind.html_template, context)
        attachments = kind.attachments(notification) if kind.attachments is not None else []
    message = EmailMultiAlternatives(subject=subject, body=body, to=[user.email], headers=_headers(notification))
    if html is not None:
        message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    return message


def _render_if_exists(template_name: str, context: dict) -> str | None:
    try:
        template = get_template(template_name)
    except TemplateDoesNotExist:
        return None
    # Rendered outside the try: a missing include inside an existing template is an error.
    return template.render(context)


def _headers(notification: Notification) -> dict[str, str]:
    # One Message-ID per notification, stable across retries: when a mail is sent twice (a worker
    # killed after the server accepted it), mail systems that deduplicate by Message-ID show it once.
    domain = urlsplit(settings.STEADY_BASE_URL).hostname or "steady.invalid"
    stable_id = uuid.uuid5(uuid.NAMESPACE_URL, f"{settings.STEADY_BASE_URL}/notifications/{notification.pk}")
    return {"Message-ID": f"<{stable_id}@{domain}>", "Auto-Submitted": "auto-generated"}


def _send(message: EmailMultiAlternatives, mailer: BaseEmailBackend | None) -> None:
    if mailer is None:
        mailer = mailers.default
    else:
        mailer.open()  # no-op while the batch's connection is open; reconnects after an error
    if mailer.send_messages([message]) != 1:
        raise MailNotAccepted("the mail backend sent nothing")


class _ClaimLost(Exception):  # noqa: N818 - reads as the reason
    """The row no longer holds this worker's claim token (reap_stuck gave it back)."""


def _mark_sent(notification: Notification) -> datetime:
    """Mark the row sent in the caller's transaction (it locks the row until the commit)."""
    now = timezone.now()
    changed = Notification.objects.filter(pk=notification.pk, claim_token=notification.claim_token).update(
        status=Status.SENT, sent_at=now, claim_token=None
    )
    if changed != 1:
        raise _ClaimLost
    return now


def is_transient(exc: BaseException) -> bool:
    """Whether a failed send is worth retrying: connection trouble (the mail server's or the
    database's, which may be back a moment later) or a 4xx reply from the server."""
    if isinstance(exc, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError | ConnectionError | TimeoutError):
        return True
    if isinstance(exc, db.OperationalError | db.InterfaceError):
        return True
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in exc.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return 400 <= exc.smtp_code < 500
    return False


def _describe(exc: BaseException) -> str:
    name = type(exc).__name__
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        # Its text lists the refused addresses; the codes say enough.
        codes = sorted({code for code, _message in exc.recipients.values()})
        text = f"{name}: {', '.join(map(str, codes))}"
    elif isinstance(exc, smtplib.SMTPResponseException):
        reply = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        text = f"{name}: {exc.smtp_code} {reply}"
    else:
        text = f"{name}: {exc}"
    return text[:LAST_ERROR_MAX_CHARS]


def _record_failure(notification: Notification, exc: Exception) -> None:
    error = _describe(exc)
    if is_transient(exc) and notification.attempts < MAX_ATTEMPTS:
        delay = BACKOFF[min(notification.attempts, len(BACKOFF)) - 1]
        changes = {"status": Status.PENDING, "due_at": timezone.now() + delay}
        logger.warning(
            "Notification %s (%s) will be retried in %s: %s",
            notification.pk,
            notification.kind,
            delay,
            type(exc).__name__,
        )
    else:
        changes = {"status": Status.FAILED}
        logger.error("Notification %s (%s) failed: %s", notification.pk, notification.kind, type(exc).__name__)
    Notification.objects.filter(pk=notification.pk, claim_token=notification.claim_token).update(
        claim_token=None, last_error=error, **changes
    )
    for field, value in {**changes, "claim_token": None, "last_error": error}.items():
        setattr(notification, field, value)


# --- Periodic sweeps ------------------------------------------------------------------------------


def dispatch_due(
    *,
    batch_size: int = 200,
    max_batches: int = 20,
    time_budget: timedelta = DISPATCH_TIME_BUDGET,
    now: datetime | None = None,
) -> int:
    """Send due notifications in batches; return how many were sent.

    Safe to run several at once (each claims its own rows). One mail connection serves the run.
    ``now`` fixes which rows count as due (tests, benchmarks); by default, the time of each claim.
    """
    deadline = time.monotonic() + time_budget.total_seconds()
    mailer = mailers.default
    sent = 0
    try:
        for _batch in range(max_batches):
            if time.monotonic() >= deadline:
                break
            batch = claim_due(limit=batch_size, now=now)
            sent += _send_batch(batch, mailer=mailer, deadline=deadline)
            if len(batch) < batch_size:
                break
    finally:
        _close_quietly(mailer)
    return sent


def _send_batch(batch: list[Notification], *, mailer: BaseEmailBackend, deadline: float) -> int:
    sent = 0
    untried = deque(batch)
    try:
        while untried and time.monotonic() < deadline:
            # Taken off the queue before sending: a send interrupted by the time limit may have
            # reached the server, so that row is left to reap_stuck, not released.
            sent += send_claimed(untried.popleft(), mailer=mailer)
    finally:
        _release(untried)
    return sent


def _release(notifications: Iterable[Notification]) -> None:
    """Give back claimed rows this worker did not try (out of time), without counting an attempt."""
    notifications = list(notifications)
    if not notifications:
        return
    Notification.objects.filter(
        pk__in=[n.pk for n in notifications],
        claim_token__in={n.claim_token for n in notifications},
        status=Status.SENDING,
    ).update(status=Status.PENDING, claim_token=None, attempts=F("attempts") - 1)


def _close_quietly(mailer: BaseEmailBackend) -> None:
    # Closing a connection the server already dropped can raise; nothing is lost by ignoring it.
    with contextlib.suppress(smtplib.SMTPException, OSError):
        mailer.close()


def reap_stuck(*, older_than: timedelta = REAP_AFTER, now: datetime | None = None) -> int:
    """Put rows left in ``sending`` by a dead worker back to pending; return how many were reaped.

    A worker killed after the SMTP server accepted a mail and before ``sent`` committed leaves its
    row here, and that one mail is sent again: the outbox is exactly-once, SMTP is at-least-once.
    (The stable Message-ID lets many mail systems show the duplicate once.) A row that has used
    all its attempts is failed instead, so a message that kills its worker is not retried forever.
    ``older_than`` must stay above DISPATCH_TIME_BUDGET plus one send's timeout.
    """
    now = now or timezone.now()
    stuck = Notification.objects.filter(status=Status.SENDING, claimed_at__lt=now - older_than)
    failed = stuck.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=Status.FAILED, claim_token=None, last_error="Reaped: its worker stopped mid-send; no attempts left."
    )
    retried = stuck.filter(attempts__lt=MAX_ATTEMPTS).update(
        status=Status.PENDING, claim_token=None, last_error="Reaped: its worker stopped mid-send."
    )
    if failed or retried:
        logger.warning(
            "Reaped %s notifications stuck in sending (%s failed, no attempts left)", failed + retried, failed
        )
    return failed + retried
