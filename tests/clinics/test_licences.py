import json

import pytest
from django.urls import reverse
from django.utils import timezone

from clinics.licences import gated_instruments, get_gated_instrument, licence_confirm, licence_withdraw
from clinics.models import AuditEvent, Clinic, InstrumentLicence
from tests.utils import client_for

pytestmark = pytest.mark.django_db


def confirm_url(clinic, key="pseq"):
    return reverse("licence_confirm", args=[clinic.slug, key])


def withdraw_url(clinic, key="pseq"):
    return reverse("licence_withdraw", args=[clinic.slug, key])


def settings_page(user, clinic) -> str:
    return client_for(user).get(reverse("clinic_settings", args=[clinic.slug])).content.decode()


def test_outcomes_registers_its_licence_gated_instruments():
    keys = [instrument.key for instrument in gated_instruments()]
    assert keys == ["pseq"]  # the only licence-gated instrument in outcomes/instruments/
    pseq = get_gated_instrument("pseq")
    assert pseq.title == "Pain Self-Efficacy Questionnaire (PSEQ)"
    assert "Nicholas" in pseq.licence_note


def test_the_settings_page_shows_the_instrument_off_and_its_wording_not_installed(clinic_admin, clinic, settings):
    settings.STEADY_PSEQ_ITEMS_FILE = ""
    page = settings_page(clinic_admin, clinic)
    assert "Pain Self-Efficacy Questionnaire (PSEQ)" in page
    assert ">Off<" in page
    assert "Not installed. Ask your Steady operator to install the wording" in page
    assert "I confirm this clinic holds a licence for Pain Self-Efficacy Questionnaire (PSEQ)" in page


def test_the_settings_page_says_when_the_wording_is_installed(clinic_admin, clinic, settings, tmp_path):
    wording = {
        "version": "test-1",
        "preamble": "Test stem.",
        "items": [f"Test item {n}" for n in range(1, 11)],
        "options": [[value, f"Label {value}"] for value in range(7)],
    }
    path = tmp_path / "pseq.json"
    path.write_text(json.dumps(wording), encoding="utf-8")
    settings.STEADY_PSEQ_ITEMS_FILE = str(path)
    page = settings_page(clinic_admin, clinic)
    assert "Installed" in page
    assert "Not installed" not in page


def test_confirm_then_withdraw_records_who_and_when_and_updates_enabled_instruments(clinic_admin, clinic):
    Clinic.objects.filter(pk=clinic.pk).update(enabled_instruments=["other"])
    client = client_for(clinic_admin)
    response = client.post(confirm_url(clinic), {"licence-pseq-confirm": "on", "licence-pseq-reference": "UoS-2026-17"})
    assert response.status_code == 302
    assert response["Location"] == reverse("clinic_settings", args=[clinic.slug]) + "#licences"
    licence = InstrumentLicence.objects.get(clinic=clinic)
    assert (licence.instrument_key, licence.confirmed_by, licence.licence_reference) == (
        "pseq",
        clinic_admin,
        "UoS-2026-17",
    )
    assert (timezone.now() - licence.confirmed_at).total_seconds() < 60
    assert Clinic.objects.get(pk=clinic.pk).enabled_instruments == ["other", "pseq"]
    page = client.get(response["Location"]).content.decode()
    assert "is turned on for this clinic" in page
    assert f"since {timezone.localdate():%-d %B %Y}, confirmed by Priya Shah" in page
    assert "UoS-2026-17" in page

    response = client.post(withdraw_url(clinic))
    assert response.status_code == 302
    licence.refresh_from_db()
    assert licence.withdrawn_by == clinic_admin
    assert licence.withdrawn_at is not None
    assert Clinic.objects.get(pk=clinic.pk).enabled_instruments == ["other"]
    assert ">Off<" in client.get(response["Location"]).content.decode()
    actions = list(
        AuditEvent.objects.filter(clinic=clinic, action__startswith="clinics.licence.").values_list("action", flat=True)
    )
    assert sorted(actions) == ["clinics.licence.confirmed", "clinics.licence.withdrawn"]

    # Turned on again later: a new record; the old one keeps its history.
    client.post(confirm_url(clinic), {"licence-pseq-confirm": "on"})
    assert InstrumentLicence.objects.filter(clinic=clinic).count() == 2
    assert InstrumentLicence.objects.filter(clinic=clinic, withdrawn_at=None).count() == 1
    assert Clinic.objects.get(pk=clinic.pk).enabled_instruments == ["other", "pseq"]


