"""Check-in booking, changes, outcomes, calendar files and e-mails (services and pages)."""

import datetime
from unittest.mock import patch

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from clinics.models import AuditEvent
from guidance import checkins as service
from guidance.models import AvailabilityRule, BookingSettings, CheckIn, TimeEntry
from notifications.models import Notification
from notifications.services import dispatch_due
from tests.factories import EnrollmentFactory
from tests.utils import assert_queries, client_for

pytestmark = pytest.mark.django_db

VIDEO_BASE = "https://video.example.org/steady"


@pytest.fixture
def available(therapist, clinic):
    """The therapist works every day 09:00-17:00 London time; the clinic has video calls."""
    clinic.video_base_url = VIDEO_BASE
    clinic.save(update_fields=["video_base_url"])
    BookingSettings.objects.create(therapist=therapist, slot_minutes=30, buffer_minutes=10, notice_hours=24)
    for weekday in range(7):
        AvailabilityRule.objects.create(
            therapist=therapist, weekday=weekday, start_time=datetime.time(9), end_time=datetime.time(17)
        )
    return therapist


@pytest.fixture
def sync(enrollment, available):
    enrollment.contact_mode = enrollment.ContactMode.SYNC
    enrollment.save(update_fields=["contact_mode"])
    return enrollment


def first_slot(therapist, index=0):
    return service.therapist_free_slots(therapist)[index]


def book(enrollment, index=0, mode="video"):
    slot = first_slot(enrollment.therapist, index)
    return service.checkin_book(enrollment=enrollment, by=enrollment.patient, starts_at=slot.starts_at, mode=mode)


def staff_book(enrollment, starts_at, minutes=30, mode="phone"):
    return service.checkin_book(
        enrollment=enrollment, by=enrollment.therapist, starts_at=starts_at, mode=mode, minutes=minutes
    )


# --- The patient books -----------------------------------------------------------------------------


def test_the_patient_books_a_free_slot_and_sees_it_confirmed(sync, patient):
    client = client_for(patient)
    page = client.get(reverse("checkin_book"))
    assert page.status_code == 200
    assert "Times are shown in your time zone (Europe/London)." in page.content.decode()
    slot = first_slot(sync.therapist)
    assert slot.key in page.content.decode()

    response = client.post(reverse("checkin_book"), {"slot": slot.key, "mode": "video"}, follow=True)

    checkin = CheckIn.objects.get(enrollment=sync)
    assert (checkin.starts_at, checkin.ends_at) == (slot.starts_at, slot.ends_at)
    assert checkin.booked_by == patient and checkin.status == CheckIn.Status.BOOKED
    assert len(checkin.room) >= 30
    body = response.content.decode()
    assert "Your check-in is booked" in body
    assert f"{VIDEO_BASE}/{checkin.room}" in body  # the join link, on the logged-in page


def test_a_patient_in_new_york_sees_the_times_in_their_own_zone(sync, patient):
    patient.time_zone = "America/New_York"
    patient.save(update_fields=["time_zone"])
    slot = first_slot(sync.therapist)
    local = slot.starts_at.astimezone(patient.zone).strftime("%H:%M")
    page = client_for(patient).get(reverse("checkin_book")).content.decode()
    assert "Times are shown in your time zone (America/New_York)." in page
    assert f"{local} to " in page
    assert local != slot.starts_at.astimezone(sync.therapist.zone).strftime("%H:%M")


def test_an_async_patient_gets_an_explanation_and_no_form(enrollment, available):
    client = client_for(enrollment.patient)
    page = client.get(reverse("checkin_book"))
    assert page.status_code == 200
    assert "Your plan is messages only" in page.content.decode()
    assert 'name="slot"' not in page.content.decode()
    slot = first_slot(available)
    response = client.post(reverse("checkin_book"), {"slot": slot.key, "mode": "phone"})
    assert response.status_code == 200
    assert not CheckIn.objects.exists()


def test_video_is_offered_only_when_the_clinic_has_a_video_link(sync, patient, clinic):
    assert 'value="video"' in client_for(patient).get(reverse("checkin_book")).content.decode()
    clinic.video_base_url = ""
    clinic.save(update_fields=["video_base_url"])
    page = client_for(patient).get(reverse("checkin_book")).content.decode()
    assert 'value="video"' not in page and 'value="phone"' in page
    with pytest.raises(service.CheckInError):
        book(sync, mode="video")


