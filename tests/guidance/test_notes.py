"""Private clinical notes and contact mode changes on the patient view."""

import pytest
from django.urls import reverse

from clinics.models import AuditEvent, Enrollment
from guidance.models import ClinicalNote
from tests.utils import client_for

pytestmark = pytest.mark.django_db


def note_url(enrollment):
    return reverse("clinical_note_add", args=[enrollment.code])


def contact_url(enrollment):
    return reverse("contact_mode_change", args=[enrollment.code])


# --- Notes ----------------------------------------------------------------------------------------


def test_the_therapist_adds_a_note(therapist, enrollment):
    client = client_for(therapist)
    response = client.post(note_url(enrollment), {"body": "  Discussed pacing.\nWill review next week.  "})
    assert response.status_code == 302
    assert response["Location"] == reverse("enrollment_detail", args=[enrollment.code]) + "#notes"
    note = ClinicalNote.objects.get()
    assert (note.enrollment, note.author, note.body) == (
        enrollment,
        therapist,
        "Discussed pacing.\nWill review next week.",
    )
    event = AuditEvent.objects.get(action="guidance.note.added")
    assert (event.actor, event.enrollment, event.object_id) == (therapist, enrollment, str(note.code))
    page = client.get(response["Location"]).content.decode()
    assert "Your note is saved." in page
    assert "Discussed pacing.<br>Will review next week." in page


def test_an_empty_note_gets_a_message_and_saves_nothing(therapist, enrollment):
    response = client_for(therapist).post(note_url(enrollment), {"body": "   "})
    assert response.status_code == 200
    assert "Write the note before you save it." in response.content.decode()
    assert not ClinicalNote.objects.exists()


def test_a_too_long_note_gets_a_message(therapist, enrollment):
    response = client_for(therapist).post(note_url(enrollment), {"body": "x" * 5001})
    assert "A note can be up to 5,000 characters" in response.content.decode()
    assert not ClinicalNote.objects.exists()


def test_a_double_click_saves_the_note_once(therapist, enrollment):
    client = client_for(therapist)
    for _ in range(2):
        client.post(note_url(enrollment), {"body": "Same note"})
    assert ClinicalNote.objects.count() == 1
    assert AuditEvent.objects.filter(action="guidance.note.added").count() == 1


def test_a_clinic_admin_reads_notes_but_cannot_add_one(clinic_admin, enrollment):
    assert client_for(clinic_admin).post(note_url(enrollment), {"body": "Admin note"}).status_code == 403
    assert not ClinicalNote.objects.exists()


def test_notes_of_other_patients_are_hidden(other_therapist, other_clinic_admin, patient, enrollment):
    for user in (other_therapist, other_clinic_admin, patient):
        assert client_for(user).post(note_url(enrollment), {"body": "Nope"}).status_code == 404
    assert not ClinicalNote.objects.exists()


def test_adding_a_note_refuses_get(therapist, enrollment):
    assert client_for(therapist).get(note_url(enrollment)).status_code == 405


# --- Contact mode -----------------------------------------------------------------------------------


def test_the_therapist_changes_the_contact_mode_and_it_is_audited(therapist, enrollment):
    client = client_for(therapist)
    response = client.post(contact_url(enrollment), {"contact_mode": "mixed", "checkin_every_weeks": "3"})
    assert response.status_code == 302
    enrollment.refresh_from_db()
    assert (enrollment.contact_mode, enrollment.checkin_every_weeks) == ("mixed", 3)
    event = AuditEvent.objects.get(action="guidance.contact_mode.changed")
    assert (event.actor, event.enrollment, event.object_type, event.object_id) == (
        therapist, enrollment, "clinics.enrollment.contact_mode", "async->mixed/3w",
    )  # fmt: skip
    page = client.get(response["Location"]).content.decode()
    assert "Contact is now: Messages and check-ins." in page
    assert "a check-in every 3 weeks" in page


def test_changing_to_sync_keeps_the_cadence_and_records_old_and_new(therapist, enrollment):
    enrollment.contact_mode = Enrollment.ContactMode.MIXED
    enrollment.save(update_fields=["contact_mode"])
    client_for(therapist).post(contact_url(enrollment), {"contact_mode": "sync"})
    enrollment.refresh_from_db()
    assert enrollment.contact_mode == "sync"
    assert AuditEvent.objects.get(action="guidance.contact_mode.changed").object_id == "mixed->sync"


def test_nothing_changed_writes_no_audit_event(therapist, enrollment):
    response = client_for(therapist).post(contact_url(enrollment), {"contact_mode": "async"}, follow=True)
    assert "Nothing changed" in response.content.decode()
    assert not AuditEvent.objects.filter(action="guidance.contact_mode.changed").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"contact_mode": "carrier-pigeon"}, "Choose one of the options."),
        ({}, "Choose how you keep in touch."),
        ({"contact_mode": "mixed", "checkin_every_weeks": ""}, "Enter how often a check-in is expected"),
        ({"contact_mode": "mixed", "checkin_every_weeks": "9"}, "Enter a number from 1 to 8."),
    ],
)
def test_bad_contact_input_gets_a_message_and_changes_nothing(therapist, enrollment, data, message):
    response = client_for(therapist).post(contact_url(enrollment), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    enrollment.refresh_from_db()
    assert enrollment.contact_mode == "async"


def test_a_clinic_admin_cannot_change_the_contact_mode(clinic_admin, enrollment):
    assert client_for(clinic_admin).post(contact_url(enrollment), {"contact_mode": "sync"}).status_code == 403
    enrollment.refresh_from_db()
    assert enrollment.contact_mode == "async"


def test_contact_mode_of_other_patients_is_hidden(other_therapist, patient, enrollment):
    for user in (other_therapist, patient):
        assert client_for(user).post(contact_url(enrollment), {"contact_mode": "sync"}).status_code == 404


def test_changing_the_contact_mode_refuses_get(therapist, enrollment):
    assert client_for(therapist).get(contact_url(enrollment)).status_code == 405
