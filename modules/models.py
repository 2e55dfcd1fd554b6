import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Program(models.Model):
    """A versioned treatment program, such as "Living well with chronic pain".

    Its text lives in files under modules/content/<slug>/ and is loaded by ``load_program``; a
    clinic may have its own copy (``clinic`` set), made by cloning in the admin.
    """

    slug = models.SlugField(max_length=80)
    version = models.PositiveIntegerField(default=1)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    language = models.CharField(max_length=8, default="en")
    weeks = models.PositiveSmallIntegerField(default=9)
    wait_for_feedback = models.BooleanField(
        default=False,
        help_text="Hold each module until the therapist has given feedback on the one before it.",
    )
    clinic = models.ForeignKey(
        "clinics.Clinic", on_delete=models.PROTECT, null=True, blank=True, related_name="programs"
    )
    cloned_from = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="clones")
    content_hash = models.CharField(max_length=64, blank=True, help_text="Of the files last loaded.")
    loaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["slug", "version"], name="program_slug_version_unique")]
        ordering = ["title", "-version"]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"


class Module(models.Model):
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="modules")
    slug = models.SlugField(max_length=80)
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    minutes = models.PositiveSmallIntegerField(default=15)
    optional = models.BooleanField(default=False, help_text="Not in every plan; a therapist may add it.")

    class Meta:
        ordering = ["program", "optional", "position"]
        constraints = [models.UniqueConstraint(fields=["program", "slug"], name="module_program_slug_unique")]

    def __str__(self) -> str:
        return self.title


class Page(models.Model):
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="pages")
    slug = models.SlugField(max_length=80)
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Markdown. Rendered through a sanitiser: no raw HTML survives.")

    class Meta:
        ordering = ["module", "position"]
        constraints = [models.UniqueConstraint(fields=["module", "slug"], name="page_module_slug_unique")]

    def __str__(self) -> str:
        return self.title


class Exercise(models.Model):
    class Kind(models.TextChoices):
        REFLECTION = "reflection", _("Reflection")
        GOAL = "goal", _("Goal")
        PACING_PLAN = "pacing_plan", _("Pacing plan")
        THOUGHT_RECORD = "thought_record", _("Thought record")
        PRACTICE_LOG = "practice_log", _("Practice log")
        CHECKLIST = "checklist", _("Checklist")
        RATINGS = "ratings", _("Ratings")

    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="exercises")
    page = models.ForeignKey(Page, on_delete=models.PROTECT, related_name="exercises")
    slug = models.SlugField(max_length=80)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=200)
    prompt = models.TextField(blank=True, help_text="Markdown shown above the exercise.")
    # Kind-specific settings, e.g. a checklist's items or the things a ratings exercise asks about.
    config = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["module", "page__position", "slug"]
        constraints = [models.UniqueConstraint(fields=["module", "slug"], name="exercise_module_slug_unique")]

    def __str__(self) -> str:
        return self.title


class Plan(models.Model):
    """One enrolment's own plan: which modules, in which order, and how the weeks run."""

    enrollment = models.OneToOneField("clinics.Enrollment", on_delete=models.PROTECT, related_name="plan")
    extra_weeks = models.PositiveSmallIntegerField(default=0)
    paused_at = models.DateTimeField(null=True, blank=True)
    # Whole days the plan has been paused in total; later unlocks move by this much.
    pause_days = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Plan for {self.enrollment}"

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None


