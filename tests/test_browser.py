"""In a real browser: a clinic admin enrols a patient; the patient opens the invitation, chooses a
password, consents and lands on their home. axe checks every page on the way; screenshots at 1280
and 360 px wide are kept under test-artifacts/browser/.

Playwright drives Debian's Chromium (/usr/bin/chromium); it never downloads a browser.
"""

import re

import pytest
from django.core import mail

from tests.browser import Visit, fresh_totp_code
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_enrols_a_patient_who_accepts_and_lands_on_their_home(
    browser, live_server, clinic, cohort, therapist, clinic_admin
):
    admin_context = browser.new_context(base_url=live_server.url)
    admin = Visit(admin_context.new_page(), "admin")
    page = admin.page

    page.goto("/")
    assert "/accounts/login/" in page.url
    admin.check("login")
    page.get_by_label("Email").fill(clinic_admin.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
    admin.check("authenticator")
    page.get_by_label(re.compile("code", re.I)).fill(fresh_totp_code(clinic_admin))
    page.get_by_role("button", name=re.compile("Sign in|Continue|Verify", re.I)).click()
    page.wait_for_url(re.compile(rf"/clinics/{clinic.slug}/$"))
    admin.check("clinic")

    # Submitting an empty form shows the error summary and saves nothing.
    page.get_by_role("button", name="Enrol and send invitation").click()
    assert page.get_by_text("There is a problem").is_visible()
    admin.check("clinic-errors")

    page.get_by_label("Full name").fill("Rose Tyler")
    page.get_by_label("E-mail address").fill("rose@example.com")
    page.get_by_label("Therapist").select_option(label=therapist.name)
    page.get_by_label("Messages and check-ins").check()
    page.get_by_label("Cohort").select_option(label=cohort.name)
    page.get_by_role("button", name="Enrol and send invitation").click()
    page.wait_for_url(re.compile(r"/patients/[0-9a-f-]{36}/$"))
    assert page.get_by_text("Rose Tyler is enrolled").is_visible()
    admin.check("enrolled")

    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/\s]+(/invite/[^\s]+/)", mail.outbox[0].body).group(1)

    patient_context = browser.new_context(base_url=live_server.url)
    patient = Visit(patient_context.new_page(), "patient")
    page = patient.page
    page.goto(link)
    page.wait_for_url(re.compile(r"/invite/password/$"))
    patient.check("password")
    page.get_by_label("Choose a password").fill("calm blue sea at dawn")
    page.get_by_label("Type the password again").fill("calm blue sea at dawn")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/invite/consent/$"))
    patient.check("consent")
    page.get_by_label("I have read and accept the terms of use.").check()
    page.get_by_label("I have read the privacy notice.").check()
    page.get_by_label(re.compile("I agree to take part")).check()
    page.get_by_role("button", name="Agree and start").click()
    page.wait_for_url(re.compile(r"/me/$"))
    assert page.get_by_role("heading", name="Hello Rose").is_visible()
    assert page.get_by_text(therapist.name).is_visible()
    patient.check("home")

    admin_context.close()
    patient_context.close()
    assert admin.violations == {} and patient.violations == {}, {**admin.violations, **patient.violations}
    assert admin.console_errors == [] and patient.console_errors == []
