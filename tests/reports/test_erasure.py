"""Erasing a patient: only a clinic admin, only after they have left, only with their e-mail typed;
afterwards no identifier or free text of theirs is anywhere in the database, numbers and audit rows stay."""

import io
import re

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.urls import reverse

from clinics.models import AuditEvent, Enrollment
from guidance.models import TimeEntry
from modules.models import DiaryEntry
from outcomes.fhir import pseudonym
from outcomes.models import Assessment
from reports.data_rights import DataRightsError, enrollment_withdraw, patient_erase
from tests.factories import PASSWORD, EnrollmentFactory
from tests.reports.patient_record import EMAIL, NAME, SENTINELS, fill_record, sentinel_enrollment
from tests.utils import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def record(cohort, therapist, clinic_admin):
    enrollment = sentinel_enrollment(cohort, therapist)
    fill_record(enrollment, therapist, rows=2)
    client_for(enrollment.patient)  # a signed-in session, recorded by allauth.usersessions
    enrollment_withdraw(enrollment=enrollment, by=clinic_admin, reason="patient_asked")
    return enrollment


def url(enrollment):
    return reverse("patient_erase", args=[enrollment.code])


def erase(user, enrollment, email=EMAIL, client=None):
    return (client or client_for(user)).post(url(enrollment), {"email": email})


def everything_in_the_database() -> str:
    """Every row of every table, plus the decoded contents of every session."""
    out = io.StringIO()
    call_command("dumpdata", format="json", stdout=out)
    sessions = [str(session.get_decoded()) for session in Session.objects.all()]
    return out.getvalue() + "\n".join(sessions)


def test_it_works(clinic_admin, record):
    client = client_for(clinic_admin)
    page = client.get(url(record)).content.decode()
    assert "This cannot be undone" in page and EMAIL in page
    assert AuditEvent.objects.filter(action="reports.patient.erase_viewed").count() == 1

    response = erase(clinic_admin, record, email=EMAIL.upper(), client=client)

    assert response.status_code == 302 and response["Location"] == reverse("enrollment_detail", args=[record.code])
    detail = client.get(response["Location"]).content.decode()
    assert "The patient&#x27;s details are erased." in detail and "Erased patient" in detail
    record.refresh_from_db()
    assert record.pseudonym == pseudonym(str(record.code)) and record.erased_at is not None


def test_it_leaves_no_trace_of_the_patient(clinic_admin, record):
    before = everything_in_the_database()
    assert all(sentinel in before for sentinel in SENTINELS)  # the check below can fail

    erase(clinic_admin, record)

    after = everything_in_the_database()
    found = [s for s in SENTINELS if re.search(re.escape(s), after, re.IGNORECASE)]
    assert found == []
    assert "someone.else@example.org" in after  # another person's row in the CSV import stays


def test_numbers_and_audit_rows_stay(clinic_admin, record):
    audit_before = AuditEvent.objects.filter(enrollment=record).count()
    erase(clinic_admin, record)
    assert AuditEvent.objects.filter(enrollment=record).count() == audit_before + 1  # none gone, the erasure added
    event = AuditEvent.objects.get(action="reports.patient.erased")
    assert (event.enrollment, event.actor) == (record, clinic_admin)
    kept = AuditEvent.objects.filter(enrollment=record).select_related("enrollment")
    assert {event.enrollment.pseudonym for event in kept} == {pseudonym(str(record.code))}
    assert sorted(DiaryEntry.objects.filter(enrollment=record).values_list("pain", flat=True)) == [6, 6]
    assert list(Assessment.objects.filter(enrollment=record).values_list("total", flat=True)) == [9, 9]
    assert sum(TimeEntry.objects.filter(enrollment=record).values_list("minutes", flat=True)) == 24


def test_the_patient_can_no_longer_sign_in(clinic_admin, record):
    patient_client = client_for(record.patient)
    assert patient_client.get(reverse("patient_home")).status_code == 200
    erase(clinic_admin, record)
    patient = record.patient
    patient.refresh_from_db()
    assert (patient.name, patient.is_active, patient.has_usable_password()) == ("Erased patient", False, False)
    assert re.fullmatch(r"erased-[0-9a-f]{12}@erased\.invalid", patient.email)
    assert not EmailAddress.objects.filter(user=patient).exists()
    assert not Authenticator.objects.filter(user=patient).exists()
    assert patient_client.get(reverse("patient_home")).status_code == 302  # the session has ended
    login = patient_client.post(reverse("account_login"), {"login": EMAIL, "password": PASSWORD})
    assert login.status_code == 200 and not patient_client.session.get("_auth_user_id")


