"""Journey 5: a clinic admin opens the report, narrows it to one cohort (after a date range that
ends before it starts), makes its PDF and downloads it: a real PDF whose text holds the cohort's
figures as the page showed them. Then one of that cohort's patients downloads everything Steady
holds about her, as JSON and as PDF.

Setup only: a cohort eight weeks in, made in bulk (tests/reports/report_data.py), since a report
needs weeks of history."""

import json
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.factories import CohortFactory, make_program
from tests.reports.report_data import STORY, make_group, make_story

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cohort_eight_weeks_in(clinic, cohort, therapist, enrollment):
    clinic.cost_per_hour = Decimal("72.00")
    clinic.save(update_fields=["cost_per_hour"])
    modules = list(make_program(weeks=4, pages=1, optional=0, program=cohort.program).modules.order_by("position"))
    make_story(cohort, modules, therapist=therapist)  # 25 patients, plus Margaret Hill (``enrollment``)
    spring = CohortFactory(clinic=clinic, name="Spring group", program=cohort.program)
    make_group(spring, modules, STORY["finished"], therapist=therapist)
    return cohort


def pdf_text(path: Path) -> str:
    assert path.read_bytes()[:5] == b"%PDF-", "not a PDF"
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "pdftotext (Debian: poppler-utils) is needed to read the PDF"
    return subprocess.run([pdftotext, "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_journey_5_cohort_report_pdf_and_a_patients_own_data(
    journey, cohort_eight_weeks_in, clinic, clinic_admin, enrollment, therapist, tmp_path
):
    story = journey("5-report-and-my-data")

    # --- The clinic admin: the report, one cohort, a PDF. --------------------------------------------
    admin = story.sign_in("admin", clinic_admin, staff=True)
    page = admin.page
    page.wait_for_url(re.compile(r"/clinics/"))
    page.get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", name="Clinic report")).to_be_visible()
    expect(page.get_by_text("Patients in this report: 31.")).to_be_visible()
    admin.check("clinic-report")
    page.get_by_label("Cohort").select_option(label="Autumn group")
    page.get_by_label("Started on or after").fill("2030-01-01")
    page.get_by_label("Started on or before").fill("2029-01-01")
    page.get_by_role("button", name="Show report").click()
    expect(page.get_by_text("The end of the date range must be on or after its start.").first).to_be_visible()
    admin.check("date-range-backwards")
    page.get_by_label("Started on or after").fill("")
    page.get_by_label("Started on or before").fill("")
    page.get_by_role("button", name="Show report").click()
    expect(page.get_by_role("heading", name="Report for Autumn group")).to_be_visible()
    expect(page.get_by_text("Patients in this report: 26.")).to_be_visible()
    admin.check("cohort-report")
    funnel = page.locator("table", has_text="Activated their account").first
    steps = ("Invited", "Activated their account", "Module 1 done", "Completed")
    shown = {step: " ".join(funnel.locator("tbody tr", has_text=step).first.inner_text().split()) for step in steps}
    assert shown["Invited"] == "Invited 26 100%", shown
    page.get_by_role("button", name="Make a PDF").click()
    expect(page.get_by_text("Your file is ready.")).to_be_visible(timeout=60_000)
    admin.check("pdf-ready")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("^Download")).click()
    assert re.fullmatch(r"steady-report-northside-\d{4}-\d{2}-\d{2}\.pdf", download.value.suggested_filename)
    saved = tmp_path / "report.pdf"
    download.value.save_as(saved)
    text = pdf_text(saved)
    assert "Autumn group" in text and "Spring group" not in text
    assert re.search(r"Cohort: Autumn group", text) and re.search(r"Patients\s+26\n", text), text[:2000]
    # The funnel's rows, as the page showed them (e.g. "Completed 5 19%"), are in the PDF's table.
    lines = [" ".join(line.split()) for line in text.splitlines()]
    for step, row in shown.items():
        assert any(line.endswith(row) for line in lines), (step, row, text[:3000])

    # --- Margaret Hill, a patient of that cohort, downloads her own data. ----------------------------
    patient = story.sign_in("patient", enrollment.patient, staff=False)
    page = patient.page
    page.get_by_role("link", name="Your details").first.click()
    patient.check("your-details")
    page.get_by_role("link", name="Download all my data").click()
    expect(page.get_by_role("heading", name="Download all your data", exact=True)).to_be_visible()
    patient.check("my-data")

    page.get_by_role("button", name="Download as JSON").click()
    expect(page.get_by_text("Your file is ready.")).to_be_visible(timeout=60_000)
    patient.check("json-ready")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("^Download")).click()
    assert download.value.suggested_filename.endswith(".json")
    data = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    flat = json.dumps(data)
    assert enrollment.patient.email in flat and "Margaret Hill" in flat and therapist.name in flat
    assert "report-patient-" not in flat  # nobody else's data

    page.goto("/profile/data/")
    page.get_by_role("button", name="Download as PDF").click()
    expect(page.get_by_text("Your file is ready.")).to_be_visible(timeout=60_000)
    patient.check("pdf-ready")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("^Download")).click()
    saved = tmp_path / "my-data.pdf"
    download.value.save_as(saved)
    text = pdf_text(saved)
    assert "Margaret Hill" in text and enrollment.patient.email in text and "report-patient-" not in text

    story.assert_accessible()
