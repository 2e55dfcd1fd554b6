import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from allauth.mfa.utils import decrypt
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def totp_code(user) -> str:
    secret = decrypt(Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP).data["secret"])
    return format_hotp_value(hotp_value(secret, next(iter(yield_hotp_counters_from_time()))))


def sign_in(client, email, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_a_patient_signs_in_with_password_and_reaches_their_home(patient):
    client = Client()
    response = sign_in(client, patient.email)
    assert response.status_code == 302
    response = client.get(response["Location"], follow=True)
    assert response.redirect_chain[-1][0] == reverse("patient_home")
    assert "Hello Margaret" in response.content.decode()


def test_the_sixth_attempt_is_refused_even_with_the_right_password(patient):
    client = Client()
    for _ in range(5):
        response = sign_in(client, patient.email, "wrong password")
        assert response.status_code == 200
        assert SESSION_KEY not in client.session
    response = sign_in(client, patient.email)
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_the_admin_sign_in_goes_through_the_same_rate_limited_page(patient, operator):
    response = Client().get(reverse("admin:login"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_there_is_no_public_sign_up():
    users = User.objects.count()
    client = Client()
    page = client.get(reverse("account_signup"))
    assert page.status_code == 200
    assert "closed" in page.content.decode().lower()
    client.post(
        reverse("account_signup"),
        {"email": "walk-in@example.com", "password1": "a fine long password", "password2": "a fine long password"},
    )
    assert User.objects.count() == users
    assert not User.objects.filter(email="walk-in@example.com").exists()


def test_a_patient_can_sign_in_with_an_emailed_code(patient):
    client = Client()
    response = client.post(reverse("account_request_login_code"), {"email": patient.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    code = re.search(r"^([A-Z0-9]{4}-[A-Z0-9]{4})$", mail.outbox[0].body, re.M).group(1)
    response = client.post(reverse("account_confirm_login_code"), {"code": code})
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(patient.pk)


def test_staff_get_no_emailed_code_and_the_page_looks_the_same(therapist, patient):
    staff_response = Client().post(reverse("account_request_login_code"), {"email": therapist.email})
    unknown_response = Client().post(reverse("account_request_login_code"), {"email": "nobody@example.com"})
    codes = [m for m in mail.outbox if "code" in m.subject.lower() and m.to == [therapist.email]]
    assert codes == []
    assert staff_response.status_code == unknown_response.status_code == 302
    assert staff_response["Location"] == unknown_response["Location"]


def test_a_therapist_signs_in_with_password_then_authenticator_code(therapist):
    client = Client()
    response = sign_in(client, therapist.email)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert SESSION_KEY not in client.session
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code(therapist)})
    assert response.status_code == 302
    response = client.get(response["Location"], follow=True)
    assert response.redirect_chain[-1][0] == reverse("caseload")
    assert "Your caseload" in response.content.decode()


def test_a_wrong_authenticator_code_keeps_the_therapist_out(therapist):
    client = Client()
    sign_in(client, therapist.email)
    response = client.post(reverse("mfa_authenticate"), {"code": "000000" if totp_code(therapist) != "000000" else "1"})
    assert response.status_code == 200
    assert SESSION_KEY not in client.session
    assert client.get(reverse("caseload")).status_code == 302


def test_signing_in_gives_a_new_session_key(patient):
    client = Client()
    client.get(reverse("account_login"))
    before = client.session.session_key
    sign_in(client, patient.email)
    assert client.session.session_key != before


def test_a_deactivated_account_cannot_sign_in(patient):
    patient.is_active = False
    patient.save(update_fields=["is_active"])
    client = Client()
    sign_in(client, patient.email)
    assert SESSION_KEY not in client.session


def test_the_sign_in_page_offers_no_sign_up():
    page = Client().get(reverse("account_login")).content.decode()
    assert "Sign in to Steady" in page
    assert reverse("account_signup") not in page
