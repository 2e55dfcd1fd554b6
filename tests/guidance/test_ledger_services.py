"""The time ledger's services: an action's entry is written once; manual entries are checked."""

import datetime

import pytest
from django.utils import timezone

from clinics.models import AuditEvent, Clinic
from guidance.ledger import LedgerError, time_entry_add, time_entry_change_minutes, time_entry_record
from guidance.models import TimeEntry
from guidance.services import message_send, thread_ensure

pytestmark = pytest.mark.django_db


def test_a_therapist_message_adds_the_clinics_default_minutes(enrollment, therapist):
    Clinic.objects.filter(pk=enrollment.clinic_id).update(message_minutes=7)
    enrollment.clinic.refresh_from_db()
    message = message_send(thread=thread_ensure(enrollment=enrollment), sender=therapist, body="How did it go?")
    entry = TimeEntry.objects.get()
    assert (entry.therapist, entry.enrollment, entry.activity, entry.minutes) == (therapist, enrollment, "message", 7)
    assert entry.source == f"guidance.message:{message.pk}"


def test_a_patient_message_adds_no_time(enrollment, patient):
    message_send(thread=thread_ensure(enrollment=enrollment), sender=patient, body="Hello")
    assert not TimeEntry.objects.exists()


def test_feedback_sent_as_a_message_can_skip_the_message_entry(enrollment, therapist):
    message_send(thread=thread_ensure(enrollment=enrollment), sender=therapist, body="Well done", record_time=False)
    assert not TimeEntry.objects.exists()


def test_an_actions_entry_is_written_once(enrollment, therapist):
    first = time_entry_record(therapist=therapist, enrollment=enrollment, activity="checkin", minutes=30, source="x:1")
    again = time_entry_record(therapist=therapist, enrollment=enrollment, activity="checkin", minutes=45, source="x:1")
    assert first.pk == again.pk
    assert TimeEntry.objects.get().minutes == 30


def test_an_action_needs_a_source(enrollment, therapist):
    with pytest.raises(ValueError, match="source"):
        time_entry_record(therapist=therapist, enrollment=enrollment, activity="checkin", minutes=30, source="")


def test_a_manual_entry_is_saved_and_audited(enrollment, therapist):
    entry = time_entry_add(therapist=therapist, enrollment=enrollment, activity="phone", minutes=20, note=" Call ")
    assert (entry.activity, entry.minutes, entry.note, entry.source) == ("phone", 20, "Call", "")
    assert AuditEvent.objects.filter(action="guidance.time.added", enrollment=enrollment).count() == 1


@pytest.mark.parametrize(
    ("activity", "minutes", "message"),
    [
        ("message", 10, "Choose what the time was spent on."),
        ("phone", 0, "Enter a number of minutes from 1 to 1,440."),
        ("phone", 1441, "Enter a number of minutes from 1 to 1,440."),
    ],
)
def test_a_bad_manual_entry_is_refused_with_a_reason(enrollment, therapist, activity, minutes, message):
    with pytest.raises(LedgerError, match=message):
        time_entry_add(therapist=therapist, enrollment=enrollment, activity=activity, minutes=minutes)
    assert not TimeEntry.objects.exists()


def test_a_manual_entry_cannot_be_in_the_future(enrollment, therapist):
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    with pytest.raises(LedgerError, match="future"):
        time_entry_add(therapist=therapist, enrollment=enrollment, activity="review", minutes=5, at=tomorrow)


def test_only_the_entrys_therapist_changes_its_minutes(enrollment, therapist, other_therapist):
    entry = time_entry_add(therapist=therapist, enrollment=enrollment, activity="phone", minutes=20)
    with pytest.raises(LedgerError):
        time_entry_change_minutes(entry=entry, minutes=5, by=other_therapist)
    time_entry_change_minutes(entry=entry, minutes=25, by=therapist)
    assert TimeEntry.objects.get().minutes == 25
    assert AuditEvent.objects.filter(action="guidance.time.changed").count() == 1
