import datetime
import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from clinics.models import AuditEvent, Consent, Enrollment, Invitation
from notifications.models import Notification
from tests.utils import client_for

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "gentle river morning walk"  # noqa: S105


def enrol(client, clinic, cohort, therapist, /, **overrides):
    data = {
        "name": "Rose Tyler",
        "email": "Rose@Example.com",
        "therapist": therapist.pk,
        "contact_mode": "mixed",
        "cohort": cohort.pk,
        "start_date": timezone.localdate().isoformat(),
        "time_zone": "Europe/Stockholm",
        **overrides,
    }
    return client.post(reverse("clinic_detail", args=[clinic.slug]), data)


@pytest.fixture
def invited(clinic, cohort, therapist, clinic_admin, django_capture_on_commit_callbacks):
    """An admin enrols Rose; the invitation e-mail is sent; returns (enrollment, link path)."""
    with django_capture_on_commit_callbacks(execute=True):
        response = enrol(client_for(clinic_admin), clinic, cohort, therapist)
    assert response.status_code == 302
    enrollment = Enrollment.objects.get(patient__email="rose@example.com")
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/\s]+(/invite/[^\s]+/)", mail.outbox[0].body).group(1)
    return enrollment, link


CONSENT = {"terms": "on", "privacy": "on", "treatment": "on"}


def choose_password(client, link, password=GOOD_PASSWORD):
    """Open the link and pass step 1; the next request is the consent step."""
    assert client.get(link).status_code == 302
    response = client.post(
        reverse("invitation_password"), {"name": "Rose Tyler", "password1": password, "password2": password}
    )
    assert response.status_code == 302, response.content.decode()


def accept(client, link):
    choose_password(client, link)
    return client.post(reverse("invitation_consent"), CONSENT)


def test_enrolling_creates_an_inactive_account_an_enrolment_and_sends_one_invitation(invited, therapist):
    enrollment, link = invited
    patient = enrollment.patient
    assert patient.is_active is False
    assert patient.has_usable_password() is False
    assert patient.time_zone == "Europe/Stockholm"
    assert enrollment.status == Enrollment.Status.INVITED
    assert enrollment.therapist == therapist
    assert enrollment.contact_mode == "mixed"
    message = mail.outbox[0]
    assert message.to == ["rose@example.com"]
    assert message.subject == "Your invitation to Steady"
    assert Notification.objects.get(user=patient).status == Notification.Status.SENT
    assert AuditEvent.objects.filter(action="clinics.enrollment.created", enrollment=enrollment).count() == 1


def test_the_invitation_email_carries_no_health_data(invited):
    body = mail.outbox[0].body + mail.outbox[0].subject
    for word in ("pain", "therapy", "CBT", "depress", "Northside"):
        assert word.lower() not in body.lower()


def test_the_token_is_stored_only_as_a_hash(invited):
    enrollment, link = invited
    token = link.strip("/").split("/")[-1]
    invitation = Invitation.objects.get(enrollment=enrollment)
    assert token not in invitation.token_hash
    assert len(invitation.token_hash) == 64
    assert token not in str(Notification.objects.get(user=enrollment.patient).context)


def test_a_patient_accepts_and_lands_on_their_home(invited):
    enrollment, link = invited
    client = Client()
    response = accept(client, link)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    home = client.get(reverse("patient_home"))
    assert home.status_code == 200
    page = home.content.decode()
    assert "Hello Rose" in page
    assert enrollment.therapist.name in page
    assert "Living well with chronic pain" in page

    enrollment.refresh_from_db()
    patient = enrollment.patient
    patient.refresh_from_db()
    assert patient.is_active and patient.check_password(GOOD_PASSWORD)
    assert enrollment.status == Enrollment.Status.ACTIVE
    assert set(Consent.objects.filter(user=patient).values_list("kind", flat=True)) == {"terms", "privacy", "treatment"}
    assert Invitation.objects.get(enrollment=enrollment).accepted_at is not None


def test_the_link_leaves_the_address_bar_before_any_form(invited):
    _, link = invited
    response = Client().get(link)
    assert response.status_code == 302
    assert response["Location"] == reverse("invitation_password")


def test_a_used_link_is_refused_and_creates_nothing(invited):
    enrollment, link = invited
    accept(Client(), link)
    consents = Consent.objects.count()
    response = Client().get(link)
    assert response.status_code == 410
    assert "already been used" in response.content.decode()
    assert Consent.objects.count() == consents


def test_an_expired_link_is_refused_and_activates_nothing(invited):
    enrollment, link = invited
    Invitation.objects.filter(enrollment=enrollment).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    response = Client().get(link)
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    enrollment.patient.refresh_from_db()
    assert enrollment.patient.is_active is False
    assert Consent.objects.count() == 0


