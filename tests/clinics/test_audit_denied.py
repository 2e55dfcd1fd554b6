"""Denied attempts on patient data: one ``access.denied`` AuditEvent per refused request."""

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from clinics.models import AuditEvent
from tests.utils import client_for

pytestmark = pytest.mark.django_db


def denied_rows():
    return list(AuditEvent.objects.filter(outcome=AuditEvent.Outcome.DENIED))


def test_a_therapist_opening_another_therapists_patient_writes_one_denied_row(
    same_clinic_enrollment, therapist, enrollment
):
    response = client_for(therapist).get(reverse("enrollment_detail", args=[same_clinic_enrollment.code]))
    assert response.status_code == 404
    [event] = denied_rows()
    assert event.actor == therapist
    assert event.actor_role == "therapist"
    assert event.action == "access.denied"
    assert event.object_type == "enrollment_detail"
    assert event.object_id == str(same_clinic_enrollment.code)
    assert event.enrollment == same_clinic_enrollment  # same clinic: the clinic's admins should see it
    assert event.clinic == same_clinic_enrollment.clinic
    assert event.request_id
    assert AuditEvent.objects.count() == 1


def test_the_same_through_htmx_writes_one_denied_row(same_clinic_enrollment, therapist):
    client = client_for(therapist)
    response = client.get(reverse("staff_messages", args=[same_clinic_enrollment.code]), headers={"HX-Request": "true"})
    assert response.status_code == 404
    [event] = denied_rows()
    assert event.object_type == "staff_messages"
    assert AuditEvent.objects.count() == 1


def test_another_clinics_patient_is_recorded_without_pointing_at_the_enrolment(other_clinic_enrollment, therapist):
    response = client_for(therapist).get(reverse("enrollment_detail", args=[other_clinic_enrollment.code]))
    assert response.status_code == 404
    [event] = denied_rows()
    assert event.enrollment is None
    assert event.clinic is None
    assert event.object_id == str(other_clinic_enrollment.code)


def test_an_unknown_code_is_recorded_without_an_enrolment(therapist):
    code = uuid.uuid4()
    response = client_for(therapist).get(reverse("enrollment_detail", args=[code]))
    assert response.status_code == 404
    [event] = denied_rows()
    assert event.enrollment is None
    assert event.object_id == str(code)


def test_a_patient_opening_staff_pages_is_recorded(patient, enrollment, same_clinic_enrollment):
    client = client_for(patient, mfa=False)
    assert client.get(reverse("enrollment_detail", args=[same_clinic_enrollment.code])).status_code == 404
    assert client.get(reverse("patient_progress", args=[enrollment.code])).status_code == 404
    first, second = sorted(denied_rows(), key=lambda event: event.pk)
    assert first.actor == patient
    assert first.actor_role == "patient"
    assert first.enrollment is None  # not theirs: never linked
    assert second.enrollment == enrollment  # their own enrolment, through a staff page
    assert AuditEvent.objects.count() == 2


def test_a_403_in_scope_is_recorded_with_the_enrolment(enrollment, therapist):
    response = client_for(therapist).get(reverse("patient_withdraw", args=[enrollment.code]))
    assert response.status_code == 403
    [event] = denied_rows()
    assert event.enrollment == enrollment
    assert event.object_type == "patient_withdraw"


def test_anonymous_requests_are_not_recorded(enrollment):
    response = Client().get(reverse("enrollment_detail", args=[enrollment.code]))
    assert response.status_code == 302
    assert AuditEvent.objects.count() == 0


def test_a_404_without_a_patient_code_is_not_recorded(clinic_admin, other_clinic):
    response = client_for(clinic_admin).get(reverse("clinic_detail", args=[other_clinic.slug]))
    assert response.status_code == 404
    assert AuditEvent.objects.count() == 0


def test_an_allowed_request_writes_no_denied_row(enrollment, therapist):
    response = client_for(therapist).get(reverse("enrollment_detail", args=[enrollment.code]))
    assert response.status_code == 200
    assert denied_rows() == []


def test_the_patient_sees_a_refused_attempt_in_plain_words():
    from clinics.audit_labels import action_label

    assert action_label("access.denied") == "Tried to open your records and was refused"
