"""Reading and checking an enrolment CSV file (clinics.csv_import): no database involved."""

import pytest

from clinics import csv_import
from clinics.csv_import import CsvProblem, Lookup, parse_csv, validate_rows

HEADER = "email,first name,last name,therapist email,contact mode,time zone,language"


def lookup(**overrides) -> Lookup:
    values = {
        "existing": {},
        "therapists": {"sam@clinic.example": 7},
        "default_therapist_id": None,
        "default_contact_mode": "async",
        "default_time_zone": "Europe/London",
        "default_language": "en",
    }
    values.update(overrides)
    return Lookup(**values)


def check(text: str, encoding="utf-8", **overrides):
    return validate_rows(parse_csv(text.encode(encoding)), lookup(**overrides))


def problems(result) -> list[tuple]:
    return [(error.row, error.column, error.message) for error in result.errors]


# --- Encodings, delimiters, line endings, header spellings -------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        f"{HEADER}\njo@example.com,Jo,Bloggs,sam@clinic.example,mixed,Europe/Paris,en\n".encode(),
        ("\ufeff" + f"{HEADER}\njo@example.com,Jo,Bloggs,sam@clinic.example,mixed,Europe/Paris,en\n").encode(),
        f"{HEADER}\r\njo@example.com,Jo,Bloggs,sam@clinic.example,mixed,Europe/Paris,en\r\n".encode(),
        (HEADER.replace(",", ";") + "\njo@example.com;Jo;Bloggs;sam@clinic.example;mixed;Europe/Paris;en").encode(),
        (
            "\ufeff"
            + HEADER.replace(",", ";")
            + "\r\njo@example.com;Jo;Bloggs;sam@clinic.example;mixed;Europe/Paris;en"
        ).encode(),
    ],
    ids=["utf8-comma", "bom-comma", "crlf", "semicolon", "bom-semicolon-crlf"],
)
def test_it_reads_utf8_with_or_without_bom_comma_or_semicolon_and_crlf(content):
    result = validate_rows(parse_csv(content), lookup())
    assert result.errors == []
    [row] = result.to_enrol
    assert (row.row, row.email, row.name, row.therapist_id) == (2, "jo@example.com", "Jo Bloggs", 7)
    assert (row.contact_mode, row.time_zone, row.language) == ("mixed", "Europe/Paris", "en")


def test_semicolon_files_keep_commas_inside_names():
    text = "email;first name;last name;therapist email\njo@example.com;Jo, Jr;Bloggs;sam@clinic.example\n"
    [row] = check(text).to_enrol
    assert row.first_name == "Jo, Jr"


def test_it_reads_accented_names_in_utf8():
    [row] = check(f"{HEADER}\nzoe@example.com,Zoë,Nuñez-Łukasz,sam@clinic.example,,,\n").to_enrol
    assert row.name == "Zoë Nuñez-Łukasz"


def test_latin1_bytes_get_the_save_as_csv_utf8_message():
    content = f"{HEADER}\nzoe@example.com,Zoë,Brontë,sam@clinic.example,,,\n".encode("latin-1")
    with pytest.raises(CsvProblem) as problem:
        parse_csv(content)
    assert "Save the file as 'CSV UTF-8' and upload it again" in problem.value.message


@pytest.mark.parametrize(
    "header",
    [
        "Email,First Name,Last Name,Therapist Email",
        "EMAIL,FIRST_NAME,LAST_NAME,THERAPIST_EMAIL",
        "e-mail, first-name , last name,therapist e-mail",
        "Therapist_Email,Last-Name,First name,E-Mail",
    ],
)
def test_header_names_ignore_case_spaces_underscores_and_hyphens_and_any_order(header):
    columns = [csv_import.HEADER_KEYS[csv_import.header_key(cell)] for cell in header.split(",")]
    values = {
        "email": "jo@example.com",
        "first_name": "Jo",
        "last_name": "Bloggs",
        "therapist_email": "sam@clinic.example",
    }
    line = ",".join(values[column] for column in columns)
    [row] = check(f"{header}\n{line}\n").to_enrol
    assert (row.email, row.first_name, row.last_name) == ("jo@example.com", "Jo", "Bloggs")


