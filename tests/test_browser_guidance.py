"""In a real browser: the patient sends a message, the therapist replies from another browser, and
the reply appears on the patient's open page without a reload (the page polls every 15 s); then the
patient books a check-in and sees it confirmed. axe checks every page at 1280 and 360 px;
screenshots go to test-artifacts/browser/."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from guidance.models import AvailabilityRule, BookingSettings, CheckIn
from tests.browser import Visit, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def mixed(enrollment, therapist, clinic):
    clinic.video_base_url = "https://video.example.org/steady"
    clinic.save(update_fields=["video_base_url"])
    enrollment.contact_mode = enrollment.ContactMode.MIXED
    enrollment.save(update_fields=["contact_mode"])
    BookingSettings.objects.create(therapist=therapist, notice_hours=24)
    for weekday in range(7):
        AvailabilityRule.objects.create(
            therapist=therapist, weekday=weekday, start_time=datetime.time(9), end_time=datetime.time(12)
        )
    return enrollment


def test_a_reply_appears_without_reloading_then_the_patient_books_a_check_in(browser, live_server, mixed, therapist):
    patient_context = browser.new_context(base_url=live_server.url)
    patient = Visit(patient_context.new_page(), "guidance-patient")
    page = patient.page
    sign_in(page, mixed.patient.email)
    page.wait_for_url(re.compile(r"/me/$"))

    page.get_by_role("link", name=re.compile("^Messages")).first.click()
    page.get_by_label("Your message").fill("My back was worse this week. Is that normal?")
    page.get_by_role("button", name="Send message").click()
    expect(page.get_by_text("My back was worse this week.")).to_be_visible()
    patient.check("messages-sent")

    staff_context = browser.new_context(base_url=live_server.url)
    staff = Visit(staff_context.new_page(), "guidance-therapist")
    therapist_page = staff.page
    sign_in(therapist_page, therapist.email, totp_for=therapist)
    therapist_page.wait_for_url(re.compile(r"/caseload/$"))
    therapist_page.goto(f"/patients/{mixed.code}/messages/")
    expect(therapist_page.get_by_text("My back was worse this week.")).to_be_visible()
    therapist_page.get_by_label("Your message").fill("Flare-ups happen. Let's look at pacing together.")
    therapist_page.get_by_role("button", name="Send message").click()
    expect(therapist_page.locator("#message-list").get_by_text("Flare-ups happen.")).to_be_visible()
    staff.check("messages-replied")

    # The patient's page, still open and never reloaded, shows the reply within 30 seconds.
    url_before = page.url
    expect(page.locator("#message-list").get_by_text("Flare-ups happen.")).to_be_visible(timeout=30_000)
    assert page.url == url_before
    patient.check("messages-reply-arrived")

    page.get_by_role("link", name="Check-ins").first.click()
    expect(page.get_by_role("heading", name="Your check-ins")).to_be_visible()
    patient.check("checkins")
    page.get_by_role("link", name="Book a check-in").click()
    expect(page.get_by_text("Times are shown in your time zone (Europe/London).")).to_be_visible()
    patient.check("book")
    page.get_by_role("button", name="Book check-in").click()  # nothing chosen yet
    expect(page.get_by_text("There is a problem")).to_be_visible()
    patient.check("book-errors")
    page.locator("input[name=slot]").first.check()
    page.get_by_label("Video call").check()
    page.get_by_role("button", name="Book check-in").click()
    expect(page.get_by_text("Your check-in is booked.")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Join the video call"))).to_be_visible()
    patient.check("booked")
    page.get_by_role("link", name="Change the time").click()
    patient.check("reschedule")
    page.go_back()
    page.get_by_role("link", name="Cancel the check-in").click()
    expect(page.get_by_role("heading", name=re.compile("Are you sure"))).to_be_visible()
    patient.check("cancel-confirm")

    checkin = CheckIn.objects.get(enrollment=mixed)
    assert checkin.status == CheckIn.Status.BOOKED and checkin.mode == CheckIn.Mode.VIDEO

    therapist_page.get_by_role("link", name="Availability").first.click()
    expect(therapist_page.get_by_text("Europe/London").first).to_be_visible()
    staff.check("availability")
    therapist_page.goto(f"/patients/{mixed.code}/check-ins/")
    expect(therapist_page.get_by_role("heading", name=re.compile("Check-ins with"))).to_be_visible()
    staff.check("staff-checkins")
    therapist_page.goto(f"/patients/{mixed.code}/check-ins/{checkin.code}/")
    staff.check("staff-checkin")

    patient_context.close()
    staff_context.close()
    assert patient.violations == {} and staff.violations == {}, {**patient.violations, **staff.violations}
    assert patient.console_errors == [] and staff.console_errors == []
