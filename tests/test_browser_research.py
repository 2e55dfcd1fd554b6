"""In a real browser: a clinic admin asks for a research export with names included but no proper
reason, sees the error next to the reason, writes one, and gets the file. axe checks every page at
1280 and 360 px; screenshots go to test-artifacts/browser/."""

import re

import pytest
from playwright.sync_api import expect

from reports.models import Export, ResearchProject
from tests.browser import Visit, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def project(clinic, clinic_admin, enrollment):
    return ResearchProject.objects.create(clinic=clinic, name="Knee study", created_by=clinic_admin)


def test_a_missing_reason_is_shown_then_the_export_is_made(browser, live_server, project, clinic_admin, clinic):
    admin = clinic_admin
    context = browser.new_context(base_url=live_server.url)
    visit = Visit(context.new_page(), "research")
    page = visit.page
    sign_in(page, admin.email, totp_for=admin)
    page.wait_for_url(re.compile(rf"/clinics/{clinic.slug}/$"))
    page.get_by_role("link", name="Research export").click()
    expect(page.get_by_role("heading", name="Research export", level=1)).to_be_visible()
    page.get_by_label("Include names and e-mail addresses").check()
    page.get_by_label(re.compile("^Reason for including")).fill("Needed")
    page.get_by_role("button", name="Request export").click()
    expect(page.get_by_role("alert").get_by_text("Write why the researchers need names")).to_be_visible()
    assert Export.objects.count() == 0
    visit.check("reason-missing")

    page.get_by_label(re.compile("^Reason for including")).fill("Participants consented to named data, REC 24/NW/0001.")
    page.get_by_role("button", name="Request export").click()
    expect(page.get_by_text("Your file is ready.")).to_be_visible()
    visit.check("ready")
    page.get_by_role("link", name="Back to research export").click()
    expect(page.get_by_role("link", name=re.compile("Ready to download"))).to_be_visible()
    visit.check("earlier-exports")
    context.close()
    assert visit.violations == {}, visit.violations
    assert visit.console_errors == []