def test_one_upcoming_check_in_at_a_time(sync, patient):
    checkin = book(sync)
    page = client_for(patient).get(reverse("checkin_book")).content.decode()
    assert "You already have a check-in booked" in page
    assert reverse("patient_checkin_reschedule", args=[checkin.code]) in page
    with pytest.raises(service.CheckInError, match="already have a check-in"):
        book(sync, index=3)


def test_a_slot_not_offered_cannot_be_booked(sync, patient):
    slot = first_slot(sync.therapist)
    odd = slot.starts_at + datetime.timedelta(minutes=7)
    response = client_for(patient).post(
        reverse("checkin_book"), {"slot": odd.strftime("%Y-%m-%dT%H:%M:%SZ"), "mode": "video"}
    )
    assert response.status_code == 200
    assert "Please choose another time" in response.content.decode()
    assert not CheckIn.objects.exists()


def test_a_slot_taken_by_someone_else_a_moment_ago_shows_fresh_times(sync, patient, cohort):
    other = EnrollmentFactory(cohort=cohort, therapist=sync.therapist, contact_mode="sync")
    slot = first_slot(sync.therapist)
    client = client_for(patient)
    client.get(reverse("checkin_book"))  # the patient looks at the times...
    service.checkin_book(enrollment=other, by=other.patient, starts_at=slot.starts_at, mode="phone")  # ...another books
    response = client.post(reverse("checkin_book"), {"slot": slot.key, "mode": "video"})
    body = response.content.decode()
    assert "That time has just been booked by someone else. Please choose another time." in body
    assert slot.key not in body  # fresh slots, without the taken one
    assert first_slot(sync.therapist).key in body
    assert CheckIn.objects.filter(enrollment=sync).count() == 0


def test_the_database_refusal_of_a_double_booking_becomes_the_same_message(sync, patient, cohort):
    """Our check said free, then the unique index refused: the race lost at the last moment."""
    other = EnrollmentFactory(cohort=cohort, therapist=sync.therapist, contact_mode="sync")
    slot = first_slot(sync.therapist)
    service.checkin_book(enrollment=other, by=other.patient, starts_at=slot.starts_at, mode="phone")
    with patch("guidance.checkins._is_free_slot", return_value=slot):
        with pytest.raises(service.SlotTaken):
            book(sync)
        response = client_for(patient).post(reverse("checkin_book"), {"slot": slot.key, "mode": "video"})
    assert "That time has just been booked by someone else" in response.content.decode()
    assert CheckIn.objects.filter(enrollment=sync).count() == 0


def test_a_double_click_books_once(sync, patient):
    slot = first_slot(sync.therapist)
    client = client_for(patient)
    client.post(reverse("checkin_book"), {"slot": slot.key, "mode": "video"})
    second = client.post(reverse("checkin_book"), {"slot": slot.key, "mode": "video"})
    assert "You already have a check-in booked" in second.content.decode()
    assert CheckIn.objects.count() == 1


# --- Changing and cancelling -----------------------------------------------------------------------


def test_the_patient_reschedules_and_the_sequence_rises(sync, patient):
    checkin = book(sync)
    new = first_slot(sync.therapist, 4)
    response = client_for(patient).post(
        reverse("patient_checkin_reschedule", args=[checkin.code]), {"slot": new.key, "mode": "phone"}
    )
    assert response.status_code == 302
    checkin.refresh_from_db()
    assert checkin.starts_at == new.starts_at and checkin.mode == "phone" and checkin.sequence == 1


def test_the_patient_cancels_after_confirming(sync, patient):
    checkin = book(sync)
    client = client_for(patient)
    confirm = client.get(reverse("patient_checkin_cancel", args=[checkin.code]))
    assert "Are you sure you want to cancel your check-in?" in confirm.content.decode()
    assert CheckIn.objects.get().status == CheckIn.Status.BOOKED
    client.post(reverse("patient_checkin_cancel", args=[checkin.code]))
    client.post(reverse("patient_checkin_cancel", args=[checkin.code]))  # a second click
    checkin.refresh_from_db()
    assert checkin.status == CheckIn.Status.CANCELLED and checkin.cancelled_by == patient and checkin.sequence == 1


