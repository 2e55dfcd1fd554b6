"""Demo message threads: a short conversation for each patient past their first week, dated over
their weeks, so the inbox, unread badges and the dashboard's "waiting" column have something real.

Messages go through the real service (so the time ledger gets its entries), then are dated back.
The outbox rows those sends wrote are marked cancelled: an e-mail about a message from weeks ago
would be wrong. Idempotent: a patient who already has messages gets nothing more.
"""

import datetime

from django.utils import timezone

from clinics.models import Enrollment
from guidance.models import Message, TimeEntry
from guidance.services import NEW_MESSAGE_KIND, message_send, thread_ensure
from notifications.models import Notification

# (days after the start, who writes, text). The last one from the patient stays unread when the
# patient is far enough along, so a therapist sees a waiting message.
CONVERSATION = (
    (3, "patient", "Hello. I read the first part. Is it normal to feel a bit unsure about this?"),
    (4, "therapist", "Hello {first_name}. Yes, that is very normal. Go at your own pace. Ask me anything."),
    (10, "patient", "I tried the pacing plan. Two good days, then a bad one."),
    (11, "therapist", "Thank you for telling me. A bad day is part of it. What helped on the good days?"),
    (17, "patient", "Walking in the morning helped. Can we talk about sleep next time?"),
)


def seed_messages(enrollment: Enrollment, *, unread_last: bool = True) -> int:
    """Write the part of the conversation that fits the patient's weeks so far; returns how many."""
    therapist = enrollment.therapist
    if therapist is None or Message.objects.filter(thread__enrollment=enrollment).exists():
        return 0
    thread = thread_ensure(enrollment=enrollment)
    now = timezone.now()
    first_name = enrollment.patient.get_short_name()
    sent = []
    for days, who, text in CONVERSATION:
        at = datetime.datetime.combine(
            enrollment.start_date + datetime.timedelta(days=days), datetime.time(10), tzinfo=enrollment.patient.zone
        )
        if at > now:
            break
        sender = enrollment.patient if who == "patient" else therapist
        message = message_send(thread=thread, sender=sender, body=text.format(first_name=first_name))
        Message.objects.filter(pk=message.pk).update(created_at=at, read_at=at + datetime.timedelta(hours=2))
        TimeEntry.objects.filter(source=f"guidance.message:{message.pk}").update(at=at)
        sent.append(message)
    if sent and unread_last and sent[-1].author_id == enrollment.patient_id:
        Message.objects.filter(pk=sent[-1].pk).update(read_at=None)
    Notification.objects.filter(kind=NEW_MESSAGE_KIND, context__thread_id=thread.pk).update(
        status=Notification.Status.CANCELLED
    )
    return len(sent)
