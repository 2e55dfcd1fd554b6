import uuid
from datetime import timedelta

from django.utils import timezone

from notifications.models import Notification
from notifications.services import MAX_ATTEMPTS, dispatch_due, reap_stuck
from tests.notifications.conftest import HELLO

Status = Notification.Status


def in_flight(user, *, key, claimed_ago, attempts=1):
    """A row a worker claimed ``claimed_ago`` and has not finished."""
    return Notification.objects.create(
        user=user,
        kind=HELLO,
        dedupe_key=key,
        context={"thread": 7},
        status=Status.SENDING,
        attempts=attempts,
        claim_token=uuid.uuid4(),
        claimed_at=timezone.now() - claimed_ago,
    )


def test_it_returns_a_notification_stuck_in_sending_to_the_queue(recipient, hello_kind, mailoutbox):
    stuck = in_flight(recipient, key="stuck", claimed_ago=timedelta(minutes=11))
    recent = in_flight(recipient, key="recent", claimed_ago=timedelta(minutes=1))

    assert reap_stuck() == 1

    stuck.refresh_from_db()
    assert stuck.status == Status.PENDING
    assert stuck.attempts == 1
    assert stuck.claim_token is None
    assert stuck.last_error == "Reaped: its worker stopped mid-send."
    recent.refresh_from_db()
    assert recent.status == Status.SENDING
    assert recent.claim_token is not None

    assert dispatch_due() == 1
    assert [message.to for message in mailoutbox] == [["margaret@example.com"]]


def test_it_fails_a_stuck_notification_with_no_attempts_left(recipient):
    stuck = in_flight(recipient, key="stuck", claimed_ago=timedelta(minutes=11), attempts=MAX_ATTEMPTS)

    assert reap_stuck() == 1

    stuck.refresh_from_db()
    assert stuck.status == Status.FAILED
    assert stuck.last_error == "Reaped: its worker stopped mid-send; no attempts left."
