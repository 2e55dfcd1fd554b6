"""Enrolling a CSV file: the upload writes nothing unless every row is valid; the job enrols each
patient once, even when a worker dies mid-way and the task runs again."""

import datetime
import logging
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import User
from clinics import imports
from clinics.imports import ImportRefused, enrolment_import_run, enrolment_import_start
from clinics.models import AuditEvent, Enrollment, EnrolmentImport, Invitation, Membership
from clinics.services import INVITATION_KIND
from clinics.tasks import resume_enrolment_imports, run_enrolment_import
from notifications.models import Notification
from tests.factories import EnrollmentFactory, UserFactory
from tests.utils import assert_queries

pytestmark = pytest.mark.django_db

HEADER = "email,first name,last name,therapist email,contact mode,time zone,language"


def csv_file(therapist, count=3, *, start=0, extra=()) -> bytes:
    lines = [HEADER]
    lines += [
        f"patient{n}@example.com,Pat,Number{n},{therapist.email},mixed,Europe/Paris,en" for n in range(start, count)
    ]
    lines += list(extra)
    return ("\n".join(lines) + "\n").encode()


def start(cohort, admin, content, filename="patients.csv"):
    return enrolment_import_start(cohort=cohort, by=admin, filename=filename, content=content)


def totals() -> tuple:
    return (
        User.objects.count(),
        Enrollment.objects.count(),
        Invitation.objects.count(),
        Notification.objects.count(),
        EnrolmentImport.objects.count(),
    )


class WorkerKilled(BaseException):
    """A worker dying mid-chunk: nothing in the job may catch it."""


# --- The whole job ------------------------------------------------------------------------------------


def test_a_valid_file_enrols_every_patient_and_sends_one_invitation_each(
    cohort, clinic, therapist, clinic_admin, django_capture_on_commit_callbacks
):
    clinic.reminder_hour = 18
    clinic.save(update_fields=["reminder_hour"])
    with django_capture_on_commit_callbacks(execute=True):
        enrolment_import = start(cohort, clinic_admin, csv_file(therapist, 3))
    enrolment_import.refresh_from_db()
    assert enrolment_import.status == EnrolmentImport.Status.DONE
    assert (enrolment_import.total_rows, enrolment_import.processed_rows) == (3, 3)
    assert (enrolment_import.created_count, enrolment_import.skipped_count, enrolment_import.errors) == (3, 0, [])
    assert enrolment_import.rows == []  # names and addresses are gone once the job is done
    patient = User.objects.get(email="patient1@example.com")
    assert (patient.name, patient.time_zone, patient.language, patient.reminder_hour) == (
        "Pat Number1",
        "Europe/Paris",
        "en",
        18,
    )
    assert not patient.is_active
    enrollment = patient.enrollments.get()
    assert (enrollment.cohort, enrollment.therapist, enrollment.contact_mode) == (cohort, therapist, "mixed")
    assert enrollment.enrolment_import == enrolment_import
    assert enrollment.status == Enrollment.Status.INVITED
    assert enrollment.start_date == timezone.localdate()  # the cohort started 3 days ago
    assert Notification.objects.filter(kind=INVITATION_KIND).count() == 3
    assert sorted(message.to[0] for message in mail.outbox) == [f"patient{n}@example.com" for n in range(3)]
    actions = list(AuditEvent.objects.filter(clinic=clinic).values_list("action", flat=True))
    assert actions.count("clinics.enrolment_import.started") == 1
    assert actions.count("clinics.enrolment_import.finished") == 1
    assert actions.count("clinics.enrollment.created") == 3


def test_an_enrolment_before_the_cohort_starts_begins_on_the_cohort_start_date(
    cohort, therapist, clinic_admin, django_capture_on_commit_callbacks
):
    cohort.start_date = timezone.localdate() + datetime.timedelta(days=10)
    cohort.save(update_fields=["start_date"])
    with django_capture_on_commit_callbacks(execute=True):
        start(cohort, clinic_admin, csv_file(therapist, 1))
    assert Enrollment.objects.get(patient__email="patient0@example.com").start_date == cohort.start_date


