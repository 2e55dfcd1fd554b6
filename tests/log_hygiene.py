"""Log hygiene (issue 7): the suite runs with sentinel values and no log record may contain one.

Test data carries recognisable markers (the factories' names, e-mails and password) and tests register
the specific values they type in (message bodies, answers, diary notes, TOTP secrets) with
``sentinel(text)``. A handler on the root logger keeps every record of the run; after each test its
records are searched for the markers and that test's sentinels, and ``pytest_sessionfinish`` fails the
run if any matched (tests/conftest.py wires this up).
"""

import logging

# Markers the factories put into every name, e-mail address and password they make.
MARKERS = {
    "sentinelname": "name",
    "sentinelmail": "e-mail address",
    "sentinelpass": "password",
}
# The personas' names (tests/conftest.py): real-looking names must not reach the logs either.
PERSONA_NAMES = (
    "Margaret Hill", "David Evans", "Ingrid Holm", "Sam Okafor", "Alex Morgan", "Priya Shah", "Erik Lind",
    "Anna Berg", "Olive Operator",
)  # fmt: skip
# Steady's own loggers are captured from DEBUG up; the rest at the level production configures.
STEADY_LOGGERS = (
    "accounts", "clinics", "modules", "outcomes", "guidance", "reports", "notifications", "config", "demo",
)  # fmt: skip
# Loggers of the test harness itself, not of Steady: factory_boy logs the values it builds from.
HARNESS_LOGGERS = ("factory", "faker")
# Shortest value worth registering: a 2-character answer would match unrelated log text.
MIN_LENGTH = 4

_global = {**MARKERS, **{name.lower(): "persona name" for name in PERSONA_NAMES}}
_per_test: dict[str, str] = {}


def sentinel(text, kind="value"):
    """Register ``text`` (a value a test sends in) as one that must never be logged; returns it."""
    value = str(text).strip().lower()
    if len(value) >= MIN_LENGTH:
        _per_test[value] = kind
    return text


def clear_test_sentinels():
    _per_test.clear()


class CapturingHandler(logging.Handler):
    """Keeps each record's fully formatted text (message plus traceback) and its logger name."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.records: list[tuple[str, str]] = []

    def emit(self, record):
        if record.name.startswith(HARNESS_LOGGERS):
            return
        try:
            text = record.getMessage()
        except Exception:  # noqa: BLE001 - a broken format string still gets checked by its parts
            text = f"{record.msg} {record.args}"
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            text = f"{text}\n{record.exc_text}"
        if record.stack_info:
            text = f"{text}\n{record.stack_info}"
        self.records.append((record.name, text))

    def take(self):
        records, self.records = self.records, []
        return records


def find_leaks(records, sentinels=None):
    """``[(logger name, kind of sentinel)]`` for every record containing a sentinel (case-insensitive)."""
    sentinels = {**_global, **_per_test} if sentinels is None else sentinels
    leaks = []
    for name, text in records:
        lowered = text.lower()
        leaks.extend((name, kind) for value, kind in sentinels.items() if value in lowered)
    return leaks


handler = CapturingHandler()


def attach(logger_names=None):
    """Put the handler on the root logger and on every logger that does not propagate to it."""
    root = logging.getLogger()
    if handler not in root.handlers:
        root.addHandler(handler)
    for name in logger_names if logger_names is not None else list(logging.root.manager.loggerDict):
        logger = logging.root.manager.loggerDict.get(name)
        if isinstance(logger, logging.Logger) and not logger.propagate and handler not in logger.handlers:
            logger.addHandler(handler)


def detach():
    for logger in [logging.getLogger(), *logging.root.manager.loggerDict.values()]:
        if isinstance(logger, logging.Logger) and handler in logger.handlers:
            logger.removeHandler(handler)
