"""100 messages sent into one thread at once (PostgreSQL): all stored, in one consistent order, shown
in that order on the thread page, with exact unread counts.

"In order" means: ordering the messages by id and by created_at gives the same sequence (the thread's
row lock serialises the sends, so no message gets an earlier time than one stored before it), and
the patient's thread page lists them in exactly that sequence. Each sender thread has its own
database connection; PostgreSQL allows 100 here, so the 100 start together and 40 are in flight at once.
"""

import threading

import pytest
from django.db import connection
from django.urls import reverse

from clinics.models import Enrollment
from guidance.models import Message, Thread
from guidance.selectors import UNREAD_FOR_PATIENT, UNREAD_FOR_THERAPIST
from guidance.services import message_send, thread_ensure
from notifications.models import Notification
from tests.utils import client_for

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
SENDS = 100
IN_FLIGHT = 40


def body(n: int) -> str:
    return f"Concurrent note number {n:03d}"


def test_a_hundred_concurrent_messages_all_arrive_in_one_order(patient, therapist, enrollment):
    thread_ensure(enrollment=enrollment)
    senders = [patient if n % 2 == 0 else therapist for n in range(SENDS)]
    barrier = threading.Barrier(SENDS)
    slots = threading.BoundedSemaphore(IN_FLIGHT)
    errors = []

    def send(n, sender):
        try:
            barrier.wait(timeout=60)
            with slots:
                try:
                    mine = Thread.objects.select_related(
                        "enrollment__patient", "enrollment__therapist", "enrollment__clinic"
                    ).get(enrollment=Enrollment.objects.get(pk=enrollment.pk))
                    message_send(thread=mine, sender=sender, body=body(n))
                finally:
                    connection.close()
        except Exception as error:  # a thread's exception is otherwise lost
            errors.append(repr(error))

    workers = [threading.Thread(target=send, args=(n, sender)) for n, sender in enumerate(senders)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)

    assert errors == []
    messages = Message.objects.filter(thread__enrollment=enrollment)
    by_id = list(messages.order_by("id").values_list("body", flat=True))
    by_time = list(messages.order_by("created_at", "id").values_list("body", flat=True))
    assert sorted(by_id) == [body(n) for n in range(SENDS)]  # none lost, none doubled
    assert by_id == by_time
    times = list(messages.order_by("id").values_list("created_at", flat=True))
    assert times == sorted(times)
    assert messages.filter(UNREAD_FOR_THERAPIST).count() == 50
    assert messages.filter(UNREAD_FOR_PATIENT).count() == 50
    # One unread burst each side: one e-mail each.
    assert Notification.objects.filter(kind="guidance.new_message").count() == 2

    page = client_for(patient).get(reverse("patient_messages")).content.decode()
    positions = [page.find(text) for text in by_id]
    assert -1 not in positions
    assert positions == sorted(positions)
    # Reading the page marked the therapist's 50 as read; the patient's 50 still wait for the therapist.
    assert messages.filter(UNREAD_FOR_PATIENT).count() == 0
    assert messages.filter(UNREAD_FOR_THERAPIST).count() == 50
