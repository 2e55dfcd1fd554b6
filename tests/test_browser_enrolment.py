"""In a real browser: a clinic admin opens a cohort, uploads a CSV file with mistakes, sees them
listed by row and column, uploads the fixed file and watches the progress bar reach the end and
the new patients appear. axe checks every page at 1280 and 360 px; screenshots go to
test-artifacts/browser/.

Celery runs eagerly here, inside the live server's request, so the job is usually done by the time
the status page loads; the page must then show a full bar and the new patients.
"""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from clinics.models import Cohort, Enrollment, EnrolmentImport
from tests.browser import Visit, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = "Email;First name;Last name;Therapist email;Contact mode"


def csv_upload(name: str, lines: list[str]) -> dict:
    content = ("\ufeff" + "\r\n".join([HEADER, *lines]) + "\r\n").encode()
    return {"name": name, "mimeType": "text/csv", "buffer": content}


def test_an_admin_fixes_a_csv_file_and_watches_the_patients_being_enrolled(
    browser, live_server, clinic, cohort, therapist, clinic_admin
):
    visit = Visit(browser.new_context(base_url=live_server.url).new_page(), "enrolment")
    page = visit.page
    sign_in(page, clinic_admin.email, totp_for=clinic_admin)
    page.wait_for_url(re.compile(rf"/clinics/{clinic.slug}/$"))

    page.get_by_role("link", name="Cohorts", exact=True).click()
    expect(page.get_by_role("heading", name="Cohorts", exact=True)).to_be_visible()
    visit.check("cohort-list")
    page.get_by_role("link", name="Create a cohort").click()
    page.get_by_role("button", name="Create cohort").click()
    expect(page.get_by_text("Enter a name for the cohort.").first).to_be_visible()
    page.get_by_label("Name").fill("Spring group")
    page.get_by_label("Default therapist").select_option(label=therapist.name)
    page.get_by_label("Messages and check-ins").check()
    visit.check("cohort-create")
    page.get_by_role("button", name="Create cohort").click()
    expect(page.get_by_text("The cohort Spring group is ready for patients.")).to_be_visible()
    expect(page.get_by_role("heading", name="Enrol patients from a CSV file")).to_be_visible()
    visit.check("cohort")
    spring = Cohort.objects.get(name="Spring group")
    assert (spring.default_therapist, spring.default_contact_mode, spring.program) == (
        therapist,
        "mixed",
        cohort.program,
    )

    mistakes = [
        f"amy@example.com;Amy;Pond;{therapist.email};mixed",
        f"not-an-address;Rory;Williams;{therapist.email};async",
        "clara@example.com;;Oswald;nobody@example.com;weekly",
        f"AMY@example.com;Amy;Again;{therapist.email};",
    ]
    page.get_by_label("CSV file").set_input_files(csv_upload("patients.csv", mistakes))
    page.get_by_role("button", name="Upload and enrol").click()
    problems = page.locator("#upload-problems")
    expect(problems).to_be_visible()
    expect(page.get_by_text("The file has 6 problems. Nothing was enrolled.").first).to_be_visible()
    rows = problems.locator("tbody tr")
    expect(rows).to_have_count(6)
    expect(rows.nth(0)).to_contain_text("2")
    expect(rows.nth(0)).to_contain_text("The same e-mail address is also on row 5.")
    expect(rows.nth(1)).to_contain_text("This is not an e-mail address.")
    expect(rows.nth(2)).to_contain_text("first name")
    expect(rows.nth(3)).to_contain_text("therapist email")
    expect(rows.nth(4)).to_contain_text("contact mode")
    expect(rows.nth(5)).to_contain_text("The same e-mail address is also on row 2.")
    visit.check("upload-errors")
    assert Enrollment.objects.filter(cohort=spring).count() == 0

    fixed = [  # a blank therapist or contact mode takes the cohort's default
        "amy@example.com;Amy;Pond;;",
        f"rory@example.com;Rory;Williams;{therapist.email};async",
        f"clara@example.com;Clara;Oswald;{therapist.email};Messages only",
    ]
    page.get_by_label("CSV file").set_input_files(csv_upload("patients-fixed.csv", fixed))
    page.get_by_role("button", name="Upload and enrol").click()
    page.wait_for_url(re.compile(rf"/clinics/{clinic.slug}/imports/[0-9a-f-]{{36}}/$"))
    expect(page.get_by_text("Done: 3 of 3 patients (100%).")).to_be_visible(timeout=30_000)
    progress = page.locator("progress.steady-progress")
    expect(progress).to_have_attribute("max", "3")
    expect(progress).to_have_attribute("value", "3")
    expect(page.get_by_text("3 new patients enrolled.")).to_be_visible()
    for name in ("Amy Pond", "Rory Williams", "Clara Oswald"):
        expect(page.get_by_role("link", name=name)).to_be_visible()
    visit.check("import-done")

    assert EnrolmentImport.objects.get().status == EnrolmentImport.Status.DONE
    assert sorted(message.to[0] for message in mail.outbox) == [
        "amy@example.com",
        "clara@example.com",
        "rory@example.com",
    ]
    page.get_by_role("link", name="Amy Pond").click()
    expect(page.get_by_role("heading", name=re.compile("Amy Pond"))).to_be_visible()

    # A job still running: the page shows where it is and updates itself, without a reload, when
    # the worker moves on and finishes.
    running = EnrolmentImport.objects.create(
        clinic=clinic, cohort=spring, uploaded_by=clinic_admin, filename="autumn.csv", file_hash="e" * 64,
        status=EnrolmentImport.Status.RUNNING, total_rows=40, processed_rows=10,
    )  # fmt: skip
    page.goto(f"/clinics/{clinic.slug}/imports/{running.code}/")
    expect(page.get_by_text("Enrolling: 10 of 40 patients (25%).")).to_be_visible()
    expect(page.locator("progress.steady-progress")).to_have_attribute("value", "10")
    visit.check("import-running")
    url_before = page.url
    EnrolmentImport.objects.filter(pk=running.pk).update(processed_rows=30)
    expect(page.get_by_text("Enrolling: 30 of 40 patients (75%).")).to_be_visible(timeout=10_000)
    EnrolmentImport.objects.filter(pk=running.pk).update(
        processed_rows=40, created_count=40, status=EnrolmentImport.Status.DONE
    )
    expect(page.get_by_text("Done: 40 of 40 patients (100%).")).to_be_visible(timeout=10_000)
    expect(page.locator("progress.steady-progress")).to_have_attribute("value", "40")
    assert page.url == url_before

    assert visit.violations == {}, visit.violations
    assert visit.console_errors == []
