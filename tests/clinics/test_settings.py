from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from clinics.clinic_settings import ClinicSettingsError, clinic_settings_update
from clinics.models import AuditEvent, Clinic
from tests.utils import client_for

pytestmark = pytest.mark.django_db

VALID = {
    "crisis_text": "Call 999 in an emergency. Northside duty line: 01234 567890 (9 to 5).",
    "video_base_url": "https://video.example.org/northside",
    "response_time_promise": "Your therapist will reply within 1 working day.",
    "reminder_hour": "18",
    "escalation_hours": "2",
    "message_minutes": "4",
    "feedback_minutes": "20",
    "checkin_minutes": "45",
    "cost_per_hour": "62.50",
    "currency": "eur",
    "show_scores_to_patients": "",  # unticked: an unchecked box is simply absent from the POST
}


def post_settings(user, clinic, **changes):
    data = {**VALID, **changes}
    data = {key: value for key, value in data.items() if value is not None}
    return client_for(user).post(reverse("clinic_settings", args=[clinic.slug]), data)


def settings_audits(clinic):
    return AuditEvent.objects.filter(action="clinics.clinic.settings_changed", clinic=clinic)


def test_it_works(clinic_admin, clinic):
    page = client_for(clinic_admin).get(reverse("clinic_settings", args=[clinic.slug])).content.decode()
    assert "<h1>Settings</h1>" in page
    assert "116 123" in page  # the current crisis text, ready to edit
    assert "own room name to the end of this address" in page
    assert "Questionnaires that need a licence" in page


def test_it_hides_other_clinics(other_clinic_admin, therapist, patient, clinic):
    url = reverse("clinic_settings", args=[clinic.slug])
    for user in (other_clinic_admin, therapist, patient):
        assert client_for(user).get(url).status_code == 404
        assert client_for(user).post(url, VALID).status_code == 404
    clinic.refresh_from_db()
    assert clinic.currency == "GBP"
    assert not settings_audits(clinic).exists()


def test_saving_changes_every_setting_and_is_audited(clinic_admin, clinic):
    client = client_for(clinic_admin)
    response = client.post(reverse("clinic_settings", args=[clinic.slug]), VALID)
    assert response.status_code == 302
    assert response["Location"] == reverse("clinic_settings", args=[clinic.slug])
    clinic.refresh_from_db()
    assert clinic.crisis_text == VALID["crisis_text"]
    assert clinic.video_base_url == "https://video.example.org/northside"
    assert clinic.response_time_promise == VALID["response_time_promise"]
    assert (clinic.reminder_hour, clinic.escalation_hours) == (18, 2)
    assert (clinic.message_minutes, clinic.feedback_minutes, clinic.checkin_minutes) == (4, 20, 45)
    assert (clinic.cost_per_hour, clinic.currency) == (Decimal("62.50"), "EUR")
    assert clinic.show_scores_to_patients is False
    audit = settings_audits(clinic).get()
    assert audit.actor == clinic_admin
    assert "The settings are saved." in client.get(response["Location"]).content.decode()


def test_saving_without_changes_writes_no_audit(clinic_admin, clinic):
    client = client_for(clinic_admin)
    url = reverse("clinic_settings", args=[clinic.slug])
    post_settings(clinic_admin, clinic)
    response = client.post(url, {**VALID, "currency": "EUR"}, follow=True)
    assert "Nothing was changed." in response.content.decode()
    assert settings_audits(clinic).count() == 1


def test_the_crisis_text_cannot_be_emptied_and_the_page_says_why(clinic_admin, clinic):
    before = Clinic.objects.get(pk=clinic.pk)
    response = post_settings(clinic_admin, clinic, crisis_text="   \n  ")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Enter the crisis resources." in page
    assert "suggest they may be at risk, so they can never be empty" in page
    assert "<title>Error:" in page
    clinic.refresh_from_db()
    # Nothing saved, not even the valid fields sent with it.
    assert clinic.crisis_text == before.crisis_text
    assert clinic.currency == before.currency == "GBP"
    assert not settings_audits(clinic).exists()