class PlannedModule(models.Model):
    class Gate(models.TextChoices):
        NONE = "", _("None")
        BASELINE = "baseline", _("Baseline questionnaires done")
        FEEDBACK = "feedback", _("Feedback on the module before")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="items")
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()
    # The local date (patient's time zone) on which it opens, at the start of the day.
    unlock_on = models.DateField(null=True, blank=True)
    gate = models.CharField(max_length=16, choices=Gate.choices, blank=True, default="")
    unlocked_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    skipped_at = models.DateTimeField(null=True, blank=True)
    # When the therapist first gave feedback on this module (set by guidance through plans).
    feedback_at = models.DateTimeField(null=True, blank=True)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["plan", "position"]
        constraints = [models.UniqueConstraint(fields=["plan", "module"], name="planned_module_unique")]
        indexes = [
            models.Index(
                fields=["unlock_on"],
                condition=Q(unlocked_at__isnull=True, skipped_at__isnull=True),
                name="planned_module_due_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.module} in {self.plan}"

    @property
    def state(self) -> str:
        if self.skipped_at:
            return "skipped"
        if self.completed_at:
            return "done"
        if self.unlocked_at:
            return "open"
        return "locked"


class PlanChange(models.Model):
    """What a therapist changed in a plan, shown to the patient ("Your therapist added ...")."""

    class Kind(models.TextChoices):
        ADDED = "added", _("added a module")
        SKIPPED = "skipped", _("skipped a module")
        MOVED = "moved", _("changed the order")
        UNLOCKED = "unlocked", _("opened a module early")
        PAUSED = "paused", _("paused the programme")
        RESUMED = "resumed", _("restarted the programme")
        EXTENDED = "extended", _("extended the programme")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    module = models.ForeignKey(Module, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    weeks = models.PositiveSmallIntegerField(null=True, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.at:%Y-%m-%d})"


class PageVisit(models.Model):
    enrollment = models.ForeignKey("clinics.Enrollment", on_delete=models.PROTECT, related_name="page_visits")
    page = models.ForeignKey(Page, on_delete=models.PROTECT, related_name="+")
    first_at = models.DateTimeField(default=timezone.now)
    last_at = models.DateTimeField(default=timezone.now)
    count = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["enrollment", "page"], name="page_visit_unique")]

    def __str__(self) -> str:
        return f"Visit to page {self.page_id}"


class ExerciseResponse(models.Model):
    """What a patient typed into one exercise. ``version`` grows with each save, so a save based on
    an older version (another tab) is refused as a conflict instead of overwriting."""

    enrollment = models.ForeignKey("clinics.Enrollment", on_delete=models.PROTECT, related_name="responses")
    exercise = models.ForeignKey(Exercise, on_delete=models.PROTECT, related_name="responses")
    data = models.JSONField(default=dict)
    version = models.PositiveIntegerField(default=0)
    saved_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["enrollment", "exercise"], name="response_unique")]

    def __str__(self) -> str:
        return f"Response to exercise {self.exercise_id} (v{self.version})"


class DiaryEntry(models.Model):
    class Sleep(models.IntegerChoices):
        VERY_POOR = 1, _("Very poor")
        POOR = 2, _("Poor")
        OKAY = 3, _("Okay")
        GOOD = 4, _("Good")
        VERY_GOOD = 5, _("Very good")

    enrollment = models.ForeignKey("clinics.Enrollment", on_delete=models.PROTECT, related_name="diary_entries")
    date = models.DateField()
    pain = models.PositiveSmallIntegerField(validators=[MinValueValidator(0), MaxValueValidator(10)])
    activity_minutes = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(24 * 60)])
    mood = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(10)])
    sleep = models.PositiveSmallIntegerField(choices=Sleep.choices, null=True, blank=True)
    note = models.TextField(blank=True, max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    EDITABLE_DAYS = 7

    class Meta:
        ordering = ["-date"]
        constraints = [
            models.UniqueConstraint(fields=["enrollment", "date"], name="diary_one_entry_per_day"),
            models.CheckConstraint(condition=Q(pain__lte=10), name="diary_pain_0_10"),
            models.CheckConstraint(condition=Q(mood__lte=10) | Q(mood__isnull=True), name="diary_mood_0_10"),
        ]

    def __str__(self) -> str:
        return f"Diary entry {self.date:%Y-%m-%d}"

    def is_editable_on(self, today: datetime.date) -> bool:
        return today - datetime.timedelta(days=self.EDITABLE_DAYS) <= self.date <= today


class EngagementEvent(models.Model):
    """An append-only log of what patients did, per module, for research on active components."""

    class Kind(models.TextChoices):
        PAGE_VIEWED = "page_viewed", _("Page viewed")
        MODULE_STARTED = "module_started", _("Module started")
        MODULE_COMPLETED = "module_completed", _("Module completed")
        EXERCISE_SUBMITTED = "exercise_submitted", _("Exercise submitted")
        DIARY_SAVED = "diary_saved", _("Diary entry saved")

    enrollment = models.ForeignKey("clinics.Enrollment", on_delete=models.PROTECT, related_name="engagement")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    module = models.ForeignKey(Module, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    object_id = models.CharField(max_length=64, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["enrollment", "at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.at:%Y-%m-%d})"
