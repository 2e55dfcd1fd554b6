"""Two dispatchers at once on PostgreSQL: row locks with SKIP LOCKED give each its own rows."""

import threading
import time
from datetime import timedelta

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from notifications.models import Notification
from notifications.services import dispatch_due, notify
from tests.notifications.conftest import HELLO

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("hello_kind")]

SENT_TO: list[str] = []
_sent_lock = threading.Lock()


class CountingBackend(BaseEmailBackend):
    """Records every recipient, from any thread; a little slow, so the dispatchers overlap."""

    def send_messages(self, messages):
        time.sleep(0.002)
        with _sent_lock:
            for message in messages:
                SENT_TO.extend(message.to)
        return len(messages)


def run_at_once(count, work):
    """Run ``work()`` in ``count`` threads released together; return results and errors."""
    barrier = threading.Barrier(count)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(work())
        except Exception as exc:  # a failure in a thread must fail the test, not vanish
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


@pytest.fixture
def counting_backend(settings):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.CountingBackend"}}
    SENT_TO.clear()
    yield SENT_TO
    SENT_TO.clear()


def test_two_dispatchers_send_each_notification_exactly_once(counting_backend):
    users = User.objects.bulk_create(User(email=f"patient{i}@example.com", name=f"Patient {i}") for i in range(300))
    due = timezone.now() - timedelta(minutes=1)
    Notification.objects.bulk_create(
        Notification(user=user, kind=HELLO, dedupe_key=f"message:{user.pk}", context={"thread": 7}, due_at=due)
        for user in users
    )

    results, errors = run_at_once(2, lambda: dispatch_due(batch_size=20))

    assert errors == []
    assert len(results) == 2
    assert sum(results) == 300
    assert min(results) > 0, "both dispatchers should have claimed rows (the test must really race)"
    assert len(counting_backend) == 300
    assert len(set(counting_backend)) == 300
    assert Notification.objects.filter(status=Notification.Status.SENT).count() == 300
    assert not Notification.objects.filter(attempts__gt=1).exists()


def test_two_requests_writing_one_dedupe_key_at_once_write_one_row(mailoutbox):
    user = User.objects.create_user(email="margaret@example.com", name="Margaret Hill")

    def write():
        with transaction.atomic():
            notification = notify(user=user, kind=HELLO, dedupe_key="message:1", context={"thread": 7})
            time.sleep(0.2)  # hold the insert open so the other writer collides with it
        return notification.pk

    results, errors = run_at_once(2, write)

    assert errors == []
    assert len(results) == 2
    assert len(set(results)) == 1
    assert Notification.objects.count() == 1
    assert [message.to for message in mailoutbox] == [["margaret@example.com"]]
