import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
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
    checkin_minutes = models.PositiveSmallIntegerField(
        default=30, help_text="Minutes suggested when a therapist records a check-in as held (editable per entry)."
    )
    reminder_hour = models.PositiveSmallIntegerField(
        default=9,
        validators=[MinValueValidator(6), MaxValueValidator(21)],
        help_text="New patients get their reminders at this hour in their own time zone (each can change it).",
    )
    cost_per_hour = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        default=Decimal("0.00"),
        help_text="What one hour of therapist time costs the clinic, for cost per patient in reports.",
    )
    currency = models.CharField(max_length=3, default="GBP")
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


class ContactMode(models.TextChoices):
    ASYNC = "async", _("Messages only")
    SYNC = "sync", _("Booked check-ins")
    MIXED = "mixed", _("Messages and check-ins")


class Cohort(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="cohorts")
    program = models.ForeignKey("modules.Program", on_delete=models.PROTECT, related_name="cohorts")
    name = models.CharField(max_length=200)
    start_date = models.DateField()
    default_therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    default_contact_mode = models.CharField(max_length=8, choices=ContactMode.choices, default=ContactMode.ASYNC)
    language = models.CharField(max_length=8, default="en")
    is_open = models.BooleanField(default=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-start_date", "name"]
        constraints = [models.UniqueConstraint(fields=["clinic", "name"], name="cohort_clinic_name_unique")]

    def __str__(self) -> str:
        return self.name


class Enrollment(models.Model):
    """One patient's place in one program at one clinic. Every row of patient data hangs off this."""

    ContactMode = ContactMode

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
    # Set by a CSV import, so a re-upload of the same rows can find them and create nothing new.
    enrolment_import = models.ForeignKey(
        "EnrolmentImport", on_delete=models.PROTECT, related_name="enrollments", null=True, blank=True
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # Erasure: the patient's identifying data and free text are gone; audit rows keep this reference.
    erased_at = models.DateTimeField(null=True, blank=True)
    pseudonym = models.CharField(max_length=64, blank=True)

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
    request_id = models.CharField(max_length=64, blank=True)

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


class InstrumentLicence(models.Model):
    """A clinic admin's record that the clinic holds the licence for a licence-gated instrument.

    Turning the instrument on adds its key to ``Clinic.enabled_instruments`` (what the schedules
    read); this row keeps who confirmed it and when, and who turned it off again.
    """

    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="licences")
    instrument_key = models.CharField(max_length=32)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(default=timezone.now)
    licence_reference = models.CharField(max_length=200, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-confirmed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinic", "instrument_key"],
                condition=Q(withdrawn_at__isnull=True),
                name="licence_one_current_per_instrument",
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument_key} at {self.clinic}"


class EnrolmentImport(models.Model):
    """One uploaded CSV of patients for a cohort, and the background job that enrols them.

    The file's rows are kept only until the job is done (they hold names and e-mail addresses);
    ``file_hash`` stays, so the same file uploaded again is recognised.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to start")
        RUNNING = "running", _("Enrolling")
        DONE = "done", _("Done")
        FAILED = "failed", _("Stopped with a problem")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="enrolment_imports")
    cohort = models.ForeignKey(Cohort, on_delete=models.PROTECT, related_name="enrolment_imports")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(max_length=200, blank=True)
    file_hash = models.CharField(max_length=64)
    rows = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    skipped_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["clinic", "file_hash"])]

    def __str__(self) -> str:
        return f"Import {self.code} ({self.status})"

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status == self.Status.DONE else 0
        return min(100, round(100 * self.processed_rows / self.total_rows))


class SupportRequest(models.Model):
    """A technical problem a patient reported. It goes to the clinic admins, not the therapist."""

    class Category(models.TextChoices):
        SIGN_IN = "sign_in", _("Signing in or my password")
        PAGE = "page", _("A page does not load or looks wrong")
        SAVING = "saving", _("My answers do not save")
        EMAIL = "email", _("I do not get e-mails from Steady")
        CHECKIN = "checkin", _("Joining a video or phone check-in")
        OTHER = "other", _("Something else")

    class Status(models.TextChoices):
        OPEN = "open", _("Received")
        IN_PROGRESS = "in_progress", _("Being looked at")
        RESOLVED = "resolved", _("Solved")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="support_requests")
    enrollment = models.ForeignKey(
        Enrollment, on_delete=models.PROTECT, related_name="support_requests", null=True, blank=True
    )
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="support_requests")
    category = models.CharField(max_length=16, choices=Category.choices)
    description = models.TextField(max_length=2000)
    device = models.CharField(max_length=300, blank=True, help_text="The browser the report was sent from.")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    reply = models.TextField(max_length=2000, blank=True, help_text="Shown to the patient.")
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["clinic", "status"])]

    def __str__(self) -> str:
        return f"Support request {self.code}"