def test_an_open_enrolment_is_refused(clinic_admin, cohort, therapist):
    enrollment = sentinel_enrollment(cohort, therapist)
    client = client_for(clinic_admin)
    page = client.get(url(enrollment)).content.decode()
    assert "Withdraw the patient first." in page and 'name="email"' not in page
    response = erase(clinic_admin, enrollment, client=client)
    assert response.status_code == 302
    assert "This patient cannot be erased now." in client.get(response["Location"]).content.decode()
    assert Enrollment.objects.get(pk=enrollment.pk).erased_at is None
    with pytest.raises(DataRightsError, match="Withdraw the patient first"):
        patient_erase(enrollment=enrollment, by=clinic_admin)


def test_a_wrong_email_shows_a_message_and_erases_nothing(clinic_admin, record):
    response = erase(clinic_admin, record, email="someone@example.org")
    assert response.status_code == 200
    assert "That is not this patient&#x27;s e-mail address." in response.content.decode()
    response = erase(clinic_admin, record, email="")
    assert (
        response.status_code == 200
        and "Type the patient&#x27;s e-mail address to confirm." in response.content.decode()
    )
    record.refresh_from_db()
    assert record.erased_at is None and record.patient.name == NAME
    assert not AuditEvent.objects.filter(action="reports.patient.erased").exists()


def test_an_open_enrolment_at_another_clinic_is_refused(clinic_admin, record, other_cohort):
    EnrollmentFactory(cohort=other_cohort, patient=record.patient)
    response = erase(clinic_admin, record)
    assert response.status_code == 200
    assert "still taking part in a programme at another clinic" in response.content.decode()
    record.refresh_from_db()
    assert record.erased_at is None and record.patient.name == NAME


def test_every_closed_enrolment_of_the_person_is_erased(clinic_admin, record, other_cohort):
    elsewhere = EnrollmentFactory(cohort=other_cohort, patient=record.patient, status=Enrollment.Status.COMPLETED)
    erase(clinic_admin, record)
    elsewhere.refresh_from_db()
    assert elsewhere.erased_at is not None and elsewhere.pseudonym == pseudonym(str(elsewhere.code))
    assert AuditEvent.objects.filter(action="reports.patient.erased", clinic=other_cohort.clinic).count() == 1


def test_erasing_twice_is_refused(clinic_admin, record):
    erase(clinic_admin, record)
    page = client_for(clinic_admin).get(url(record)).content.decode()
    assert "details were erased on" in page
    assert erase(clinic_admin, record).status_code == 302
    assert AuditEvent.objects.filter(action="reports.patient.erased").count() == 1
    with pytest.raises(DataRightsError, match="erased already"):
        patient_erase(enrollment=Enrollment.objects.get(pk=record.pk), by=clinic_admin)


def test_it_hides_other_clinics(other_clinic_admin, other_therapist, record):
    for user in (other_clinic_admin, other_therapist):
        assert client_for(user).get(url(record)).status_code == 404
        assert erase(user, record).status_code == 404
    assert Enrollment.objects.get(pk=record.pk).erased_at is None


def test_the_patients_therapist_may_not_erase(therapist, record):
    assert client_for(therapist).get(url(record)).status_code == 403
    assert erase(therapist, record).status_code == 403
    assert Enrollment.objects.get(pk=record.pk).erased_at is None


def test_research_bundles_that_may_name_the_patient_are_deleted(clinic_admin, record):
    from reports.models import Export

    def bundle(**options):
        return Export.objects.create(
            owner=clinic_admin, clinic=record.clinic, kind=Export.Kind.RESEARCH_ZIP, status=Export.Status.DONE,
            content=b"PK", params={"project": "x", "identifiers": False, "free_text": False, **options},
        )  # fmt: skip

    named, with_text, plain = bundle(identifiers=True), bundle(free_text=True), bundle()

    erase(clinic_admin, record)

    remaining = set(Export.objects.filter(kind=Export.Kind.RESEARCH_ZIP).values_list("pk", flat=True))
    assert remaining == {plain.pk}
    assert named.pk not in remaining and with_text.pk not in remaining
