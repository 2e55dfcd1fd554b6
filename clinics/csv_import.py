"""Reading and checking a CSV file of patients to enrol. Pure: no database reads, no writes.

``parse_csv`` turns the uploaded bytes into rows (or raises ``CsvProblem`` for a problem with the
whole file); ``validate_rows`` checks every row against a ``Lookup`` the caller built with a couple
of queries (clinics.imports), and returns every problem at once, so the admin fixes the file in one go.

Row numbers are the ones a spreadsheet shows: the header is row 1, blank lines count.
Messages never quote the cell's value: row and column are enough to find it, and e-mail addresses
should not be echoed back into pages, logs or stored errors.
"""

import csv
import functools
import io
import re
import zoneinfo
from collections import defaultdict
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from clinics.models import ContactMode

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
NAME_MAX = 70  # first and last name together fit User.name (150)
EMAIL_MAX = 254

# Column key -> the name shown in messages and in the instructions on the page.
COLUMNS = {
    "email": "email",
    "first_name": "first name",
    "last_name": "last name",
    "therapist_email": "therapist email",
    "contact_mode": "contact mode",
    "time_zone": "time zone",
    "language": "language",
}
REQUIRED = ("email", "first_name", "last_name", "therapist_email")
NOT_UTF8 = "The file is not in UTF-8, the text encoding Steady reads. Save the file as 'CSV UTF-8' and upload it again."


def header_key(text: str) -> str:
    """'First Name', 'first_name' and 'FIRST-NAME' all become 'firstname'."""
    return re.sub(r"[\s_\-]+", "", text).lower()


HEADER_KEYS = {header_key(label): key for key, label in COLUMNS.items()}


@dataclass(frozen=True)
class RowError:
    row: int | None  # None: the whole file
    column: str
    message: str

    def as_dict(self) -> dict:
        return asdict(self)


