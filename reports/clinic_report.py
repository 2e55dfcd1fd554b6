"""The clinic (or cohort) report as one object: every section, its charts, and the outcome tables.

The page (reports.views.reports), the CSV (reports.csv_export) and the PDF (``render_report_pdf``,
run by the REPORT_PDF export job) all build it here, so the three always show the same numbers.
"""

import datetime
import zoneinfo
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation

from clinics.models import Clinic, Enrollment
from clinics.services import audit_log
from outcomes.reports import REPORT_STATIC_URL, html_to_pdf
from reports import charts, jobs, outcome_stats, selectors
from reports.filters import ReportFilterForm
from reports.models import Export


@dataclass(frozen=True)
class ClinicReport:
    clinic: Clinic
    scope: str
    made_at: datetime.datetime
    patients: int
    funnel: list[selectors.FunnelStep]
    adherence: selectors.Adherence
    modules: list[selectors.ModuleEngagement]
    time: selectors.TherapistTime
    support: selectors.SupportCounts
    funnel_chart: charts.BarChart
    modules_chart: charts.BarChart
    dropout_chart: charts.BarChart | None
    outcomes: object
    outcomes_by_mode: object
    satisfaction: object
    adverse_events: object

    @property
    def several_programmes(self) -> bool:
        return len({module.programme for module in self.modules}) > 1


def build_report(form: ReportFilterForm, *, now: datetime.datetime | None = None) -> ClinicReport:
    """The report for a valid (or unbound) filter form."""
    clinic = form.clinic
    now = now or timezone.now()
    enrollments = form.enrollments()
    rows = selectors.patient_rows(enrollments)
    adherence = selectors.adherence(rows, zone=_zone(clinic), now=now)
    funnel = selectors.funnel(rows)
    modules = selectors.module_engagement(enrollments)
    return ClinicReport(
        clinic=clinic,
        scope=form.describe(),
        made_at=now,
        patients=len(rows),
        funnel=funnel,
        adherence=adherence,
        modules=modules,
        time=selectors.therapist_time(enrollments, clinic, rows),
        support=selectors.support_counts(enrollments, clinic),
        funnel_chart=charts.funnel_chart(funnel),
        modules_chart=charts.engagement_chart(modules),
        dropout_chart=charts.dropout_chart(adherence.dropout_weeks) if adherence.dropout_weeks else None,
        **outcome_sections(enrollments),
    )


def outcome_sections(enrollments: QuerySet[Enrollment]) -> dict:
    """The outcome statistics (reports.outcome_stats), under the names its partials read."""
    return {
        "outcomes": outcome_stats.outcome_table(enrollments),
        "outcomes_by_mode": outcome_stats.outcome_table_by_contact_mode(enrollments),
        "satisfaction": outcome_stats.satisfaction_summary(enrollments),
        "adverse_events": outcome_stats.adverse_event_summary(enrollments),
    }


def report_context(report: ClinicReport) -> dict:
    """What the page and the PDF templates (and the outcome partials they include) read."""
    return {
        "report": report,
        "outcomes": report.outcomes,
        "outcomes_by_mode": report.outcomes_by_mode,
        "satisfaction": report.satisfaction,
        "adverse_events": report.adverse_events,
    }


def _zone(clinic: Clinic) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(clinic.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


# --- The PDF: asked for on the page, made by the export job ---------------------------------------------


def report_pdf_request(*, owner, form: ReportFilterForm, request=None) -> Export:
    """Ask for the report as a PDF (a background job); audited as a download of the report."""
    with transaction.atomic():
        export = jobs.export_request(owner=owner, kind=Export.Kind.REPORT_PDF, clinic=form.clinic, params=form.params())
        audit_log(
            actor=owner,
            action="reports.report.downloaded",
            clinic=form.clinic,
            target=export,
            request=request,
        )
    return export


def render_report_pdf(export: Export) -> jobs.Rendered:
    clinic = export.clinic
    form = ReportFilterForm(export.params or None, clinic=clinic)
    if form.is_bound and not form.is_valid():
        raise ValueError("the report's filters no longer fit the clinic")
    with timezone.override(_zone(clinic)), translation.override(export.owner.language or "en"):
        report = build_report(form)
        today = timezone.localdate(report.made_at)
        context = report_context(report) | {"static_url": REPORT_STATIC_URL, "today": today}
        html = render_to_string("reports/report_pdf.html", context)
    return jobs.Rendered(
        content=html_to_pdf(html),
        filename=f"steady-report-{clinic.slug}-{today:%Y-%m-%d}.pdf",
        content_type="application/pdf",
    )


def report_pdf_back(export: Export) -> tuple[str, list]:
    return "clinic_report", [export.clinic.slug]
