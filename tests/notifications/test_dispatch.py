import time
from datetime import timedelta
from smtplib import (
    SMTPAuthenticationError,
    SMTPConnectError,
    SMTPDataError,
    SMTPRecipientsRefused,
    SMTPServerDisconnected,
)
from unittest.mock import patch

import pytest
from django.core.mail.backends import locmem
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from notifications.models import Notification
from notifications.services import MAX_ATTEMPTS, dispatch_due, is_transient
from tests.factories import UserFactory
from tests.notifications.conftest import PLAIN, hello_context
from tests.notifications.helpers import mail_server_raising, pending

Status = Notification.Status

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("hello_kind")]


def later():
    return timezone.now() + timedelta(days=1)


def test_it_sends_a_due_notification_once(recipient, mailoutbox):
    notification = pending(recipient)

    assert dispatch_due() == 1
    assert dispatch_due() == 0

    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["margaret@example.com"]
    assert message.subject == "Hello from Steady, Margaret Hill"
    assert "you have a new message from your therapist" in message.body
    assert "https://steady.example/messages/7" in message.body
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    notification.refresh_from_db()
    assert notification.status == Status.SENT
    assert notification.sent_at is not None
    assert notification.attempts == 1
    assert notification.claim_token is None


def test_it_does_not_send_a_notification_before_it_is_due(recipient, mailoutbox):
    notification = pending(recipient, due_at=timezone.now() + timedelta(hours=1))

    assert dispatch_due() == 0

    assert mailoutbox == []
    notification.refresh_from_db()
    assert notification.status == Status.PENDING
    assert notification.attempts == 0


def test_it_sends_due_notifications_in_batches(mailoutbox):
    users = UserFactory.create_batch(5)
    for user in users:
        pending(user, key=f"message:{user.pk}")

    assert dispatch_due(batch_size=2, max_batches=2) == 4
    assert dispatch_due(batch_size=2) == 1

    assert sorted(message.to[0] for message in mailoutbox) == sorted(user.email for user in users)
    assert set(Notification.objects.values_list("status", flat=True)) == {Status.SENT}


def test_it_renders_the_email_in_the_recipients_language_and_time_zone(mailoutbox):
    user = UserFactory(language="de", time_zone="America/Chicago")
    pending(user)

    dispatch_due()

    [message] = mailoutbox
    assert "language=de time_zone=America/Chicago" in message.body
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    assert '<p lang="de">' in html


def test_it_sends_plain_text_when_the_kind_has_no_html_template(recipient, plain_kind, mailoutbox):
    pending(recipient, kind=PLAIN)

    dispatch_due()

    [message] = mailoutbox
    assert message.subject == "A plain reminder"
    assert message.body == "Hello Margaret Hill, this is a plain-text reminder.\n"
    assert message.alternatives == []


def test_it_retries_a_transient_error_later(recipient, mailoutbox):
    notification = pending(recipient)
    before = timezone.now()

    with mail_server_raising(SMTPServerDisconnected("Connection unexpectedly closed")):
        assert dispatch_due() == 0

    notification.refresh_from_db()
    assert notification.status == Status.PENDING
    assert notification.attempts == 1
    assert notification.due_at >= before + timedelta(minutes=1)
    assert notification.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert notification.claim_token is None
    assert mailoutbox == []

    assert dispatch_due() == 0  # not due again yet
    assert dispatch_due(now=notification.due_at) == 1

    assert len(mailoutbox) == 1
    notification.refresh_from_db()
    assert notification.status == Status.SENT
    assert notification.attempts == 2


def test_it_fails_a_refused_recipient_at_once(recipient, mailoutbox):
    notification = pending(recipient)
    refused = SMTPRecipientsRefused({"margaret@example.com": (550, b"5.1.1 <margaret@example.com>: unknown user")})

    with mail_server_raising(refused):
        assert dispatch_due() == 0
    assert dispatch_due(now=later()) == 0

    notification.refresh_from_db()
    assert notification.status == Status.FAILED
    assert notification.attempts == 1
    assert notification.last_error == "SMTPRecipientsRefused: 550"  # codes only, not the address
    assert mailoutbox == []


