"""In a real browser: a patient finds "Download all my data" and gets a PDF; a clinic admin withdraws
the patient, mistypes the e-mail address on the erase page, sees why, and erases them. axe checks
every page at 1280 and 360 px; screenshots go to test-artifacts/browser/."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser import Visit, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_patient_downloads_their_data_and_an_admin_erases_them(browser, live_server, enrollment, clinic_admin):
    patient = Visit(browser.new_context(base_url=live_server.url).new_page(), "data-rights-patient")
    page = patient.page
    sign_in(page, enrollment.patient.email)
    page.wait_for_url(re.compile(r"/me/$"))
    page.get_by_role("link", name="Your details").first.click()
    page.get_by_role("link", name="Download all my data").click()
    expect(page.get_by_role("heading", name="Download all your data", exact=True)).to_be_visible()
    patient.check("my-data")
    page.get_by_role("button", name="Download as PDF").click()
    expect(page.get_by_text("Your file is ready.")).to_be_visible(timeout=60_000)
    patient.check("my-data-ready")

    admin = Visit(browser.new_context(base_url=live_server.url).new_page(), "data-rights-admin")
    page = admin.page
    sign_in(page, clinic_admin.email, totp_for=clinic_admin)
    page.wait_for_load_state("networkidle")
    page.goto(f"/patients/{enrollment.code}/")
    page.get_by_role("link", name="Withdraw the patient").click()
    expect(page.get_by_role("heading", name="Withdraw Margaret Hill")).to_be_visible()
    admin.check("withdraw")
    page.get_by_label("The patient asked to stop").check()
    page.get_by_role("button", name="Withdraw the patient").click()
    expect(page.get_by_text("The patient is withdrawn.")).to_be_visible()

    page.get_by_role("link", name="Erase the patient's details").click()
    page.get_by_label("Type the patient's e-mail address to confirm").fill("margaret@example.org")
    page.get_by_role("button", name="Erase the patient's details").click()
    expect(page.get_by_role("alert").get_by_text("That is not this patient's e-mail address.")).to_be_visible()
    admin.check("erase-error")
    page.get_by_label("Type the patient's e-mail address to confirm").fill(enrollment.patient.email)
    page.get_by_role("button", name="Erase the patient's details").click()
    expect(page.get_by_text("The patient's details are erased.")).to_be_visible()
    expect(page.get_by_role("heading", name="Erased patient")).to_be_visible()
    admin.check("erased")

    assert patient.violations == {} and admin.violations == {}, {**patient.violations, **admin.violations}
    assert patient.console_errors == [] and admin.console_errors == []
