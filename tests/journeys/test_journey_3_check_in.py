"""Journey 3: a patient books a check-in (after trying without choosing a time) and downloads its
.ics file, which holds the right start and nothing about her health; once the time has come her
therapist records it as held with the minutes it took; the time ledger, hers and his weekly one,
shows those minutes.

A check-in cannot be booked in the past and a test cannot wait a day: when the patient has booked,
the check-in's times are moved an hour into the past through the ORM (the clock, not a user).
"""

import datetime
import re
from pathlib import Path

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from guidance.models import AvailabilityRule, BookingSettings, CheckIn, TimeEntry

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def mixed_contact(enrollment, therapist, clinic):
    """A patient with "messages and check-ins" whose therapist is free every morning."""
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


def test_journey_3_book_a_check_in_download_the_ics_hold_it_and_see_the_time(
    journey, mixed_contact, therapist, tmp_path
):
    enrollment = mixed_contact
    story = journey("3-check-in")

    patient = story.sign_in("patient", enrollment.patient, staff=False)
    page = patient.page
    patient.check("home")
    page.get_by_role("link", name="Check-ins").first.click()
    expect(page.get_by_role("heading", name="Your check-ins")).to_be_visible()
    patient.check("check-ins")
    page.get_by_role("link", name="Book a check-in").click()
    expect(page.get_by_text("Times are shown in your time zone (Europe/London).")).to_be_visible()
    patient.check("book")
    page.get_by_role("button", name="Book check-in").click()  # no time chosen
    expect(page.get_by_text("There is a problem")).to_be_visible()
    patient.check("book-without-a-time")
    page.locator("input[name=slot]").first.check()
    page.get_by_label("Phone call").check()
    page.get_by_role("button", name="Book check-in").click()
    expect(page.get_by_text("Your check-in is booked.")).to_be_visible()
    patient.check("booked")
    checkin = CheckIn.objects.get(enrollment=enrollment)
    assert checkin.status == CheckIn.Status.BOOKED and checkin.mode == CheckIn.Mode.PHONE

    # The calendar file: the booked start in UTC, and nothing about her health or her programme.
    with page.expect_download() as download:
        page.get_by_role("link", name="Add to your calendar (.ics file)").click()
    ics = Path(download.value.path()).read_text(encoding="utf-8")
    assert download.value.suggested_filename.endswith(".ics")
    assert "BEGIN:VCALENDAR" in ics and "BEGIN:VEVENT" in ics
    assert f"DTSTART:{checkin.starts_at.astimezone(datetime.UTC):%Y%m%dT%H%M%SZ}" in ics
    assert f"DTEND:{checkin.ends_at.astimezone(datetime.UTC):%Y%m%dT%H%M%SZ}" in ics
    for health_word in ("pain", "PHQ", "mood", "depress", "alert", "living well", "programme"):
        assert health_word.lower() not in ics.lower(), health_word
    # The confirmation e-mail went once, with the same calendar file attached.
    confirmations = [message for message in mail.outbox if message.to == [enrollment.patient.email]]
    assert len(confirmations) == 1, [message.subject for message in confirmations]
    attached = [content for _, content, mimetype in confirmations[0].attachments if "calendar" in mimetype]
    assert len(attached) == 1
    attached_text = attached[0].decode() if isinstance(attached[0], bytes) else attached[0]
    assert f"DTSTART:{checkin.starts_at.astimezone(datetime.UTC):%Y%m%dT%H%M%SZ}" in attached_text

    # The day comes: the check-in started an hour ago (set through the ORM, see the docstring).
    length = checkin.ends_at - checkin.starts_at
    started = timezone.now() - datetime.timedelta(hours=1)
    CheckIn.objects.filter(pk=checkin.pk).update(starts_at=started, ends_at=started + length)

    # --- The therapist records it as held. ----------------------------------------------------------
    staff = story.sign_in("therapist", therapist, staff=True)
    page = staff.page
    page.wait_for_url(re.compile(r"/caseload/$"))
    page.get_by_role("link", name=enrollment.patient.name).first.click()
    expect(page.get_by_role("heading", name=re.compile(enrollment.patient.name))).to_be_visible()
    staff.check("patient")
    page.goto(f"/patients/{enrollment.code}/check-ins/")
    staff.check("check-ins")
    page.locator(f"a[href$='/check-ins/{checkin.code}/']").first.click()
    expect(page.get_by_role("heading", name="Record what happened")).to_be_visible()
    staff.check("check-in")
    page.get_by_role("button", name="Save outcome").click()  # nothing chosen
    expect(page.get_by_text("Choose what happened.").first).to_be_visible()
    staff.check("outcome-missing")
    page.get_by_role("radio", name="Held").check()
    page.get_by_label("Minutes spent (if held)").fill("25")
    page.get_by_role("button", name="Save outcome").click()
    expect(page.get_by_text("The outcome has been recorded.")).to_be_visible()
    staff.check("held")
    checkin.refresh_from_db()
    assert checkin.status == CheckIn.Status.HELD

    # --- The time ledger: the patient's, then his week. --------------------------------------------
    page.goto(f"/patients/{enrollment.code}/time/")
    expect(page.get_by_role("heading", name="Time spent")).to_be_visible()
    entry_row = page.locator("tbody tr", has_text="Check-in")
    expect(entry_row).to_have_count(1)
    expect(entry_row).to_contain_text("25")
    expect(page.locator(".nhsuk-summary-list")).to_contain_text("25 minutes")
    staff.check("time-ledger")
    page.goto("/time/")
    expect(page.locator("table", has_text=enrollment.patient.name)).to_contain_text("25")
    staff.check("my-time")
    entry = TimeEntry.objects.get(enrollment=enrollment)
    assert (entry.activity, entry.minutes, entry.therapist) == (TimeEntry.Activity.CHECKIN, 25, therapist)

    # The patient sees it as held.
    page = patient.page
    page.goto("/me/check-ins/")
    expect(page.get_by_role("table", name="Past check-ins")).to_contain_text("Took place")
    patient.check("check-ins-after")

    story.assert_accessible()
