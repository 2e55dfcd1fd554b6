"""The clinic report as a PDF: asked for on the page, made in the background (reports.jobs), fetched
from the export status page by the admin who asked, and by no one else."""

import re

import pytest
from django.urls import reverse

from clinics.models import Membership
from outcomes.reports import REPORT_STATIC_URL, static_file_for
from reports import clinic_report
from reports.models import Export
from tests.conftest import with_totp
from tests.factories import MembershipFactory, make_program
from tests.reports.report_data import make_story
from tests.utils import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(cohort):
    modules = list(make_program(weeks=4, pages=1, optional=0, program=cohort.program).modules.order_by("position"))
    return make_story(cohort, modules)


@pytest.fixture
def rendered_html(monkeypatch):
    """The HTML each PDF was made from (the real PDF is still made)."""
    seen = []
    real = clinic_report.html_to_pdf

    def keep(html):
        seen.append(html)
        return real(html)

    monkeypatch.setattr(clinic_report, "html_to_pdf", keep)
    return seen


def ask_for_pdf(client, clinic, data, capture):
    with capture(execute=True):
        response = client.post(reverse("report_pdf", args=[clinic.slug]), data)
    assert response.status_code == 302
    return Export.objects.get(code=response["Location"].rstrip("/").split("/")[-1])


def test_the_admin_gets_a_pdf_through_the_export_status_page(
    clinic, cohort, clinic_admin, story, rendered_html, django_capture_on_commit_callbacks
):
    client = client_for(clinic_admin)
    export = ask_for_pdf(client, clinic, {"cohort": cohort.pk}, django_capture_on_commit_callbacks)
    status = client.get(reverse("report_export_status", args=[export.code]))
    page = status.content.decode()
    assert "Your file is ready." in page
    assert reverse("report_export_download", args=[export.code]) in page
    assert f'href="{reverse("clinic_report", args=[clinic.slug])}">Back to the report' in page

    download = client.get(reverse("report_export_download", args=[export.code]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert re.fullmatch(
        r'attachment; filename="steady-report-northside-\d{4}-\d{2}-\d{2}\.pdf"', download["Content-Disposition"]
    )
    assert download.content.startswith(b"%PDF-")

    html = rendered_html[0]
    for text in (
        "Report: Northside Pain Service",
        "Cohort: Autumn group · all time",
        "From invitation to completion",
        'aria-labelledby="chart-funnel-title chart-funnel-desc"',
        "Use of each module",
        "Outcomes by contact mode",
        "Therapist time and cost",
        "Technical support",
        "About these numbers",
    ):
        assert text in html, text
    # Only our own stylesheet, through the report's fetcher; no link to Settings in a PDF.
    assert f'href="{REPORT_STATIC_URL}css/clinic-report.css"' in html
    assert static_file_for(f"{REPORT_STATIC_URL}css/clinic-report.css") is not None
    assert "Set the cost per therapist hour in Settings" not in html


def test_nobody_else_sees_the_pdf(
    clinic, clinic_admin, other_clinic_admin, therapist, story, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(clinic_report, "html_to_pdf", lambda html: b"%PDF-1.7 test")
    export = ask_for_pdf(client_for(clinic_admin), clinic, {}, django_capture_on_commit_callbacks)
    assert Export.objects.get(pk=export.pk).status == Export.Status.DONE
    second_admin = with_totp(MembershipFactory(clinic=clinic, role=Membership.Role.ADMIN).user)
    for user in (second_admin, other_clinic_admin, therapist):
        client = client_for(user)
        assert client.get(reverse("report_export_status", args=[export.code])).status_code == 404
        assert client.get(reverse("report_export_download", args=[export.code])).status_code == 404


def test_a_second_click_while_it_is_made_gets_the_same_file(clinic, clinic_admin, story):
    client = client_for(clinic_admin)
    first = client.post(reverse("report_pdf", args=[clinic.slug]), {"started_from": "2026-01-01"})
    second = client.post(reverse("report_pdf", args=[clinic.slug]), {"started_from": "2026-01-01"})
    assert first["Location"] == second["Location"]
    assert Export.objects.count() == 1


def test_filters_that_no_longer_fit_make_the_export_fail(clinic, clinic_admin, other_cohort):
    export = Export.objects.create(
        owner=clinic_admin, clinic=clinic, kind=Export.Kind.REPORT_PDF, params={"cohort": str(other_cohort.pk)}
    )
    from reports.jobs import export_render

    export_render(export.pk)
    export.refresh_from_db()
    assert export.status == Export.Status.FAILED
    page = client_for(clinic_admin).get(reverse("report_export_status", args=[export.code])).content.decode()
    assert "Sorry, the file could not be made." in page


def test_an_empty_clinic_still_gets_a_pdf(clinic, clinic_admin, rendered_html):
    export = Export.objects.create(owner=clinic_admin, clinic=clinic, kind=Export.Kind.REPORT_PDF)
    rendered = clinic_report.render_report_pdf(export)
    assert rendered.content.startswith(b"%PDF-")
    assert rendered.filename.startswith("steady-report-northside-")
    assert "No patients match these filters." in rendered_html[0]