def test_after_the_cutoff_the_patient_is_asked_to_contact_the_therapist(sync, patient):
    checkin = staff_book(sync, timezone.now() + datetime.timedelta(hours=5))
    client = client_for(patient)
    for name in ("patient_checkin_reschedule", "patient_checkin_cancel"):
        page = client.get(reverse(name, args=[checkin.code]))
        assert page.status_code == 200
        assert "Please contact your therapist" in page.content.decode()
        client.post(reverse(name, args=[checkin.code]), {"slot": first_slot(sync.therapist).key, "mode": "phone"})
    checkin.refresh_from_db()
    assert checkin.status == CheckIn.Status.BOOKED and checkin.sequence == 0
    with pytest.raises(service.CheckInError, match="too late"):
        service.checkin_cancel(checkin=checkin, by=patient)


def test_patients_see_only_their_own_check_ins(sync, other_patient, same_clinic_enrollment):
    checkin = book(sync)
    client = client_for(other_patient)
    for name in ("patient_checkin", "patient_checkin_reschedule", "patient_checkin_cancel", "patient_checkin_ics"):
        assert client.get(reverse(name, args=[checkin.code])).status_code == 404
    assert client.post(reverse("patient_checkin_cancel", args=[checkin.code])).status_code == 404
    assert CheckIn.objects.get().status == CheckIn.Status.BOOKED


def test_the_phone_check_in_page_says_the_therapist_will_phone(sync, patient):
    checkin = book(sync, mode="phone")
    page = client_for(patient).get(reverse("patient_checkin", args=[checkin.code])).content.decode()
    assert "Your therapist will phone you" in page
    assert VIDEO_BASE not in page


# --- The list pages and their query counts ---------------------------------------------------------


def make_history(enrollment, count):
    start = timezone.now() - datetime.timedelta(days=count + 1)
    for i in range(count):
        at = start + datetime.timedelta(days=i)
        status = CheckIn.Status.HELD if i % 2 else CheckIn.Status.NO_SHOW
        CheckIn.objects.create(
            enrollment=enrollment, therapist=enrollment.therapist, starts_at=at,
            ends_at=at + datetime.timedelta(minutes=30), booked_by=enrollment.therapist, status=status, minutes=30,
        )  # fmt: skip


@pytest.mark.parametrize("rows", [1, 12])
def test_the_patients_list_costs_the_same_queries_at_1_and_many_rows(sync, patient, rows):
    make_history(sync, rows)
    book(sync)
    client = client_for(patient)
    client.get(reverse("patient_checkins"))
    with assert_queries(6):
        response = client.get(reverse("patient_checkins"))
    assert response.content.decode().count("Took place") + response.content.decode().count("Missed") == rows


@pytest.mark.parametrize("rows", [1, 12])
def test_the_staff_list_costs_the_same_queries_at_1_and_many_rows(sync, therapist, rows):
    make_history(sync, rows)
    book(sync)
    client = client_for(therapist)
    client.get(reverse("staff_checkins", args=[sync.code]))
    with assert_queries(13):
        response = client.get(reverse("staff_checkins", args=[sync.code]))
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [1, 7])
def test_the_availability_page_costs_the_same_queries_at_1_and_many_rows(therapist, rows):
    for weekday in range(rows):
        AvailabilityRule.objects.create(
            therapist=therapist, weekday=weekday, start_time=datetime.time(9), end_time=datetime.time(12)
        )
    client = client_for(therapist)
    client.get(reverse("availability"))
    with assert_queries(12):
        response = client.get(reverse("availability"))
    assert "Europe/London" in response.content.decode()


def test_mixed_patients_see_their_cadence_and_when_one_is_due(enrollment, available, patient):
    enrollment.contact_mode = enrollment.ContactMode.MIXED
    enrollment.checkin_every_weeks = 3
    enrollment.save(update_fields=["contact_mode", "checkin_every_weeks"])
    page = client_for(patient).get(reverse("patient_checkins")).content.decode()
    assert "Your plan has a check-in every 3 weeks." in page
    assert "It is time to book your next check-in." in page
    book(enrollment)
    page = client_for(patient).get(reverse("patient_checkins")).content.decode()
    assert "It is time to book your next check-in." not in page


def test_the_navigation_shows_check_ins_to_sync_patients_and_availability_to_therapists(
    sync, patient, other_patient, therapist
):
    assert ">Check-ins<" in client_for(patient).get(reverse("patient_home")).content.decode()
    assert ">Check-ins<" not in client_for(other_patient).get(reverse("patient_home")).content.decode()
    assert ">Availability<" in client_for(therapist).get(reverse("caseload")).content.decode()


