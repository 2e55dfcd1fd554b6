"""In a real browser: a clinic admin opens the audit log, sees a refused attempt, filters by staff
member, and gets a plain message for an impossible date range. axe checks each page at 1280 and
360 px; screenshots go to test-artifacts/browser/."""

import re

import pytest
from playwright.sync_api import expect

from clinics.models import AuditEvent
from clinics.services import audit_log
from tests.browser import Visit, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_reads_and_filters_the_audit_log(
    browser, live_server, clinic, therapist, other_therapist, clinic_admin, enrollment, same_clinic_enrollment
):
    audit_log(actor=therapist, action="guidance.patient.viewed", enrollment=enrollment, target=enrollment)
    audit_log(actor=other_therapist, action="guidance.thread.viewed", enrollment=same_clinic_enrollment)
    audit_log(
        actor=other_therapist, action="access.denied", enrollment=enrollment, outcome=AuditEvent.Outcome.DENIED,
        object_type="enrollment_detail", object_id=str(enrollment.code),
    )  # fmt: skip
    visit = Visit(browser.new_context(base_url=live_server.url).new_page(), "audit")
    page = visit.page
    sign_in(page, clinic_admin.email, totp_for=clinic_admin)
    page.wait_for_url(re.compile(rf"/clinics/{clinic.slug}/$"))

    page.get_by_role("link", name="Audit log", exact=True).click()
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    expect(page.get_by_text("Was refused access")).to_be_visible()
    expect(page.get_by_text("Opened the patient's record")).to_be_visible()
    visit.check("list")

    page.get_by_label("Staff member").select_option(label=other_therapist.name)
    page.get_by_role("button", name="Show events").click()
    expect(page.get_by_text("2 events")).to_be_visible()
    expect(page.get_by_text("Opened the patient's record")).to_have_count(0)
    visit.check("filtered")

    page.get_by_label("From").fill("2026-07-02")
    page.get_by_label("To").fill("2026-07-01")
    page.get_by_role("button", name="Show events").click()
    expect(page.get_by_text("The end date must be on or after the start date.").first).to_be_visible()
    visit.check("bad-dates")
