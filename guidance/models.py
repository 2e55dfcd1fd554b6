import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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


# --- Weekly feedback -------------------------------------------------------------------------------


class Feedback(models.Model):
    """A therapist's written feedback on a module's work, usually on one submitted exercise response.

    The text is a ``Message`` in the thread (so the patient reads it there and it counts as unread
    like any reply); this row ties that message to the module and response it is about, so the
    patient also sees it beside the exercise and the "To review" queue knows what is done.
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    enrollment = models.ForeignKey("clinics.Enrollment", on_delete=models.PROTECT, related_name="feedback")
    module = models.ForeignKey("modules.Module", on_delete=models.PROTECT, related_name="+")
    response = models.ForeignKey(
        "modules.ExerciseResponse", on_delete=models.PROTECT, related_name="feedback", null=True, blank=True
    )
    message = models.OneToOneField(Message, on_delete=models.PROTECT, related_name="feedback")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["enrollment", "module"], name="guidance_feedback_enr_module")]

    def __str__(self) -> str:
        return f"Feedback {self.code}"


class FeedbackTemplate(models.Model):
    """Reusable feedback text with placeholders like ``{first_name}``.

    Clinic-wide when ``owner`` is empty (managed by the clinic's admins), personal otherwise (the
    owner's own, in that clinic). The built-in starter set is code (guidance/starter_templates), not rows.
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="feedback_templates")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="feedback_templates", null=True, blank=True
    )
    # Optional: the module (by slug, across program versions) the template is written for.
    module_slug = models.SlugField(max_length=80, blank=True)
    title = models.CharField(max_length=120)
    body = models.TextField(max_length=MESSAGE_MAX_CHARS)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title", "id"]
        indexes = [models.Index(fields=["clinic", "owner"], name="guidance_template_owner")]

    def __str__(self) -> str:
        return self.title


# --- Check-ins -------------------------------------------------------------------------------------


class BookingSettings(models.Model):
    """How a therapist's free time becomes bookable slots. Times are in the therapist's own zone."""

    therapist = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="booking")
    slot_minutes = models.PositiveSmallIntegerField(default=30)
    buffer_minutes = models.PositiveSmallIntegerField(default=10, help_text="Kept free after each check-in.")
    notice_hours = models.PositiveSmallIntegerField(default=24, help_text="The earliest a patient can book ahead.")
    horizon_days = models.PositiveSmallIntegerField(default=28, help_text="The furthest ahead a patient can book.")
    cutoff_hours = models.PositiveSmallIntegerField(
        default=24, help_text="Patients can change or cancel up to this many hours before."
    )
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Booking settings of user {self.therapist_id}"


class AvailabilityRule(models.Model):
    """A weekly window of bookable time, e.g. Tuesdays 09:00 to 12:00, in the therapist's time zone."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    therapist = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="availability")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start_time = models.TimeField()
    end_time = models.TimeField()

    class Meta:
        ordering = ["therapist", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(condition=Q(end_time__gt=F("start_time")), name="availability_rule_ends_after_start")
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class AvailabilityException(models.Model):
    """A one-off change on one date (therapist's zone): a day or hours off, or extra hours."""

    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="availability_exceptions"
    )
    date = models.DateField()
    # Empty times: the whole day.
    start_time = models.TimeField(null=True, blank=True)
    end_time = models.TimeField(null=True, blank=True)
    available = models.BooleanField(default=False, help_text="Extra hours when set; time off otherwise.")
    note = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["therapist", "date", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_time__isnull=True, end_time__isnull=True)
                | Q(start_time__isnull=False, end_time__isnull=False, end_time__gt=F("start_time")),
                name="availability_exception_times",
            )
        ]

    def __str__(self) -> str:
        return f"{self.date} ({'available' if self.available else 'off'})"


class CheckIn(models.Model):
    """A booked video or phone call between a patient and their therapist.

    No double booking: a therapist has at most one booked check-in starting at a given moment (a
    unique index on every database) and, on PostgreSQL, no two booked check-ins that overlap (an
    exclusion constraint, migration 0003). ``sequence`` rises with every change, for calendars.
    """

    class Mode(models.TextChoices):
        VIDEO = "video", _("Video call")
        PHONE = "phone", _("Phone call")

    # Patients with these contact modes book their own check-ins (Enrollment.contact_mode values).
    BOOKABLE_CONTACT_MODES = ("sync", "mixed")

    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        HELD = "held", _("Held")
        NO_SHOW = "no_show", _("Did not attend")
        CANCELLED = "cancelled", _("Cancelled")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    enrollment = models.ForeignKey("clinics.Enrollment", on_delete=models.PROTECT, related_name="checkins")
    therapist = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="checkins")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    mode = models.CharField(max_length=8, choices=Mode.choices, default=Mode.VIDEO)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.BOOKED)
    # The unguessable video room name; the join link is the clinic's video base URL plus this.
    room = models.CharField(max_length=64, blank=True)
    sequence = models.PositiveIntegerField(default=0)
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    # The outcome, recorded by the therapist: held (with minutes), no-show or cancelled.
    outcome_at = models.DateTimeField(null=True, blank=True)
    minutes = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="checkin_ends_after_start"),
            models.UniqueConstraint(
                fields=["therapist", "starts_at"], condition=Q(status="booked"), name="checkin_one_booking_per_start"
            ),
        ]
        indexes = [
            models.Index(fields=["enrollment", "starts_at"], name="guidance_checkin_enr_start"),
            models.Index(fields=["therapist", "starts_at"], name="guidance_checkin_ther_start"),
        ]

    def __str__(self) -> str:
        return f"Check-in {self.code}"


# --- Time ledger and notes ------------------------------------------------------------------------


class TimeEntry(models.Model):
    """Therapist time spent on one patient. Entries made by an action (a message, feedback, a held
    check-in) name their source, at most one entry per source; manual ones have none."""

    class Activity(models.TextChoices):
        MESSAGE = "message", _("Message")
        FEEDBACK = "feedback", _("Feedback")
        CHECKIN = "checkin", _("Check-in")
        PHONE = "phone", _("Phone call")
        REVIEW = "review", _("Case review")
        OTHER = "other", _("Other")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    therapist = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="time_entries")
    enrollment = models.ForeignKey("clinics.Enrollment", on_delete=models.PROTECT, related_name="time_entries")
    activity = models.CharField(max_length=12, choices=Activity.choices)
    minutes = models.PositiveSmallIntegerField()
    at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=200, blank=True)
    # "guidance.message:<id>", "guidance.feedback:<id>", "guidance.checkin:<id>"; empty for manual entries.
    source = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["source"], condition=~Q(source=""), name="time_entry_one_per_source"),
            models.CheckConstraint(condition=Q(minutes__lte=24 * 60), name="time_entry_minutes_max"),
        ]
        indexes = [
            models.Index(fields=["enrollment", "at"], name="guidance_time_enr_at"),
            models.Index(fields=["therapist", "at"], name="guidance_time_ther_at"),
        ]

    def __str__(self) -> str:
        return f"{self.minutes} min ({self.activity})"


class ClinicalNote(models.Model):
    """A private note by staff about a patient: not shown on the patient's pages, but part of their
    data download (right of access). Notes are not edited or deleted (like a paper record): a
    correction is a new note. Writing and reading them is audited."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    enrollment = models.ForeignKey("clinics.Enrollment", on_delete=models.PROTECT, related_name="clinical_notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(max_length=MESSAGE_MAX_CHARS)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Note {self.code}"
