"""What the research export holds: every file and column, and the data dictionary written from them.

The CSV headers are taken from these specs (reports.research), so the dictionary cannot fall out of
step with the files it describes.
"""

from dataclasses import dataclass

PARTICIPANT = ("participant", "The participant's pseudonym (see Pseudonyms). The same in every file of this export.")
THERAPIST = "therapist"
THERAPIST_MEANING = "The therapist's pseudonym, made with the same key as the participants' (no staff names)."


@dataclass(frozen=True)
class Column:
    name: str
    meaning: str


@dataclass(frozen=True)
class FileSpec:
    name: str
    meaning: str
    columns: tuple[Column, ...] = ()

    @property
    def header(self) -> list[str]:
        return [column.name for column in self.columns]


def _columns(*pairs: tuple[str, str]) -> tuple[Column, ...]:
    return tuple(Column(name, meaning) for name, meaning in pairs)


IDENTIFIER_COLUMNS = _columns(
    ("name", "The participant's name. Empty for an erased participant."),
    ("email", "The participant's e-mail address. Empty for an erased participant."),
)

PARTICIPANTS = FileSpec(
    "participants.csv",
    "One row per participant (enrolment).",
    _columns(
        PARTICIPANT,
        ("cohort", "The name of the cohort the participant joined."),
        ("programme", "The programme's short name (slug)."),
        ("programme_version", "The programme's version number."),
        ("contact_mode", "Contact with the therapist: async (messages only), sync (booked check-ins) or mixed."),
        ("status", "invited (has not set up an account), active, paused or completed."),
        ("erased", "1 if the participant asked to be erased: only numbers remain, no identifiers or free text."),
        (THERAPIST, "The assigned therapist's pseudonym. Empty if none is assigned."),
        ("cohort_start_day", "The day the cohort started, counted from the participant's own start (day 0)."),
        ("enrolled_day", "The day the clinic enrolled the participant (usually before day 0)."),
        ("activated_day", "The day the participant set up their account. Empty if they never did."),
    ),
)

ASSESSMENTS = FileSpec(
    "assessments.csv",
    "One row per questionnaire that was opened to the participant (scheduled ones not yet open are left out).",
    _columns(
        (
            "response_id",
            "A pseudonymous id of this questionnaire; the id of its QuestionnaireResponse in fhir_bundle.json.",
        ),
        PARTICIPANT,
        ("instrument", "The instrument's key, for example phq9, gad7, peg3."),
        ("instrument_version", "The version of the instrument's wording and scoring."),
        ("occasion", "When in the programme it was asked, for example baseline, week-3, post."),
        ("occasion_kind", "baseline, weekly, midpoint, post, followup_3m, followup_6m or followup_12m."),
        ("status", "completed, open (not answered yet) or expired (not answered in time)."),
        ("opened_day", "The day it was opened to the participant."),
        ("submitted_day", "The day it was answered. Empty unless completed."),
        ("total", "The total score, by the instrument's scoring rule. Empty unless completed."),
        ("band", "The severity band of the total, where the instrument has bands."),
    ),
)

ASSESSMENT_ITEMS = FileSpec(
    "assessment_items.csv",
    "The answers to completed questionnaires, one row per answered item (long format).",
    _columns(
        ("response_id", "The questionnaire this answer belongs to (see assessments.csv)."),
        PARTICIPANT,
        ("instrument", "The instrument's key."),
        ("item", "The item's key, for example phq9_9."),
        ("value", "The answer as a number (the option's value)."),
    ),
)

MODULES = FileSpec(
    "modules.csv",
    "One row per module in the participant's plan.",
    _columns(
        PARTICIPANT,
        ("module", "The module's short name (slug)."),
        ("position", "The module's place in the participant's plan (1 = first)."),
        ("optional", "1 if the module is optional (added by the therapist), else 0."),
        ("unlock_day", "The day the module was planned to open."),
        ("unlocked_day", "The day it opened. Empty if not yet."),
        ("started_day", "The day the participant first opened it. Empty if never."),
        ("completed_day", "The day the participant finished it. Empty if not finished."),
        ("feedback_day", "The day the therapist gave feedback on it. Empty if none."),
        ("skipped", "1 if the therapist skipped the module for this participant, else 0."),
    ),
)