def test_the_service_refuses_an_empty_crisis_text_too(clinic_admin, clinic):
    with pytest.raises(ClinicSettingsError):
        clinic_settings_update(clinic=clinic, by=clinic_admin, values={"crisis_text": " "})
    assert Clinic.objects.get(pk=clinic.pk).crisis_text.strip()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("video_base_url", "http://video.example.org/northside", "starts with https://"),
        ("video_base_url", "https://video.example.org/room?token=1", "Remove the part from ? or # onwards"),
        ("video_base_url", "https://video.example.org/room#x", "Remove the part from ? or # onwards"),
        ("video_base_url", "https://user:secret@video.example.org/", "Remove the user name or password"),
        ("video_base_url", "not a web address", "Enter a web address"),
        ("response_time_promise", "", "Say how soon patients can expect a reply"),
        ("reminder_hour", "5", "Choose a time between 06:00 and 21:00."),
        ("reminder_hour", "22", "Choose a time between 06:00 and 21:00."),
        ("escalation_hours", "0", "Enter a whole number of hours from 1 to 24."),
        ("escalation_hours", "25", "Enter a whole number of hours from 1 to 24."),
        ("escalation_hours", "two", "Enter a whole number of hours from 1 to 24."),
        ("message_minutes", "0", "Enter a whole number of minutes from 1 to 120."),
        ("feedback_minutes", "241", "Enter a whole number of minutes from 1 to 240."),
        ("checkin_minutes", "", "Enter a whole number of minutes from 1 to 240."),
        ("cost_per_hour", "-1", "Enter an amount from 0 to 99999.99"),
        ("cost_per_hour", "12.345", "Enter an amount from 0 to 99999.99"),
        ("cost_per_hour", "lots", "Enter an amount from 0 to 99999.99"),
        ("currency", "POUNDS", "Enter the three-letter currency code"),
        ("currency", "G1P", "Enter the three-letter currency code"),
    ],
)
def test_bad_input_shows_a_message_next_to_the_field_and_saves_nothing(clinic_admin, clinic, field, value, message):
    response = post_settings(clinic_admin, clinic, **{field: value})
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == [field]
    assert message in " ".join(form.errors[field])
    assert message.replace("'", "&#x27;") in response.content.decode()
    assert not settings_audits(clinic).exists()
    assert Clinic.objects.get(pk=clinic.pk).currency == "GBP"


def test_a_video_address_may_be_removed_and_loses_its_trailing_slash(clinic_admin, clinic):
    post_settings(clinic_admin, clinic, video_base_url="https://video.example.org/northside/")
    assert Clinic.objects.get(pk=clinic.pk).video_base_url == "https://video.example.org/northside"
    post_settings(clinic_admin, clinic, video_base_url="")
    assert Clinic.objects.get(pk=clinic.pk).video_base_url == ""


def test_saving_settings_keeps_questionnaires_turned_on_meanwhile(clinic_admin, clinic):
    stale = Clinic.objects.get(pk=clinic.pk)
    Clinic.objects.filter(pk=clinic.pk).update(enabled_instruments=["pseq"])  # another admin, just now
    clinic_settings_update(clinic=stale, by=clinic_admin, values={"currency": "SEK"})
    clinic.refresh_from_db()
    assert (clinic.currency, clinic.enabled_instruments) == ("SEK", ["pseq"])


def test_the_settings_page_refuses_other_methods(clinic_admin, clinic):
    assert client_for(clinic_admin).put(reverse("clinic_settings", args=[clinic.slug])).status_code == 405


def test_a_new_patient_gets_the_clinics_reminder_hour(clinic_admin, clinic, cohort, therapist):
    post_settings(clinic_admin, clinic, reminder_hour="19")
    response = client_for(clinic_admin).post(
        reverse("clinic_detail", args=[clinic.slug]),
        {
            "name": "Nora Quinn",
            "email": "nora@example.com",
            "therapist": therapist.pk,
            "contact_mode": "async",
            "cohort": cohort.pk,
            "start_date": timezone.localdate().isoformat(),
            "time_zone": "Europe/London",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(email="nora@example.com").reminder_hour == 19
