"""Staff reach no staff page and no patient data until they have MFA and have used it this session."""

import uuid
from types import SimpleNamespace

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    SECRET_SESSION_KEY,
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)
from django.test import Client
from django.urls import reverse

from clinics.models import Membership
from tests.factories import PASSWORD, MembershipFactory, UserFactory
from tests.log_hygiene import sentinel
from tests.test_permissions import MATRIX, PERSONAS
from tests.utils import client_for

pytestmark = pytest.mark.django_db

STAFF = {"therapist", "other_therapist", "clinic_admin", "other_clinic_admin", "operator"}
# Every URL some staff persona may open (status 200 or a redirect onward) in the permission matrix,
# minus the public pages that need no sign-in at all.
PUBLIC = {"legal_terms", "legal_privacy", "healthz", "readyz", "invitation_open", "invitation_password",
          "invitation_consent", "account_login", "account_signup", "account_request_login_code",
          "account_reset_password", "account_change_password", "mfa_index", "account_email",
          "usersessions_list", "help"}  # fmt: skip
STAFF_URLS = sorted(
    name
    for name, (_kwargs, expected) in MATRIX.items()
    if name not in PUBLIC and any(expected[p] in (200, 302) for p in STAFF)
)


class _Objects(dict):
    """The matrix's objects for URL arguments: the enrolment and clinic, and any other object as a
    stand-in with a fresh code (the MFA gate answers before the view looks anything up)."""

    def __missing__(self, key):
        return SimpleNamespace(code=uuid.uuid4(), pk=987654)


def url_for(name, enrollment, clinic):
    return reverse(name, kwargs=MATRIX[name][0](_Objects(enrollment=enrollment, clinic=clinic)))


@pytest.fixture
def fresh_staff(clinic):
    """A therapist and an admin who signed in with a password but have no authenticator yet."""
    therapist = MembershipFactory(clinic=clinic, role=Membership.Role.THERAPIST).user
    admin = MembershipFactory(clinic=clinic, role=Membership.Role.ADMIN).user
    operator = UserFactory(is_staff=True, is_superuser=True)
    return [therapist, admin, operator]


def code_for(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, next(iter(yield_hotp_counters_from_time()))))


@pytest.mark.parametrize("name", STAFF_URLS)
def test_staff_without_an_authenticator_are_sent_to_set_one_up(name, fresh_staff, enrollment, clinic):
    url = url_for(name, enrollment, clinic)
    for user in fresh_staff:
        response = client_for(user, mfa=False).get(url)
        assert response.status_code == 302, (name, user)
        assert response["Location"] == reverse("mfa_activate_totp")


@pytest.mark.parametrize("name", STAFF_URLS)
def test_staff_with_an_authenticator_must_use_it_in_this_session(name, therapist, clinic_admin, enrollment, clinic):
    url = url_for(name, enrollment, clinic)
    for user in (therapist, clinic_admin):
        response = client_for(user, mfa=False).get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("mfa_reauthenticate"))


def test_htmx_requests_are_redirected_with_hx_redirect(fresh_staff):
    response = client_for(fresh_staff[0], mfa=False).get(reverse("caseload"), headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == reverse("mfa_activate_totp")


def test_patients_need_no_authenticator(patient):
    assert client_for(patient, mfa=False).get(reverse("patient_home")).status_code == 200


@pytest.mark.django_db(transaction=True)  # allauth sends its signal on commit, inside the request
def test_setting_up_an_authenticator_lets_a_new_therapist_in(fresh_staff, enrollment):
    therapist = fresh_staff[0]
    enrollment.therapist = therapist
    enrollment.save(update_fields=["therapist"])
    client = Client()
    client.post(reverse("account_login"), {"login": therapist.email, "password": PASSWORD})
    assert client.get(reverse("caseload"))["Location"] == reverse("mfa_activate_totp")
    # allauth asks for the password once more before an authenticator can be added.
    assert client.get(reverse("mfa_activate_totp"))["Location"].startswith(reverse("account_reauthenticate"))
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = sentinel(client.session[SECRET_SESSION_KEY], "TOTP secret")
    response = client.post(reverse("mfa_activate_totp"), {"code": code_for(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=therapist, type=Authenticator.Type.TOTP).exists()
    caseload = client.get(reverse("caseload"))
    assert caseload.status_code == 200
    assert enrollment.patient.name in caseload.content.decode()


def test_the_mfa_pages_stay_reachable_so_staff_can_comply(fresh_staff):
    client = client_for(fresh_staff[0], mfa=False)
    assert client.get(reverse("account_reauthenticate")).status_code == 200
    assert client.get(reverse("mfa_index")).status_code == 200
    assert client.get(reverse("legal_privacy")).status_code == 200


def test_every_staff_persona_is_covered():
    assert STAFF <= set(PERSONAS)
    assert "caseload" in STAFF_URLS and "enrollment_detail" in STAFF_URLS and "clinic_detail" in STAFF_URLS
