"""The clinic admin's audit log page and its CSV download."""

import csv
import datetime
import io

import pytest
from django.urls import reverse

from clinics.models import AuditEvent
from clinics.services import audit_log
from tests.utils import assert_queries, client_for

pytestmark = pytest.mark.django_db


def list_url(clinic, **params):
    url = reverse("audit_list", args=[clinic.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def csv_url(clinic, **params):
    url = reverse("audit_csv", args=[clinic.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def event(actor, action, enrollment=None, clinic=None, at=None, **fields):
    if at is None:
        return audit_log(actor=actor, action=action, enrollment=enrollment, clinic=clinic, **fields)
    return AuditEvent.objects.create(  # an event recorded earlier
        at=at, actor=actor, actor_role="therapist", clinic=enrollment.clinic, enrollment=enrollment, action=action
    )


def utc(*args):
    return datetime.datetime(*args, tzinfo=datetime.UTC)


def csv_rows(response):
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_it_works(clinic, clinic_admin, therapist, enrollment):
    event(therapist, "guidance.patient.viewed", enrollment=enrollment, target=enrollment)
    response = client_for(clinic_admin).get(list_url(clinic))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Opened the patient&#x27;s record" in page
    assert "Sam Okafor" in page and "Therapist" in page
    assert reverse("enrollment_detail", args=[enrollment.code]) in page
    assert "Margaret Hill" in page
    assert "Looked at the audit log" in page  # the viewing itself, newest first
    assert page.index("Looked at the audit log") < page.index("Opened the patient")
    viewed = AuditEvent.objects.get(action="clinics.audit.viewed")
    assert (viewed.actor, viewed.clinic) == (clinic_admin, clinic)


def test_it_hides_other_clinics(clinic, other_clinic, clinic_admin, other_clinic_admin, other_clinic_enrollment):
    event(other_clinic_admin, "guidance.patient.viewed", enrollment=other_clinic_enrollment)
    assert client_for(other_clinic_admin).get(list_url(clinic)).status_code == 404
    assert client_for(other_clinic_admin).get(csv_url(clinic)).status_code == 404
    page = client_for(clinic_admin).get(list_url(clinic)).content.decode()
    assert other_clinic_enrollment.patient.name not in page
    assert "Erik Lind" not in page


def test_staff_sign_ins_are_shown_but_not_other_peoples(clinic, clinic_admin, therapist, other_clinic_admin):
    event(therapist, "auth.login")
    event(other_clinic_admin, "auth.login")
    page = client_for(clinic_admin).get(list_url(clinic)).content.decode()
    assert "Signed in" in page
    assert "Sam Okafor" in page
    assert "Erik Lind" not in page


def test_denied_attempts_show_as_refused(clinic, clinic_admin, therapist, same_clinic_enrollment):
    client_for(therapist).get(reverse("enrollment_detail", args=[same_clinic_enrollment.code]))
    page = client_for(clinic_admin).get(list_url(clinic)).content.decode()
    assert "Was refused access" in page
    assert "nhsuk-tag--red" in page


def test_filter_by_patient_code_name_and_email(clinic, clinic_admin, therapist, enrollment, same_clinic_enrollment):
    event(therapist, "guidance.patient.viewed", enrollment=enrollment)
    event(therapist, "guidance.thread.viewed", enrollment=same_clinic_enrollment)
    client = client_for(clinic_admin)
    for value in (enrollment.code, "margaret", enrollment.patient.email.split("@")[0]):
        page = client.get(list_url(clinic, patient=value)).content.decode()
        assert "Opened the patient" in page, value
        assert "Read the patient" not in page, value


def test_filter_by_staff_member(clinic, clinic_admin, therapist, other_therapist, enrollment):
    event(therapist, "guidance.patient.viewed", enrollment=enrollment)
    event(other_therapist, "guidance.thread.viewed", enrollment=enrollment)
    page = client_for(clinic_admin).get(list_url(clinic, staff=other_therapist.pk)).content.decode()
    assert "Read the patient" in page
    assert "Opened the patient" not in page


def test_a_staff_member_of_another_clinic_cannot_be_chosen(clinic, clinic_admin, other_clinic_admin):
    page = client_for(clinic_admin).get(list_url(clinic, staff=other_clinic_admin.pk)).content.decode()
    assert "Select a valid choice" in page
    assert "Correct the filters above" in page


def test_filter_by_dates_in_the_clinic_time_zone(clinic, clinic_admin, therapist, enrollment):
    # 23:30 UTC on 30 June is 00:30 on 1 July in London (summer time).
    event(
        therapist,
        "guidance.patient.viewed",
        enrollment=enrollment,
        at=utc(2026, 6, 30, 23, 30),
    )
    event(
        therapist,
        "guidance.thread.viewed",
        enrollment=enrollment,
        at=utc(2026, 6, 29, 12, 0),
    )
    client = client_for(clinic_admin)
    page = client.get(list_url(clinic, date_from="2026-07-01", date_to="2026-07-01")).content.decode()
    assert "Opened the patient" in page
    assert "1 Jul 2026, 00:30:00" in page
    assert "Read the patient" not in page
    page = client.get(list_url(clinic, date_to="2026-06-30")).content.decode()
    assert "Read the patient" in page
    assert "Opened the patient" not in page


def test_an_end_before_the_start_is_explained(clinic, clinic_admin):
    response = client_for(clinic_admin).get(list_url(clinic, date_from="2026-07-02", date_to="2026-07-01"))
    assert response.status_code == 200
    assert "The end date must be on or after the start date." in response.content.decode()
    response = client_for(clinic_admin).get(list_url(clinic, date_from="not-a-date"))
    assert response.status_code == 200
    assert "Enter a valid date." in response.content.decode()


def test_pages_of_fifty_newest_first(clinic, clinic_admin, therapist, enrollment):
    start = datetime.datetime(2026, 1, 1, 9, 0, tzinfo=datetime.UTC)
    for minute in range(60):
        event(
            therapist, "guidance.patient.viewed", enrollment=enrollment, at=start + datetime.timedelta(minutes=minute)
        )
    client = client_for(clinic_admin)
    first = client.get(list_url(clinic, staff=therapist.pk)).content.decode()
    assert first.count("Opened the patient") == 50
    assert "60 events" in first
    assert first.index("1 Jan 2026, 09:59:00") < first.index("1 Jan 2026, 09:58:00")
    second = client.get(list_url(clinic, staff=therapist.pk, page=2)).content.decode()
    assert second.count("Opened the patient") == 10
    assert "1 Jan 2026, 09:00:00" in second


@pytest.mark.parametrize("events", [1, 60])
def test_the_query_count_does_not_grow_with_events(events, clinic, clinic_admin, therapist, enrollment):
    for _ in range(events):
        event(therapist, "guidance.patient.viewed", enrollment=enrollment, target=enrollment)
    event(therapist, "auth.login")
    client = client_for(clinic_admin)
    client.get(list_url(clinic))  # warm the session
    with assert_queries(10):
        assert client.get(list_url(clinic, staff=therapist.pk)).status_code == 200


def test_the_csv_holds_the_filtered_events_and_is_audited(clinic, clinic_admin, therapist, enrollment):
    event(therapist, "guidance.patient.viewed", enrollment=enrollment, target=enrollment)
    event(therapist, "auth.login")
    response = client_for(clinic_admin).get(csv_url(clinic, patient="margaret"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    header, *rows = csv_rows(response)
    assert header[:4] == ["When", "Time zone", "Who", "Role"]
    assert len(rows) == 1
    assert rows[0][2:8] == [
        "Sam Okafor", "Therapist", "Opened the patient's record", "guidance.patient.viewed", "Margaret Hill",
        str(enrollment.code),
    ]  # fmt: skip
    assert AuditEvent.objects.filter(action="clinics.audit.downloaded", actor=clinic_admin, clinic=clinic).count() == 1


def test_csv_cells_cannot_run_as_formulas(clinic, clinic_admin, therapist, enrollment):
    therapist.name = '=HYPERLINK("http://evil.example")'
    therapist.save(update_fields=["name"])
    event(therapist, "guidance.patient.viewed", enrollment=enrollment, object_type="@sum", object_id="-1+1")
    header, *rows = csv_rows(client_for(clinic_admin).get(csv_url(clinic, staff=therapist.pk)))
    [row] = rows
    assert row[2] == '\'=HYPERLINK("http://evil.example")'
    assert row[8:10] == ["'@sum", "'-1+1"]


def test_a_csv_with_bad_filters_goes_back_to_the_page(clinic, clinic_admin):
    response = client_for(clinic_admin).get(csv_url(clinic, date_from="2026-07-02", date_to="2026-07-01"))
    assert response.status_code == 302
    assert response["Location"].startswith(list_url(clinic))
    assert not AuditEvent.objects.filter(action="clinics.audit.downloaded").exists()


def test_post_is_refused(clinic, clinic_admin):
    client = client_for(clinic_admin)
    assert client.post(list_url(clinic)).status_code == 405
    assert client.post(csv_url(clinic)).status_code == 405


def test_a_patients_own_sign_ins_are_shown_and_found_by_the_patient_filter(
    clinic, clinic_admin, therapist, enrollment, other_clinic_enrollment
):
    patient, other = enrollment.patient, other_clinic_enrollment.patient
    event(patient, "auth.login")
    event(patient, "auth.login_failed")
    event(other, "auth.login")
    event(therapist, "guidance.patient.viewed", enrollment=enrollment)
    client = client_for(clinic_admin)
    page = client.get(list_url(clinic)).content.decode()
    assert page.count("Margaret Hill") >= 3 and "Failed to sign in" in page
    assert other.name not in page
    for value in (enrollment.code, "margaret"):
        rows = csv_rows(client.get(csv_url(clinic, patient=value)))
        actions = sorted(row[4] for row in rows[1:])
        assert actions == sorted(["Signed in", "Failed to sign in", "Opened the patient's record"]), (value, rows)
