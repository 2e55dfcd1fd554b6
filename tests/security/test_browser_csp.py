"""In a real browser, as each role: the key pages and their htmx interactions run with no CSP violation
(Chromium logs those as console errors, "Refused to ...") and no JavaScript error. axe checks each
page at 1280 and 360 px; screenshots go to test-artifacts/browser/."""

import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from modules import plans
from modules.content import load_program
from outcomes.models import Assessment
from tests.browser import Visit, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CSP_LISTENER = """document.addEventListener("securitypolicyviolation", (event) =>
  console.error("CSP violation: " + event.effectiveDirective + " blocked " + event.blockedURI));"""
SHIPPED = Path(__file__).resolve().parents[2] / "modules" / "content" / "living-well"


@pytest.fixture
def busy_patient(enrollment):
    """The shipped programme five weeks in, messages open, one questionnaire waiting."""
    enrollment.program = load_program(SHIPPED).program
    enrollment.contact_mode = enrollment.ContactMode.MIXED
    enrollment.save(update_fields=["program", "contact_mode"])
    plan = plans.plan_ensure(enrollment)
    for item in plan.items.order_by("position")[:5]:
        plans.unlock_item(item, now=timezone.now())
    now = timezone.now()
    Assessment.objects.create(
        enrollment=enrollment, instrument_key="phq9", instrument_version="phq9-en-pfizer-1", occasion="week-2",
        occasion_kind="weekly", opens_at=now - timezone.timedelta(hours=1), due_at=now + timezone.timedelta(days=1),
        closes_at=now + timezone.timedelta(days=3), status=Assessment.Status.OPEN,
    )  # fmt: skip
    return enrollment


def visit_for(browser, live_server, prefix):
    context = browser.new_context(base_url=live_server.url)
    # Every CSP violation, also any Chromium does not log, becomes a console error (init scripts are
    # injected by the browser itself, so the page's policy does not apply to this one).
    context.add_init_script(CSP_LISTENER)
    visit = Visit(context.new_page(), prefix)
    # Uncaught exceptions are not console messages: collect them with the console errors.
    visit.page.on("pageerror", lambda error: visit.console_errors.append(f"{error} on {visit.page.url}"))
    return context, visit


def test_the_patients_pages_run_without_csp_violations_or_script_errors(browser, live_server, busy_patient):
    context, visit = visit_for(browser, live_server, "csp-patient")
    page = visit.page
    sign_in(page, busy_patient.patient.email)
    page.wait_for_url(re.compile(r"/me/$"))
    visit.check("home")

    page.goto("/me/modules/thoughts-and-pain/6/")
    page.get_by_label("What happened?").fill("I reached for a cup and felt a twinge.")
    expect(page.locator("#exercise-check-a-thought [role=status]")).to_contain_text("Saved at", timeout=10_000)
    visit.check("exercise-autosaved")

    page.goto("/me/diary/")
    visit.check("diary")

    page.goto("/me/questionnaires/")
    expect(page.get_by_role("button", name="Send answers")).to_be_visible()
    page.locator("form fieldset").first.locator("input[type=radio]").first.check()
    visit.check("questionnaire")

    page.goto("/me/messages/")
    page.get_by_label("Your message").fill("Is it normal to ache after a walk?")
    page.get_by_role("button", name="Send message").click()
    expect(page.locator("#message-list").get_by_text("Is it normal to ache after a walk?")).to_be_visible()
    visit.check("message-sent")
    context.close()
    assert visit.console_errors == []
    assert visit.violations == {}, visit.violations


def test_the_staff_pages_run_without_csp_violations_or_script_errors(
    browser, live_server, busy_patient, therapist, clinic_admin, clinic, cohort
):
    context, therapist_visit = visit_for(browser, live_server, "csp-therapist")
    page = therapist_visit.page
    sign_in(page, therapist.email, totp_for=therapist)
    page.wait_for_url(re.compile(r"/caseload/$"))
    therapist_visit.check("caseload")
    page.get_by_label("Search by name").fill("zzz-no-such-patient")
    expect(page.locator("#caseload-table")).not_to_contain_text(busy_patient.patient.name, timeout=10_000)
    expect(page).to_have_url(re.compile(r"q=zzz-no-such-patient"))  # the htmx swap pushed the filter
    page.get_by_label("Search by name").fill("")
    expect(page.locator("#caseload-table")).to_contain_text(busy_patient.patient.name, timeout=10_000)
    therapist_visit.check("caseload-filtered")
    page.goto(f"/patients/{busy_patient.code}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(busy_patient.patient.name)
    therapist_visit.check("patient")
    page.goto(f"/patients/{busy_patient.code}/messages/")
    page.get_by_label("Your message").fill("Some ache after a walk is normal. Keep pacing.")
    page.get_by_role("button", name="Send message").click()
    expect(page.locator("#message-list").get_by_text("Keep pacing.")).to_be_visible()
    therapist_visit.check("message-sent")
    context.close()

    context, admin_visit = visit_for(browser, live_server, "csp-admin")
    page = admin_visit.page
    sign_in(page, clinic_admin.email, totp_for=clinic_admin)
    page.goto(f"/clinics/{clinic.slug}/reports/")
    expect(page.get_by_role("heading", name="Clinic report")).to_be_visible()
    admin_visit.check("report")
    page.goto(f"/clinics/{clinic.slug}/cohorts/{cohort.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(cohort.name)
    admin_visit.check("cohort")
    context.close()

    assert therapist_visit.console_errors == [] and admin_visit.console_errors == []
    assert therapist_visit.violations == {} and admin_visit.violations == {}
