"""In a real browser: a clinic admin invites a therapist (first with a mistake), tries to deactivate a
therapist who still has patients, follows the link to the caseloads page, moves the patients to
another therapist, and then deactivates. axe checks every page at 1280 and 360 px; screenshots go to
test-artifacts/browser/."""

import re

import pytest
from playwright.sync_api import expect

from clinics.models import Enrollment, Membership
from tests.browser import Visit, sign_in
from tests.factories import EnrollmentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_invites_staff_and_hands_over_a_caseload_before_deactivating(
    browser, live_server, clinic, cohort, therapist, other_therapist, clinic_admin, enrollment
):
    for name in ("Bea Brown", "Cal Chen", "Dee Dunn"):
        EnrollmentFactory(cohort=cohort, therapist=therapist, patient__name=name)
    EnrollmentFactory(cohort=cohort, therapist=other_therapist, patient__name="Eve Ellis")
    visit = Visit(browser.new_context(base_url=live_server.url).new_page(), "staff")
    page = visit.page
    sign_in(page, clinic_admin.email, totp_for=clinic_admin)
    page.wait_for_url(re.compile(rf"/clinics/{clinic.slug}/$"))

    page.get_by_role("link", name="Staff", exact=True).click()
    expect(page.get_by_role("heading", name="Staff", exact=True)).to_be_visible()
    visit.check("list")

    page.get_by_label("Full name").fill("Jo Bloggs")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Enter the person's e-mail address.").first).to_be_visible()
    visit.check("invite-error")
    page.get_by_label("E-mail address").fill("jo.bloggs@example.org")
    page.get_by_label("Therapist", exact=True).check()
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("We sent an invitation to jo.bloggs@example.org")).to_be_visible()
    expect(page.get_by_role("heading", name="Invitations not yet accepted")).to_be_visible()
    visit.check("invited")

    page.get_by_role("link", name=f"Deactivate {therapist.name}").click()
    expect(page.get_by_text("Sam Okafor still has 4 patients.")).to_be_visible()
    visit.check("deactivate-blocked")
    page.get_by_role("link", name="Move Sam Okafor's 4 patients").click()
    expect(page.get_by_role("heading", name="Caseloads")).to_be_visible()
    expect(page.get_by_text("4 open patients of Sam Okafor")).to_be_visible()
    visit.check("caseloads-filtered")

    page.get_by_role("link", name="Caseloads", exact=True).click()
    expect(page.get_by_text("160% of average (above average)")).to_be_visible()
    visit.check("caseloads")
    page.get_by_label("Move Bea Brown").check()
    page.get_by_label("Move Cal Chen").check()
    page.get_by_label("Move them to").select_option(label=other_therapist.name)
    page.get_by_role("button", name="Move the patients I ticked").click()
    expect(page.get_by_text("2 patients now have Alex Morgan as their therapist.")).to_be_visible()
    visit.check("moved")

    page.get_by_label("Show patients of").select_option(label="Sam Okafor (2)")
    page.get_by_role("button", name="Show patients").click()
    page.get_by_label("Move them to").select_option(label=other_therapist.name)
    page.get_by_role("button", name="Move all 2 of Sam Okafor's patients").click()
    expect(page.get_by_text("2 patients now have Alex Morgan as their therapist.")).to_be_visible()
    assert not Enrollment.objects.filter(therapist=therapist).exists()

    page.get_by_role("link", name="Staff", exact=True).click()
    page.get_by_role("link", name=f"Deactivate {therapist.name}").click()
    expect(page.get_by_text("Deactivate Sam Okafor as therapist?")).to_be_visible()
    visit.check("deactivate-confirm")
    page.get_by_role("button", name="Yes, deactivate").click()
    expect(page.get_by_text("Sam Okafor is no longer a therapist here.")).to_be_visible()
    expect(page.get_by_role("heading", name="Deactivated staff")).to_be_visible()
    visit.check("deactivated")
    assert not Membership.objects.get(user=therapist, clinic=clinic).is_active

    assert visit.violations == {}, visit.violations
    assert visit.console_errors == []