def test_blank_lines_are_skipped_and_row_numbers_match_the_spreadsheet():
    lines = [HEADER, "", "jo@example.com,Jo,Bloggs,sam@clinic.example,,,", ",,,,,,", ""]
    text = "\n".join([*lines, "al@example.com,,Smith,sam@clinic.example,,,", "", ""])
    result = check(text)
    assert [row.row for row in result.to_enrol] == [3]
    assert problems(result) == [(6, "first name", "Enter the patient's first name.")]


def test_blank_optional_cells_and_missing_optional_columns_take_the_defaults():
    text = "email,first name,last name,therapist email\njo@example.com,Jo,Bloggs,\n"
    [row] = check(text, default_therapist_id=7, default_contact_mode="sync", default_language="en").to_enrol
    assert (row.therapist_id, row.contact_mode, row.time_zone, row.language) == (7, "sync", "Europe/London", "en")


def test_contact_modes_accept_codes_and_labels_in_any_case():
    rows = [
        f"p{number}@example.com,P,Q,sam@clinic.example,{mode},,"
        for number, mode in enumerate(["ASYNC", "Sync", "mixed", "Messages only", "booked check-ins"])
    ]
    result = check("\n".join([HEADER, *rows]))
    assert [row.contact_mode for row in result.to_enrol] == ["async", "sync", "mixed", "async", "sync"]


def test_time_zones_accept_any_case_and_spaces_for_underscores():
    result = check(f"{HEADER}\na@example.com,A,B,sam@clinic.example,,america/new york,\n")
    assert result.to_enrol[0].time_zone == "America/New_York"


# --- Problems with the whole file ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty."),
        (b"\n\n  \n", "The file is empty."),
        (f"{HEADER}\n".encode(), "The file has a header row but no patients."),
        (f"{HEADER}\n\n,,,\n".encode(), "The file has a header row but no patients."),
        (b"\n" + HEADER.encode() + b"\njo@example.com,Jo,Bloggs,sam@clinic.example", "Row 1 is empty."),
        (b"email,first name\x00,x\n", "Save the file as 'CSV UTF-8'"),
        (b'email,first name,last name,therapist email\njo@example.com,"Jo,Bloggs,x\n', "Row 2 could not"),
        (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00\xb1\xd5", "Save the file as 'CSV UTF-8'"),
    ],
    ids=[
        "empty",
        "whitespace",
        "header-only",
        "header-and-blank-rows",
        "blank-first-row",
        "nul-byte",
        "open-quote",
        "xlsx",
    ],
)
def test_file_level_problems_have_a_clear_message(content, message):
    with pytest.raises(CsvProblem) as problem:
        parse_csv(content)
    assert message in problem.value.message


def test_missing_and_doubled_columns_are_listed_on_row_1():
    with pytest.raises(CsvProblem) as problem:
        parse_csv(b"Email,E-mail,last name,notes\njo@example.com,jo@example.com,Bloggs,x\n")
    assert [(e.row, e.column, e.message) for e in problem.value.errors] == [
        (1, "email", "This column appears twice. Keep one of them."),
        (1, "first name", "This column is missing. Add it to the header row."),
        (1, "therapist email", "This column is missing. Add it to the header row."),
    ]


def test_more_than_5000_patients_is_refused():
    rows = "".join(f"p{n}@example.com,P,Q,sam@clinic.example\n" for n in range(5001))
    with pytest.raises(CsvProblem) as problem:
        parse_csv(f"email,first name,last name,therapist email\n{rows}".encode())
    assert "5,001 patients" in problem.value.message
    assert "at most 5,000" in problem.value.message


