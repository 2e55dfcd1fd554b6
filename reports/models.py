import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Export(models.Model):
    """A file made in the background: a report PDF, a research bundle, a patient's own data.

    Its page polls the status by ``code``; only its owner may download it (reports.jobs).
    ``params`` holds what the file was asked for (filters, options), never health data.
    """

    class Kind(models.TextChoices):
        REPORT_PDF = "report_pdf", _("Report (PDF)")
        RESEARCH_ZIP = "research_zip", _("Research export (ZIP)")
        MY_DATA_JSON = "my_data_json", _("All my data (JSON)")
        MY_DATA_PDF = "my_data_pdf", _("All my data (PDF)")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Being made")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Could not be made")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="report_exports")
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="report_exports", null=True)
    enrollment = models.ForeignKey(
        "clinics.Enrollment", on_delete=models.PROTECT, related_name="report_exports", null=True, blank=True
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    content = models.BinaryField(null=True, blank=True, editable=False)
    filename = models.CharField(max_length=120, blank=True)
    content_type = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "kind", "status"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_status_display()})"


def new_project_key() -> str:
    return secrets.token_hex(32)


class ResearchProject(models.Model):
    """A study a clinic exports pseudonymised data for. Its key makes the pseudonyms: the same
    patient has the same pseudonym in every export of one project and unlinkable ones across
    projects. The key stays here and never goes into an export."""

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="research_projects")
    name = models.CharField(max_length=200)
    key = models.CharField(max_length=64, default=new_project_key, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["clinic", "name"], name="research_project_clinic_name_unique")]

    def __str__(self) -> str:
        return self.name
