"""Writes for messaging: one transaction each; staff writes audited; e-mails through the outbox."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from clinics.models import Enrollment
from clinics.services import audit_log
from guidance.ledger import time_entry_record
from guidance.models import MESSAGE_MAX_CHARS, Message, Thread, TimeEntry
from guidance.selectors import UNREAD_FOR_PATIENT, UNREAD_FOR_THERAPIST
from notifications.registry import NoLongerNeeded
from notifications.services import notify

NEW_MESSAGE_KIND = "guidance.new_message"


class MessageError(Exception):
    """The message cannot be sent; the text is safe to show next to the message field."""


def normalise_body(body: str) -> str:
    # Browsers send line breaks as CRLF but count them as one character (the live counter does too).
    return body.replace("\r\n", "\n").replace("\r", "\n").strip()


def check_body(body: str) -> None:
    if not body:
        raise MessageError(_("Write your message before you send it."))
    if len(body) > MESSAGE_MAX_CHARS:
        raise MessageError(
            _(
                "Your message is %(length)s characters long. A message can be up to %(limit)s characters: "
                "shorten it by %(over)s, or send it in two parts."
            )
            % {
                "length": f"{len(body):,}",
                "limit": f"{MESSAGE_MAX_CHARS:,}",
                "over": f"{len(body) - MESSAGE_MAX_CHARS:,}",
            }
        )


def thread_ensure(*, enrollment: Enrollment) -> Thread:
    """The enrolment's thread, made on first need (idempotent, safe when two requests race)."""
    thread, _created = Thread.objects.get_or_create(enrollment=enrollment)
    thread.enrollment = enrollment
    return thread


def is_patient(thread: Thread, user) -> bool:
    return user.pk == thread.enrollment.patient_id


def is_therapist(thread: Thread, user) -> bool:
    return thread.enrollment.therapist_id is not None and user.pk == thread.enrollment.therapist_id


@transaction.atomic
def message_send(*, thread: Thread, sender: User, body: str, request=None, record_time: bool = True) -> Message:
    """Send a message from the patient or their current therapist, and tell the other side by e-mail.

    A therapist's message adds the clinic's default minutes to the time ledger (``record_time``:
    feedback, which is sent as a message, records its own entry instead).

    The thread row is locked, so concurrent sends queue here: each sees the ones before it, which
    keeps the "one e-mail per unread burst" key (below) the same for a whole burst.
    """
    enrollment = thread.enrollment
    if not (is_patient(thread, sender) or is_therapist(thread, sender)):
        raise PermissionDenied("Only the patient and their therapist write in a thread.")
    if not enrollment.is_open:
        raise MessageError(_("This programme has ended, so new messages cannot be sent."))
    body = normalise_body(body)
    check_body(body)
    Thread.objects.select_for_update().filter(pk=thread.pk).values_list("pk", flat=True).get()
    message = Message.objects.create(thread=thread, author=sender, body=body)
    audit_log(actor=sender, action="guidance.message.sent", enrollment=enrollment, target=message, request=request)
    if is_patient(thread, sender):
        recipient, unread = enrollment.therapist, UNREAD_FOR_THERAPIST
    else:
        recipient, unread = enrollment.patient, UNREAD_FOR_PATIENT
        if record_time:
            time_entry_record(
                therapist=sender,
                enrollment=enrollment,
                activity=TimeEntry.Activity.MESSAGE,
                minutes=enrollment.clinic.message_minutes,
                source=f"guidance.message:{message.pk}",
                at=message.created_at,
            )
    if recipient is not None:
        _notify_new_message(thread, recipient, unread)
    return message


def _notify_new_message(thread: Thread, recipient: User, unread) -> None:
    # Keyed on the recipient's oldest unread message in the thread: every message of one unread
    # burst gives the same key (one e-mail); once they have read it, the next message starts a new one.
    first_unread = Message.objects.filter(unread, thread=thread).order_by("id").values_list("id", flat=True).first()
    notify(
        user=recipient,
        kind=NEW_MESSAGE_KIND,
        dedupe_key=f"{NEW_MESSAGE_KIND}:{thread.pk}:{recipient.pk}:{first_unread}",
        context={"thread_id": thread.pk},
    )


def thread_mark_read(*, thread: Thread, reader: User) -> int:
    """Mark what ``reader`` has not yet read in the thread as read now (one UPDATE); return how many.

    Only the patient and the enrolment's current therapist mark messages read: a clinic admin
    reading the thread does not, or the patient would see "Read" when their therapist had not.
    """
    if is_patient(thread, reader):
        unread = UNREAD_FOR_PATIENT
    elif is_therapist(thread, reader):
        unread = UNREAD_FOR_THERAPIST
    else:
        return 0
    return Message.objects.filter(unread, thread=thread).update(read_at=timezone.now())


def new_message_context(notification) -> dict:
    """At send time: a link only, never the message. Cancelled if the recipient has read it already
    (they saw it while the e-mail waited) or is no longer the therapist of this patient."""
    thread = Thread.objects.select_related("enrollment").get(pk=notification.context["thread_id"])
    enrollment = thread.enrollment
    if notification.user_id == enrollment.patient_id:
        unread, path = UNREAD_FOR_PATIENT, reverse("patient_messages")
    elif notification.user_id == enrollment.therapist_id:
        unread, path = UNREAD_FOR_THERAPIST, reverse("staff_messages", args=[enrollment.code])
    else:
        raise NoLongerNeeded("the recipient is no longer in this conversation")
    if not Message.objects.filter(unread, thread=thread).exists():
        raise NoLongerNeeded("the messages have been read")
    return {"messages_path": path}