# --- The therapist ---------------------------------------------------------------------------------


def test_the_therapist_books_an_async_patient_at_a_custom_time(enrollment, available, therapist):
    when = (
        (timezone.now() + datetime.timedelta(days=2))
        .astimezone(therapist.zone)
        .replace(hour=18, minute=15, second=0, microsecond=0)
    )
    response = client_for(therapist).post(
        reverse("staff_checkins", args=[enrollment.code]),
        {
            "schedule-date": when.date().isoformat(),
            "schedule-time": "18:15",
            "schedule-minutes": "45",
            "schedule-mode": "phone",
        },
    )
    assert response.status_code == 302
    checkin = CheckIn.objects.get()
    assert checkin.starts_at == when and checkin.ends_at - checkin.starts_at == datetime.timedelta(minutes=45)
    assert AuditEvent.objects.filter(action="guidance.checkin.booked", enrollment=enrollment).count() == 1


def test_the_therapist_cannot_book_over_another_check_in(sync, therapist, cohort):
    other = EnrollmentFactory(cohort=cohort, therapist=therapist, contact_mode="sync")
    taken = book(other)
    local = (taken.starts_at + datetime.timedelta(minutes=15)).astimezone(therapist.zone)
    response = client_for(therapist).post(
        reverse("staff_checkins", args=[sync.code]),
        {"schedule-date": local.date().isoformat(), "schedule-time": local.strftime("%H:%M"), "schedule-mode": "phone"},
    )
    assert response.status_code == 200
    assert "You already have a check-in at that time" in response.content.decode()
    assert not CheckIn.objects.filter(enrollment=sync).exists()


def test_held_adds_a_time_entry_once_and_no_show_adds_none(sync, therapist):
    held = staff_book(sync, timezone.now() + datetime.timedelta(minutes=1), minutes=40)
    CheckIn.objects.filter(pk=held.pk).update(
        starts_at=timezone.now() - datetime.timedelta(hours=1), ends_at=timezone.now() - datetime.timedelta(minutes=20)
    )
    sync.clinic.checkin_minutes = 45
    sync.clinic.save(update_fields=["checkin_minutes"])
    client = client_for(therapist)
    url = reverse("staff_checkin", args=[sync.code, held.code])
    page = client.get(url).content.decode()
    assert 'value="45"' in page  # minutes default to the clinic's minutes for a check-in (Settings)
    client.post(url, {"action": "outcome", "outcome-outcome": "held", "outcome-minutes": "35"})
    client.post(url, {"action": "outcome", "outcome-outcome": "held", "outcome-minutes": "35"})
    held.refresh_from_db()
    assert held.status == CheckIn.Status.HELD and held.minutes == 35
    entry = TimeEntry.objects.get()
    assert (entry.activity, entry.minutes, entry.source) == ("checkin", 35, f"guidance.checkin:{held.pk}")

    missed = staff_book(sync, timezone.now() + datetime.timedelta(minutes=1))
    CheckIn.objects.filter(pk=missed.pk).update(
        starts_at=timezone.now() - datetime.timedelta(days=1, hours=1),
        ends_at=timezone.now() - datetime.timedelta(days=1),
    )
    client.post(
        reverse("staff_checkin", args=[sync.code, missed.code]), {"action": "outcome", "outcome-outcome": "no_show"}
    )
    assert CheckIn.objects.get(pk=missed.pk).status == CheckIn.Status.NO_SHOW
    assert TimeEntry.objects.count() == 1


def test_an_outcome_cannot_be_recorded_before_the_check_in(sync, therapist):
    checkin = book(sync)
    with pytest.raises(service.CheckInError, match="once the check-in's time has come"):
        service.checkin_record_outcome(checkin=checkin, by=therapist, outcome="held")


