"""In a real browser: a signed-out person reads the help page; a patient reports a problem (first
with a mistake, then properly); a clinic admin finds it, replies and marks it solved, and looks at
the clinic's settings. axe checks every page at 1280 and 360 px; screenshots go to
test-artifacts/browser/."""

import re

import pytest
from playwright.sync_api import expect

from clinics.models import SupportRequest
from tests.browser import Visit, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_patient_reports_a_problem_and_an_admin_answers_it(browser, live_server, enrollment, clinic_admin):
    context = browser.new_context(base_url=live_server.url)
    visitor = Visit(context.new_page(), "support-visitor")
    page = visitor.page
    page.goto("/help/")
    expect(page.get_by_role("heading", name="This is not for emergencies")).to_be_visible()
    page.get_by_text("I cannot sign in, or I forgot my password").click()
    expect(page.get_by_role("link", name="Get a sign-in code by e-mail")).to_be_visible()
    visitor.check("help-signed-out")
    context.close()

    context = browser.new_context(base_url=live_server.url)
    patient = Visit(context.new_page(), "support-patient")
    page = patient.page
    sign_in(page, enrollment.patient.email)
    page.wait_for_url(re.compile(r"/me/$"))
    page.get_by_role("link", name="Help").first.click()
    page.get_by_role("link", name="Report a problem").click()
    page.get_by_label("What happened?").fill("The diary page stays white after I press Save.")
    page.get_by_role("button", name="Send report").click()  # no category chosen
    expect(page.get_by_text("There is a problem")).to_be_visible()
    patient.check("report-error")
    page.get_by_label("My answers do not save").check()
    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_text("Thank you. Your report has gone to the team")).to_be_visible()
    patient.check("help-after-report")
    support = SupportRequest.objects.get()
    assert "Chrome" in support.device

    staff_context = browser.new_context(base_url=live_server.url)
    admin = Visit(staff_context.new_page(), "support-admin")
    admin_page = admin.page
    sign_in(admin_page, clinic_admin.email, totp_for=clinic_admin)
    admin_page.wait_for_url(re.compile(r"/clinics/"))
    admin_page.get_by_role("link", name="Support").click()
    expect(admin_page.get_by_role("link", name="Received (1)")).to_be_visible()
    admin.check("list")
    admin_page.get_by_role("link", name="My answers do not save").click()
    expect(admin_page.get_by_text("The diary page stays white")).to_be_visible()
    admin_page.get_by_label("Solved").check()
    admin_page.get_by_label("Reply to the patient").fill("Thank you. We fixed the diary page. Please try again.")
    admin_page.get_by_role("button", name="Save").click()
    expect(admin_page.get_by_text("The report is updated.")).to_be_visible()
    admin.check("detail")
    admin_page.get_by_role("link", name="Settings").click()
    expect(admin_page.get_by_role("heading", name="Questionnaires that need a licence")).to_be_visible()
    admin.check("settings")
    admin_page.get_by_label("Crisis resources").fill("")
    admin_page.get_by_role("button", name="Save settings").click()
    expect(admin_page.get_by_text("so they can never be empty").first).to_be_visible()
    admin.check("settings-error")

    page.reload()
    expect(page.get_by_text("Thank you. We fixed the diary page.")).to_be_visible()
    patient.check("help-with-reply")

    context.close()
    staff_context.close()
    assert patient.violations == {} and admin.violations == {} and visitor.violations == {}, {
        **visitor.violations,
        **patient.violations,
        **admin.violations,
    }
    assert patient.console_errors == [] and admin.console_errors == [] and visitor.console_errors == []
