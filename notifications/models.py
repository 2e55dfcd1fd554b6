from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Notification(models.Model):
    """One message to send, written in the transaction of the event that causes it (the outbox).

    ``context`` holds ids and non-health data only: the e-mail is rendered at send time from the
    kind's templates, and anything sensitive is looked up then (or not put in an e-mail at all).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        SENDING = "sending", "sending"
        SENT = "sent", "sent"
        FAILED = "failed", "failed"
        # Not sent because it no longer applied when its time came (e.g. the reminder's task was done).
        CANCELLED = "cancelled", "cancelled"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notifications")
    kind = models.CharField(max_length=64)
    dedupe_key = models.CharField(max_length=200, unique=True)
    context = models.JSONField(default=dict, blank=True)
    due_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Set when a dispatcher claims the row; only the holder of the token may mark it sent or failed.
    claim_token = models.UUIDField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            # The dispatcher's query: due pending rows by due_at. Sent rows pile up; they stay out.
            models.Index(fields=["due_at"], condition=Q(status="pending"), name="notification_pending_due"),
            # The reaper's query: the few rows in flight, without scanning the sent history.
            models.Index(fields=["claimed_at"], condition=Q(status="sending"), name="notification_sending"),
            # The claim's final read (rows holding this batch's token).
            models.Index(fields=["claim_token"], condition=Q(claim_token__isnull=False), name="notification_claimed"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"