def test_the_therapist_moves_and_cancels_with_an_audit_trail(sync, therapist):
    checkin = book(sync)
    client = client_for(therapist)
    url = reverse("staff_checkin", args=[sync.code, checkin.code])
    assert client.get(url).status_code == 200
    new = first_slot(therapist, 6)
    assert (
        client.post(url, {"action": "reschedule", "schedule-slot": new.key, "schedule-mode": "video"}).status_code
        == 302
    )
    checkin.refresh_from_db()
    assert checkin.starts_at == new.starts_at and checkin.sequence == 1
    client.post(url, {"action": "cancel"})
    checkin.refresh_from_db()
    assert checkin.status == CheckIn.Status.CANCELLED and checkin.sequence == 2
    actions = set(AuditEvent.objects.filter(enrollment=sync).values_list("action", flat=True))
    assert {"guidance.checkin.rescheduled", "guidance.checkin.cancelled", "guidance.checkin.viewed"} <= actions


def test_the_clinic_admin_reads_but_cannot_write(sync, clinic_admin):
    checkin = book(sync)
    client = client_for(clinic_admin)
    page = client.get(reverse("staff_checkins", args=[sync.code]))
    assert page.status_code == 200 and "because you are a clinic admin" in page.content.decode()
    url = reverse("staff_checkin", args=[sync.code, checkin.code])
    assert client.get(url).status_code == 200
    assert client.post(url, {"action": "cancel"}).status_code == 403
    assert client.post(reverse("staff_checkins", args=[sync.code]), {"schedule-mode": "phone"}).status_code == 403
    assert CheckIn.objects.get().status == CheckIn.Status.BOOKED
    assert AuditEvent.objects.filter(actor=clinic_admin, action="guidance.checkins.viewed").exists()


def test_other_staff_get_404(sync, other_therapist, other_clinic_admin):
    checkin = book(sync)
    for user in (other_therapist, other_clinic_admin):
        client = client_for(user)
        assert client.get(reverse("staff_checkins", args=[sync.code])).status_code == 404
        assert (
            client.post(reverse("staff_checkin", args=[sync.code, checkin.code]), {"action": "cancel"}).status_code
            == 404
        )


def test_expected_check_ins_flag_missed_periods(sync, therapist):
    sync.start_date = timezone.localdate() - datetime.timedelta(weeks=3, days=1)
    sync.save(update_fields=["start_date"])
    at = timezone.now() - datetime.timedelta(weeks=2, days=6)  # in week 1
    CheckIn.objects.create(
        enrollment=sync, therapist=therapist, starts_at=at, ends_at=at + datetime.timedelta(minutes=30),
        booked_by=therapist, status=CheckIn.Status.HELD,
    )  # fmt: skip
    periods = service.expected_periods(
        sync, CheckIn.objects.filter(enrollment=sync), today=timezone.localdate(), zone=sync.patient.zone
    )
    assert [p.held for p in periods[:3]] == [True, False, False]
    assert [p.missed for p in periods[:4]] == [False, True, True, False]
    assert periods[3].is_current
    page = client_for(therapist).get(reverse("staff_checkins", args=[sync.code])).content.decode()
    assert "2 missed" in page


# --- Calendar file ---------------------------------------------------------------------------------


def parse(content: bytes):
    calendar = icalendar.Calendar.from_ical(content)
    [event] = calendar.walk("VEVENT")
    return calendar, event


def test_the_ics_parses_back_with_a_stable_uid_and_rising_sequence(sync, patient):
    checkin = book(sync)
    client = client_for(patient)
    response = client.get(reverse("patient_checkin_ics", args=[checkin.code]))
    assert response["Content-Type"].startswith("text/calendar")
    calendar, event = parse(response.content)
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == f"{checkin.code}@steady"
    assert int(event["SEQUENCE"]) == 0
    assert event.decoded("DTSTART") == checkin.starts_at and event.decoded("DTSTART").utcoffset() == datetime.timedelta(
        0
    )
    assert event.decoded("DTEND") == checkin.ends_at
    assert str(event["SUMMARY"]) == "Check-in with your therapist"
    assert str(event["URL"]).endswith(reverse("patient_checkin", args=[checkin.code]))
    assert checkin.room not in response.content.decode() and VIDEO_BASE not in response.content.decode()

    service.checkin_reschedule(checkin=checkin, by=patient, starts_at=first_slot(sync.therapist, 5).starts_at)
    _calendar, moved = parse(client.get(reverse("patient_checkin_ics", args=[checkin.code])).content)
    assert str(moved["UID"]) == f"{checkin.code}@steady" and int(moved["SEQUENCE"]) == 1

    service.checkin_cancel(checkin=checkin, by=patient)
    calendar, cancelled = parse(client.get(reverse("patient_checkin_ics", args=[checkin.code])).content)
    assert str(calendar["METHOD"]) == "CANCEL" and str(cancelled["STATUS"]) == "CANCELLED"
    assert int(cancelled["SEQUENCE"]) == 2