def test_5000_patients_are_all_checked():
    rows = "".join(f"p{n}@example.com,P,Q{n},sam@clinic.example,,,\n" for n in range(5000))
    result = check(f"{HEADER}\n{rows}")
    assert result.errors == []
    assert len(result.to_enrol) == 5000
    assert result.to_enrol[-1].row == 5001


# --- Problems with rows: every one is listed, by row and column --------------------------------------


def test_every_kind_of_bad_row_is_listed_with_its_row_and_column():
    long_name = "A" * 71
    lines = [
        HEADER,
        "not-an-email,Jo,Bloggs,sam@clinic.example,,,",  # 2
        ",Jo,Bloggs,sam@clinic.example,,,",  # 3
        "twice@example.com,Al,One,sam@clinic.example,,,",  # 4
        "TWICE@example.com,Al,Two,sam@clinic.example,,,",  # 5
        "taken@example.com,Bo,Taken,sam@clinic.example,,,",  # 6
        f"long@example.com,{long_name},,sam@clinic.example,,,",  # 7
        "who@example.com,Cy,Who,nobody@clinic.example,,,",  # 8
        "mode@example.com,Di,Mode,sam@clinic.example,weekly,,",  # 9
        "zone@example.com,Ed,Zone,sam@clinic.example,,Mars/Olympus,",  # 10
        "lang@example.com,Fi,Lang,sam@clinic.example,,,xx",  # 11
        "blank@example.com,Gu,Blank,,,,",  # 12: no therapist and no default
        f"{'a' * 250}@example.com,Hu,Long,sam@clinic.example,,,",  # 13
        "fine@example.com,Ok,Fine,sam@clinic.example,,,",  # 14
    ]
    result = check("\n".join(lines), existing={"taken@example.com": False})
    assert problems(result) == [
        (2, "email", "This is not an e-mail address. Check for a missing @ or a space."),
        (3, "email", "Enter the patient's e-mail address."),
        (4, "email", "The same e-mail address is also on row 5. Keep it once."),
        (5, "email", "The same e-mail address is also on row 4. Keep it once."),
        (6, "email", "This e-mail address already has a Steady account."),
        (7, "first name", "The first name is too long (at most 70 characters)."),
        (7, "last name", "Enter the patient's last name."),
        (8, "therapist email", "This is not the e-mail address of an active therapist of this clinic."),
        (9, "contact mode", "Unknown contact mode. Use async, sync or mixed, or leave it blank."),
        (10, "time zone", "Unknown time zone. Use a name like Europe/London, or leave it blank."),
        (11, "language", "Steady does not offer this language. Use en, or leave it blank."),
        (12, "therapist email", "Enter the therapist's e-mail address. This cohort has no default."),
        (13, "email", "The e-mail address is too long (at most 254 characters)."),
    ]
    assert [row.row for row in result.to_enrol] == [14]


def test_an_address_on_three_rows_names_the_other_two():
    lines = [HEADER] + ["same@example.com,A,B,sam@clinic.example,,,"] * 3
    assert problems(check("\n".join(lines)))[0] == (
        2,
        "email",
        "The same e-mail address is also on rows 3 and 4. Keep it once.",
    )


def test_rows_already_in_this_cohort_are_skipped_not_errors():
    text = f"{HEADER}\nin@example.com,In,Cohort,,,,\nnew@example.com,New,One,sam@clinic.example,,,\n"
    result = check(text, existing={"in@example.com": True})
    assert result.errors == []
    assert result.already_enrolled == [2]
    assert [row.email for row in result.to_enrol] == ["new@example.com"]


def test_messages_never_quote_the_cell():
    result = check(f"{HEADER}\nsecret-person-at-example.com,Jo,Bloggs,nobody@clinic.example,,,\n")
    assert result.errors
    assert all("secret-person" not in error.message and "nobody@" not in error.message for error in result.errors)