def test_blank_cells_take_the_cohort_and_clinic_defaults(
    cohort, clinic, therapist, clinic_admin, django_capture_on_commit_callbacks
):
    cohort.default_therapist = therapist
    cohort.default_contact_mode = "sync"
    cohort.save(update_fields=["default_therapist", "default_contact_mode"])
    clinic.time_zone = "Europe/Dublin"
    clinic.save(update_fields=["time_zone"])
    content = b"Email;First Name;Last Name;Therapist Email\r\nann@example.com;Ann;Lee;\r\n"
    with django_capture_on_commit_callbacks(execute=True):
        start(cohort, clinic_admin, content)
    enrollment = Enrollment.objects.select_related("patient").get(patient__email="ann@example.com")
    assert (enrollment.therapist, enrollment.contact_mode, enrollment.patient.time_zone) == (
        therapist,
        "sync",
        "Europe/Dublin",
    )


# --- Nothing is written unless every row is valid ----------------------------------------------------


def test_one_bad_row_creates_no_users_enrollments_invitations_or_notifications(
    cohort, therapist, clinic_admin, django_capture_on_commit_callbacks
):
    before = totals()
    content = csv_file(therapist, 40, extra=["bad-address,Al,Bad,x@y.z,,,"])
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ImportRefused) as refused:
        start(cohort, clinic_admin, content)
    assert totals() == before
    assert mail.outbox == []
    assert "The file has 2 problems. Nothing was enrolled." in refused.value.message
    assert [(e.row, e.column) for e in refused.value.errors] == [(42, "email"), (42, "therapist email")]


def test_the_same_file_twice_creates_nothing_new_and_points_to_the_first_upload(
    cohort, therapist, clinic_admin, django_capture_on_commit_callbacks
):
    content = csv_file(therapist, 2)
    with django_capture_on_commit_callbacks(execute=True):
        first = start(cohort, clinic_admin, content)
    before = totals()
    with pytest.raises(ImportRefused) as refused:
        start(cohort, clinic_admin, content, filename="renamed.csv")
    assert refused.value.earlier == first
    assert "This file was uploaded before" in refused.value.message
    assert "Nothing new was created" in refused.value.message
    assert totals() == before


