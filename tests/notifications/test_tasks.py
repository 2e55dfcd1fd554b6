from datetime import timedelta

import pytest
from django.utils import timezone

from notifications.models import Notification
from notifications.services import claim_due
from notifications.tasks import deliver, dispatch_due, reap_stuck
from tests.notifications.helpers import pending

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("hello_kind")]


def test_deliver_sends_a_due_notification_once(recipient, mailoutbox):
    notification = pending(recipient)

    deliver.delay(notification.pk)
    deliver.delay(notification.pk)

    assert len(mailoutbox) == 1
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT


def test_deliver_leaves_a_notification_that_is_not_due(recipient, mailoutbox):
    notification = pending(recipient, due_at=timezone.now() + timedelta(hours=1))

    deliver.delay(notification.pk)

    assert mailoutbox == []
    notification.refresh_from_db()
    assert notification.status == Notification.Status.PENDING


def test_deliver_leaves_a_notification_a_dispatcher_has_claimed(recipient, mailoutbox):
    notification = pending(recipient)
    [claimed] = claim_due(limit=10)

    deliver.delay(notification.pk)

    assert mailoutbox == []
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENDING
    assert notification.claim_token == claimed.claim_token


def test_the_periodic_tasks_send_and_reap(recipient, mailoutbox):
    pending(recipient)

    assert dispatch_due.delay().get() == 1
    assert reap_stuck.delay().get() == 0
    assert len(mailoutbox) == 1
