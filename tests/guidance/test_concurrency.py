"""100 messages sent at once on PostgreSQL: every one saved, unread counts exact, one e-mail each side."""

import threading

import pytest
from django.db import connection

from guidance.models import Message, TimeEntry
from guidance.selectors import UNREAD_FOR_PATIENT, UNREAD_FOR_THERAPIST
from guidance.services import message_send, thread_ensure
from notifications.models import Notification

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_unread_counts_are_exact_after_100_concurrent_sends(patient, therapist, enrollment):
    thread = thread_ensure(enrollment=enrollment)
    senders = [patient, therapist] * 10  # 20 threads, 5 messages each
    barrier = threading.Barrier(len(senders))
    errors = []

    def run(sender):
        try:
            mine = thread_ensure(enrollment=type(enrollment).objects.select_related("patient", "therapist").get())
            barrier.wait()
            for i in range(5):
                message_send(thread=mine, sender=sender, body=f"{sender.pk} {i}")
        except Exception as exc:  # a failure in a thread must fail the test
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=run, args=[sender]) for sender in senders]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)

    assert errors == []
    assert Message.objects.filter(thread=thread).count() == 100
    assert Message.objects.filter(UNREAD_FOR_THERAPIST, thread=thread).count() == 50
    assert Message.objects.filter(UNREAD_FOR_PATIENT, thread=thread).count() == 50
    # Each of the therapist's 50 messages added exactly one time entry.
    assert TimeEntry.objects.filter(enrollment=enrollment, activity="message").count() == 50
    # Nobody read anything: one unread burst each side, so one e-mail each.
    assert sorted(Notification.objects.filter(kind="guidance.new_message").values_list("user_id", flat=True)) == sorted(
        [patient.pk, therapist.pk]
    )