def test_a_link_that_expires_between_the_steps_is_refused_at_the_last_step(invited):
    enrollment, link = invited
    client = Client()
    choose_password(client, link)
    Invitation.objects.filter(enrollment=enrollment).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    response = client.post(reverse("invitation_consent"), CONSENT)
    assert response.status_code == 410
    enrollment.patient.refresh_from_db()
    assert enrollment.patient.is_active is False
    assert SESSION_KEY not in client.session


def test_a_forged_link_is_refused_and_creates_nothing(invited):
    users = User.objects.count()
    response = Client().get(reverse("invitation_open", args=["forged-token-that-was-never-issued"]))
    assert response.status_code == 404
    assert "does not work" in response.content.decode()
    assert User.objects.count() == users
    assert Consent.objects.count() == 0


def test_a_newer_invitation_replaces_the_older_link(invited, clinic_admin, django_capture_on_commit_callbacks):
    from clinics.services import invitation_create

    enrollment, old_link = invited
    with django_capture_on_commit_callbacks(execute=True):
        invitation_create(
            user=enrollment.patient, clinic=enrollment.clinic, role="patient", enrollment=enrollment, by=clinic_admin
        )
    assert len(mail.outbox) == 2
    response = Client().get(old_link)
    assert response.status_code == 410
    assert "newer invitation" in response.content.decode()
    new_link = re.search(r"(/invite/[^\s]+/)", mail.outbox[1].body).group(1)
    assert accept(Client(), new_link).status_code == 302


def test_two_tabs_accepting_at_once_accept_once(invited):
    _, link = invited
    first, second = Client(), Client()
    for client in (first, second):
        choose_password(client, link)
    assert first.post(reverse("invitation_consent"), CONSENT).status_code == 302
    assert second.post(reverse("invitation_consent"), CONSENT).status_code == 410
    assert Consent.objects.filter(kind="treatment").count() == 1


def test_a_weak_or_mismatched_password_gets_a_message_and_saves_nothing(invited):
    enrollment, link = invited
    client = Client()
    client.get(link)
    response = client.post(reverse("invitation_password"), {"name": "Rose", "password1": "short", "password2": "short"})
    assert response.status_code == 200
    assert "too short" in response.content.decode()
    response = client.post(
        reverse("invitation_password"), {"name": "Rose", "password1": GOOD_PASSWORD, "password2": "other words here"}
    )
    assert "not the same" in response.content.decode()
    assert client.get(reverse("invitation_consent"))["Location"] == reverse("invitation_password")
    enrollment.patient.refresh_from_db()
    assert enrollment.patient.has_usable_password() is False


def test_consent_boxes_are_required(invited):
    enrollment, link = invited
    client = Client()
    choose_password(client, link)
    response = client.post(reverse("invitation_consent"), {"terms": "on"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Tick the box to agree to take part." in page
    assert Consent.objects.count() == 0


def test_opening_a_link_while_signed_in_signs_the_other_person_out(invited, patient):
    _, link = invited
    client = client_for(patient)
    client.get(link)
    assert SESSION_KEY not in client.session


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("email", "not-an-email", "Enter an e-mail address in the right format"),
        ("name", "   ", "Enter the patient&#x27;s full name."),
        ("start_date", "2001-01-01", "at most 4 weeks ago"),
        ("contact_mode", "carrier-pigeon", "Select a valid choice."),
    ],
)
def test_bad_enrolment_input_gets_a_message_and_saves_nothing(
    clinic, cohort, therapist, clinic_admin, field, value, message
):
    response = enrol(client_for(clinic_admin), clinic, cohort, therapist, **{field: value})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.filter(email__iexact="rose@example.com").exists()
    assert Notification.objects.count() == 0


def test_a_therapist_or_cohort_of_another_clinic_is_refused(
    clinic, cohort, clinic_admin, other_clinic_therapist, other_cohort, therapist
):
    client = client_for(clinic_admin)
    assert "Select a valid choice" in enrol(client, clinic, cohort, other_clinic_therapist).content.decode()
    assert "Select a valid choice" in enrol(client, clinic, other_cohort, therapist).content.decode()
    assert Enrollment.objects.count() == 0


def test_an_address_that_already_has_an_account_is_refused(clinic, cohort, therapist, clinic_admin, patient):
    response = enrol(client_for(clinic_admin), clinic, cohort, therapist, email=patient.email.upper())
    assert response.status_code == 200
    assert "already has a Steady account" in response.content.decode()
    assert Enrollment.objects.filter(patient=patient).count() == 1


def test_extra_fields_posted_change_nothing(clinic, cohort, therapist, clinic_admin, other_clinic):
    response = enrol(
        client_for(clinic_admin), clinic, cohort, therapist, clinic=other_clinic.pk, status="active", is_staff="on"
    )
    assert response.status_code == 302
    enrollment = Enrollment.objects.get(patient__email="rose@example.com")
    assert enrollment.clinic == clinic
    assert enrollment.status == Enrollment.Status.INVITED
    assert enrollment.patient.is_staff is False
