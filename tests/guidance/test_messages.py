"""Messaging between a patient and their therapist: pages, sending, reading, e-mails, counts."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from clinics.context_processors import navigation
from clinics.models import AuditEvent
from guidance.models import MESSAGE_MAX_CHARS, Message
from guidance.services import message_send, thread_ensure, thread_mark_read
from notifications.models import Notification
from tests.factories import EnrollmentFactory
from tests.log_hygiene import sentinel
from tests.utils import assert_queries, client_for

pytestmark = pytest.mark.django_db

PATIENT_PAGE = "/me/messages/"


def staff_page(enrollment):
    return reverse("staff_messages", args=[enrollment.code])


@pytest.fixture
def thread(enrollment):
    return thread_ensure(enrollment=enrollment)


def send(thread, sender, body="Hello"):
    return message_send(thread=thread, sender=sender, body=sentinel(body, "message body"))


# --- The patient's page ---------------------------------------------------------------------------


def test_it_works_for_the_patient(patient, therapist, thread):
    send(thread, therapist, "How was your walk?")
    response = client_for(patient).get(PATIENT_PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    assert "How was your walk?" in page
    assert "Sam Okafor" in page
    assert "Messages are not for emergencies" in page
    assert thread.enrollment.clinic.response_time_promise in page
    assert "Samaritans" in page  # the clinic's crisis text


def test_the_patient_sends_without_javascript(patient, thread):
    response = client_for(patient).post(PATIENT_PAGE, {"body": sentinel("My back is better", "message body")})
    message = Message.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{PATIENT_PAGE}#message-{message.code}"
    assert (message.author, message.body, message.thread) == (patient, "My back is better", thread)


def test_the_patient_sends_with_htmx_and_gets_the_message_and_an_empty_form(patient, thread):
    response = client_for(patient).post(PATIENT_PAGE, {"body": "Sent with htmx"}, headers={"HX-Request": "true"})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="message-compose"' in page
    assert 'hx-swap-oob="beforeend:#message-list"' in page
    assert "Sent with htmx" in page
    assert "Sent, not read yet" in page
    assert "<html" not in page
    assert ">Sent with htmx</textarea>" not in page  # the form is cleared


def test_text_is_escaped_and_line_breaks_are_kept(patient, thread):
    client_for(patient).post(PATIENT_PAGE, {"body": "<script>alert(1)</script>\r\nsecond line"})
    page = client_for(patient).get(PATIENT_PAGE).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>second line" in page
    assert "<script>alert(1)" not in page


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_a_message_over_5000_characters_is_refused_clearly(patient, thread, htmx):
    headers = {"HX-Request": "true"} if htmx else {}
    response = client_for(patient).post(PATIENT_PAGE, {"body": "a" * (MESSAGE_MAX_CHARS + 1)}, headers=headers)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Your message is 5,001 characters long. A message can be up to 5,000 characters" in page
    assert "nhsuk-error-message" in page
    assert Message.objects.count() == 0


def test_exactly_5000_characters_is_fine_and_crlf_counts_as_one(patient, thread):
    body = "a" * (MESSAGE_MAX_CHARS - 2) + "\r\nb"
    response = client_for(patient).post(PATIENT_PAGE, {"body": body})
    assert response.status_code == 302
    assert len(Message.objects.get().body) == MESSAGE_MAX_CHARS


def test_an_empty_message_is_refused(patient, thread):
    response = client_for(patient).post(PATIENT_PAGE, {"body": "   \r\n "})
    assert response.status_code == 200
    assert "Write your message before you send it." in response.content.decode()
    assert Message.objects.count() == 0


def test_a_patient_whose_programme_ended_cannot_send(patient, enrollment, thread):
    enrollment.status = enrollment.Status.COMPLETED
    enrollment.save(update_fields=["status"])
    response = client_for(patient).post(PATIENT_PAGE, {"body": "Hello?"})
    assert "This programme has ended" in response.content.decode()
    assert Message.objects.count() == 0


def test_opening_the_page_marks_the_therapists_messages_read_and_the_therapist_sees_it(
    patient, therapist, enrollment, thread
):
    message = send(thread, therapist, "Try the pacing exercise")
    assert "Sent, not read yet" in client_for(therapist).get(staff_page(enrollment)).content.decode()
    client_for(patient).get(PATIENT_PAGE)
    message.refresh_from_db()
    assert message.read_at is not None
    page = client_for(therapist).get(staff_page(enrollment)).content.decode()
    assert "Read " + message.read_at.strftime("%-d %B") in page


def test_the_poll_returns_only_newer_messages_and_marks_them_read(patient, therapist, thread):
    first = send(thread, therapist, "First")
    second = send(thread, therapist, "Second")
    response = client_for(patient).get(reverse("patient_messages_new"), {"after": first.code})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Second" in page and "First" not in page
    assert f"after={second.code}" in page  # the next poll asks after the newest
    second.refresh_from_db()
    assert second.read_at is not None


def test_the_poll_stops_after_ten_quiet_minutes(patient, therapist, thread):
    first = send(thread, therapist, "First")
    page = client_for(patient).get(reverse("patient_messages_new"), {"after": first.code, "polls": 39}).content
    assert b"hx-trigger" not in page
    assert b"Check for new messages" in page


def test_the_poll_hides_messages_of_other_threads(patient, other_patient, thread, same_clinic_enrollment):
    other = send(thread_ensure(enrollment=same_clinic_enrollment), other_patient, "Not yours")
    response = client_for(patient).get(reverse("patient_messages_new"), {"after": other.code})
    assert response.status_code == 404


def test_the_poll_refuses_a_bad_code(patient, thread):
    assert client_for(patient).get(reverse("patient_messages_new"), {"after": "nonsense"}).status_code == 404


def test_post_only_is_refused_for_the_poll(patient, thread):
    assert client_for(patient).post(reverse("patient_messages_new")).status_code == 405


# --- Staff ----------------------------------------------------------------------------------------


def test_it_works_for_the_therapist_and_is_audited(patient, therapist, enrollment, thread):
    send(thread, patient, "I could not sleep")
    response = client_for(therapist).get(staff_page(enrollment))
    assert response.status_code == 200
    assert "I could not sleep" in response.content.decode()
    assert Message.objects.get().read_at is not None
    assert (
        AuditEvent.objects.filter(action="guidance.thread.viewed", actor=therapist, enrollment=enrollment).count() == 1
    )

    body = sentinel("Let us talk about sleep", "message body")
    response = client_for(therapist).post(staff_page(enrollment), {"body": body})
    assert response.status_code == 302
    sent = Message.objects.get(author=therapist)
    event = AuditEvent.objects.get(action="guidance.message.sent", actor=therapist)
    assert (event.actor, event.enrollment, event.object_id) == (therapist, enrollment, str(sent.code))


def test_a_clinic_admin_reads_without_marking_read_and_cannot_write(patient, clinic_admin, enrollment, thread):
    send(thread, patient, "For my therapist")
    client = client_for(clinic_admin)
    response = client.get(staff_page(enrollment))
    assert response.status_code == 200
    page = response.content.decode()
    assert "For my therapist" in page
    assert "Only the patient's therapist can reply" in page
    assert "Send message" not in page
    assert Message.objects.get().read_at is None
    assert AuditEvent.objects.filter(action="guidance.thread.viewed", actor=clinic_admin).count() == 1

    response = client.post(staff_page(enrollment), {"body": "Admin here"})
    assert response.status_code == 403
    assert Message.objects.count() == 1


@pytest.mark.parametrize("persona", ["other_therapist", "other_clinic_admin", "other_patient", "patient"])
def test_it_hides_other_patients_threads(request, enrollment, thread, persona):
    user = request.getfixturevalue(persona)
    client = client_for(user)
    for url in (staff_page(enrollment), reverse("staff_messages_new", args=[enrollment.code])):
        assert client.get(url).status_code == 404
    assert client.post(staff_page(enrollment), {"body": "Hi"}).status_code == 404
    assert Message.objects.count() == 0


def test_the_patients_page_is_not_for_staff(therapist, thread):
    assert client_for(therapist).get(PATIENT_PAGE).status_code == 404


def test_other_patients_see_only_their_own_thread(patient, other_patient, thread):
    send(thread, patient, "Private to Margaret")
    page = client_for(other_patient).get(PATIENT_PAGE).content.decode()
    assert "Private to Margaret" not in page


def test_the_thread_follows_a_reassigned_therapist(patient, therapist, other_therapist, enrollment, thread):
    send(thread, therapist, "From the first therapist")
    send(thread, patient, "Reply to the first therapist")
    enrollment.therapist = other_therapist
    enrollment.save(update_fields=["therapist"])

    assert client_for(therapist).get(staff_page(enrollment)).status_code == 404
    page = client_for(other_therapist).get(staff_page(enrollment)).content.decode()
    assert "From the first therapist" in page and "Reply to the first therapist" in page
    assert client_for(other_therapist).post(staff_page(enrollment), {"body": "Hello, I am Alex"}).status_code == 302


def test_the_inbox_lists_the_caseload_unread_first(patient, therapist, other_patient, thread, cohort):
    quiet = EnrollmentFactory(cohort=cohort, therapist=therapist, patient__name="Quiet Patient")
    send(thread, patient, "One")
    send(thread, patient, "Two")
    page = client_for(therapist).get(reverse("message_inbox")).content.decode()
    assert page.index("Margaret Hill") < page.index("Quiet Patient")
    assert "2 new" in page
    assert other_patient.name not in page
    assert quiet.patient.name in page


# --- E-mail ---------------------------------------------------------------------------------------


def test_one_email_per_unread_burst_without_the_text(
    patient, therapist, thread, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for body in ("Secret one", "Secret two", "Secret three"):
            client_for(patient).post(PATIENT_PAGE, {"body": sentinel(body, "message body")})
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [therapist.email]
    assert mail.subject == "You have a new message in Steady"
    assert "You have a new message in Steady." in mail.body
    assert f"/patients/{thread.enrollment.code}/messages/" in mail.body
    assert "Secret" not in mail.body + mail.subject

    thread_mark_read(thread=thread, reader=therapist)
    with django_capture_on_commit_callbacks(execute=True):
        send(thread, patient, "Secret four")
        send(thread, patient, "Secret five")
    assert len(mailoutbox) == 2
    assert Notification.objects.filter(kind="guidance.new_message", user=therapist).count() == 2


def test_the_patient_gets_an_email_with_a_link_to_their_page(
    patient, therapist, thread, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        send(thread, therapist, "Well done this week")
    assert [mail.to for mail in mailoutbox] == [[patient.email]]
    assert "/me/messages/" in mailoutbox[0].body
    assert "Well done" not in mailoutbox[0].body


def test_an_email_already_read_is_not_sent(patient, therapist, thread, mailoutbox, settings):
    send(thread, therapist, "Read before the e-mail went")  # on_commit not run: the e-mail waits
    thread_mark_read(thread=thread, reader=patient)
    from notifications.services import dispatch_due

    dispatch_due()
    assert mailoutbox == []
    assert Notification.objects.get().status == Notification.Status.CANCELLED


# --- Unread counts --------------------------------------------------------------------------------


def test_the_navigation_and_home_show_unread_counts(patient, therapist, thread, cohort):
    other = thread_ensure(enrollment=EnrollmentFactory(cohort=cohort, therapist=therapist))
    send(thread, therapist, "One")
    send(thread, therapist, "Two")
    send(thread, patient, "Three")
    send(other, other.enrollment.patient, "Four")
    home = client_for(patient).get(reverse("patient_home")).content.decode()
    assert "Messages (2)" in home
    assert "You have 2 new messages from your therapist." in home
    assert "Messages (2)" in client_for(therapist).get(reverse("caseload")).content.decode()
    client_for(patient).get(PATIENT_PAGE)
    assert "Messages (2)" not in client_for(patient).get(reverse("patient_home")).content.decode()


def test_the_navigation_badge_costs_one_query(patient, therapist, thread):
    send(thread, therapist, "One")
    request = RequestFactory().get("/me/")
    request.user = patient
    request.htmx = False
    from clinics.roles import user_roles

    user_roles(patient)  # read once per request by the middleware already
    with assert_queries(1):
        items = navigation(request)["nav_items"]
    assert [item.label for item in items if item.url == PATIENT_PAGE] == ["Messages (1)"]


@pytest.mark.parametrize("count", [1, 50])
def test_the_thread_page_has_a_fixed_query_count(patient, therapist, thread, count):
    for i in range(count):
        send(thread, therapist if i % 2 else patient, f"Message {i}")
    client = client_for(patient)
    with assert_queries(11):
        response = client.get(PATIENT_PAGE)
    assert response.content.decode().count('<li id="message-') == count


@pytest.mark.parametrize("count", [1, 50])
def test_the_staff_thread_page_has_a_fixed_query_count(patient, therapist, enrollment, thread, count):
    for i in range(count):
        send(thread, therapist if i % 2 else patient, f"Message {i}")
    client = client_for(therapist)
    with assert_queries(14):
        response = client.get(staff_page(enrollment))
    assert response.status_code == 200


@pytest.mark.parametrize("count", [1, 20])
def test_the_inbox_with_its_badge_has_a_fixed_query_count(therapist, cohort, count):
    for _ in range(count):
        enrollment = EnrollmentFactory(cohort=cohort, therapist=therapist)
        send(thread_ensure(enrollment=enrollment), enrollment.patient, "Hello")
    client = client_for(therapist)
    with assert_queries(10):
        response = client.get(reverse("message_inbox"))
    assert f"Messages ({count})" in response.content.decode()