def test_it_gives_up_after_the_last_attempt(recipient, mailoutbox):
    notification = pending(recipient)
    statuses = []

    with mail_server_raising(*[SMTPServerDisconnected("gone") for _ in range(MAX_ATTEMPTS)]):
        for _attempt in range(MAX_ATTEMPTS):
            dispatch_due(now=later())
            notification.refresh_from_db()
            statuses.append(notification.status)
    assert dispatch_due(now=later()) == 0

    assert statuses == [Status.PENDING] * (MAX_ATTEMPTS - 1) + [Status.FAILED]
    assert notification.attempts == MAX_ATTEMPTS
    assert notification.last_error == "SMTPServerDisconnected: gone"
    assert mailoutbox == []


def test_it_fails_a_notification_whose_context_cannot_be_built(recipient, register, mailoutbox):
    def thread_deleted(notification):
        raise LookupError("thread 7 no longer exists")

    register("notifications.test.broken", template="notifications/test/hello", build_context=thread_deleted)
    notification = pending(recipient, kind="notifications.test.broken")

    assert dispatch_due() == 0

    notification.refresh_from_db()
    assert notification.status == Status.FAILED
    assert notification.last_error == "LookupError: thread 7 no longer exists"
    assert mailoutbox == []


def test_it_fails_a_notification_of_a_kind_no_longer_registered(recipient, mailoutbox):
    notification = Notification.objects.create(user=recipient, kind="clinics.retired_kind", dedupe_key="old:1")

    assert dispatch_due() == 0

    notification.refresh_from_db()
    assert notification.status == Status.FAILED
    assert notification.last_error.startswith("UnknownKind: Notification kind 'clinics.retired_kind' is not registered")
    assert mailoutbox == []


def test_it_rolls_back_what_build_context_wrote_when_the_send_fails(recipient, register, mailoutbox):
    def mint_token(notification):
        # Stands in for an invitation minting a single-use token at send time.
        Notification.objects.filter(pk=notification.pk).update(context={**notification.context, "minted": True})
        return hello_context(notification)

    register("notifications.test.minting", template="notifications/test/hello", build_context=mint_token)
    notification = pending(recipient, kind="notifications.test.minting")

    with mail_server_raising(SMTPServerDisconnected("gone")):
        dispatch_due()
    notification.refresh_from_db()
    assert "minted" not in notification.context

    dispatch_due(now=notification.due_at)
    notification.refresh_from_db()
    assert notification.status == Status.SENT
    assert notification.context["minted"] is True
    assert len(mailoutbox) == 1


def test_it_gives_back_what_it_has_no_time_left_to_send(mailoutbox):
    users = UserFactory.create_batch(3)
    for user in users:
        pending(user, key=f"message:{user.pk}")
    original = locmem.EmailBackend.send_messages

    def slow_send(self, messages):
        time.sleep(0.3)
        return original(self, messages)

    with patch.object(locmem.EmailBackend, "send_messages", slow_send):
        assert dispatch_due(time_budget=timedelta(seconds=0.2)) == 1

    assert len(mailoutbox) == 1
    untried = Notification.objects.exclude(status=Status.SENT)
    assert [(n.status, n.attempts, n.claim_token) for n in untried] == [(Status.PENDING, 0, None)] * 2


@pytest.mark.parametrize(
    ("error", "transient"),
    [
        (SMTPServerDisconnected("gone"), True),
        (SMTPConnectError(421, b"try later"), True),
        (SMTPDataError(451, b"local error"), True),
        (SMTPRecipientsRefused({"a@example.com": (450, b"busy"), "b@example.com": (452, b"full")}), True),
        (ConnectionRefusedError(), True),
        (TimeoutError(), True),
        (OperationalError("server closed the connection unexpectedly"), True),
        (InterfaceError("connection already closed"), True),
        (SMTPDataError(554, b"rejected"), False),
        (SMTPAuthenticationError(535, b"bad credentials"), False),
        (SMTPRecipientsRefused({"a@example.com": (450, b"busy"), "b@example.com": (550, b"unknown")}), False),
        (ValueError("bad address"), False),
    ],
)
def test_it_retries_only_named_transient_errors(error, transient):
    assert is_transient(error) is transient
