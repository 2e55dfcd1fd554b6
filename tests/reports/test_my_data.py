"""Download all my data: the page, the JSON and PDF files made in the background, the access log."""

import json

import pytest
from django.urls import reverse

from clinics.models import AuditEvent
from reports.models import Export
from reports.my_data import action_label, collect
from tests.reports.patient_record import DIARY, EMAIL, EXERCISE, MESSAGE, NAME, NOTE, REPLY, fill_record
from tests.reports.patient_record import sentinel_enrollment as make_enrollment
from tests.utils import assert_queries, client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def record(cohort, therapist):
    enrollment = make_enrollment(cohort, therapist)
    fill_record(enrollment, therapist)
    return enrollment


def request_file(patient, kind, capture):
    client = client_for(patient)
    with capture(execute=True):
        response = client.post(reverse("my_data_request"), {"kind": kind})
    assert response.status_code == 302
    export = Export.objects.filter(owner=patient, kind=kind_of(kind)).order_by("-pk").first()
    assert response["Location"] == reverse("report_export_status", args=[export.code])
    return client, export


def kind_of(kind):
    return {"json": Export.Kind.MY_DATA_JSON, "pdf": Export.Kind.MY_DATA_PDF}[kind]


def test_it_works(record):
    response = client_for(record.patient).get(reverse("my_data"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Download all your data" in page
    assert "who looked at or changed your records" in page
    assert "Staff notes are part of your record" in page


def test_the_profile_links_to_it_for_patients_only(record, therapist):
    assert reverse("my_data") in client_for(record.patient).get(reverse("profile")).content.decode()
    assert reverse("my_data") not in client_for(therapist).get(reverse("profile")).content.decode()


def test_the_json_file_holds_the_patients_data_and_who_looked_at_it(
    record, therapist, django_capture_on_commit_callbacks
):
    client, export = request_file(record.patient, "json", django_capture_on_commit_callbacks)

    status = client.get(reverse("report_export_status", args=[export.code])).content.decode()
    assert "Your file is ready." in status
    response = client.get(reverse("report_export_download", args=[export.code]))
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith('attachment; filename="steady-my-data-')
    data = json.loads(b"".join(response.streaming_content) if response.streaming else response.content)

    assert data["account"]["name"] == NAME and data["account"]["email"] == EMAIL
    enrolment = data["enrolments"][0]
    assert enrolment["therapist"] == "Sam Okafor"
    assert enrolment["exercises"][0]["answers"] == [{"question": "What will you do?", "answer": EXERCISE}]
    assert [m["text"] for m in enrolment["messages"]] == [MESSAGE, REPLY]
    assert enrolment["diary"][0]["note"] == DIARY and enrolment["diary"][0]["pain"] == 6
    assert enrolment["clinical_notes"][0]["text"] == NOTE
    questionnaire = enrolment["questionnaires"][0]
    assert (questionnaire["total"], questionnaire["band"]) == (9, "mild")
    assert questionnaire["answers"][0]["answer"] == "Several days"
    looked = [e for e in enrolment["access_log"] if e["action"] == "guidance.patient.viewed"]
    assert looked[0]["role"] == "therapist" and looked[0]["who"] == "Therapist" and looked[0]["name"] == "Sam Okafor"
    assert looked[0]["what"] == "Opened your record"
    asked = [e for e in enrolment["access_log"] if e["action"] == "reports.my_data.requested"]
    assert asked[0]["who"] == "You" and asked[0]["name"] is None
    assert data["about"]["schema_version"] == 1 and "clinical_notes" in data["about"]
    assert data["about"]["generated_at"].endswith("+00:00")


def test_asking_for_a_file_is_audited(record, django_capture_on_commit_callbacks):
    request_file(record.patient, "json", django_capture_on_commit_callbacks)
    event = AuditEvent.objects.get(action="reports.my_data.requested")
    assert event.actor == record.patient and event.enrollment == record


def test_the_pdf_is_a_pdf_for_its_owner_only(record, therapist, other_patient, django_capture_on_commit_callbacks):
    client, export = request_file(record.patient, "pdf", django_capture_on_commit_callbacks)
    export.refresh_from_db()
    assert export.status == Export.Status.DONE, export.error
    response = client.get(reverse("report_export_download", args=[export.code]))
    assert response.content.startswith(b"%PDF")
    assert response["Content-Disposition"].endswith('.pdf"')
    for user in (therapist, other_patient):
        assert client_for(user).get(reverse("report_export_status", args=[export.code])).status_code == 404
        assert client_for(user).get(reverse("report_export_download", args=[export.code])).status_code == 404


def test_the_status_page_leads_back_to_the_data_page(record, django_capture_on_commit_callbacks):
    client, export = request_file(record.patient, "json", django_capture_on_commit_callbacks)
    page = client.get(reverse("report_export_status", args=[export.code])).content.decode()
    assert reverse("my_data") in page and "Back to all your data" in page


def test_a_bad_kind_shows_a_message_and_makes_nothing(record):
    response = client_for(record.patient).post(reverse("my_data_request"), {"kind": "xml"})
    assert response.status_code == 200
    assert "Choose which file you want: PDF or JSON." in response.content.decode()
    assert not Export.objects.filter(kind__in=[Export.Kind.MY_DATA_PDF]).exists()
    assert Export.objects.filter(owner=record.patient).count() == 1  # the one fill_record made
    assert not AuditEvent.objects.filter(action="reports.my_data.requested").exists()


def test_asking_with_get_is_refused(record):
    assert client_for(record.patient).get(reverse("my_data_request")).status_code == 405


def test_it_hides_other_patients_data(record, other_patient):
    data = collect(other_patient)
    assert [e["reference"] for e in data["enrolments"]] != [str(record.code)]
    assert NAME not in json.dumps(data, default=str)


def test_staff_have_no_data_page(record, therapist, clinic_admin):
    for user in (therapist, clinic_admin):
        assert client_for(user).get(reverse("my_data")).status_code == 404


def test_unknown_actions_get_a_readable_label():
    assert action_label("guidance.patient.viewed") == "Opened your record"
    assert action_label("clinics.enrollment.therapist_changed") == "Enrollment therapist changed"


def test_the_query_count_does_not_grow_with_rows(cohort, therapist, other_therapist):
    small = make_enrollment(cohort, therapist)
    fill_record(small, therapist, rows=1)
    with assert_queries(20):
        collect(small.patient)

    big = make_enrollment(cohort, other_therapist, patient__email="big@example.org")
    fill_record(big, other_therapist, rows=6)
    with assert_queries(20):
        data = collect(big.patient)
    assert len(data["enrolments"][0]["messages"]) == 12
