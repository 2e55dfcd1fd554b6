"""Cohort pages (list, create, detail, close) and CSV enrolment pages (upload, job status)."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from clinics.models import AuditEvent, Cohort, Enrollment, EnrolmentImport
from tests.factories import CohortFactory, EnrollmentFactory, ProgramFactory
from tests.utils import assert_queries, client_for

pytestmark = pytest.mark.django_db

HEADER = "email,first name,last name,therapist email,contact mode,time zone,language"


def upload(content: bytes, name="patients.csv"):
    return {"file": SimpleUploadedFile(name, content, content_type="text/csv")}


def good_file(therapist, count=2) -> bytes:
    rows = [f"new{n}@example.com,New,Patient{n},{therapist.email},,," for n in range(count)]
    return ("\n".join([HEADER, *rows]) + "\n").encode()


def status_url(clinic, enrolment_import):
    return reverse("enrolment_import_status", args=[clinic.slug, enrolment_import.code])


# --- Cohort list ----------------------------------------------------------------------------------------


def test_cohort_list_shows_each_cohort_with_its_counts(clinic_admin, clinic, cohort, therapist):
    for status, count in (("invited", 3), ("active", 2), ("paused", 1), ("completed", 4), ("withdrawn", 1)):
        EnrollmentFactory.create_batch(count, cohort=cohort, therapist=therapist, status=status)
    CohortFactory(clinic=clinic, name="Empty group")
    response = client_for(clinic_admin).get(reverse("cohort_list", args=[clinic.slug]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Autumn group" in page and "Empty group" in page
    row = page.split("Autumn group", 1)[1].split("</tr>", 1)[0]
    cells = [cell.split("</td>", 1)[0] for cell in row.split("--numeric")[1:]]
    counts = [cell.rsplit("</span>", 1)[1].strip() for cell in cells]
    assert counts == ["3", "3", "4", "1"]  # invited, active (with paused), completed, withdrawn
    assert reverse("cohort_detail", args=[clinic.slug, cohort.pk]) in page
    assert reverse("cohort_create", args=[clinic.slug]) in page
    assert f"{reverse('clinic_report', args=[clinic.slug])}?cohort={cohort.pk}" in page


def test_cohort_list_hides_other_clinics(other_clinic_admin, clinic, therapist):
    assert client_for(other_clinic_admin).get(reverse("cohort_list", args=[clinic.slug])).status_code == 404
    assert client_for(therapist).get(reverse("cohort_list", args=[clinic.slug])).status_code == 404


def test_cohort_list_queries_do_not_grow_with_cohorts(clinic_admin, clinic, therapist):
    client = client_for(clinic_admin)
    url = reverse("cohort_list", args=[clinic.slug])
    first = CohortFactory(clinic=clinic)
    EnrollmentFactory(cohort=first, therapist=therapist)
    client.get(url)  # warm the session
    with assert_queries(6):
        client.get(url)
    for _ in range(12):
        EnrollmentFactory.create_batch(2, cohort=CohortFactory(clinic=clinic, program=first.program))
    with assert_queries(6):
        response = client.get(url)
    assert response.content.decode().count("cohorts/") >= 13


def test_cohort_list_refuses_post(clinic_admin, clinic):
    assert client_for(clinic_admin).post(reverse("cohort_list", args=[clinic.slug])).status_code == 405


# --- Creating a cohort --------------------------------------------------------------------------------


def cohort_data(programme, therapist=None, **overrides):
    data = {
        "name": "Spring group",
        "program": programme.pk,
        "start_date": (timezone.localdate() + datetime.timedelta(days=7)).isoformat(),
        "default_therapist": therapist.pk if therapist else "",
        "default_contact_mode": "mixed",
        "language": "en",
    }
    data.update(overrides)
    return data


def test_creating_a_cohort_saves_it_with_its_defaults_and_audits(clinic_admin, clinic, therapist):
    program = ProgramFactory()
    response = client_for(clinic_admin).post(
        reverse("cohort_create", args=[clinic.slug]), cohort_data(program, therapist), follow=True
    )
    cohort = Cohort.objects.get(clinic=clinic, name="Spring group")
    assert response.redirect_chain[-1][0] == reverse("cohort_detail", args=[clinic.slug, cohort.pk])
    assert "The cohort Spring group is ready for patients." in response.content.decode()
    assert (cohort.program, cohort.default_therapist, cohort.default_contact_mode) == (program, therapist, "mixed")
    assert (cohort.language, cohort.created_by, cohort.is_open) == ("en", clinic_admin, True)
    assert AuditEvent.objects.filter(action="clinics.cohort.created", object_id=str(cohort.pk)).count() == 1


def test_the_create_form_offers_shared_programmes_and_this_clinics_own_only(
    clinic_admin, clinic, other_clinic, therapist
):
    shared = ProgramFactory(slug="shared", title="Shared programme")
    own = ProgramFactory(slug="own", title="Our own copy", clinic=clinic)
    foreign = ProgramFactory(slug="foreign", title="Their own copy", clinic=other_clinic)
    client = client_for(clinic_admin)
    page = client.get(reverse("cohort_create", args=[clinic.slug])).content.decode()
    assert shared.title in page and own.title in page
    assert foreign.title not in page
    response = client.post(reverse("cohort_create", args=[clinic.slug]), cohort_data(foreign))
    assert response.status_code == 200
    assert "Choose a programme." in response.content.decode()
    assert not Cohort.objects.filter(name="Spring group").exists()


def test_a_cohort_name_used_in_this_clinic_is_refused_with_a_clear_message(clinic_admin, clinic, cohort):
    response = client_for(clinic_admin).post(
        reverse("cohort_create", args=[clinic.slug]), cohort_data(cohort.program, name="autumn GROUP")
    )
    assert response.status_code == 200
    assert "This clinic already has a cohort with this name. Choose another name." in response.content.decode()
    assert Cohort.objects.filter(clinic=clinic).count() == 1


def test_the_same_name_in_another_clinic_is_fine(clinic_admin, clinic, other_cohort):
    response = client_for(clinic_admin).post(
        reverse("cohort_create", args=[clinic.slug]), cohort_data(other_cohort.program, name=other_cohort.name)
    )
    assert response.status_code == 302
    assert Cohort.objects.filter(clinic=clinic, name=other_cohort.name).exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": "  "}, "Enter a name for the cohort."),
        ({"start_date": "31/02/2027"}, "Enter a real date, like 2027-03-01."),
        ({"start_date": "2001-01-01"}, "The start date can be at most 4 weeks ago."),
        ({"default_contact_mode": "weekly"}, "Select a valid choice."),
        ({"program": ""}, "Choose a programme."),
    ],
)
def test_bad_input_shows_a_message_and_saves_nothing(clinic_admin, clinic, overrides, message):
    response = client_for(clinic_admin).post(
        reverse("cohort_create", args=[clinic.slug]), cohort_data(ProgramFactory(), **overrides)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Cohort.objects.exists()


def test_a_therapist_of_another_clinic_cannot_be_the_default(clinic_admin, clinic, other_clinic_therapist):
    response = client_for(clinic_admin).post(
        reverse("cohort_create", args=[clinic.slug]), cohort_data(ProgramFactory(), other_clinic_therapist)
    )
    assert "Choose a therapist of this clinic." in response.content.decode()
    assert not Cohort.objects.exists()


def test_cohort_create_hides_other_clinics(other_clinic_admin, clinic):
    client = client_for(other_clinic_admin)
    assert client.get(reverse("cohort_create", args=[clinic.slug])).status_code == 404
    response = client.post(reverse("cohort_create", args=[clinic.slug]), cohort_data(ProgramFactory()))
    assert response.status_code == 404
    assert not Cohort.objects.exists()


def test_the_patients_page_without_a_cohort_links_to_creating_one(clinic_admin, clinic):
    page = client_for(clinic_admin).get(reverse("clinic_detail", args=[clinic.slug])).content.decode()
    assert "This clinic has no cohort yet." in page
    assert reverse("cohort_create", args=[clinic.slug]) in page
    assert "operator" not in page


def test_the_patients_page_with_only_closed_cohorts_links_to_creating_one(clinic_admin, clinic, cohort):
    cohort.is_open = False
    cohort.save(update_fields=["is_open"])
    page = client_for(clinic_admin).get(reverse("clinic_detail", args=[clinic.slug])).content.decode()
    assert "Every cohort of this clinic is closed." in page
    assert reverse("cohort_create", args=[clinic.slug]) in page
    assert "Enrol and send invitation" not in page


# --- Cohort page ---------------------------------------------------------------------------------------


def test_cohort_page_shows_the_cohort_its_patients_imports_and_upload_form(clinic_admin, clinic, cohort, enrollment):
    EnrolmentImport.objects.create(
        clinic=clinic, cohort=cohort, uploaded_by=clinic_admin, filename="spring.csv", file_hash="a" * 64
    )
    response = client_for(clinic_admin).get(reverse("cohort_detail", args=[clinic.slug, cohort.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Autumn group" in page and cohort.program.title in page
    assert enrollment.patient.name in page
    assert reverse("enrollment_detail", args=[enrollment.code]) in page
    assert "spring.csv" in page
    assert "Enrol patients from a CSV file" in page
    assert 'enctype="multipart/form-data"' in page
    assert AuditEvent.objects.filter(action="clinics.cohort.viewed", actor=clinic_admin).count() == 1


def test_cohort_page_hides_other_clinics_cohorts(clinic_admin, clinic, other_cohort, other_clinic_admin, cohort):
    assert (
        client_for(clinic_admin).get(reverse("cohort_detail", args=[clinic.slug, other_cohort.pk])).status_code == 404
    )
    other_url = reverse("cohort_detail", args=[other_cohort.clinic.slug, other_cohort.pk])
    assert client_for(clinic_admin).get(other_url).status_code == 404
    assert (
        client_for(other_clinic_admin).get(reverse("cohort_detail", args=[clinic.slug, cohort.pk])).status_code == 404
    )


def test_cohort_page_queries_do_not_grow_with_patients(clinic_admin, clinic, cohort, therapist):
    client = client_for(clinic_admin)
    url = reverse("cohort_detail", args=[clinic.slug, cohort.pk])
    EnrollmentFactory(cohort=cohort, therapist=therapist)
    client.get(url)
    with assert_queries(10):
        client.get(url)
    EnrollmentFactory.create_batch(15, cohort=cohort, therapist=therapist)
    with assert_queries(10):
        client.get(url)


# --- Closing a cohort ------------------------------------------------------------------------------------


def test_closing_a_cohort_stops_new_enrolments_and_keeps_its_patients(clinic_admin, clinic, cohort, enrollment):
    client = client_for(clinic_admin)
    response = client.post(reverse("cohort_close", args=[clinic.slug, cohort.pk]), follow=True)
    cohort.refresh_from_db()
    assert (cohort.is_open, cohort.closed_by) == (False, clinic_admin)
    assert cohort.closed_at is not None
    page = response.content.decode()
    assert "Autumn group is closed. It takes no new patients" in page
    assert 'action="' + reverse("cohort_import", args=[clinic.slug, cohort.pk]) not in page
    enrollment.refresh_from_db()
    assert enrollment.status == Enrollment.Status.ACTIVE
    assert AuditEvent.objects.filter(action="clinics.cohort.closed").count() == 1
    # The single-patient form no longer offers it.
    enrol_form = client.get(reverse("clinic_detail", args=[clinic.slug])).context["form"]
    assert cohort not in enrol_form.fields["cohort"].queryset
    again = client.post(reverse("cohort_close", args=[clinic.slug, cohort.pk]), follow=True)
    assert "This cohort was already closed." in again.content.decode()
    assert AuditEvent.objects.filter(action="clinics.cohort.closed").count() == 1


def test_cohort_close_refuses_get(clinic_admin, clinic, cohort):
    assert client_for(clinic_admin).get(reverse("cohort_close", args=[clinic.slug, cohort.pk])).status_code == 405
    cohort.refresh_from_db()
    assert cohort.is_open


def test_cohort_close_hides_other_clinics(other_clinic_admin, clinic, cohort):
    response = client_for(other_clinic_admin).post(reverse("cohort_close", args=[clinic.slug, cohort.pk]))
    assert response.status_code == 404
    cohort.refresh_from_db()
    assert cohort.is_open


# --- Uploading a CSV file -----------------------------------------------------------------------------


def test_a_valid_upload_enrols_in_the_background_and_shows_the_new_patients(
    clinic_admin, clinic, cohort, therapist, django_capture_on_commit_callbacks
):
    client = client_for(clinic_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("cohort_import", args=[clinic.slug, cohort.pk]), upload(good_file(therapist)))
    enrolment_import = EnrolmentImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == status_url(clinic, enrolment_import)
    page = client.get(response["Location"]).content.decode()
    assert "Done: 2 of 2 patients (100%)." in page
    assert 'class="steady-progress"' in page and 'value="2"' in page
    assert "2 new patients enrolled." in page
    for enrollment in Enrollment.objects.filter(enrolment_import=enrolment_import):
        assert enrollment.patient.name in page
        assert reverse("enrollment_detail", args=[enrollment.code]) in page
    assert "hx-trigger" not in page  # done: no more polling


def test_an_upload_with_errors_lists_them_by_row_and_column_and_writes_nothing(
    clinic_admin, clinic, cohort, therapist, django_capture_on_commit_callbacks
):
    content = good_file(therapist) + b"bad,,Smith,nobody@example.com,weekly,Mars/Base,xx\n"
    users = User.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(clinic_admin).post(
            reverse("cohort_import", args=[clinic.slug, cohort.pk]), upload(content)
        )
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert "The file has 6 problems. Nothing was enrolled." in page
    assert "6 problems to fix" in page
    for column in ("email", "first name", "therapist email", "contact mode", "time zone", "language"):
        assert f'aria-hidden="true">Column </span>{column}</td>' in page
    assert page.count('aria-hidden="true">Row </span>4</td>') == 6
    assert (User.objects.count(), EnrolmentImport.objects.count()) == (users, 0)


def test_a_latin1_file_is_refused_with_the_save_as_utf8_message(clinic_admin, clinic, cohort, therapist):
    content = f"{HEADER}\nzoe@example.com,Zoë,Brontë,{therapist.email},,,\n".encode("latin-1")
    response = client_for(clinic_admin).post(reverse("cohort_import", args=[clinic.slug, cohort.pk]), upload(content))
    assert response.status_code == 200
    assert "Save the file as &#x27;CSV UTF-8&#x27; and upload it again" in response.content.decode()
    assert not EnrolmentImport.objects.exists()


def test_the_same_file_again_says_so_and_links_the_earlier_upload(
    clinic_admin, clinic, cohort, therapist, django_capture_on_commit_callbacks
):
    client = client_for(clinic_admin)
    url = reverse("cohort_import", args=[clinic.slug, cohort.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, upload(good_file(therapist)))
    first = EnrolmentImport.objects.get()
    users = User.objects.count()
    response = client.post(url, upload(good_file(therapist), name="copy.csv"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "This file was uploaded before" in page and "Nothing new was created." in page
    assert status_url(clinic, first) in page
    assert (User.objects.count(), EnrolmentImport.objects.count()) == (users, 1)


def test_a_closed_cohort_refuses_uploads(clinic_admin, clinic, cohort, therapist):
    cohort.is_open = False
    cohort.save(update_fields=["is_open"])
    response = client_for(clinic_admin).post(
        reverse("cohort_import", args=[clinic.slug, cohort.pk]), upload(good_file(therapist))
    )
    assert response.status_code == 200
    assert "This cohort is closed" in response.content.decode()
    assert not EnrolmentImport.objects.exists()


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "Choose a CSV file to upload."),
        ({"file": SimpleUploadedFile("empty.csv", b"")}, "The file is empty."),
        ({"file": SimpleUploadedFile("big.csv", b"x" * (2 * 1024 * 1024 + 1))}, "The file is larger than 2 MB."),
        ({"file": SimpleUploadedFile("only.csv", HEADER.encode())}, "The file has a header row but no patients."),
    ],
    ids=["no-file", "empty", "too-big", "header-only"],
)
def test_unusable_uploads_show_a_message_and_write_nothing(clinic_admin, clinic, cohort, files, message):
    response = client_for(clinic_admin).post(reverse("cohort_import", args=[clinic.slug, cohort.pk]), files)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not EnrolmentImport.objects.exists()


def test_cohort_import_refuses_get(clinic_admin, clinic, cohort):
    assert client_for(clinic_admin).get(reverse("cohort_import", args=[clinic.slug, cohort.pk])).status_code == 405


def test_cohort_import_hides_other_clinics(other_clinic_admin, clinic, cohort, therapist):
    response = client_for(other_clinic_admin).post(
        reverse("cohort_import", args=[clinic.slug, cohort.pk]), upload(good_file(therapist))
    )
    assert response.status_code == 404
    assert not EnrolmentImport.objects.exists()


# --- The job's status page ------------------------------------------------------------------------------


@pytest.fixture
def waiting_import(clinic, cohort, clinic_admin):
    return EnrolmentImport.objects.create(
        clinic=clinic, cohort=cohort, uploaded_by=clinic_admin, filename="spring.csv", file_hash="b" * 64,
        total_rows=40, processed_rows=10, status=EnrolmentImport.Status.RUNNING,
    )  # fmt: skip


def test_a_running_import_shows_progress_and_polls_every_second(clinic_admin, clinic, waiting_import):
    client = client_for(clinic_admin)
    url = status_url(clinic, waiting_import)
    page = client.get(url).content.decode()
    assert "Enrolling: 10 of 40 patients (25%)." in page
    assert '<progress class="steady-progress"' in page and 'max="40" value="10"' in page
    assert f'hx-get="{url}" hx-trigger="every 1s"' in page
    assert f'<a href="{url}">Check again</a>' in page
    partial = client.get(url, headers={"HX-Request": "true"})
    assert partial.status_code == 200
    assert "<html" not in partial.content.decode()
    assert "Enrolling: 10 of 40 patients" in partial.content.decode()


def test_a_finished_import_stops_polling_and_lists_problems(clinic_admin, clinic, waiting_import, enrollment):
    EnrolmentImport.objects.filter(pk=waiting_import.pk).update(
        status=EnrolmentImport.Status.DONE, processed_rows=40, created_count=38, skipped_count=1,
        errors=[{"row": 17, "column": "email", "message": "This e-mail address got a Steady account after the upload."}],  # noqa: E501
    )  # fmt: skip
    Enrollment.objects.filter(pk=enrollment.pk).update(enrolment_import=waiting_import)
    client = client_for(clinic_admin)
    partial = client.get(status_url(clinic, waiting_import), headers={"HX-Request": "true"})
    assert partial.status_code == 286
    page = partial.content.decode()
    assert "Done, with problems" in page
    assert "38 new patients enrolled." in page
    assert "1 row skipped: already enrolled in this cohort." in page
    assert "got a Steady account after the upload" in page
    assert enrollment.patient.name in page
    assert AuditEvent.objects.filter(action="clinics.enrolment_import.viewed").count() == 1


def test_the_status_page_queries_do_not_grow_with_new_patients(clinic_admin, clinic, cohort, therapist, waiting_import):
    EnrolmentImport.objects.filter(pk=waiting_import.pk).update(status=EnrolmentImport.Status.DONE)
    client = client_for(clinic_admin)
    url = status_url(clinic, waiting_import)
    EnrollmentFactory(cohort=cohort, therapist=therapist, enrolment_import=waiting_import)
    client.get(url)
    with assert_queries(9):
        client.get(url)
    EnrollmentFactory.create_batch(12, cohort=cohort, therapist=therapist, enrolment_import=waiting_import)
    with assert_queries(9):
        client.get(url)


def test_the_status_page_hides_other_clinics_imports(clinic_admin, other_clinic_admin, clinic, other_cohort):
    foreign = EnrolmentImport.objects.create(
        clinic=other_cohort.clinic, cohort=other_cohort, uploaded_by=other_clinic_admin, file_hash="c" * 64
    )
    assert client_for(clinic_admin).get(status_url(clinic, foreign)).status_code == 404
    assert client_for(clinic_admin).get(status_url(other_cohort.clinic, foreign)).status_code == 404
    assert client_for(other_clinic_admin).get(status_url(other_cohort.clinic, foreign)).status_code == 200


def test_the_enrol_service_refuses_a_closed_cohort(clinic, clinic_admin, therapist, cohort):
    from clinics.services import EnrolmentError, EnrolmentRequest, enrollment_enrol

    Cohort.objects.filter(pk=cohort.pk).update(is_open=False)
    cohort.refresh_from_db()
    data = EnrolmentRequest(
        name="Closed Door", email="closed.door@example.com", therapist=therapist, contact_mode="async",
        cohort=cohort, start_date=timezone.localdate(), time_zone="Europe/London",
    )  # fmt: skip
    with pytest.raises(EnrolmentError, match="closed"):
        enrollment_enrol(clinic=clinic, by=clinic_admin, data=data)
    assert not User.objects.filter(email="closed.door@example.com").exists()