def test_the_staff_ics_has_no_patient_details(sync, therapist):
    checkin = book(sync)
    content = client_for(therapist).get(reverse("staff_checkin_ics", args=[sync.code, checkin.code])).content
    _calendar, event = parse(content)
    assert str(event["SUMMARY"]) == "Steady check-in"
    assert sync.patient.name not in content.decode() and sync.patient.email not in content.decode()


# --- E-mails ---------------------------------------------------------------------------------------


def test_booking_mails_both_sides_once_with_the_calendar_attached(sync, patient, therapist, mailoutbox):
    checkin = book(sync)
    assert dispatch_due() == 2
    assert dispatch_due() == 0  # nothing twice
    assert sorted(mail.to[0] for mail in mailoutbox) == sorted([patient.email, therapist.email])
    for mail in mailoutbox:
        [(filename, content, mimetype)] = mail.attachments
        assert filename.endswith(".ics") and mimetype.startswith("text/calendar")
        _calendar, event = parse(content.encode() if isinstance(content, str) else content)
        assert str(event["UID"]) == f"{checkin.code}@steady"
        text = mail.body + mail.subject + content
        assert checkin.room not in text and VIDEO_BASE not in text  # the join link stays on the page
        for health_word in ("pain", "PHQ", "depress", "anxiety", sync.program.title):
            assert health_word.lower() not in text.lower()


def test_reminders_come_24h_and_1h_before_and_only_once(sync, patient, mailoutbox):
    checkin = book(sync)
    reminders = Notification.objects.filter(kind=service.REMINDER_KIND).order_by("due_at")
    assert [r.due_at for r in reminders] == [
        checkin.starts_at - datetime.timedelta(hours=24),
        checkin.starts_at - datetime.timedelta(hours=1),
    ]
    assert [r.dedupe_key for r in reminders] == [
        f"{service.REMINDER_KIND}:{checkin.pk}:0:24h",
        f"{service.REMINDER_KIND}:{checkin.pk}:0:1h",
    ]
    dispatch_due()
    mailoutbox.clear()
    assert dispatch_due(now=checkin.starts_at - datetime.timedelta(hours=23)) == 1
    assert dispatch_due(now=checkin.starts_at - datetime.timedelta(hours=23)) == 0
    assert mailoutbox[0].to == [patient.email] and "tomorrow" in mailoutbox[0].subject


def test_a_reminder_whose_time_has_passed_is_not_written(sync):
    checkin = staff_book(sync, timezone.now() + datetime.timedelta(hours=3))
    assert list(Notification.objects.filter(kind=service.REMINDER_KIND).values_list("dedupe_key", flat=True)) == [
        f"{service.REMINDER_KIND}:{checkin.pk}:0:1h"
    ]


def test_a_stale_reminder_is_cancelled_after_a_change(sync, patient, mailoutbox):
    checkin = book(sync)
    service.checkin_reschedule(checkin=checkin, by=patient, starts_at=first_slot(sync.therapist, 8).starts_at)
    old = Notification.objects.get(dedupe_key=f"{service.REMINDER_KIND}:{checkin.pk}:0:24h")
    checkin.refresh_from_db()
    dispatch_due(now=max(old.due_at, checkin.starts_at - datetime.timedelta(hours=24)) + datetime.timedelta(minutes=1))
    old.refresh_from_db()
    assert old.status == Notification.Status.CANCELLED
    new = Notification.objects.get(dedupe_key=f"{service.REMINDER_KIND}:{checkin.pk}:1:24h")
    assert new.status == Notification.Status.SENT
    # The first booking's confirmation is stale too: only the change's confirmation went out.
    subjects = [mail.subject for mail in mailoutbox if mail.to == [patient.email]]
    assert subjects.count("Your Steady check-in has changed") == 1
    assert "Your Steady check-in is booked" not in subjects


