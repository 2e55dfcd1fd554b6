"""Personas (STYLE.md) and the switch that turns skipped service tests into failures in CI."""

import logging
import os

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.core.cache import cache

from clinics.models import Membership
from tests.factories import ClinicFactory, CohortFactory, EnrollmentFactory, MembershipFactory, UserFactory
from tests.utils import client_for

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
# The fault tests start and kill real processes (minutes); `make chaos` runs them with STEADY_CHAOS=1.
collect_ignore_glob = [] if os.environ.get("STEADY_CHAOS") == "1" else ["chaos"]
# Playwright's sync API keeps an event loop in the test thread; the ORM calls made by browser tests
# and the live server are still synchronous and safe (stack-notes.md, section 4).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def missing_service(reason: str):
    """A test that needs a service it cannot have: a failure in CI (REQUIRE_SERVICES=1), else a skip."""
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _required_services(request):
    if request.node.get_closest_marker("postgres") and "postgresql" not in settings.DATABASES["default"]["ENGINE"]:
        missing_service("this test needs PostgreSQL (set DATABASE_URL)")
    if request.node.get_closest_marker("redis") and not settings.REDIS_URL:
        missing_service("this test needs Redis (set REDIS_URL)")
    if request.node.get_closest_marker("browser") and not os.path.exists("/usr/bin/chromium"):
        missing_service("this test needs Chromium at /usr/bin/chromium (apt-get install chromium)")


@pytest.fixture(autouse=True)
def _clear_cache():
    # allauth's rate limits live in the cache: every test starts with none used.
    cache.clear()
    yield
    cache.clear()


def with_totp(user):
    from tests.log_hygiene import sentinel

    TOTP.activate(user, sentinel(generate_totp_secret(), "TOTP secret"))
    return user


@pytest.fixture
def clinic(db):
    return ClinicFactory(name="Northside Pain Service", slug="northside")


@pytest.fixture
def other_clinic(db):
    return ClinicFactory(name="Lakeside Pain Clinic", slug="lakeside")


@pytest.fixture
def cohort(clinic):
    return CohortFactory(clinic=clinic, name="Autumn group")


@pytest.fixture
def other_cohort(other_clinic):
    return CohortFactory(clinic=other_clinic, name="Lakeside group")


@pytest.fixture
def therapist(clinic):
    return with_totp(MembershipFactory(clinic=clinic, role=Membership.Role.THERAPIST, user__name="Sam Okafor").user)


@pytest.fixture
def other_therapist(clinic):
    return with_totp(MembershipFactory(clinic=clinic, role=Membership.Role.THERAPIST, user__name="Alex Morgan").user)


@pytest.fixture
def clinic_admin(clinic):
    return with_totp(MembershipFactory(clinic=clinic, role=Membership.Role.ADMIN, user__name="Priya Shah").user)


@pytest.fixture
def other_clinic_admin(other_clinic):
    return with_totp(MembershipFactory(clinic=other_clinic, role=Membership.Role.ADMIN, user__name="Erik Lind").user)


@pytest.fixture
def other_clinic_therapist(other_clinic):
    return with_totp(
        MembershipFactory(clinic=other_clinic, role=Membership.Role.THERAPIST, user__name="Anna Berg").user
    )


@pytest.fixture
def enrollment(cohort, therapist):
    return EnrollmentFactory(cohort=cohort, therapist=therapist, patient__name="Margaret Hill")


@pytest.fixture
def patient(enrollment):
    return enrollment.patient


@pytest.fixture
def same_clinic_enrollment(cohort, other_therapist):
    """Another patient of the same clinic, assigned to another therapist."""
    return EnrollmentFactory(cohort=cohort, therapist=other_therapist, patient__name="David Evans")


@pytest.fixture
def other_patient(same_clinic_enrollment):
    return same_clinic_enrollment.patient


@pytest.fixture
def other_clinic_enrollment(other_cohort, other_clinic_therapist):
    return EnrollmentFactory(cohort=other_cohort, therapist=other_clinic_therapist, patient__name="Ingrid Holm")


@pytest.fixture
def operator(db):
    return with_totp(UserFactory(is_staff=True, is_superuser=True, name="Olive Operator"))


@pytest.fixture
def login():
    """``login(user)`` gives a test client signed in as ``user`` (staff with MFA passed)."""
    return client_for


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, started once per browser-test module (and stopped after it, so no event
    loop is left running in the test thread for the tests that follow)."""
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM_ARGS

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


# --- issue 7: log hygiene (tests/log_hygiene.py) ---
_log_leaks: list[tuple[str, str, str]] = []
_known_loggers = [0]


def pytest_sessionstart(session):
    from tests import log_hygiene

    for name in log_hygiene.STEADY_LOGGERS:  # Steady's own loggers at DEBUG; the rest at their configured level
        logging.getLogger(name).setLevel(logging.DEBUG)
    log_hygiene.attach()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    from tests import log_hygiene

    if len(logging.root.manager.loggerDict) != _known_loggers[0]:  # a logger that does not propagate
        log_hygiene.attach()
        _known_loggers[0] = len(logging.root.manager.loggerDict)
    try:
        return (yield)
    finally:
        _log_leaks.extend((item.nodeid, *leak) for leak in log_hygiene.find_leaks(log_hygiene.handler.take()))
        log_hygiene.clear_test_sentinels()


def pytest_sessionfinish(session, exitstatus):
    from tests import log_hygiene

    _log_leaks.extend(("(outside a test)", *leak) for leak in log_hygiene.find_leaks(log_hygiene.handler.take()))
    log_hygiene.detach()
    if _log_leaks:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        lines = [f"{nodeid}: logger {name!r} logged a {kind}" for nodeid, name, kind in dict.fromkeys(_log_leaks)]
        if reporter:
            reporter.write_sep("=", "log hygiene: sentinel values reached the logs", red=True)
            for line in lines:
                reporter.write_line(line)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


# --- issue 7: Hypothesis profiles (tests/security/test_fuzz_*.py) ---
from hypothesis import HealthCheck  # noqa: E402
from hypothesis import settings as hypothesis_settings  # noqa: E402

hypothesis_settings.register_profile(
    "ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
hypothesis_settings.register_profile(
    "dev", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "dev")
