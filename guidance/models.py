import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

MESSAGE_MAX_CHARS = 5000


class Thread(models.Model):
    """The one conversation of an enrolment. It belongs to the enrolment, not to a therapist: when an
    admin reassigns the therapist, the new one sees the whole thread and the old one sees nothing."""

    enrollment = models.OneToOneField("clinics.Enrollment", on_delete=models.PROTECT, related_name="thread")
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Thread {self.pk}"


class Message(models.Model):
    """Plain text, shown escaped with its line breaks. ``read_at`` is when the other side first read it.

    "The other side" of a patient's message is whoever is the therapist when it is read; a
    therapist's message is read by the patient. So unread counts depend on who wrote a message
    relative to the patient, never on which therapist wrote it (guidance.selectors).
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    thread = models.ForeignKey(Thread, on_delete=models.PROTECT, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(max_length=MESSAGE_MAX_CHARS)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            # Unread counts and mark-as-read: the unread rows of one thread.
            models.Index(fields=["thread", "read_at"], name="guidance_msg_thread_read"),
        ]

    def __str__(self) -> str:
        return f"Message {self.code}"
