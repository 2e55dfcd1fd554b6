"""The two files of "Download all my data": JSON (for other programs) and PDF (to read), both made
from reports.my_data.collect by the background job (reports.jobs, registered in reports.renderers).

File names carry a date only (``steady-my-data-2026-03-01.json``): no name in a file that ends up in
a Downloads folder. The date and every time in the PDF are in the patient's own time zone.
"""

import datetime
import json

from django.template.loader import render_to_string
from django.utils import timezone, translation

from outcomes.reports import REPORT_STATIC_URL, html_to_pdf
from reports.jobs import Rendered
from reports.models import Export
from reports.my_data import collect


def _encode(value):
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def as_json(data: dict) -> bytes:
    return json.dumps(data, default=_encode, ensure_ascii=False, indent=2).encode()


def render_json(export: Export) -> Rendered:
    patient = export.owner
    with timezone.override(patient.zone):
        today = timezone.localdate()
    return Rendered(
        content=as_json(collect(patient)),
        filename=f"steady-my-data-{today:%Y-%m-%d}.json",
        content_type="application/json",
    )


def render_pdf(export: Export) -> Rendered:
    patient = export.owner
    with timezone.override(patient.zone), translation.override(patient.language):
        today = timezone.localdate()
        context = {"data": collect(patient), "today": today, "static_url": REPORT_STATIC_URL}
        html = render_to_string("reports/my_data/document.html", context)
        content = html_to_pdf(html)
    return Rendered(content=content, filename=f"steady-my-data-{today:%Y-%m-%d}.pdf", content_type="application/pdf")
