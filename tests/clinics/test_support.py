import datetime
import logging

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from clinics.models import DEFAULT_CRISIS_TEXT, AuditEvent, Clinic, Membership, SupportRequest
from clinics.support import SUPPORT_REQUEST_KIND, SUPPORT_UPDATE_KIND, support_request_create, support_request_update
from notifications.models import Notification
from notifications.services import dispatch_due
from tests.factories import EnrollmentFactory, MembershipFactory
from tests.utils import assert_queries, client_for

pytestmark = pytest.mark.django_db

DESCRIPTION = "The diary page stays white after I press Save on my tablet."
USER_AGENT = "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) Safari/604.1"


@pytest.fixture
def second_admin(clinic):
    return MembershipFactory(clinic=clinic, role=Membership.Role.ADMIN, user__name="Ben Carter").user


def report(patient, **data):
    payload = {"category": "saving", "description": DESCRIPTION, **data}
    return client_for(patient).post(reverse("support_report"), payload, headers={"User-Agent": USER_AGENT})


def make_request(enrollment, **fields):
    values = {"category": "page", "description": "It is slow.", **fields}
    return SupportRequest.objects.create(
        clinic=enrollment.clinic, enrollment=enrollment, reporter=enrollment.patient, **values
    )


# --- The help page ---------------------------------------------------------------------------------


