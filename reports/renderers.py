"""Registers each kind of background file with reports.jobs (imported by ReportsConfig.ready)."""

# --- research export ---
from django.utils.translation import gettext_lazy as _  # noqa: E402

from reports.jobs import ExportKind, register  # noqa: E402
from reports.models import Export  # noqa: E402


def _render_research_zip(export):
    # Imported when a ZIP is made, not in every web process: it loads the FHIR models.
    from reports.research import render_research_zip

    return render_research_zip(export)


register(
    ExportKind(
        kind=Export.Kind.RESEARCH_ZIP,
        render=_render_research_zip,
        back=lambda export: ("research_export", [export.clinic.slug]),
        back_label=_("Back to research export"),
    )
)

# --- patients' data rights: download all my data ---
from reports.my_data_files import render_json as render_my_data_json  # noqa: E402
from reports.my_data_files import render_pdf as render_my_data_pdf  # noqa: E402

for _kind, _render in ((Export.Kind.MY_DATA_JSON, render_my_data_json), (Export.Kind.MY_DATA_PDF, render_my_data_pdf)):
    register(
        ExportKind(
            kind=_kind,
            render=_render,
            back=lambda export: ("my_data", []),
            back_label=_("Back to all your data"),
        )
    )

# --- cohort and clinic reports ---
from reports.clinic_report import render_report_pdf, report_pdf_back  # noqa: E402

register(
    ExportKind(
        kind=Export.Kind.REPORT_PDF,
        render=render_report_pdf,
        back=report_pdf_back,
        back_label=_("Back to the report"),
    )
)
