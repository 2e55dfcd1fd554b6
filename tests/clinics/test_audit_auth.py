"""Sign-ins, sign-outs, MFA and password events are in the audit trail; typed secrets are not."""

import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from allauth.mfa.utils import decrypt
from django.core import mail
from django.test import Client
from django.urls import reverse

from clinics.models import AuditEvent
from tests.clinics.test_mfa import code_for
from tests.factories import PASSWORD
from tests.utils import client_for

pytestmark = pytest.mark.django_db


def actions():
    return [(event.action, event.actor, event.outcome) for event in AuditEvent.objects.order_by("pk")]


def sign_in(client, email, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def totp_code(user):
    secret = decrypt(Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP).data["secret"])
    return code_for(secret)


def row_text(event) -> str:
    return " ".join(str(getattr(event, field.attname)) for field in AuditEvent._meta.concrete_fields)


def test_a_sign_in_and_a_sign_out_are_recorded(patient):
    client = Client()
    sign_in(client, patient.email)
    client.post(reverse("account_logout"))
    assert actions() == [("auth.login", patient, "ok"), ("auth.logout", patient, "ok")]
    login = AuditEvent.objects.get(action="auth.login")
    assert login.actor_role == "patient"
    assert login.ip == "127.0.0.1"
    assert login.request_id


def test_a_failed_sign_in_names_the_account_but_keeps_no_password(patient):
    sign_in(Client(), patient.email, "Wrong-Sentinel-Password-77")
    assert actions() == [("auth.login_failed", patient, "denied")]
    assert "Wrong-Sentinel-Password-77" not in row_text(AuditEvent.objects.get())


def test_a_failed_sign_in_for_an_unknown_address_keeps_no_address(db):
    sign_in(Client(), "nobody-sentinel@example.org", "Wrong-Sentinel-Password-77")
    [event] = AuditEvent.objects.all()
    assert (event.action, event.actor, event.outcome) == ("auth.login_failed", None, "denied")
    assert "nobody-sentinel" not in row_text(event)
    assert "Wrong-Sentinel-Password-77" not in row_text(event)


def test_staff_mfa_success_and_failure_are_recorded(therapist):
    client = Client()
    sign_in(client, therapist.email)
    client.post(reverse("mfa_authenticate"), {"code": "000000"})
    client.post(reverse("mfa_authenticate"), {"code": totp_code(therapist)})
    assert actions() == [
        ("auth.mfa.failed", therapist, "denied"),
        ("auth.mfa.passed", therapist, "ok"),
        ("auth.login", therapist, "ok"),
    ]
    assert AuditEvent.objects.get(action="auth.mfa.passed").object_type == "mfa.authenticator"


def test_a_used_recovery_code_is_recorded(therapist):
    codes = RecoveryCodes.activate(therapist).get_unused_codes()
    client = Client()
    sign_in(client, therapist.email)
    client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert ("auth.recovery_code.used", therapist, "ok") in actions()
    assert codes[0] not in row_text(AuditEvent.objects.get(action="auth.recovery_code.used"))


@pytest.mark.django_db(transaction=True)  # allauth sends authenticator_added on commit
def test_adding_and_removing_an_authenticator_is_recorded(patient):
    client = Client()
    sign_in(client, patient.email)
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})  # allauth asks again first
    client.get(reverse("mfa_activate_totp"))
    secret = client.session[SECRET_SESSION_KEY]
    assert client.post(reverse("mfa_activate_totp"), {"code": code_for(secret)}).status_code == 302
    assert ("auth.authenticator.added", patient, "ok") in actions()
    assert ("auth.recovery_codes.generated", patient, "ok") in actions()
    assert client.post(reverse("mfa_deactivate_totp")).status_code == 302
    assert ("auth.authenticator.removed", patient, "ok") in actions()


@pytest.mark.django_db(transaction=True)  # allauth sends authenticator_reset on commit, inside the request
def test_regenerating_recovery_codes_is_recorded(therapist):
    RecoveryCodes.activate(therapist)
    client = Client()
    sign_in(client, therapist.email)
    client.post(reverse("mfa_authenticate"), {"code": totp_code(therapist)})
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})  # allauth asks again first
    assert client.post(reverse("mfa_generate_recovery_codes")).status_code == 302
    assert actions()[-1] == ("auth.recovery_codes.generated", therapist, "ok")


def test_a_password_change_is_recorded(patient):
    client = client_for(patient)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "a new long passphrase 42", "password2": "a new long passphrase 42"},
    )
    assert response.status_code == 302
    assert actions() == [("auth.password.changed", patient, "ok")]


def test_a_password_reset_is_recorded_when_asked_for_and_when_done(patient):
    client = Client()
    client.post(reverse("account_reset_password"), {"email": patient.email})
    assert actions() == [("auth.password_reset.requested", patient, "ok")]
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", mail.outbox[0].body).group(1)
    form_url = client.get(link)["Location"]
    response = client.post(form_url, {"password1": "a new long passphrase 42", "password2": "a new long passphrase 42"})
    assert response.status_code == 302
    assert actions()[-1] == ("auth.password_reset.done", patient, "ok")


def test_a_reset_for_an_unknown_address_writes_nothing(db):
    Client().post(reverse("account_reset_password"), {"email": "nobody-sentinel@example.org"})
    assert AuditEvent.objects.count() == 0