def test_help_is_open_to_signed_out_people_with_ways_back_in(client):
    response = client.get(reverse("help"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "This is not for emergencies" in page
    assert "116 123" in page  # the default crisis text
    assert reverse("account_reset_password") in page
    assert reverse("account_request_login_code") in page
    assert "I do not get e-mails from Steady" in page
    assert "Who can see my answers?" in page
    assert reverse("support_report") not in page


def test_help_for_a_patient_shows_their_clinics_crisis_text_and_the_report_button(patient, clinic):
    Clinic.objects.filter(pk=clinic.pk).update(crisis_text="Northside duty line: 01234 567890.")
    page = client_for(patient).get(reverse("help")).content.decode()
    assert "Northside duty line: 01234 567890." in page
    assert DEFAULT_CRISIS_TEXT not in page
    assert reverse("support_report") in page
    assert "You have not reported a problem." in page


def test_help_for_staff_shows_the_default_crisis_text_and_no_report_button(therapist, clinic):
    Clinic.objects.filter(pk=clinic.pk).update(crisis_text="Northside duty line: 01234 567890.")
    response = client_for(therapist).get(reverse("help"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "116 123" in page
    assert reverse("support_report") not in page


def test_the_menu_and_footer_link_to_help(patient, therapist):
    patient_page = client_for(patient).get(reverse("patient_home")).content.decode()
    assert patient_page.count(f'href="{reverse("help")}"') == 2  # menu and footer
    staff_page = client_for(therapist).get(reverse("caseload")).content.decode()
    assert staff_page.count(f'href="{reverse("help")}"') == 1  # footer only


def test_a_patient_sees_their_own_reports_status_and_reply_only(patient, other_patient, enrollment, clinic_admin):
    mine = make_request(enrollment)
    support_request_update(support_request=mine, by=clinic_admin, status="resolved", reply="Please update Safari.")
    page = client_for(patient).get(reverse("help")).content.decode()
    assert "A page does not load or looks wrong" in page
    assert "Solved" in page
    assert "Please update Safari." in page
    other_page = client_for(other_patient).get(reverse("help")).content.decode()
    assert "Please update Safari." not in other_page
    assert "You have not reported a problem." in other_page


# --- Reporting a problem ---------------------------------------------------------------------------


def test_report_form_works(patient, enrollment):
    page = client_for(patient).get(reverse("support_report")).content.decode()
    assert "Report a problem" in page
    assert f"goes to the people who run Steady at {enrollment.clinic.name}" in page
    assert "It does not go to your therapist." in page
    assert "This is not for emergencies" in page


def test_report_form_is_for_patients_only(therapist, clinic_admin, operator, client):
    for user in (therapist, clinic_admin, operator):
        assert client_for(user).get(reverse("support_report")).status_code == 404
        assert (
            client_for(user).post(reverse("support_report"), {"category": "page", "description": "x"}).status_code
            == 404
        )
    assert client.get(reverse("support_report")).status_code == 302
    assert not SupportRequest.objects.exists()


def test_a_report_creates_one_row_and_emails_each_admin_once_never_the_therapist(
    patient, enrollment, clinic_admin, second_admin, therapist, other_clinic_admin
):
    inactive_admin = MembershipFactory(clinic=enrollment.clinic, role=Membership.Role.ADMIN, is_active=False).user
    client = client_for(patient)
    response = client.post(
        reverse("support_report"),
        {"category": "saving", "description": DESCRIPTION},
        headers={"User-Agent": USER_AGENT},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("help")
    support = SupportRequest.objects.get()
    assert (support.clinic, support.enrollment, support.reporter) == (enrollment.clinic, enrollment, patient)
    assert (support.category, support.description, support.device) == ("saving", DESCRIPTION, USER_AGENT)
    assert support.status == SupportRequest.Status.OPEN
    assert AuditEvent.objects.filter(action="clinics.support_request.created", enrollment=enrollment).count() == 1
    page = client.get(response["Location"]).content.decode()
    assert "Thank you. Your report has gone to the team at Northside Pain Service." in page
    assert "My answers do not save" in page
    assert "Received" in page

    dispatch_due()
    assert sorted(message.to[0] for message in mail.outbox) == sorted([clinic_admin.email, second_admin.email])
    recipients = {message.to[0] for message in mail.outbox}
    assert not recipients & {therapist.email, inactive_admin.email, other_clinic_admin.email, patient.email}
    detail_path = reverse("support_detail", args=[enrollment.clinic.slug, support.code])
    for message in mail.outbox:
        assert message.subject == "A patient reported a technical problem"
        assert detail_path in message.body
        assert "diary" not in message.body.lower()
        assert patient.name not in message.body and patient.email not in message.body


def test_sending_the_same_report_twice_keeps_one(patient, clinic_admin):
    assert report(patient).status_code == 302
    assert report(patient).status_code == 302
    assert SupportRequest.objects.count() == 1
    assert Notification.objects.filter(kind=SUPPORT_REQUEST_KIND).count() == 1


def test_the_same_words_a_while_later_are_a_new_report(patient, enrollment, clinic_admin):
    first, created = support_request_create(
        enrollment=enrollment, reporter=patient, category="saving", description=DESCRIPTION
    )
    SupportRequest.objects.filter(pk=first.pk).update(created_at=timezone.now() - datetime.timedelta(minutes=2))
    second, created_again = support_request_create(
        enrollment=enrollment, reporter=patient, category="saving", description=DESCRIPTION
    )
    assert created and created_again and first.pk != second.pk


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"category": ""}, "category", "Choose what the problem is about."),
        ({"category": "hacking"}, "category", "Select a valid choice"),
        ({"description": "   "}, "description", "Tell us what went wrong."),
        ({"description": "x" * 2001}, "description", "Keep your description to 2,000 characters or fewer."),
    ],
)
def test_bad_input_shows_a_message_and_writes_nothing(patient, clinic_admin, data, field, message):
    response = report(patient, **data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert "<title>Error:" in response.content.decode()
    assert not SupportRequest.objects.exists()
    assert not Notification.objects.filter(kind=SUPPORT_REQUEST_KIND).exists()


def test_the_description_is_never_logged(patient, clinic_admin, caplog):
    caplog.set_level(logging.DEBUG)
    report(patient)
    dispatch_due()
    assert len(mail.outbox) == 1
    assert DESCRIPTION not in caplog.text
    assert DESCRIPTION not in str(Notification.objects.get().context)


# --- The admins' side ------------------------------------------------------------------------------


def test_support_list_works_with_status_counts(
    clinic_admin, enrollment, same_clinic_enrollment, other_clinic_enrollment
):
    make_request(enrollment, category="sign_in")
    make_request(same_clinic_enrollment, category="email", status="resolved")
    make_request(other_clinic_enrollment, category="checkin")
    url = reverse("support_list", args=[enrollment.clinic.slug])
    page = client_for(clinic_admin).get(url).content.decode()
    assert "Signing in or my password" in page and "I do not get e-mails from Steady" in page
    assert "Joining a video or phone check-in" not in page  # another clinic's
    assert "All (2)" in page and "Received (1)" in page and "Being looked at (0)" in page and "Solved (1)" in page
    open_only = client_for(clinic_admin).get(url, {"status": "open"}).content.decode()
    assert "Signing in or my password" in open_only
    assert "I do not get e-mails from Steady" not in open_only
    assert AuditEvent.objects.filter(action="clinics.support_list.viewed", actor=clinic_admin).count() == 2


def test_support_list_is_newest_first_and_paginated(clinic_admin, enrollment):
    now = timezone.now()
    for n in range(26):
        make_request(enrollment, description=f"Problem {n}", created_at=now - datetime.timedelta(hours=n))
    url = reverse("support_list", args=[enrollment.clinic.slug])
    first = client_for(clinic_admin).get(url)
    assert [s.description for s in first.context["page"].object_list][:2] == ["Problem 0", "Problem 1"]
    assert len(first.context["page"].object_list) == 25
    second = client_for(clinic_admin).get(url, {"page": 2})
    assert [s.description for s in second.context["page"].object_list] == ["Problem 25"]


def test_support_list_hides_other_clinics(other_clinic_admin, therapist, patient, clinic):
    for user in (other_clinic_admin, therapist, patient):
        assert client_for(user).get(reverse("support_list", args=[clinic.slug])).status_code == 404


@pytest.mark.parametrize("rows", [1, 40])
def test_support_list_query_count_does_not_grow(clinic_admin, enrollment, rows):
    for n in range(rows):
        make_request(enrollment, description=f"Problem {n}")
    client = client_for(clinic_admin)
    url = reverse("support_list", args=[enrollment.clinic.slug])
    client.get(url)  # warm the session
    with assert_queries(9):
        client.get(url)


def test_support_detail_shows_the_report_and_records_the_read(clinic_admin, enrollment):
    support = make_request(enrollment, description=DESCRIPTION, device=USER_AGENT)
    page = client_for(clinic_admin).get(reverse("support_detail", args=[enrollment.clinic.slug, support.code]))
    text = page.content.decode()
    assert DESCRIPTION in text and USER_AGENT in text and enrollment.patient.name in text
    assert AuditEvent.objects.filter(action="clinics.support_request.viewed", object_id=str(support.code)).count() == 1


def test_support_detail_hides_other_clinics(other_clinic_admin, other_clinic, therapist, patient, enrollment):
    support = make_request(enrollment)
    urls = [
        reverse("support_detail", args=[enrollment.clinic.slug, support.code]),
        reverse("support_detail", args=[other_clinic.slug, support.code]),  # their own clinic's address
    ]
    for url in urls:
        assert client_for(other_clinic_admin).get(url).status_code == 404
        assert client_for(other_clinic_admin).post(url, {"status": "resolved"}).status_code == 404
    for user in (therapist, patient):
        assert client_for(user).get(urls[0]).status_code == 404
    support.refresh_from_db()
    assert support.status == SupportRequest.Status.OPEN


def test_an_admin_reply_reaches_the_patient_by_a_content_free_email(clinic_admin, enrollment, patient):
    support = make_request(enrollment)
    url = reverse("support_detail", args=[enrollment.clinic.slug, support.code])
    client = client_for(clinic_admin)
    response = client.post(url, {"status": "in_progress", "reply": "We are looking at the diary page."})
    assert response.status_code == 302
    support.refresh_from_db()
    assert (support.status, support.reply, support.handled_by) == (
        "in_progress",
        "We are looking at the diary page.",
        clinic_admin,
    )
    assert support.resolved_at is None
    assert "The report is updated." in client.get(url).content.decode()
    dispatch_due()
    assert [message.to[0] for message in mail.outbox] == [patient.email]
    message = mail.outbox[0]
    assert message.subject == "There is an update on the problem you reported"
    assert reverse("help") + "#your-reports" in message.body
    assert "diary" not in message.body.lower()
    assert AuditEvent.objects.filter(action="clinics.support_request.updated", object_id=str(support.code)).count() == 1


def test_marking_solved_tells_the_patient_and_saving_again_does_not(clinic_admin, enrollment):
    support = make_request(enrollment)
    client = client_for(clinic_admin)
    url = reverse("support_detail", args=[enrollment.clinic.slug, support.code])
    client.post(url, {"status": "resolved", "reply": ""})
    client.post(url, {"status": "resolved", "reply": ""})  # a double click
    support.refresh_from_db()
    assert support.resolved_at is not None
    assert Notification.objects.filter(kind=SUPPORT_UPDATE_KIND).count() == 1
    assert AuditEvent.objects.filter(action="clinics.support_request.updated").count() == 1
    client.post(url, {"status": "in_progress", "reply": ""})  # opened again: no e-mail, no resolved date
    support.refresh_from_db()
    assert support.resolved_at is None
    assert Notification.objects.filter(kind=SUPPORT_UPDATE_KIND).count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [({"status": "lost"}, "Choose a status."), ({"status": "open", "reply": "x" * 2001}, "2,000 characters or fewer")],
)
def test_support_detail_bad_input_shows_a_message_and_changes_nothing(clinic_admin, enrollment, data, message):
    support = make_request(enrollment)
    response = client_for(clinic_admin).post(
        reverse("support_detail", args=[enrollment.clinic.slug, support.code]), data
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    support.refresh_from_db()
    assert (support.status, support.reply) == ("open", "")
    assert not Notification.objects.filter(kind=SUPPORT_UPDATE_KIND).exists()


def test_support_list_refuses_post(clinic_admin, clinic):
    assert client_for(clinic_admin).post(reverse("support_list", args=[clinic.slug])).status_code == 405


def test_the_admin_email_is_not_sent_if_they_stopped_being_an_admin(patient, clinic_admin):
    report(patient)
    Membership.objects.filter(user=clinic_admin).update(is_active=False)
    dispatch_due()
    assert mail.outbox == []
    assert Notification.objects.get(kind=SUPPORT_REQUEST_KIND).status == Notification.Status.CANCELLED


def test_reports_go_to_the_clinic_of_the_current_enrolment(patient, enrollment, other_cohort, other_clinic_admin):
    from clinics.models import Enrollment

    Enrollment.objects.filter(pk=enrollment.pk).update(status=Enrollment.Status.COMPLETED)
    newer = EnrollmentFactory(patient=patient, cohort=other_cohort)
    report(patient)
    assert SupportRequest.objects.get().clinic == newer.clinic
    assert Notification.objects.get(kind=SUPPORT_REQUEST_KIND).user == other_clinic_admin
