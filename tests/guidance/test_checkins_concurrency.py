"""No double booking on PostgreSQL: patients booking the same time at once, exactly one wins; and the
exclusion constraint refuses overlapping check-ins that start at different times."""

import datetime
import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from clinics.models import Enrollment
from guidance import checkins as service
from guidance.models import AvailabilityRule, BookingSettings, CheckIn
from tests.factories import EnrollmentFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

PATIENTS = 8


@pytest.fixture
def patients(therapist, cohort):
    BookingSettings.objects.create(therapist=therapist, slot_minutes=30, buffer_minutes=0, notice_hours=1)
    for weekday in range(7):
        AvailabilityRule.objects.create(
            therapist=therapist, weekday=weekday, start_time=datetime.time(8), end_time=datetime.time(18)
        )
    return [EnrollmentFactory(cohort=cohort, therapist=therapist, contact_mode="sync") for _ in range(PATIENTS)]


def run_at_once(targets):
    barrier = threading.Barrier(len(targets))
    results, errors = [], []

    def run(target):
        try:
            barrier.wait()
            results.append(target())
        except service.SlotTaken as taken:
            results.append(taken)
        except Exception as exc:  # a failure in a thread must fail the test
            errors.append(exc)
        finally:
            connection.close()

    workers = [threading.Thread(target=run, args=[target]) for target in targets]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    return results, errors


def booker(enrollment_id, starts_at, *, minutes=None):
    def target():
        enrollment = Enrollment.objects.select_related("patient", "therapist", "clinic").get(pk=enrollment_id)
        if minutes is None:
            return service.checkin_book(enrollment=enrollment, by=enrollment.patient, starts_at=starts_at, mode="phone")
        return service.checkin_book(
            enrollment=enrollment, by=enrollment.therapist, starts_at=starts_at, mode="phone", minutes=minutes
        )

    return target


def test_patients_booking_the_same_slot_at_once_exactly_one_wins(patients, therapist):
    slot = service.therapist_free_slots(therapist)[0]
    results, errors = run_at_once([booker(e.pk, slot.starts_at) for e in patients])

    assert errors == []
    winners = [r for r in results if isinstance(r, CheckIn)]
    assert len(winners) == 1
    assert sum(isinstance(r, service.SlotTaken) for r in results) == PATIENTS - 1
    assert CheckIn.objects.filter(therapist=therapist, status="booked").count() == 1


def test_overlapping_bookings_with_different_starts_exactly_one_wins(patients, therapist):
    start = timezone.now().replace(microsecond=0) + datetime.timedelta(days=2)
    # Each starts 5 minutes after the last and lasts an hour: every pair overlaps.
    targets = [booker(e.pk, start + datetime.timedelta(minutes=5 * i), minutes=60) for i, e in enumerate(patients)]
    results, errors = run_at_once(targets)

    # The therapist's own check (another check-in at that time) or the database refuses the losers.
    assert all(isinstance(e, service.CheckInError) for e in errors), errors
    assert len([r for r in results if isinstance(r, CheckIn)]) == 1
    assert CheckIn.objects.filter(therapist=therapist, status="booked").count() == 1


def test_the_database_itself_refuses_an_overlap(patients, therapist):
    start = timezone.now() + datetime.timedelta(days=3)
    first, second = patients[:2]
    CheckIn.objects.create(
        enrollment=first, therapist=therapist, starts_at=start, ends_at=start + datetime.timedelta(minutes=30),
        booked_by=therapist,
    )  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        CheckIn.objects.create(
            enrollment=second, therapist=therapist, starts_at=start + datetime.timedelta(minutes=10),
            ends_at=start + datetime.timedelta(minutes=40), booked_by=therapist,
        )  # fmt: skip
