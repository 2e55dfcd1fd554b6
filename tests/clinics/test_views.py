import pytest
from django.urls import reverse

from clinics.models import AuditEvent, Enrollment
from tests.factories import EnrollmentFactory
from tests.utils import assert_queries, client_for

pytestmark = pytest.mark.django_db


# --- Patient home ---------------------------------------------------------------------------------


def test_patient_home_shows_the_programme_therapist_and_next_step(patient, therapist):
    page = client_for(patient).get(reverse("patient_home")).content.decode()
    assert "Living well with chronic pain" in page
    assert therapist.name in page
    assert "Your programme started on" in page
    assert "Need help now?" in page
    assert "116 123" in page  # the clinic's crisis resources


def test_patient_home_says_when_the_programme_starts(patient, enrollment):
    import datetime

    from django.utils import timezone

    enrollment.start_date = timezone.localdate() + datetime.timedelta(days=5)
    enrollment.save(update_fields=["start_date"])
    page = client_for(patient).get(reverse("patient_home")).content.decode()
    assert "Your programme starts on" in page


def test_patient_home_of_a_withdrawn_patient_says_the_programme_ended(patient, enrollment):
    enrollment.status = Enrollment.Status.WITHDRAWN
    enrollment.save(update_fields=["status"])
    page = client_for(patient).get(reverse("patient_home")).content.decode()
    assert "Your programme has ended" in page


def test_home_sends_each_role_to_its_page(patient, therapist, clinic_admin, operator):
    assert client_for(patient).get(reverse("home"))["Location"] == reverse("patient_home")
    assert client_for(therapist).get(reverse("home"))["Location"] == reverse("caseload")
    assert client_for(clinic_admin).get(reverse("home"))["Location"] == reverse("clinic_list")
    assert client_for(operator).get(reverse("home"))["Location"] == reverse("admin:index")


def test_home_refuses_post(patient):
    assert client_for(patient).post(reverse("home")).status_code == 405


# --- Clinic page ----------------------------------------------------------------------------------


def test_clinic_page_shows_the_enrol_form_cohorts_and_patients(clinic_admin, clinic, enrollment):
    page = client_for(clinic_admin).get(reverse("clinic_detail", args=[clinic.slug])).content.decode()
    assert "Enrol a patient" in page
    assert enrollment.patient.name in page
    assert enrollment.cohort.name in page
    assert enrollment.therapist.name in page


def test_clinic_list_redirects_an_admin_of_one_clinic_to_it(clinic_admin, clinic):
    response = client_for(clinic_admin).get(reverse("clinic_list"))
    assert response["Location"] == reverse("clinic_detail", args=[clinic.slug])


def test_clinic_list_shows_each_clinic_to_an_admin_of_two(clinic_admin, clinic, other_clinic):
    from clinics.models import Membership

    Membership.objects.create(user=clinic_admin, clinic=other_clinic, role=Membership.Role.ADMIN)
    page = client_for(clinic_admin).get(reverse("clinic_list")).content.decode()
    assert clinic.name in page and other_clinic.name in page


@pytest.mark.parametrize("rows", [1, 60])
def test_clinic_page_query_count_does_not_grow_with_patients(clinic_admin, clinic, cohort, therapist, rows):
    EnrollmentFactory.create_batch(rows, cohort=cohort, therapist=therapist)
    client = client_for(clinic_admin)
    client.get(reverse("clinic_list"))  # the first request of a session stamps its start
    # session, user, roles, authenticator, clinic, patient count + page, audit, cohorts with counts,
    # the form's therapists and cohorts
    with assert_queries(11):
        response = client.get(reverse("clinic_detail", args=[clinic.slug]))
    assert response.status_code == 200
    assert response.content.decode().count('href="/patients/') == min(rows, 50)


def test_clinic_page_paginates_patients(clinic_admin, clinic, cohort, therapist):
    EnrollmentFactory.create_batch(51, cohort=cohort, therapist=therapist)
    client = client_for(clinic_admin)
    second = client.get(reverse("clinic_detail", args=[clinic.slug]), {"page": 2}).content.decode()
    assert second.count('href="/patients/') == 1


# --- Audit ---------------------------------------------------------------------------------------


def test_patient_lists_are_audited(therapist, clinic_admin, clinic, enrollment):
    client_for(therapist).get(reverse("caseload"))
    client_for(clinic_admin).get(reverse("clinic_detail", args=[clinic.slug]))
    assert list(AuditEvent.objects.order_by("pk").values_list("action", "actor_role", "clinic")) == [
        ("guidance.caseload.viewed", "therapist", None),
        ("clinics.patient_list.viewed", "admin", clinic.pk),
    ]


def test_audit_events_cannot_be_changed_or_deleted(therapist, enrollment):
    client_for(therapist).get(reverse("enrollment_detail", args=[enrollment.code]))
    event = AuditEvent.objects.get(action="guidance.patient.viewed")
    event.action = "something.else"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().update(action="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get().action == "guidance.patient.viewed"


# --- Profile --------------------------------------------------------------------------------------


def test_a_patient_changes_their_time_zone_and_name(patient):
    client = client_for(patient)
    response = client.post(
        reverse("profile"),
        {"name": "  Maggie   Hill ", "language": "en", "time_zone": "America/New_York", "reminder_hour": "18"},
    )
    assert response.status_code == 302
    patient.refresh_from_db()
    assert (patient.name, patient.time_zone, patient.reminder_hour) == ("Maggie Hill", "America/New_York", 18)
    assert "Your details are saved." in client.get(reverse("profile")).content.decode()


def test_a_bad_time_zone_gets_a_message_and_saves_nothing(patient):
    response = client_for(patient).post(
        reverse("profile"), {"name": "M", "language": "en", "time_zone": "Mars/Base", "reminder_hour": "9"}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    patient.refresh_from_db()
    assert patient.time_zone == "Europe/London"


@pytest.mark.postgres
def test_postgresql_itself_refuses_to_change_audit_rows(therapist, enrollment):
    from django.db import DatabaseError, connection, transaction

    client_for(therapist).get(reverse("enrollment_detail", args=[enrollment.code]))
    for statement in (
        "UPDATE clinics_auditevent SET action = 'tampered'",
        "DELETE FROM clinics_auditevent",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement)
    assert AuditEvent.objects.get().action == "guidance.patient.viewed"
