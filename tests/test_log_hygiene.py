"""The log hygiene check itself (tests/log_hygiene.py): it is installed, it sees records and it finds leaks."""

import logging
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from tests import log_hygiene
from tests.factories import PASSWORD, UserFactory
from tests.log_hygiene import find_leaks, handler, sentinel


def test_the_handler_is_on_the_root_logger_for_the_whole_run():
    assert handler in logging.getLogger().handlers
    assert handler.level == logging.DEBUG


def test_it_sees_records_of_steadys_loggers_at_debug_level():
    logging.getLogger("outcomes.reports").debug("export %s: checking", 41)
    assert ("outcomes.reports", "export 41: checking") in handler.records


def test_the_factories_make_data_that_carries_the_markers(db):
    user = UserFactory()
    assert "sentinelname" in user.name.lower() and "sentinelmail" in user.email and "sentinelpass" in PASSWORD


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Sign-in failed for Sentinelname Person 3", "name"),
        ("mail to SENTINELMAIL7@example.com bounced", "e-mail address"),
        ("bad password correct horse sentinelpass staple", "password"),
        ("Alert for Margaret Hill", "persona name"),
    ],
)
def test_a_record_with_a_marker_is_reported_by_logger_and_kind(text, kind):
    assert find_leaks([("clinics.services", text)]) == [("clinics.services", kind)]


def test_a_registered_value_is_found_in_a_traceback_whatever_its_case():
    sentinel("My knee hurts at night", "message body")
    records = [("django.request", "Internal Server Error\nValueError: my KNEE hurts at night")]
    assert find_leaks(records) == [("django.request", "message body")]


def test_registered_values_last_one_test_and_short_ones_are_not_kept():
    sentinel("My knee hurts at night", "message body")
    log_hygiene.clear_test_sentinels()  # what the hook does after each test
    assert find_leaks([("x", "My knee hurts at night")]) == []
    sentinel("ok", "exercise answer")
    assert find_leaks([("x", "ok")]) == []


def test_a_run_whose_test_logs_a_sentinel_fails_and_says_where():
    root = Path(__file__).resolve().parents[1]
    example = Path("tests") / "leaky_log_example.py"
    run = subprocess.run(  # noqa: S603 - this interpreter running pytest on a file of ours
        [sys.executable, "-m", "pytest", "-q", "-p", "no:randomly", "-p", "no:cacheprovider", str(example)],
        cwd=root, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert "1 passed" in run.stdout  # the test itself passed...
    assert run.returncode == pytest.ExitCode.TESTS_FAILED  # ...but the run failed
    assert "log hygiene: sentinel values reached the logs" in run.stdout
    assert "::test_that_logs_a_name_and_passes: logger 'clinics.services' logged a name" in run.stdout
    assert "Sentinelname Person 1" not in run.stdout.split("log hygiene:")[1]  # the report names no value


def test_clean_records_and_the_harness_loggers_are_not_reported():
    assert find_leaks([("notifications.services", "Notification 12 (message) failed: SMTPException")]) == []
    before = len(handler.records)
    logging.getLogger("factory.generate").warning("built Sentinelname Person 1")
    assert len(handler.records) == before


def test_a_logger_that_does_not_propagate_is_captured_too():
    logger = logging.getLogger("tests.log_hygiene.quiet")
    logger.propagate = False
    try:
        log_hygiene.attach(["tests.log_hygiene.quiet"])
        logger.warning("heard")
        assert ("tests.log_hygiene.quiet", "heard") in handler.records
    finally:
        logger.removeHandler(handler)


def test_an_exception_is_checked_with_its_traceback():
    try:
        raise RuntimeError("boom for sentinelname")
    except RuntimeError:
        logging.getLogger("reports.jobs").exception("export failed")
    name, text = handler.records[-1]
    assert name == "reports.jobs" and "RuntimeError: boom for sentinelname" in text
    assert find_leaks([handler.records.pop()]) == [("reports.jobs", "name")]  # taken out: this leak is on purpose


def test_a_failed_sign_in_logs_neither_the_address_nor_the_password(db):
    user = UserFactory()
    before = len(handler.records)
    Client().post(reverse("account_login"), {"login": user.email, "password": "wrong sentinelpass words"})
    Client().post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert find_leaks(handler.records[before:]) == []
