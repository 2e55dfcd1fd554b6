"""In a real browser: a patient answers the weekly check with PHQ-9 item 9 above 0 and sees the
clinic's crisis resources at once; the therapist sees the risk alert first and acknowledges it with
a note. axe checks every page at 1280 and 360 px; screenshots go to test-artifacts/browser/."""

import re

import pytest
from django.utils import timezone

from outcomes import schedule
from outcomes.models import Alert, Assessment
from tests.browser import Visit, fresh_totp_code
from tests.factories import PASSWORD, make_program

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def weekly_check_open(enrollment):
    make_program(weeks=9, pages=1, optional=0, program=enrollment.program)
    schedule.schedule_sync(enrollment)
    Assessment.objects.filter(enrollment=enrollment, occasion="baseline").update(
        status=Assessment.Status.COMPLETED, submitted_at=timezone.now()
    )
    Assessment.objects.filter(enrollment=enrollment, occasion="week-2").update(
        status=Assessment.Status.OPEN, opens_at=timezone.now() - timezone.timedelta(hours=1)
    )
    return enrollment


def answer_every_question(page):
    groups = page.locator("form fieldset")
    for index in range(groups.count()):
        groups.nth(index).locator("input[type=radio]").first.check()


def test_item_9_shows_crisis_resources_and_the_therapist_acknowledges_the_alert(
    browser, live_server, weekly_check_open, therapist
):
    enrollment = weekly_check_open
    context = browser.new_context(base_url=live_server.url)
    patient = Visit(context.new_page(), "outcomes-patient")
    page = patient.page
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(enrollment.patient.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(re.compile(r"/me/$"))
    assert page.get_by_text("You have 2 short questionnaires to answer.").is_visible()
    patient.check("home")

    page.goto("/me/questionnaires/")
    assert page.get_by_text("Questionnaire 1 of 2").is_visible()
    page.get_by_role("button", name="Send answers").click()  # nothing chosen yet
    assert page.get_by_text("There is a problem").is_visible()
    patient.check("questionnaire-errors")
    answer_every_question(page)
    page.get_by_role("button", name="Send answers").click()
    page.wait_for_load_state("networkidle")
    page.get_by_role("link", name=re.compile("Next questionnaire")).click()
    assert page.get_by_text("Questionnaire 2 of 2").is_visible()
    answer_every_question(page)
    page.get_by_role("group", name=re.compile("better off dead")).get_by_label("Several days").check()
    patient.check("phq9")
    page.get_by_role("button", name="Send answers").click()
    page.wait_for_load_state("networkidle")
    crisis = page.get_by_role("alert").filter(has_text="116 123")
    assert crisis.is_visible()
    patient.check("result-crisis")
    context.close()

    alert = Alert.objects.get(enrollment=enrollment, kind=Alert.Kind.RISK)
    assert alert.tier == Alert.Tier.NORMAL and alert.acknowledged_at is None

    staff_context = browser.new_context(base_url=live_server.url)
    staff = Visit(staff_context.new_page(), "outcomes-therapist")
    page = staff.page
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(therapist.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_label(re.compile("code", re.I)).fill(fresh_totp_code(therapist))
    page.get_by_role("button", name=re.compile("Sign in|Continue|Verify", re.I)).click()
    page.wait_for_url(re.compile(r"/caseload/$"))
    page.get_by_role("link", name="Alerts").click()
    assert page.get_by_text(enrollment.patient.name).first.is_visible()
    staff.check("alerts")
    page.get_by_label(re.compile("What did you do")).first.fill("Phoned her. She is safe and has a GP visit booked.")
    page.get_by_role("button", name=re.compile("Acknowledge")).first.click()
    page.wait_for_load_state("networkidle")
    staff.check("alerts-acknowledged")
    staff_context.close()

    alert.refresh_from_db()
    assert alert.acknowledged_by == therapist and "Phoned her" in alert.note
    assert patient.violations == {} and staff.violations == {}, {**patient.violations, **staff.violations}
    assert patient.console_errors == [] and staff.console_errors == []
