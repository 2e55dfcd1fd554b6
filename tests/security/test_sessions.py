"""Sessions end when they must: a password change or reset ends the person's other sessions, an
account closed in any way stops working at once, and the idle and absolute limits hold to the second."""

import re
import types
from importlib import import_module

import pytest
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client
from django.urls import reverse

from clinics.models import Membership
from clinics.staff import membership_deactivate
from tests.accounts.test_login import sign_in
from tests.factories import PASSWORD
from tests.utils import client_for

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-new-long-password-for-steady-42"
MINUTE, HOUR = 60, 3600


def can_open(client, url_name="profile") -> bool:
    response = client.get(reverse(url_name))
    assert response.status_code in (200, 302), response.status_code
    return response.status_code == 200


def test_changing_the_password_ends_the_other_sessions_and_keeps_this_one(patient):
    here, elsewhere = Client(), Client()
    sign_in(here, patient.email)
    sign_in(elsewhere, patient.email)
    assert can_open(here) and can_open(elsewhere)
    response = here.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert can_open(here), "the person who changed the password stays signed in"
    signed_out = elsewhere.get(reverse("profile"))
    assert signed_out.status_code == 302 and signed_out["Location"].startswith(reverse("account_login"))
    assert SESSION_KEY not in elsewhere.session


def test_resetting_the_password_ends_every_session(patient):
    browsers = [Client(), Client()]
    for browser in browsers:
        sign_in(browser, patient.email)
    stranger = Client()
    stranger.post(reverse("account_reset_password"), {"email": patient.email})
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", mail.outbox[-1].body).group(1)
    form = stranger.get(link, follow=True)
    response = stranger.post(form.redirect_chain[-1][0], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert [can_open(browser) for browser in browsers] == [False, False]
    assert SESSION_KEY not in stranger.session, "a reset link signs no one in"
    assert sign_in(Client(), patient.email, NEW_PASSWORD).status_code == 302


def test_an_account_closed_by_any_means_stops_working_at_once(patient, therapist):
    patient_browser, staff_browser = client_for(patient), client_for(therapist)
    assert can_open(patient_browser, "patient_home") and can_open(staff_browser, "caseload")
    for user in (patient, therapist):
        user.is_active = False
        user.save(update_fields=["is_active"])  # as the Django admin does
    assert not can_open(patient_browser, "patient_home")
    assert not can_open(staff_browser, "caseload")


def test_deactivating_staff_through_the_service_deletes_their_sessions(clinic, clinic_admin, other_therapist):
    browsers = [client_for(other_therapist), client_for(other_therapist)]
    keys = [browser.session.session_key for browser in browsers]
    assert UserSession.objects.filter(user=other_therapist).count() == 2
    membership = Membership.objects.get(user=other_therapist, clinic=clinic, role=Membership.Role.THERAPIST)
    membership_deactivate(membership=membership, by=clinic_admin)
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    assert [store.exists(key) for key in keys] == [False, False]
    assert [can_open(browser, "caseload") for browser in browsers] == [False, False]
    assert can_open(client_for(clinic_admin)), "no one else is signed out"


@pytest.fixture
def clock(monkeypatch):
    now = {"t": 1_800_000_000.0}
    monkeypatch.setattr("clinics.middleware.time", types.SimpleNamespace(time=lambda: now["t"]))

    def advance(seconds):
        now["t"] += seconds

    return advance


LIMITS = [
    ("patient", 60 * MINUTE, 24 * HOUR),
    ("therapist", 30 * MINUTE, 12 * HOUR),
    ("clinic_admin", 30 * MINUTE, 12 * HOUR),
    ("operator", 30 * MINUTE, 12 * HOUR),
]


@pytest.mark.parametrize(("persona", "idle", "_absolute"), LIMITS)
@pytest.mark.parametrize(("extra", "still_in"), [(0, True), (1, False)], ids=["at-limit", "one-second-past"])
def test_the_idle_limit_holds_to_the_second(request, clock, persona, idle, _absolute, extra, still_in):
    client = client_for(request.getfixturevalue(persona))
    assert can_open(client)
    clock(idle + extra)
    assert can_open(client) is still_in


@pytest.mark.parametrize(("persona", "idle", "absolute"), LIMITS)
@pytest.mark.parametrize(("extra", "still_in"), [(0, True), (1, False)], ids=["at-limit", "one-second-past"])
def test_the_absolute_limit_holds_to_the_second_however_busy(request, clock, persona, idle, absolute, extra, still_in):
    client = client_for(request.getfixturevalue(persona))
    assert can_open(client)
    elapsed = 0
    while absolute - elapsed > idle:
        clock(idle)
        elapsed += idle
        assert can_open(client)
    clock(absolute - elapsed + extra)
    assert can_open(client) is still_in