def test_confirming_without_the_tick_shows_why_and_writes_nothing(clinic_admin, clinic):
    response = client_for(clinic_admin).post(confirm_url(clinic), {"licence-pseq-reference": "ABC"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Tick the box to confirm that this clinic holds a licence for Pain Self-Efficacy Questionnaire" in page
    assert "<title>Error:" in page
    assert not InstrumentLicence.objects.exists()
    assert Clinic.objects.get(pk=clinic.pk).enabled_instruments == []
    assert not AuditEvent.objects.filter(action__startswith="clinics.licence.").exists()


def test_a_too_long_reference_is_refused(clinic_admin, clinic):
    response = client_for(clinic_admin).post(
        confirm_url(clinic), {"licence-pseq-confirm": "on", "licence-pseq-reference": "x" * 201}
    )
    assert "Keep the reference to 200 characters or fewer." in response.content.decode()
    assert not InstrumentLicence.objects.exists()


def test_confirming_twice_keeps_one_current_licence(clinic_admin, clinic):
    client = client_for(clinic_admin)
    client.post(confirm_url(clinic), {"licence-pseq-confirm": "on"})
    response = client.post(confirm_url(clinic), {"licence-pseq-confirm": "on"}, follow=True)
    assert "is already turned on for this clinic" in response.content.decode()
    assert InstrumentLicence.objects.filter(clinic=clinic).count() == 1
    assert Clinic.objects.get(pk=clinic.pk).enabled_instruments == ["pseq"]


def test_withdrawing_when_off_says_so_and_writes_nothing(clinic_admin, clinic):
    response = client_for(clinic_admin).post(withdraw_url(clinic), follow=True)
    assert "is already turned off for this clinic" in response.content.decode()
    assert not AuditEvent.objects.filter(action__startswith="clinics.licence.").exists()


def test_an_instrument_that_needs_no_licence_is_not_found(clinic_admin, clinic):
    client = client_for(clinic_admin)
    assert client.post(confirm_url(clinic, "phq9"), {"licence-phq9-confirm": "on"}).status_code == 404
    assert client.post(withdraw_url(clinic, "phq9")).status_code == 404
    assert not InstrumentLicence.objects.exists()


def test_get_is_refused(clinic_admin, clinic):
    client = client_for(clinic_admin)
    assert client.get(confirm_url(clinic)).status_code == 405
    assert client.get(withdraw_url(clinic)).status_code == 405


def test_it_hides_other_clinics(other_clinic_admin, therapist, clinic, clinic_admin):
    licence_confirm(clinic=clinic, instrument=get_gated_instrument("pseq"), by=clinic_admin)
    for user in (other_clinic_admin, therapist):
        client = client_for(user)
        assert client.post(confirm_url(clinic), {"licence-pseq-confirm": "on"}).status_code == 404
        assert client.post(withdraw_url(clinic)).status_code == 404
    licence = InstrumentLicence.objects.get()
    assert licence.withdrawn_at is None
    assert Clinic.objects.get(pk=clinic.pk).enabled_instruments == ["pseq"]


def test_licences_are_per_clinic(clinic_admin, clinic, other_clinic, other_clinic_admin):
    pseq = get_gated_instrument("pseq")
    licence_confirm(clinic=clinic, instrument=pseq, by=clinic_admin)
    licence_confirm(clinic=other_clinic, instrument=pseq, by=other_clinic_admin)
    licence_withdraw(clinic=other_clinic, instrument=pseq, by=other_clinic_admin)
    assert Clinic.objects.get(pk=clinic.pk).enabled_instruments == ["pseq"]
    assert Clinic.objects.get(pk=other_clinic.pk).enabled_instruments == []