DIARY = FileSpec(
    "diary.csv",
    "One row per pain diary entry. Notes are never here: they are in free_text.csv when free text is included.",
    _columns(
        PARTICIPANT,
        ("day", "The day the entry is for."),
        ("pain", "Pain, 0 (no pain) to 10 (worst imaginable)."),
        ("activity_minutes", "Minutes of activity that day."),
        ("mood", "Mood, 0 (very low) to 10 (very good)."),
        ("sleep", "Sleep, 1 (very poor) to 5 (very good)."),
    ),
)

TIME = FileSpec(
    "time.csv",
    "Therapist time spent on the participant (the time ledger), one row per entry.",
    _columns(
        PARTICIPANT,
        (THERAPIST, THERAPIST_MEANING),
        ("activity", "message, feedback, checkin, phone, review or other."),
        ("minutes", "Minutes spent."),
        ("day", "The day the time was spent."),
    ),
)

CHECKINS = FileSpec(
    "checkins.csv",
    "Booked video or phone check-ins, one row per booking.",
    _columns(
        PARTICIPANT,
        (THERAPIST, THERAPIST_MEANING),
        ("day", "The day of the check-in."),
        ("mode", "video or phone."),
        ("status", "booked, held, no_show or cancelled."),
        ("minutes", "Minutes recorded by the therapist for a held check-in."),
    ),
)

FREE_TEXT = FileSpec(
    "free_text.csv",
    "What people wrote, exactly as written: it may name people or places. Only in exports made with "
    "free text included; never for erased participants.",
    _columns(
        PARTICIPANT,
        (
            "source",
            "message_from_patient, message_from_staff, feedback (the therapist's written feedback), "
            "exercise or diary_note.",
        ),
        ("item", "For an exercise: module/exercise:field. Empty otherwise."),
        ("day", "The day it was written (for a diary note: the day the entry is for)."),
        ("text", "The text."),
    ),
)

FHIR_BUNDLE = FileSpec(
    "fhir_bundle.json",
    "The completed questionnaires as a FHIR R4 Bundle (type collection): one Questionnaire per instrument "
    "version and one QuestionnaireResponse per completed questionnaire. Its subject.identifier.value is the "
    "participant's pseudonym and its id is response_id. Instead of the authored date-time, each response "
    "carries an extension .../StructureDefinition/day with the day it was answered.",
)

FILES = [PARTICIPANTS, ASSESSMENTS, ASSESSMENT_ITEMS, MODULES, DIARY, TIME, CHECKINS, FREE_TEXT, FHIR_BUNDLE]


def data_dictionary(*, project: str, options: list[tuple[str, str]], files: list[tuple[FileSpec, int | None]]) -> str:
    """The dictionary as Markdown: the options chosen, the rules, then each file with its columns."""
    lines = [f"# Steady research export: {project}", "", "## Options chosen", ""]
    lines += [f"- {label}: {value}" for label, value in options]
    lines += ["", *RULES, "", "## Files", ""]
    for spec, rows in files:
        count = f" ({rows} rows)" if rows is not None else ""
        lines += [f"### {spec.name}{count}", "", spec.meaning, ""]
        if spec.columns:
            lines += ["| column | meaning |", "| --- | --- |"]
            lines += [f"| {column.name} | {column.meaning} |" for column in spec.columns]
            lines.append("")
    return "\n".join(lines)


RULES = [
    "## Pseudonyms",
    "",
    "Each participant is named by a pseudonym: the HMAC-SHA256 of their enrolment's internal code, keyed with "
    "this project's secret key, as 64 hexadecimal characters. Therapists are pseudonymised with the same key. "
    "The key stays with the clinic and is not in this export, so the pseudonyms cannot be linked back to people "
    "without it. The same person has the same pseudonym in every export of this project, and a different one "
    "in every other project.",
    "",
    "## Days instead of dates",
    "",
    "There are no dates in this export. Every time is a day number counted from the participant's own start "
    "date (day 0 = the day their programme started; day -3 = three days before). Times are turned into days in "
    "the participant's time zone.",
    "",
    "## Who is included",
    "",
    "Every enrolment of the clinic (within the cohort and programme chosen) except withdrawn ones: a "
    "participant who withdrew is not exported for research, in any file. Participants who were erased are "
    "included with their numbers only: no name, e-mail address or free text, whatever the options.",
    "",
    "## CSV files",
    "",
    "UTF-8 without a byte-order mark, comma-separated, with a header row. An empty cell means no value. "
    "Text cells that begin with =, +, -, @, a tab or a carriage return start with an added apostrophe (') so "
    "that spreadsheet programs do not run them as formulas; remove it before analysing the text. Numbers are "
    "never changed. There are no enrolment codes, no staff names and no clinic-internal ids.",
]