def test_no_reminder_after_a_cancellation_and_the_cancel_mail_says_so(sync, patient, mailoutbox):
    checkin = book(sync)
    dispatch_due()
    service.checkin_cancel(checkin=checkin, by=patient)
    mailoutbox.clear()
    dispatch_due(now=checkin.starts_at - datetime.timedelta(minutes=30))
    assert sorted(mail.subject for mail in mailoutbox) == ["Your Steady check-in has been cancelled"] * 2
    [(_name, content, _type)] = mailoutbox[0].attachments
    calendar, _event = parse(content.encode() if isinstance(content, str) else content)
    assert str(calendar["METHOD"]) == "CANCEL"
    assert set(Notification.objects.filter(kind=service.REMINDER_KIND).values_list("status", flat=True)) == {
        "cancelled"
    }


# --- Availability ----------------------------------------------------------------------------------


def test_the_therapist_sets_availability_and_sees_the_preview(therapist):
    client = client_for(therapist)
    response = client.post(
        reverse("availability"),
        {"action": "add_rule", "rule-weekday": "1", "rule-start_time": "09:00", "rule-end_time": "12:00"},
    )
    assert response.status_code == 302
    assert AvailabilityRule.objects.filter(therapist=therapist, weekday=1).count() == 1
    client.post(
        reverse("availability"),
        {"action": "settings", "settings-slot_minutes": "45", "settings-buffer_minutes": "15",
         "settings-notice_hours": "2", "settings-horizon_days": "14", "settings-cutoff_hours": "12"},
    )  # fmt: skip
    booking = BookingSettings.objects.get(therapist=therapist)
    assert (booking.slot_minutes, booking.horizon_days, booking.cutoff_hours) == (45, 14, 12)
    page = client.get(reverse("availability")).content.decode()
    assert "Next free times" in page and "Tue " in page
    day = timezone.localdate() + datetime.timedelta(days=3)
    client.post(
        reverse("availability"),
        {"action": "add_exception", "exception-date": day.isoformat(), "exception-kind": "day_off"},
    )
    assert therapist.availability_exceptions.get().start_time is None
    actions = set(AuditEvent.objects.filter(actor=therapist).values_list("action", flat=True))
    assert {
        "guidance.availability.rule_added",
        "guidance.availability.settings_changed",
        "guidance.availability.exception_added",
    } <= actions


def test_bad_availability_input_is_explained_and_nothing_saved(therapist):
    client = client_for(therapist)
    response = client.post(
        reverse("availability"),
        {"action": "add_rule", "rule-weekday": "1", "rule-start_time": "12:00", "rule-end_time": "09:00"},
    )
    assert response.status_code == 200
    assert "The end time must be after the start time." in response.content.decode()
    response = client.post(
        reverse("availability"),
        {"action": "add_exception", "exception-date": "2026-02-30", "exception-kind": "extra"},
    )
    body = response.content.decode()
    assert "Enter a real date" in body and "Enter the time the change starts" in body
    response = client.post(reverse("availability"), {"action": "settings", "settings-slot_minutes": "abc"})
    assert "Enter a whole number" in response.content.decode()
    assert not AvailabilityRule.objects.exists() and not therapist.availability_exceptions.exists()
    assert not BookingSettings.objects.exists()


def test_availability_is_for_therapists_only(patient, clinic_admin):
    assert client_for(patient).get(reverse("availability")).status_code == 404
    assert client_for(clinic_admin).post(reverse("availability"), {"action": "settings"}).status_code == 404


def test_get_only_pages_refuse_post(sync, patient):
    checkin = book(sync)
    client = client_for(patient)
    assert client.post(reverse("patient_checkins")).status_code == 405
    assert client.post(reverse("patient_checkin", args=[checkin.code])).status_code == 405
    assert client.post(reverse("patient_checkin_ics", args=[checkin.code])).status_code == 405


# --- Demo data -------------------------------------------------------------------------------------


def test_the_demo_seeds_availability_and_check_ins_once(enrollment, therapist):
    from demo.checkins_history import seed_checkins

    enrollment.contact_mode = "mixed"
    enrollment.start_date = timezone.localdate() - datetime.timedelta(weeks=6)
    enrollment.save(update_fields=["contact_mode", "start_date"])
    seed_checkins(enrollment)
    seed_checkins(enrollment)
    statuses = sorted(CheckIn.objects.filter(enrollment=enrollment).values_list("status", flat=True))
    assert statuses == ["booked", "held", "held", "no_show"]
    assert AvailabilityRule.objects.filter(therapist=therapist).count() == 3
    assert TimeEntry.objects.filter(enrollment=enrollment, activity="checkin").count() == 2
