"""Idle and absolute session limits: staff 30 min / 12 h, patients 60 min / 24 h (clock mocked)."""

import types

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from tests.utils import client_for

pytestmark = pytest.mark.django_db

MINUTE, HOUR = 60, 3600


@pytest.fixture
def clock(monkeypatch):
    now = {"t": 1_800_000_000.0}
    fake = types.SimpleNamespace(time=lambda: now["t"])
    monkeypatch.setattr("clinics.middleware.time", fake)

    def advance(seconds):
        now["t"] += seconds

    return advance


def signed_in(client):
    return SESSION_KEY in client.session


@pytest.mark.parametrize(
    ("persona", "url_name", "idle"),
    [("patient", "patient_home", 60 * MINUTE), ("therapist", "caseload", 30 * MINUTE)],
)
def test_an_idle_session_ends_at_its_limit_and_not_before(request, clock, persona, url_name, idle):
    user = request.getfixturevalue(persona)
    client = client_for(user)
    url = reverse(url_name)
    assert client.get(url).status_code == 200
    clock(idle - MINUTE)
    assert client.get(url).status_code == 200, "one minute before the idle limit the user stays in"
    clock(idle + 1)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert not signed_in(client)


@pytest.mark.parametrize(
    ("persona", "url_name", "absolute", "idle"),
    [("patient", "patient_home", 24 * HOUR, 60 * MINUTE), ("therapist", "caseload", 12 * HOUR, 30 * MINUTE)],
)
def test_an_active_session_ends_at_the_absolute_limit(request, clock, persona, url_name, absolute, idle):
    user = request.getfixturevalue(persona)
    client = client_for(user)
    url = reverse(url_name)
    client.get(url)
    step = idle - 5 * MINUTE
    elapsed = 0
    while elapsed + step < absolute - MINUTE:
        clock(step)
        elapsed += step
        assert client.get(url).status_code == 200
    clock(absolute - elapsed + 1)
    assert client.get(url).status_code == 302
    assert not signed_in(client)


def test_the_cookie_lives_only_as_long_as_the_idle_limit(patient, therapist, clock):
    patient_client, staff_client = client_for(patient), client_for(therapist)
    patient_client.get(reverse("patient_home"))
    staff_client.get(reverse("caseload"))
    assert patient_client.session.get_expiry_age() == 60 * MINUTE
    assert staff_client.session.get_expiry_age() == 30 * MINUTE


def test_a_signed_out_user_is_told_why(patient, clock):
    client = client_for(patient)
    client.get(reverse("patient_home"))
    clock(61 * MINUTE)
    response = client.get(reverse("patient_home"), follow=True)
    assert "signed out to keep your information safe" in response.content.decode()
