"""Not collected on its own (no test_ prefix): tests/test_log_hygiene.py runs it in a child pytest to see
the run fail when a test logs a sentinel value."""

import logging


def test_that_logs_a_name_and_passes():
    logging.getLogger("clinics.services").warning("enrolled Sentinelname Person 1")
