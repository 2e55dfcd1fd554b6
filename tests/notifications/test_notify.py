from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from notifications.models import Notification
from notifications.registry import UnknownKind
from notifications.services import notify
from tests.factories import UserFactory
from tests.notifications.conftest import HELLO


class Rollback(Exception):
    pass


@pytest.mark.usefixtures("hello_kind")
def test_it_writes_one_row_per_dedupe_key_and_delivers_it_once(
    recipient, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = notify(user=recipient, kind=HELLO, dedupe_key="message:1", context={"thread": 7})
        second = notify(user=recipient, kind=HELLO, dedupe_key="message:1", context={"thread": 7})

    assert second.pk == first.pk
    assert Notification.objects.count() == 1
    assert len(callbacks) == 1
    # Celery runs eagerly in tests: the commit handed the row to deliver, which sent it.
    assert [message.to for message in mailoutbox] == [["margaret@example.com"]]
    first.refresh_from_db()
    assert first.status == Notification.Status.SENT


@pytest.mark.usefixtures("hello_kind")
def test_it_writes_nothing_when_the_event_is_rolled_back(recipient, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(Rollback), transaction.atomic():
            notify(user=recipient, kind=HELLO, dedupe_key="message:1", context={"thread": 7})
            raise Rollback

    assert not Notification.objects.exists()
    assert callbacks == []
    assert mailoutbox == []


@pytest.mark.usefixtures("hello_kind")
def test_it_leaves_a_future_notification_to_the_dispatcher(recipient, django_capture_on_commit_callbacks, mailoutbox):
    due_at = timezone.now() + timedelta(hours=20)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        notification = notify(user=recipient, kind=HELLO, dedupe_key="reminder:1", context={"thread": 7}, due_at=due_at)

    assert callbacks == []
    assert mailoutbox == []
    notification.refresh_from_db()
    assert notification.status == Notification.Status.PENDING
    assert notification.due_at == due_at


def test_it_refuses_an_unregistered_kind(recipient):
    with pytest.raises(UnknownKind, match="'clinics.no_such_kind' is not registered"):
        notify(user=recipient, kind="clinics.no_such_kind", dedupe_key="x:1")

    assert not Notification.objects.exists()


@pytest.mark.usefixtures("hello_kind")
def test_it_refuses_a_dedupe_key_taken_by_another_user(recipient):
    notify(user=recipient, kind=HELLO, dedupe_key="message:1", context={"thread": 7})

    with pytest.raises(ValueError, match="already used"):
        notify(user=UserFactory(), kind=HELLO, dedupe_key="message:1", context={"thread": 7})

    assert Notification.objects.get().user == recipient
