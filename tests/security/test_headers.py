"""Security headers on every response: each URL of the permission matrix, as every persona, whatever
the status (200, redirects, 404, 405), downloads included; the https-only ones over https."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD
from tests.test_permissions import MATRIX, PERSONAS, world  # noqa: F401 (world is a fixture)
from tests.utils import client_for

pytestmark = pytest.mark.django_db

UNSAFE = ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "'strict-dynamic'", "*")


def csp_directives(response) -> dict[str, list[str]]:
    policy = response.headers.get("Content-Security-Policy", "")
    parts = [part.split() for part in policy.split(";") if part.strip()]
    return {part[0]: part[1:] for part in parts}


def header_problems(response) -> list[str]:
    problems = []
    csp = csp_directives(response)
    if not csp:
        return ["no Content-Security-Policy"]
    for directive, values in csp.items():
        problems += [f"{directive} allows {value}" for value in values if value in UNSAFE]
    for directive in ("object-src", "base-uri", "frame-ancestors"):
        if csp.get(directive) != ["'none'"]:
            problems.append(f"{directive} is {csp.get(directive)}")
    if csp.get("script-src", [None])[0] != "'self'" or csp.get("default-src") != ["'self'"]:
        problems.append(f"scripts or defaults not limited to 'self': {csp}")
    expected = {
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
        "X-Frame-Options": "DENY",
        "Strict-Transport-Security": "max-age=31536000; includeSubDomains; preload",
    }
    problems += [f"{name}: {response.get(name)!r}" for name, value in expected.items() if response.get(name) != value]
    cache_control = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    if not {"no-store", "private"} <= cache_control:
        problems.append(f"Cache-Control: {response.get('Cache-Control')!r}")
    return problems


def nonce_of(response) -> str:
    match = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"])
    assert match, response["Content-Security-Policy"]
    assert f'nonce="{match.group(1)}"' in response.content.decode(), "the page's scripts carry the header's nonce"
    return match.group(1)


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_page_of_the_matrix_sends_the_security_headers(world, persona):  # noqa: F811
    statuses, problems = set(), {}
    for name, (kwargs_for, _expected) in sorted(MATRIX.items()):
        client = Client() if persona == "anonymous" else client_for(world["people"][persona])
        response = client.get(reverse(name, kwargs=kwargs_for(world)), secure=True)
        statuses.add(response.status_code)
        if found := header_problems(response):
            problems[f"{name} ({response.status_code})"] = found
    assert problems == {}
    assert 200 in statuses and statuses & {302, 404}, statuses  # the walk met pages, redirects and refusals


def test_an_unknown_address_and_a_refused_method_send_them_too(patient):
    client = client_for(patient)
    for response in (
        client.get("/no-such-page/", secure=True),
        Client().get("/no-such-page/", secure=True),
        client.get(reverse("module_finish", kwargs={"module": "m1"}), secure=True),
    ):
        assert response.status_code in (302, 404, 405)
        assert header_problems(response) == []


def test_every_response_gets_a_fresh_nonce_used_by_its_scripts(patient):
    client = client_for(patient)
    nonces = {nonce_of(client.get(reverse("patient_home"), secure=True)) for _ in range(3)}
    nonces.add(nonce_of(Client().get(reverse("account_login"), secure=True)))
    assert len(nonces) == 4
    assert all(len(nonce) >= 16 for nonce in nonces)


def test_downloads_of_patient_data_are_never_cached(world):  # noqa: F811
    report = client_for(world["people"]["clinic_admin"]).get(
        reverse("report_export_download", args=[world["done_report_export"].code]), secure=True
    )
    mine = client_for(world["people"]["patient"]).get(
        reverse("report_export_download", args=[world["my_data_export"].code]), secure=True
    )
    for response, content in ((report, b"%PDF-1.7"), (mine, b"{}")):
        assert response.status_code == 200
        assert b"".join(response.streaming_content if response.streaming else [response.content]) == content
        assert "attachment" in response["Content-Disposition"]
        assert header_problems(response) == []


def test_plain_http_gets_no_hsts_but_everything_else(patient):
    response = client_for(patient).get(reverse("patient_home"))
    assert "Strict-Transport-Security" not in response
    assert [p for p in header_problems(response) if not p.startswith("Strict-Transport-Security")] == []


def test_sign_in_sets_host_prefixed_secure_http_only_cookies(patient):
    client = Client()
    page = client.get(reverse("account_login"), secure=True)
    csrf = page.cookies["__Host-csrftoken"]
    response = client.post(
        reverse("account_login"),
        {"login": patient.email, "password": PASSWORD, "csrfmiddlewaretoken": csrf.value},
        secure=True,
        headers={"Referer": "https://testserver/accounts/login/"},
    )
    assert response.status_code == 302
    session = response.cookies["__Host-sessionid"]
    for cookie in (csrf, session):
        assert cookie["secure"] is True
        assert cookie["httponly"] is True
        assert cookie["path"] == "/"
        assert cookie["domain"] == ""
        assert cookie["samesite"] == "Lax"
    assert not any(name in response.cookies for name in ("sessionid", "csrftoken", "steady_sessionid"))


def test_htmx_partials_and_form_posts_send_them_too(therapist):
    partial = client_for(therapist).get(reverse("caseload"), {"q": "x"}, headers={"HX-Request": "true"}, secure=True)
    assert partial.status_code == 200 and "<html" not in partial.content.decode()
    refused = Client().post(reverse("account_login"), {"login": "a@example.org", "password": "wrong"}, secure=True)
    assert refused.status_code == 200
    assert header_problems(partial) == [] and header_problems(refused) == []
