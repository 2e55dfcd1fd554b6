"""In a real browser: a clinic admin opens the clinic report from the admin menu, narrows it to one
cohort and asks for a PDF. axe checks every page at 1280 and 360 px, the page never scrolls sideways
on a phone (wide tables scroll inside their own box); screenshots go to test-artifacts/browser/."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from outcomes.models import Assessment
from tests.browser import WIDTHS, Visit, sign_in
from tests.factories import CohortFactory, make_program
from tests.reports.report_data import STORY, at, make_group, make_story

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLES = ["Understanding pain", "Pacing your days", "Thoughts, feelings and pain", "Sleep and rest"]


@pytest.fixture
def clinic_with_patients(clinic, cohort, therapist):
    clinic.cost_per_hour = Decimal("72.00")
    clinic.save(update_fields=["cost_per_hour"])
    modules = list(make_program(weeks=4, pages=1, optional=0, program=cohort.program).modules.order_by("position"))
    for module, title in zip(modules, TITLES, strict=True):
        module.title = title
        module.save(update_fields=["title"])
    story = make_story(cohort, modules, therapist=therapist)
    for n, enrollment in enumerate(story["halfway"] + story["finished"]):  # ten patients answered at the end
        Assessment.objects.create(
            enrollment=enrollment, instrument_key="phq9", instrument_version="phq9-test", occasion="post",
            occasion_kind="post", opens_at=at(50), due_at=at(52), closes_at=at(56), status="completed",
            total=3 + n % 4, submitted_at=at(51),
        )  # fmt: skip
    spring = CohortFactory(clinic=clinic, name="Spring group", program=cohort.program)
    make_group(spring, modules, STORY["finished"], therapist=therapist)
    return spring


def page_fits_its_width(page) -> bool:
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        if page.evaluate("document.documentElement.scrollWidth") > width:
            return False
    page.set_viewport_size({"width": 1280, "height": 900})
    return True


def test_an_admin_reads_the_clinic_report_narrows_it_to_a_cohort_and_gets_a_pdf(
    browser, live_server, clinic_admin, clinic_with_patients
):
    context = browser.new_context(base_url=live_server.url)
    admin = Visit(context.new_page(), "reports-admin")
    page = admin.page
    sign_in(page, clinic_admin.email, totp_for=clinic_admin)
    page.wait_for_url(re.compile(r"/clinics/"))
    page.get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", name="Clinic report")).to_be_visible()
    expect(page.get_by_text("Patients in this report: 30.")).to_be_visible()
    expect(page.get_by_role("heading", name="Use of each module")).to_be_visible()
    assert page_fits_its_width(page)
    admin.check("clinic")

    page.get_by_label("Cohort").select_option(label="Spring group")
    page.get_by_role("button", name="Show report").click()
    expect(page.get_by_role("heading", name="Report for Spring group")).to_be_visible()
    expect(page.get_by_text("Patients in this report: 5.")).to_be_visible()
    admin.check("cohort")

    page.get_by_label("Started on or after").fill("2030-01-01")
    page.get_by_label("Started on or before").fill("2029-01-01")
    page.get_by_role("button", name="Show report").click()
    expect(page.get_by_text("The end of the date range must be on or after its start.").first).to_be_visible()
    admin.check("filter-error")

    page.get_by_role("link", name="Clear the filters").click()
    expect(page.get_by_text("Patients in this report: 30.")).to_be_visible()
    page.get_by_role("button", name="Make a PDF").click()
    expect(page.get_by_text("Your file is ready.")).to_be_visible()
    admin.check("pdf-ready")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("^Download")).click()
    assert re.fullmatch(r"steady-report-northside-\d{4}-\d{2}-\d{2}\.pdf", download.value.suggested_filename)

    context.close()
    assert admin.violations == {}, admin.violations
    assert admin.console_errors == []
