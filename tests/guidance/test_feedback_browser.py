"""In a real browser: the therapist opens "To review", fills the box from a template (htmx), sends the
feedback; the patient sees it beside the exercise and labelled in the thread. axe checks each page at
1280 and 360 px; screenshots go to test-artifacts/browser/."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from guidance.models import Feedback, FeedbackTemplate
from modules import plans
from tests.accounts.test_login import totp_code
from tests.browser import Visit
from tests.factories import PASSWORD, make_program
from tests.guidance.test_feedback import add_exercise, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, user, *, staff: bool):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    if staff:
        page.get_by_label(re.compile("code", re.I)).fill(totp_code(user))
        page.get_by_role("button", name=re.compile("Sign in|Continue|Verify", re.I)).click()
        page.wait_for_url(re.compile(r"/caseload/$"))
    else:
        page.wait_for_url(re.compile(r"/me/$"))


def test_the_therapist_writes_feedback_from_a_template_and_the_patient_reads_it(
    browser, live_server, enrollment, therapist, clinic
):
    program = make_program(weeks=3, pages=1, optional=0, program=enrollment.program)
    add_exercise(program.modules.get(slug="m1"), "story", "Your pain story")
    plan = plans.plan_ensure(enrollment)
    plans.unlock_item(plan.items.get(module__slug="m1"), now=timezone.now())
    submit(enrollment, noticed="Walking to the shop was easier on Tuesday.")
    FeedbackTemplate.objects.create(
        clinic=clinic,
        owner=therapist,
        title="Thanks for this week",
        body="Hello {first_name}, thank you for {exercise_title}.",
    )

    staff = Visit(browser.new_context(base_url=live_server.url).new_page(), "feedback-therapist")
    page = staff.page
    sign_in(page, therapist, staff=True)
    page.get_by_role("link", name=re.compile(r"To review \(1\)")).click()
    assert page.get_by_role("cell", name="Margaret Hill", exact=True).is_visible()
    staff.check("queue")
    page.get_by_role("link", name=re.compile("Your pain story")).click()
    assert page.get_by_text("Walking to the shop was easier on Tuesday.").is_visible()
    page.get_by_label("Start from a template").select_option(label="Thanks for this week")
    page.get_by_role("button", name="Use this template").click()
    box = page.get_by_label("Your feedback")
    # expect() polls from Playwright's own script; wait_for_function would evaluate a string in the
    # page, which the page's CSP (no unsafe-eval) refuses whenever the first check is not yet true.
    expect(box).to_have_value("Hello Margaret, thank you for Your pain story.")
    expect(page.get_by_text(re.compile(r"4,95\d characters left"))).to_be_visible()
    staff.check("write")
    box.fill("Hello Margaret, walking to the shop on Tuesday is a real step. Could you try it twice this week?")
    page.get_by_role("button", name="Send feedback to Margaret").click()
    page.wait_for_url(re.compile(r"/review/$"))
    assert page.get_by_text("Nothing to review").is_visible()
    staff.check("sent")
    page.goto("/feedback/guide/")
    staff.check("guide")
    page.goto("/feedback/templates/")
    staff.check("templates")
    page.goto("/feedback/templates/new/")
    page.get_by_role("button", name="Save template").click()
    assert page.get_by_text("There is a problem").is_visible()
    staff.check("template-errors")
    assert Feedback.objects.count() == 1

    patient = Visit(browser.new_context(base_url=live_server.url).new_page(), "feedback-patient")
    page = patient.page
    sign_in(page, enrollment.patient, staff=False)
    page.goto("/me/modules/m1/1/")
    assert page.get_by_text("Feedback from Sam Okafor").is_visible()
    patient.check("module-page")
    page.goto("/me/messages/")
    assert page.get_by_text("Feedback on: Your pain story").is_visible()
    patient.check("thread")

    assert staff.violations == {} and patient.violations == {}, {**staff.violations, **patient.violations}
    assert staff.console_errors == [] and patient.console_errors == []
