import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

DEFAULT_CRISIS_TEXT = (
    "If you feel you might harm yourself, or you are in danger now, call 999 or go to your nearest "
    "emergency department. You can call Samaritans any time, day or night, on 116 123 (free). "
    "Messages in Steady are not read straight away, so do not use them in an emergency."
)


class Clinic(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    time_zone = models.CharField(max_length=64, default="Europe/London")
    crisis_text = models.TextField(
        default=DEFAULT_CRISIS_TEXT,
        help_text="Shown to patients wherever they might need urgent help.",
    )
    video_base_url = models.URLField(blank=True)
    enabled_instruments = models.JSONField(default=list, blank=True)
    response_time_promise = models.CharField(
        max_length=200,
        default="Your therapist will reply within 2 working days.",
    )
    show_scores_to_patients = models.BooleanField(
        default=True, help_text="After a questionnaire, tell the patient in plain words what their score means."
    )
    escalation_hours = models.PositiveSmallIntegerField(
        default=4, help_text="An urgent risk alert nobody has acknowledged after this many hours goes to the admins."
    )
    message_minutes = models.PositiveSmallIntegerField(
        default=5, help_text="Minutes the time ledger counts for each message a therapist sends (editable per entry)."
    )
    feedback_minutes = models.PositiveSmallIntegerField(
        default=15, help_text="Minutes the time ledger counts for each piece of weekly feedback (editable per entry)."
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A staff member's role in one clinic. A person may hold both roles, in several clinics."""

    class Role(models.TextChoices):
        THERAPIST = "therapist", _("Therapist")
        ADMIN = "admin", _("Clinic admin")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships")
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "clinic", "role"], name="membership_user_clinic_role_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} at {self.clinic}"


class Cohort(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="cohorts")
    program = models.ForeignKey("modules.Program", on_delete=models.PROTECT, related_name="cohorts")
    name = models.CharField(max_length=200)
    start_date = models.DateField()
    is_open = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-start_date", "name"]
        constraints = [models.UniqueConstraint(fields=["clinic", "name"], name="cohort_clinic_name_unique")]

    def __str__(self) -> str:
        return self.name


class Enrollment(models.Model):
    """One patient's place in one program at one clinic. Every row of patient data hangs off this."""

    class ContactMode(models.TextChoices):
        ASYNC = "async", _("Messages only")
        SYNC = "sync", _("Booked check-ins")
        MIXED = "mixed", _("Messages and check-ins")

    class Status(models.TextChoices):
        INVITED = "invited", _("Invited")
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        COMPLETED = "completed", _("Completed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    OPEN_STATUSES = (Status.INVITED, Status.ACTIVE, Status.PAUSED)

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="enrollments")
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="enrollments")
    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="enrollments")
    program = models.ForeignKey("modules.Program", on_delete=models.PROTECT, related_name="enrollments")
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="caseload", null=True, blank=True
    )
    contact_mode = models.CharField(max_length=8, choices=ContactMode.choices, default=ContactMode.ASYNC)
    # Mixed contact: a check-in is expected every this many weeks (sync: every week).
    checkin_every_weeks = models.PositiveSmallIntegerField(default=2)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.INVITED)
    start_date = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            # A patient has at most one open enrolment per clinic.
            models.UniqueConstraint(
                fields=["patient", "clinic"],
                condition=Q(status__in=["invited", "active", "paused"]),
                name="enrollment_one_open_per_patient_clinic",
            )
        ]
        indexes = [models.Index(fields=["therapist", "status"])]

    def __str__(self) -> str:
        return f"Enrolment {self.code}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class Invitation(models.Model):
    """A single-use link that lets a person set up the account a clinic made for them.

    Only a SHA-256 hash of the token is kept. The token itself is made when the e-mail is sent
    (clinics.services.invitation_email_context), so it is never stored anywhere.
    """

    class Role(models.TextChoices):
        PATIENT = "patient", _("Patient")
        THERAPIST = "therapist", _("Therapist")
        ADMIN = "admin", _("Clinic admin")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="invitations")
    email = models.EmailField()
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="invitations")
    role = models.CharField(max_length=16, choices=Role.choices)
    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.PROTECT, related_name="invitations", null=True, blank=True
    )
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation {self.pk} ({self.role})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_usable(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and not self.is_expired


class Consent(models.Model):
    """What a person agreed to, which version, and when (GDPR Art. 7(1): the controller must be
    able to show that consent was given)."""

    class Kind(models.TextChoices):
        TERMS = "terms", _("Terms of use")
        PRIVACY = "privacy", _("Privacy notice")
        TREATMENT = "treatment", _("Consent to treatment")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="consents")
    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="consents", null=True, blank=True)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    version = models.CharField(max_length=32)
    given_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["given_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Audit events are append-only.")

    def delete(self):
        raise PermissionError("Audit events are append-only.")


class AuditEvent(models.Model):
    """Who did what to whose data, when and from where. Append-only: never updated or deleted."""

    class Outcome(models.TextChoices):
        OK = "ok", _("Allowed")
        DENIED = "denied", _("Denied")

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    actor_role = models.CharField(max_length=16, blank=True)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    enrollment = models.ForeignKey(Enrollment, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    action = models.CharField(max_length=80)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    outcome = models.CharField(max_length=8, choices=Outcome.choices, default=Outcome.OK)
    ip = models.GenericIPAddressField(null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["enrollment", "at"]), models.Index(fields=["clinic", "at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Audit events are append-only.")
