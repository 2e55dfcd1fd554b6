"""Sign-in proofs: rate limits (the site's and the admin's), one-time authenticator and recovery codes,
and a password reset that tells no one whether an address has an account."""

import re
from importlib import import_module

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from tests.accounts.test_login import sign_in, totp_code
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _own_cache(settings):
    """Rate limits and used codes live in the cache; a cache of this test's own, so no other test run
    clearing the shared file cache can reset a counter half-way."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "auth"}}
    cache.clear()
    yield
    cache.clear()


def signed_in_as(client, user) -> bool:
    return client.session.get(SESSION_KEY) == str(user.pk)


def test_the_admin_login_takes_no_password_of_its_own(operator):
    client = Client()
    response = client.post(reverse("admin:login"), {"username": operator.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert SESSION_KEY not in client.session
    assert client.get(reverse("admin:index")).status_code == 302


def test_after_five_failures_the_operator_cannot_reach_the_admin_even_with_the_right_password(operator):
    client = Client()
    for _ in range(5):
        assert sign_in(client, operator.email, "not the password").status_code == 200
    response = sign_in(client, operator.email)
    assert response.status_code == 200
    assert "Too many failed login attempts" in response.content.decode()
    assert SESSION_KEY not in client.session
    admin = client.get(reverse("admin:index"))
    assert admin.status_code == 302 and admin["Location"].startswith(reverse("admin:login"))


def test_the_limit_is_per_address_and_other_people_still_sign_in(operator, patient):
    client = Client()
    for _ in range(6):
        sign_in(client, operator.email, "not the password")
    assert sign_in(client, patient.email).status_code == 302
    assert signed_in_as(client, patient)


def test_an_authenticator_code_works_only_once(therapist):
    first = Client()
    sign_in(first, therapist.email)
    code = totp_code(therapist)
    assert first.post(reverse("mfa_authenticate"), {"code": code}).status_code == 302
    assert signed_in_as(first, therapist)
    second = Client()
    assert sign_in(second, therapist.email)["Location"] == reverse("mfa_authenticate")
    response = second.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 200
    assert "Incorrect code" in response.content.decode()
    assert SESSION_KEY not in second.session
    assert second.get(reverse("caseload")).status_code == 302


def test_a_recovery_code_works_once(therapist):
    codes = RecoveryCodes.activate(therapist).get_unused_codes()
    first = Client()
    sign_in(first, therapist.email)
    assert first.post(reverse("mfa_authenticate"), {"code": codes[0]}).status_code == 302
    assert signed_in_as(first, therapist)
    assert first.get(reverse("caseload")).status_code == 200
    second = Client()
    sign_in(second, therapist.email)
    response = second.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert response.status_code == 200 and SESSION_KEY not in second.session
    assert second.post(reverse("mfa_authenticate"), {"code": codes[1]}).status_code == 302
    assert signed_in_as(second, therapist)


def test_the_session_key_changes_at_the_password_and_again_at_the_authenticator_step(therapist):
    client = Client()
    client.get(reverse("account_login"))
    keys = [client.session.session_key]
    sign_in(client, therapist.email)
    keys.append(client.session.session_key)
    client.post(reverse("mfa_authenticate"), {"code": totp_code(therapist)})
    keys.append(client.session.session_key)
    assert signed_in_as(client, therapist)
    assert None not in keys and len(set(keys)) == 3, keys


def test_signing_out_ends_the_session_for_good(patient):
    client = Client()
    sign_in(client, patient.email)
    old_key = client.session.session_key
    assert client.get(reverse("patient_home")).status_code == 200
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = old_key
    response = replay.get(reverse("patient_home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))
    assert not import_module(settings.SESSION_ENGINE).SessionStore().exists(old_key)


TOKENS = r'(nonce="|x-csrftoken": "|name="csrfmiddlewaretoken" value=")[^"]+'


@pytest.fixture
def reset_answers(patient):
    def answer(email):
        client = Client()
        response = client.post(reverse("account_reset_password"), {"email": email})
        page = client.get(response["Location"]) if response.status_code == 302 else response
        text = re.sub(TOKENS, r"\1", page.content.decode())  # one-off values differ on every page
        return response.status_code, response.get("Location"), page.status_code, text

    return answer


def test_password_reset_answers_the_same_for_known_and_unknown_addresses(reset_answers, patient):
    known = reset_answers(patient.email)
    sent = [message.to for message in mail.outbox]
    unknown = reset_answers("nobody-here@example.org")
    assert known == unknown
    assert known[0] == 302
    assert sent == [[patient.email]]
    assert [message.to for message in mail.outbox] == [[patient.email]], "no mail to an address without an account"


def test_failures_from_one_address_are_limited_whatever_x_forwarded_for_says(db):
    """login_failed allows 10 a minute from one address. With no trusted proxy (the default), a
    client cannot pose as many addresses by sending X-Forwarded-For."""
    from tests.factories import UserFactory

    people = UserFactory.create_batch(12)
    client = Client(REMOTE_ADDR="203.0.113.7")
    pages = []
    for number, person in enumerate(people[:11]):
        response = client.post(
            reverse("account_login"),
            {"login": person.email, "password": "not the password"},
            headers={"X-Forwarded-For": f"198.51.100.{number}"},
        )
        pages.append(response.content.decode())
    assert not any("Too many failed" in page for page in pages[:10])
    assert "Too many failed" in pages[10]  # the 11th try from the same address is refused
    # ... even with the right password of someone who has not failed at all.
    response = client.post(
        reverse("account_login"),
        {"login": people[11].email, "password": PASSWORD},
        headers={"X-Forwarded-For": "198.51.100.99"},
    )
    assert not signed_in_as(client, people[11])