class CsvProblem(Exception):
    """The file as a whole cannot be used; ``errors`` lists details (such as missing columns)."""

    def __init__(self, message: str, errors: list[RowError] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or []


@dataclass(frozen=True)
class ParsedCsv:
    # (spreadsheet row number, {column key: stripped cell text}) for each non-blank data row.
    rows: list[tuple[int, dict[str, str]]]


@dataclass(frozen=True)
class Lookup:
    """What the database says about the file, and the defaults for blank optional cells."""

    existing: dict[str, bool]  # lower-case e-mail with an account -> already enrolled in this cohort
    therapists: dict[str, int]  # lower-case e-mail -> user id, active therapists of the clinic
    default_therapist_id: int | None
    default_contact_mode: str
    default_time_zone: str
    default_language: str


@dataclass(frozen=True)
class CheckedRow:
    row: int
    email: str
    first_name: str
    last_name: str
    therapist_id: int
    contact_mode: str
    time_zone: str
    language: str

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Validation:
    to_enrol: list[CheckedRow] = field(default_factory=list)
    already_enrolled: list[int] = field(default_factory=list)  # row numbers
    errors: list[RowError] = field(default_factory=list)


# --- Reading the file ------------------------------------------------------------------------------


def decode(content: bytes) -> str:
    if not content.strip():
        raise CsvProblem("The file is empty. Add a header row and one row for each patient.")
    try:
        text = content.decode("utf-8-sig")  # Excel's "CSV UTF-8" starts with a byte-order mark
    except UnicodeDecodeError:
        raise CsvProblem(NOT_UTF8) from None
    if "\x00" in text:  # UTF-16 ("Unicode text" in Excel) read as UTF-8; a database refuses it anyway
        raise CsvProblem(NOT_UTF8)
    return text


def detect_delimiter(text: str) -> str:
    """Comma or semicolon, whichever the header line uses more (Excel in many European locales
    saves with semicolons)."""
    header = text.split("\n", 1)[0]
    return ";" if header.count(";") > header.count(",") else ","


def read_header(record: list[str]) -> dict[int, str]:
    """Cell index -> column key, for the columns Steady knows; other columns are ignored."""
    columns: dict[int, str] = {}
    errors = []
    for index, cell in enumerate(record):
        key = HEADER_KEYS.get(header_key(cell))
        if key is None:
            continue
        if key in columns.values():
            errors.append(RowError(1, COLUMNS[key], "This column appears twice. Keep one of them."))
            continue
        columns[index] = key
    for key in REQUIRED:
        if key not in columns.values():
            errors.append(RowError(1, COLUMNS[key], "This column is missing. Add it to the header row."))
    if errors:
        raise CsvProblem("The header row (row 1) needs fixing. Nothing was enrolled.", errors)
    return columns


def parse_csv(content: bytes) -> ParsedCsv:
    text = decode(content)
    # strict: a quote left open would otherwise swallow the rest of the file into one cell.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=detect_delimiter(text), strict=True)
    rows: list[tuple[int, dict[str, str]]] = []
    columns: dict[int, str] | None = None
    try:
        for number, record in enumerate(reader, start=1):
            if columns is None:
                if not any(cell.strip() for cell in record):
                    raise CsvProblem("Row 1 is empty. Put the column names in the first row.")
                columns = read_header(record)
                continue
            if not any(cell.strip() for cell in record):
                continue  # a blank line
            rows.append((number, {key: _cell(record, index) for index, key in columns.items()}))
    except csv.Error:
        raise CsvProblem(
            f"Row {reader.line_num} could not be read as CSV. Save the file as 'CSV UTF-8' and upload it again."
        ) from None
    if not rows:
        raise CsvProblem("The file has a header row but no patients. Add one row for each patient.")
    if len(rows) > MAX_ROWS:
        raise CsvProblem(
            f"The file has {len(rows):,} patients. Upload at most {MAX_ROWS:,} at a time: split the file "
            "into smaller ones."
        )
    return ParsedCsv(rows=rows)


def _cell(record: list[str], index: int) -> str:
    return record[index].strip() if index < len(record) else ""


# --- Checking the rows -----------------------------------------------------------------------------


@functools.cache
def _time_zones() -> dict[str, str]:
    """Accepted spellings -> the zone's name: 'europe/london' and 'america/new york' both work."""
    zones = {}
    for name in zoneinfo.available_timezones():
        zones[name.lower()] = name
        zones[name.lower().replace("_", " ")] = name
    return zones


def _contact_modes() -> dict[str, str]:
    modes = {value: value for value in ContactMode.values}
    modes.update({str(label).lower(): value for value, label in ContactMode.choices})
    return modes


def _languages() -> dict[str, str]:
    languages = {}
    for code, name in settings.LANGUAGES:
        languages[code.lower()] = code
        languages[str(name).lower()] = code
    return languages


def row_emails(parsed: ParsedCsv) -> list[str]:
    """The file's patient e-mail addresses, lower-case, for the caller's one query about accounts."""
    return sorted({cells.get("email", "").lower() for _, cells in parsed.rows} - {""})


def _duplicates(parsed: ParsedCsv) -> dict[int, list[int]]:
    """Row number -> the other rows with the same e-mail address."""
    rows_by_email = defaultdict(list)
    for number, cells in parsed.rows:
        if cells.get("email"):
            rows_by_email[cells["email"].lower()].append(number)
    others = {}
    for numbers in rows_by_email.values():
        if len(numbers) > 1:
            for number in numbers:
                others[number] = [n for n in numbers if n != number]
    return others


def validate_rows(parsed: ParsedCsv, lookup: Lookup) -> Validation:
    result = Validation()
    duplicates = _duplicates(parsed)
    for number, cells in parsed.rows:
        email = cells.get("email", "").lower()
        if number not in duplicates and lookup.existing.get(email) is True:
            result.already_enrolled.append(number)
            continue
        errors, checked = _check_row(number, cells, lookup, duplicates.get(number))
        result.errors.extend(errors)
        if checked is not None:
            result.to_enrol.append(checked)
    return result


def _check_row(number: int, cells: dict[str, str], lookup: Lookup, same_email_rows: list[int] | None):
    problems: list[tuple[str, str]] = []
    email = _check_email(cells.get("email", "").lower(), lookup, same_email_rows, problems)
    first = _check_name(cells.get("first_name", ""), "first_name", problems)
    last = _check_name(cells.get("last_name", ""), "last_name", problems)
    therapist_id = _check_therapist(cells.get("therapist_email", "").lower(), lookup, problems)
    mode = _check_choice(cells.get("contact_mode", ""), _contact_modes(), lookup.default_contact_mode)
    if mode is None:
        problems.append(("contact_mode", "Unknown contact mode. Use async, sync or mixed, or leave it blank."))
    zone = _check_choice(cells.get("time_zone", ""), _time_zones(), lookup.default_time_zone)
    if zone is None:
        problems.append(("time_zone", "Unknown time zone. Use a name like Europe/London, or leave it blank."))
    language = _check_choice(cells.get("language", ""), _languages(), lookup.default_language)
    if language is None:
        codes = ", ".join(code for code, _ in settings.LANGUAGES)
        problems.append(("language", f"Steady does not offer this language. Use {codes}, or leave it blank."))
    errors = [RowError(number, COLUMNS[column], message) for column, message in problems]
    if errors:
        return errors, None
    return [], CheckedRow(number, email, first, last, therapist_id, mode, zone, language)


def _check_email(email: str, lookup: Lookup, same_email_rows, problems) -> str:
    if not email:
        problems.append(("email", "Enter the patient's e-mail address."))
    elif len(email) > EMAIL_MAX:
        problems.append(("email", f"The e-mail address is too long (at most {EMAIL_MAX} characters)."))
    elif not _is_email(email):
        problems.append(("email", "This is not an e-mail address. Check for a missing @ or a space."))
    elif same_email_rows:
        rows = " and ".join(str(n) for n in same_email_rows)
        label = "row" if len(same_email_rows) == 1 else "rows"
        problems.append(("email", f"The same e-mail address is also on {label} {rows}. Keep it once."))
    elif email in lookup.existing:
        problems.append(("email", "This e-mail address already has a Steady account."))
    return email


def _is_email(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


def _check_name(value: str, column: str, problems) -> str:
    value = " ".join(value.split())
    label = COLUMNS[column]
    if not value:
        problems.append((column, f"Enter the patient's {label}."))
    elif len(value) > NAME_MAX:
        problems.append((column, f"The {label} is too long (at most {NAME_MAX} characters)."))
    return value


def _check_therapist(email: str, lookup: Lookup, problems) -> int | None:
    if not email:
        if lookup.default_therapist_id is None:
            problems.append(("therapist_email", "Enter the therapist's e-mail address. This cohort has no default."))
        return lookup.default_therapist_id
    therapist_id = lookup.therapists.get(email)
    if therapist_id is None:
        problems.append(("therapist_email", "This is not the e-mail address of an active therapist of this clinic."))
    return therapist_id


def _check_choice(value: str, accepted: dict[str, str], default: str) -> str | None:
    """The accepted value for the cell, the default for a blank one, None for an unknown one."""
    if not value:
        return default
    return accepted.get(" ".join(value.split()).lower())