def test_rows_already_enrolled_in_this_cohort_are_skipped_and_counted(
    cohort, therapist, clinic_admin, django_capture_on_commit_callbacks
):
    EnrollmentFactory(cohort=cohort, therapist=therapist, patient__email="patient0@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        enrolment_import = start(cohort, clinic_admin, csv_file(therapist, 3))
    enrolment_import.refresh_from_db()
    assert (enrolment_import.created_count, enrolment_import.skipped_count) == (2, 1)
    assert User.objects.filter(email="patient0@example.com").count() == 1
    assert len(mail.outbox) == 2


def test_an_address_with_an_account_elsewhere_is_an_error(cohort, therapist, clinic_admin):
    UserFactory(email="Patient1@Example.com")
    with pytest.raises(ImportRefused) as refused:
        start(cohort, clinic_admin, csv_file(therapist, 3))
    assert [(e.row, e.column, e.message) for e in refused.value.errors] == [
        (3, "email", "This e-mail address already has a Steady account.")
    ]


def test_therapists_of_other_clinics_and_inactive_therapists_are_refused(
    cohort, clinic, therapist, other_clinic_therapist, clinic_admin
):
    Membership.objects.filter(user=therapist, clinic=clinic).update(is_active=False)
    extra = [f"other@example.com,O,T,{other_clinic_therapist.email},,,"]
    with pytest.raises(ImportRefused) as refused:
        start(cohort, clinic_admin, csv_file(therapist, 1, extra=extra))
    assert [(e.row, e.column) for e in refused.value.errors] == [(2, "therapist email"), (3, "therapist email")]


def test_a_closed_cohort_refuses_uploads(cohort, therapist, clinic_admin):
    cohort.is_open = False
    cohort.save(update_fields=["is_open"])
    before = totals()
    with pytest.raises(ImportRefused) as refused:
        start(cohort, clinic_admin, csv_file(therapist, 1))
    assert "closed" in refused.value.message
    assert totals() == before


def test_a_5000_row_file_validates_and_is_stored_for_the_job(cohort, therapist, clinic_admin):
    enrolment_import = start(cohort, clinic_admin, csv_file(therapist, 5000))
    assert enrolment_import.total_rows == 5000
    assert len(enrolment_import.rows) == 5000
    assert enrolment_import.status == EnrolmentImport.Status.PENDING


def test_checking_a_file_takes_the_same_queries_for_1_and_60_rows(cohort, therapist, clinic_admin):
    for first, last in ((0, 1), (1, 60)):
        admin = User.objects.get(pk=clinic_admin.pk)  # as in a new request: roles not yet read
        with assert_queries(10):
            start(cohort, admin, csv_file(therapist, last, start=first))


# --- The job survives crashes and races --------------------------------------------------------------


def test_a_resumed_import_after_a_crash_creates_each_patient_once_with_one_invitation(
    cohort, therapist, clinic_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):  # the task is not run yet
        enrolment_import = start(cohort, clinic_admin, csv_file(therapist, 250))
    real_enrol_row = imports._enrol_row
    calls = {"n": 0}

    def dies_on_the_150th_row(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 150:
            raise WorkerKilled
        return real_enrol_row(*args, **kwargs)

    with django_capture_on_commit_callbacks(execute=True):
        with mock.patch.object(imports, "_enrol_row", dies_on_the_150th_row), pytest.raises(WorkerKilled):
            enrolment_import_run(enrolment_import.pk)
    enrolment_import.refresh_from_db()
    assert enrolment_import.status == EnrolmentImport.Status.RUNNING
    assert (enrolment_import.processed_rows, enrolment_import.created_count) == (100, 100)
    assert Enrollment.objects.filter(enrolment_import=enrolment_import).count() == 100  # the open chunk rolled back

    with django_capture_on_commit_callbacks(execute=True):
        run_enrolment_import.delay(enrolment_import.pk)  # the task again, as after a redelivery
    enrolment_import.refresh_from_db()
    assert enrolment_import.status == EnrolmentImport.Status.DONE
    assert (enrolment_import.created_count, enrolment_import.processed_rows) == (250, 250)
    assert User.objects.filter(email__startswith="patient").count() == 250
    assert Enrollment.objects.filter(enrolment_import=enrolment_import).count() == 250
    assert Notification.objects.filter(kind=INVITATION_KIND).count() == 250
    recipients = [message.to[0] for message in mail.outbox]
    assert len(recipients) == 250
    assert len(set(recipients)) == 250


def test_rows_already_enrolled_by_this_import_are_never_enrolled_again(
    cohort, therapist, clinic_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        enrolment_import = start(cohort, clinic_admin, csv_file(therapist, 5))
    # As if the job's place had been lost: put the rows back and run it from the start.
    rows = [{"row": n + 2, "email": f"patient{n}@example.com"} for n in range(5)]
    EnrolmentImport.objects.filter(pk=enrolment_import.pk).update(
        status=EnrolmentImport.Status.RUNNING,
        processed_rows=0,
        rows=[{**row, "first_name": "P", "last_name": "Q", "therapist_id": therapist.pk} for row in rows],
    )
    enrolment_import_run(enrolment_import.pk)
    enrolment_import.refresh_from_db()
    assert (enrolment_import.created_count, enrolment_import.skipped_count, enrolment_import.errors) == (5, 0, [])
    assert Enrollment.objects.filter(cohort=cohort).count() == 5
    assert Invitation.objects.count() == 5


def test_a_row_that_became_invalid_after_the_upload_is_reported_and_the_rest_enrolled(
    cohort, clinic, therapist, clinic_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        enrolment_import = start(cohort, clinic_admin, csv_file(therapist, 4))
    UserFactory(email="patient2@example.com")  # someone else enrolled this address meanwhile
    run_enrolment_import.delay(enrolment_import.pk)
    enrolment_import.refresh_from_db()
    assert enrolment_import.status == EnrolmentImport.Status.DONE
    assert enrolment_import.created_count == 3
    assert enrolment_import.errors == [
        {"row": 4, "column": "email", "message": "This e-mail address got a Steady account after the upload."}
    ]


def test_a_therapist_who_left_after_the_upload_is_reported(
    cohort, clinic, therapist, other_therapist, clinic_admin, django_capture_on_commit_callbacks
):
    extra = [f"other@example.com,O,T,{other_therapist.email},,,"]
    with django_capture_on_commit_callbacks(execute=False):
        enrolment_import = start(cohort, clinic_admin, csv_file(therapist, 1, extra=extra))
    Membership.objects.filter(user=other_therapist, clinic=clinic).update(is_active=False)
    run_enrolment_import.delay(enrolment_import.pk)
    enrolment_import.refresh_from_db()
    assert enrolment_import.created_count == 1
    assert enrolment_import.errors[0]["row"] == 3
    assert enrolment_import.errors[0]["column"] == "therapist email"
    assert not User.objects.filter(email="other@example.com").exists()


def test_closing_the_cohort_stops_the_job_and_forgets_the_rows(
    cohort, therapist, clinic_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        enrolment_import = start(cohort, clinic_admin, csv_file(therapist, 3))
    cohort.is_open = False
    cohort.save(update_fields=["is_open"])
    run_enrolment_import.delay(enrolment_import.pk)
    enrolment_import.refresh_from_db()
    assert enrolment_import.status == EnrolmentImport.Status.FAILED
    assert enrolment_import.created_count == 0
    assert enrolment_import.rows == []
    assert "The cohort was closed" in enrolment_import.errors[0]["message"]


def test_an_unexpected_error_stops_the_job_and_forgets_the_rows(
    cohort, therapist, clinic_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        enrolment_import = start(cohort, clinic_admin, csv_file(therapist, 3))
    with mock.patch.object(imports, "_enrol_row", side_effect=RuntimeError("boom")), pytest.raises(RuntimeError):
        run_enrolment_import.delay(enrolment_import.pk)
    enrolment_import.refresh_from_db()
    assert enrolment_import.status == EnrolmentImport.Status.FAILED
    assert enrolment_import.rows == []
    assert Enrollment.objects.count() == 0


def test_a_long_file_is_done_in_several_runs_each_enqueuing_the_next(
    cohort, therapist, clinic_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        enrolment_import = start(cohort, clinic_admin, csv_file(therapist, 230))
    runs = []
    real_run = imports.enrolment_import_run

    def one_chunk_per_run(import_id):
        runs.append(import_id)
        return real_run(import_id, budget_seconds=0)

    with mock.patch.object(imports, "enrolment_import_run", one_chunk_per_run):
        run_enrolment_import.delay(enrolment_import.pk)
    enrolment_import.refresh_from_db()
    assert enrolment_import.status == EnrolmentImport.Status.DONE
    assert enrolment_import.created_count == 230
    assert runs == [enrolment_import.pk] * 4  # 100 + 100 + 30, then one that finds the end


def test_a_finished_import_run_again_does_nothing(cohort, therapist, clinic_admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        enrolment_import = start(cohort, clinic_admin, csv_file(therapist, 2))
    before = totals()
    assert enrolment_import_run(enrolment_import.pk) is False
    assert totals() == before


def test_the_task_gets_an_id_and_the_logs_carry_no_names_or_addresses(
    cohort, therapist, clinic_admin, django_capture_on_commit_callbacks, caplog
):
    caplog.set_level(logging.INFO)
    with mock.patch.object(run_enrolment_import, "delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            enrolment_import = start(cohort, clinic_admin, csv_file(therapist, 2))
    delay.assert_called_once_with(enrolment_import.pk)
    enrolment_import_run(enrolment_import.pk)
    assert "enrolment import" in caplog.text
    assert "patient" not in caplog.text.lower()
    assert "Number" not in caplog.text


def test_the_sweep_restarts_imports_whose_job_was_lost(
    cohort, therapist, clinic_admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):  # the hand-off to a worker is lost
        lost = start(cohort, clinic_admin, csv_file(therapist, 2))
        fresh = start(cohort, clinic_admin, csv_file(therapist, 4, start=2))
    EnrolmentImport.objects.filter(pk=lost.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=6))
    assert resume_enrolment_imports.delay().get() == 1
    lost.refresh_from_db()
    fresh.refresh_from_db()
    assert (lost.status, lost.created_count) == (EnrolmentImport.Status.DONE, 2)
    assert fresh.status == EnrolmentImport.Status.PENDING
    assert resume_enrolment_imports.delay().get() == 0
