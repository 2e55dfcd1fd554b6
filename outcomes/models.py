"""Outcome measurement: which questionnaires a programme asks when, each patient's assessments, and
the alerts they raise. Instruments themselves (items, scoring, bands) are code: outcomes.instruments.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Occasion(models.TextChoices):
    BASELINE = "baseline", _("Before you start")
    WEEKLY = "weekly", _("Weekly check")
    MIDPOINT = "midpoint", _("Half way")
    POST = "post", _("End of the programme")
    FOLLOWUP_3M = "followup_3m", _("3 months after")
    FOLLOWUP_6M = "followup_6m", _("6 months after")
    FOLLOWUP_12M = "followup_12m", _("12 months after")


class MeasurementPlanEntry(models.Model):
    """One occasion of a programme's measurement plan and the instruments asked then (in order)."""

    program = models.ForeignKey("modules.Program", on_delete=models.CASCADE, related_name="measurement_plan")
    occasion = models.CharField(max_length=16, choices=Occasion.choices)
    instruments = models.JSONField(default=list, help_text="Instrument keys, in the order they are asked.")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["program", "occasion"], name="measurement_plan_occasion_unique")]

    def __str__(self) -> str:
        return f"{self.get_occasion_display()}: {', '.join(self.instruments)}"


class Assessment(models.Model):
    """One questionnaire for one patient on one occasion ("week-3", "post", ...)."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        OPEN = "open", _("Open")
        COMPLETED = "completed", _("Completed")
        EXPIRED = "expired", _("Expired")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    enrollment = models.ForeignKey("clinics.Enrollment", on_delete=models.PROTECT, related_name="assessments")
    instrument_key = models.CharField(max_length=32)
    instrument_version = models.CharField(max_length=64)
    # The occasion and, for weekly checks, the week: "baseline", "week-2", "midpoint", "post", ...
    occasion = models.CharField(max_length=24)
    occasion_kind = models.CharField(max_length=16, choices=Occasion.choices)
    position = models.PositiveSmallIntegerField(default=0)
    opens_at = models.DateTimeField()
    due_at = models.DateTimeField()
    closes_at = models.DateTimeField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SCHEDULED)
    progress = models.JSONField(default=dict, blank=True, help_text="Answers saved before submitting.")
    answers = models.JSONField(default=dict, blank=True)
    total = models.FloatField(null=True, blank=True)
    band = models.CharField(max_length=32, blank=True)
    flags = models.JSONField(default=list, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["opens_at", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["enrollment", "instrument_key", "occasion"], name="assessment_once_per_occasion"
            )
        ]
        indexes = [
            models.Index(fields=["enrollment", "status"]),
            models.Index(fields=["opens_at"], condition=Q(status="scheduled"), name="assessment_to_open_idx"),
            models.Index(fields=["closes_at"], condition=Q(status="open"), name="assessment_to_expire_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument_key} {self.occasion} ({self.status})"

    @property
    def is_overdue(self) -> bool:
        return self.status == self.Status.OPEN and self.due_at <= timezone.now()


class Alert(models.Model):
    """Something a therapist must act on. Risk alerts must be acknowledged with a note; an urgent
    one not acknowledged within the clinic's window escalates to the clinic admins."""

    class Kind(models.TextChoices):
        RISK = "risk", _("Risk")
        DETERIORATION = "deterioration", _("Reliable deterioration")
        OVERDUE = "overdue", _("Overdue questionnaire")
        DISENGAGED = "disengaged", _("Disengaged")

    class Tier(models.TextChoices):
        NORMAL = "normal", _("Normal")
        URGENT = "urgent", _("Urgent")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    enrollment = models.ForeignKey("clinics.Enrollment", on_delete=models.PROTECT, related_name="alerts")
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, null=True, blank=True, related_name="alerts")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    tier = models.CharField(max_length=8, choices=Tier.choices, default=Tier.NORMAL)
    created_at = models.DateTimeField(default=timezone.now)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["acknowledged_at", "-tier", "-created_at"]
        constraints = [
            # One alert of a kind per assessment, however often the answers are submitted.
            models.UniqueConstraint(
                fields=["assessment", "kind"], condition=Q(assessment__isnull=False), name="alert_once_per_assessment"
            )
        ]
        indexes = [models.Index(fields=["enrollment", "acknowledged_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_tier_display()})"

    @property
    def is_open(self) -> bool:
        return self.acknowledged_at is None


class Export(models.Model):
    """A file made in the background (a progress report PDF). Its page polls the status by ``code``,
    and only its owner may download it."""

    class Kind(models.TextChoices):
        PROGRESS_PDF = "progress_pdf", _("Progress report (PDF)")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Being made")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Could not be made")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="exports")
    enrollment = models.ForeignKey("clinics.Enrollment", on_delete=models.PROTECT, related_name="exports")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    content = models.BinaryField(null=True, blank=True, editable=False)
    filename = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_status_display()})"
