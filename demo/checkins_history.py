"""Demo check-ins for a sync or mixed patient: the therapist's weekly availability (in their own zone),
one upcoming booked check-in and past ones, held (with their time entries) and one missed.

Idempotent: run twice, it adds nothing more. Past check-ins are written directly (the booking
service refuses times in the past); the upcoming one goes through the real booking service, so its
confirmation e-mails and reminders are in the outbox like any booking's.
"""

import datetime
import secrets

from django.db import transaction
from django.utils import timezone

from clinics.models import Enrollment
from guidance import checkins
from guidance.ledger import time_entry_record
from guidance.models import AvailabilityRule, BookingSettings, CheckIn, TimeEntry

# Tuesday and Thursday mornings, Wednesday afternoon (therapist's own zone).
WEEKLY_HOURS = [
    (AvailabilityRule.Weekday.TUESDAY, datetime.time(9), datetime.time(12)),
    (AvailabilityRule.Weekday.WEDNESDAY, datetime.time(14), datetime.time(17)),
    (AvailabilityRule.Weekday.THURSDAY, datetime.time(9), datetime.time(12)),
]
# Weeks ago and what happened (the most recent first).
PAST = [(1, CheckIn.Status.HELD), (3, CheckIn.Status.NO_SHOW), (5, CheckIn.Status.HELD)]


def ensure_availability(therapist) -> None:
    BookingSettings.objects.get_or_create(therapist=therapist)
    for weekday, start, end in WEEKLY_HOURS:
        AvailabilityRule.objects.get_or_create(therapist=therapist, weekday=weekday, start_time=start, end_time=end)


@transaction.atomic
def seed_checkins(enrollment: Enrollment) -> None:
    therapist = enrollment.therapist
    if therapist is None or enrollment.contact_mode not in checkins.BOOKABLE_MODES:
        return
    ensure_availability(therapist)
    if CheckIn.objects.filter(enrollment=enrollment).exists():
        return
    now = timezone.now()
    start_of_programme = datetime.datetime.combine(enrollment.start_date, datetime.time(10), tzinfo=therapist.zone)
    for weeks_ago, status in PAST:
        starts_at = _local(now - datetime.timedelta(weeks=weeks_ago), therapist.zone, hour=10)
        if starts_at < start_of_programme:
            continue
        _past(enrollment, starts_at, status)
    slots = checkins.therapist_free_slots(therapist)
    if slots:
        checkins.checkin_book(
            enrollment=enrollment,
            by=enrollment.patient,
            starts_at=slots[min(2, len(slots) - 1)].starts_at,
            mode=CheckIn.Mode.VIDEO if enrollment.clinic.video_base_url else CheckIn.Mode.PHONE,
        )


def _local(moment: datetime.datetime, zone, *, hour: int) -> datetime.datetime:
    return moment.astimezone(zone).replace(hour=hour, minute=0, second=0, microsecond=0)


def _past(enrollment: Enrollment, starts_at: datetime.datetime, status: str) -> None:
    therapist = enrollment.therapist
    minutes = 30 if status == CheckIn.Status.HELD else None
    checkin = CheckIn.objects.create(
        enrollment=enrollment,
        therapist=therapist,
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(minutes=30),
        mode=CheckIn.Mode.PHONE,
        status=status,
        booked_by=enrollment.patient,
        room=secrets.token_urlsafe(24),
        outcome_at=starts_at + datetime.timedelta(minutes=40),
        minutes=minutes,
        created_at=starts_at - datetime.timedelta(days=5),
    )
    if status == CheckIn.Status.HELD:
        time_entry_record(
            therapist=therapist,
            enrollment=enrollment,
            activity=TimeEntry.Activity.CHECKIN,
            minutes=minutes,
            source=f"guidance.checkin:{checkin.pk}",
            at=starts_at,
        )
