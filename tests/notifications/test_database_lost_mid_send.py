"""A database lost while a worker sends, or a claim reaped under it, never sends a notification twice.

Found by `make chaos` (tests/chaos): PostgreSQL restarted while workers were sending, and a worker
that had rendered a reminder sent it, failed to mark it sent, and the reaper sent it again.
"""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.db import OperationalError, connection
from django.utils import timezone

from notifications.models import Notification
from notifications.services import claim_one, dispatch_due, reap_stuck, send_claimed
from tests.notifications.conftest import HELLO
from tests.notifications.helpers import pending

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("hello_kind")]
Status = Notification.Status


@contextmanager
def database_gone_at_the_sent_mark():
    """From the statement that marks a notification sent on, the outbox table cannot be reached
    (the server went away): every later statement on it fails, as on a dead connection."""
    state = {"gone": False}

    def execute(run, sql, params, many, context):
        if "notifications_notification" in sql and (state["gone"] or "sent_at" in sql):
            state["gone"] = True
            raise OperationalError("server closed the connection unexpectedly")
        return run(sql, params, many, context)

    with connection.execute_wrapper(execute):
        yield


# Real transactions: the failed statements must not poison a test-wide one.
@pytest.mark.django_db(transaction=True)
def test_a_database_lost_at_the_sent_mark_stops_the_mail_and_the_reaper_sends_it_once(recipient, mailoutbox):
    # Written directly: notify()'s hand-off would send it at once here, outside a test transaction.
    row = Notification.objects.create(user=recipient, kind=HELLO, dedupe_key="message:1", context={"thread": 7})
    notification = claim_one(row.pk)

    with database_gone_at_the_sent_mark(), pytest.raises(OperationalError):
        send_claimed(notification)

    assert mailoutbox == [], "nothing left while the row could not be marked sent"
    notification.refresh_from_db()
    assert notification.status == Status.SENDING  # still claimed: the reaper's to return
    assert reap_stuck(now=timezone.now() + timedelta(minutes=11)) == 1
    assert dispatch_due() == 1
    assert [message.to for message in mailoutbox] == [["margaret@example.com"]]
    notification.refresh_from_db()
    assert notification.status == Status.SENT


def test_a_claim_reaped_while_rendering_is_left_to_the_worker_that_has_it_now(recipient, mailoutbox, caplog):
    notification = claim_one(pending(recipient).pk)
    # reap_stuck gave the row back (this worker took too long) and another worker claimed it.
    [taken_over] = Notification.objects.filter(pk=notification.pk)
    Notification.objects.filter(pk=notification.pk).update(status=Status.PENDING, claim_token=None)
    taken_over = claim_one(taken_over.pk)

    assert send_claimed(notification) is False

    assert mailoutbox == []
    assert "was not sent: its claim was lost" in caplog.text
    assert send_claimed(taken_over) is True
    assert [message.to for message in mailoutbox] == [["margaret@example.com"]]
    assert Notification.objects.get(pk=notification.pk).status == Status.SENT
