"""Research projects and export requests (writes), and what the research page lists (reads).

A request that includes names and e-mail addresses or free text needs a written reason; the reason
and the options go into the Export's params, and the audit row points at that Export.
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from accounts.models import User
from clinics.models import Clinic, Cohort
from clinics.services import audit_log
from modules.models import Program
from reports import jobs
from reports.models import Export, ResearchProject

REASON_MIN_CHARS = 20
RECENT_EXPORTS = 20


@dataclass(frozen=True)
class ResearchOptions:
    """What an export was asked for; kept in Export.params (the reason too, for the audit trail)."""

    project: str
    cohort: int | None = None
    program: int | None = None
    identifiers: bool = False
    free_text: bool = False
    reason: str = ""

    def params(self) -> dict:
        return {
            "project": self.project,
            "cohort": self.cohort,
            "program": self.program,
            "identifiers": self.identifiers,
            "free_text": self.free_text,
            "reason": self.reason,
        }

    @classmethod
    def from_params(cls, params: dict) -> "ResearchOptions":
        return cls(
            project=str(params["project"]),
            cohort=params.get("cohort"),
            program=params.get("program"),
            identifiers=bool(params.get("identifiers")),
            free_text=bool(params.get("free_text")),
            reason=params.get("reason", ""),
        )


class ResearchError(Exception):
    """The request cannot be made; the message is safe to show to the clinic admin next to ``field``."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def reason_problem(*, identifiers: bool, free_text: bool, reason: str) -> str | None:
    if (identifiers or free_text) and len(reason.strip()) < REASON_MIN_CHARS:
        return (
            f"Write why the researchers need names, e-mail addresses or free text (at least {REASON_MIN_CHARS} "
            "characters). It is kept in the clinic's audit record."
        )
    return None


@transaction.atomic
def research_project_create(*, clinic: Clinic, name: str, by: User, request=None) -> ResearchProject:
    name = " ".join(name.split())
    if not name:
        raise ResearchError("Enter a name for the project.", field="name")
    if ResearchProject.objects.filter(clinic=clinic, name__iexact=name).exists():
        raise ResearchError("This clinic already has a project with that name. Choose another name.", field="name")
    try:
        with transaction.atomic():
            project = ResearchProject.objects.create(clinic=clinic, name=name, created_by=by)
    except IntegrityError:  # the same name saved by another request at the same moment
        raise ResearchError(
            "This clinic already has a project with that name. Choose another name.", field="name"
        ) from None
    audit_log(actor=by, action="reports.research_project.created", clinic=clinic, target=project, request=request)
    return project


@transaction.atomic
def research_export_request(
    *,
    clinic: Clinic,
    project: ResearchProject,
    by: User,
    cohort: Cohort | None = None,
    program: Program | None = None,
    identifiers: bool = False,
    free_text: bool = False,
    reason: str = "",
    request=None,
) -> Export:
    """Queue the project's export (reports.research builds it in the background) and audit the request."""
    if project.clinic_id != clinic.pk:
        raise ResearchError("Choose one of this clinic's research projects.", field="project")
    if cohort is not None and cohort.clinic_id != clinic.pk:
        raise ResearchError("Choose one of this clinic's cohorts.", field="cohort")
    if program is not None and not clinic_programs(clinic).filter(pk=program.pk).exists():
        raise ResearchError("Choose a programme this clinic runs.", field="program")
    problem = reason_problem(identifiers=identifiers, free_text=free_text, reason=reason)
    if problem:
        raise ResearchError(problem, field="reason")
    options = ResearchOptions(
        project=str(project.code),
        cohort=cohort.pk if cohort is not None else None,
        program=program.pk if program is not None else None,
        identifiers=identifiers,
        free_text=free_text,
        reason=reason.strip(),
    )
    export = jobs.export_request(owner=by, kind=Export.Kind.RESEARCH_ZIP, clinic=clinic, params=options.params())
    audit_log(actor=by, action="reports.research_export.requested", clinic=clinic, target=export, request=request)
    return export


# --- reads ----------------------------------------------------------------------------------------


def clinic_projects(clinic: Clinic) -> QuerySet[ResearchProject]:
    return ResearchProject.objects.filter(clinic=clinic).select_related("created_by").order_by("name")


def clinic_programs(clinic: Clinic) -> QuerySet[Program]:
    return Program.objects.filter(cohorts__clinic=clinic).distinct().order_by("title", "version")


@dataclass(frozen=True)
class ExportRow:
    export: Export
    state: str
    project: str
    cohort: str
    program: str
    identifiers: bool
    free_text: bool


def admin_research_exports(
    *, user: User, clinic: Clinic, projects: list[ResearchProject], cohorts: list[Cohort], programs: list[Program]
) -> list[ExportRow]:
    """The admin's own recent research exports of this clinic, newest first, described for a table.

    Names come from the lists the page already holds, so the query count does not grow with rows.
    """
    project_names = {str(project.code): project.name for project in projects}
    cohort_names = {cohort.pk: cohort.name for cohort in cohorts}
    program_names = {program.pk: f"{program.title} (version {program.version})" for program in programs}
    exports = (
        Export.objects.filter(owner=user, clinic=clinic, kind=Export.Kind.RESEARCH_ZIP)
        .defer("content")
        .order_by("-created_at")[:RECENT_EXPORTS]
    )
    rows = []
    for export in exports:
        params = export.params or {}
        rows.append(
            ExportRow(
                export=export,
                state=jobs.export_state(export),
                project=project_names.get(str(params.get("project")), ""),
                cohort=cohort_names.get(params.get("cohort"), "") if params.get("cohort") else "",
                program=program_names.get(params.get("program"), "") if params.get("program") else "",
                identifiers=bool(params.get("identifiers")),
                free_text=bool(params.get("free_text")),
            )
        )
    return rows
