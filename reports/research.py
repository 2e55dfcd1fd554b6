"""Building the pseudonymised research export: a ZIP of CSV files, a data dictionary and a FHIR Bundle.

What goes in (reports.research_dictionary describes every file and column to the researcher):
- participants are named only by an HMAC-SHA256 of their enrolment code under the project's key
  (``outcomes.fhir.pseudonym``, so the FHIR Bundle's subjects are the same pseudonyms); therapists
  by an HMAC of their user id under the same key. The key is never written into the export;
- no dates: every time becomes a day number from the enrolment's start date, in the patient's zone;
- names and e-mail addresses, and free text, only when the request included them (with a reason,
  reports.research_services); never for an erased enrolment, which contributes numbers only;
- withdrawn enrolments are left out everywhere, as the FHIR export leaves them out;
- every text cell is neutralised against CSV formula injection (OWASP: prefix with ').

Each table is read with one ``values_list`` query, streamed through ``iterator()`` straight into its
ZIP member, so the work is a fixed number of queries whatever the number of patients.
"""

import csv
import datetime
import io
import json
import re
import tempfile
import zipfile
import zoneinfo
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import slugify
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from clinics.models import Clinic, Cohort, Enrollment
from guidance.models import CheckIn, Message, TimeEntry
from modules.models import DiaryEntry, ExerciseResponse, PlannedModule, Program
from outcomes import fhir
from outcomes.instruments import REGISTRY, get_instrument
from outcomes.models import Assessment
from reports import research_dictionary as spec
from reports.jobs import Rendered
from reports.models import Export, ResearchProject
from reports.research_services import ResearchOptions

CHUNK = 2000
SPOOL_BYTES = 32 * 1024 * 1024
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def safe_cell(value):
    """A CSV cell a spreadsheet will not run as a formula. Numbers are left as they are."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@cache
def _zone(name: str) -> zoneinfo.ZoneInfo | None:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


@dataclass(frozen=True, slots=True)
class Participant:
    pseudonym: str
    start: datetime.date
    zone: zoneinfo.ZoneInfo
    patient_id: int
    erased: bool

    def day(self, value: datetime.date | datetime.datetime | None) -> int | None:
        """Days from the enrolment's start (day 0) to ``value``, a date or a moment in time."""
        if value is None:
            return None
        if isinstance(value, datetime.datetime):
            value = value.astimezone(self.zone).date()
        return (value - self.start).days


class ResearchBuild:
    """One export being written: the participants, the key, and the ZIP members written so far."""

    def __init__(self, *, clinic: Clinic, project: ResearchProject, options: ResearchOptions):
        self.clinic = clinic
        self.project = project
        self.options = options
        self.key = bytes.fromhex(project.key)
        self.participants: dict[int, Participant] = {}
        self.written: list[tuple[spec.FileSpec, int | None]] = []
        self._staff: dict[int, str] = {}

    def enrollments(self) -> QuerySet[Enrollment]:
        enrollments = Enrollment.objects.filter(clinic=self.clinic).exclude(status=Enrollment.Status.WITHDRAWN)
        if self.options.cohort is not None:
            enrollments = enrollments.filter(cohort_id=self.options.cohort)
        if self.options.program is not None:
            enrollments = enrollments.filter(program_id=self.options.program)
        return enrollments

    def ids(self) -> QuerySet:
        """The exported enrolments as a subquery, so each table is one query whatever their number."""
        return self.enrollments().values("pk")

    def pseudonym(self, code) -> str:
        return fhir.pseudonym(str(code), self.key)

    def staff(self, user_id: int | None) -> str:
        if user_id is None:
            return ""
        if user_id not in self._staff:
            self._staff[user_id] = fhir.pseudonym(f"staff:{user_id}", self.key)
        return self._staff[user_id]

    def rows_for(self, rows: Iterable[tuple]) -> Iterator[tuple[Participant, tuple]]:
        """(participant, rest of the row) for rows whose first value is an exported enrolment's id."""
        for enrollment_id, *rest in rows:
            participant = self.participants.get(enrollment_id)
            if participant is not None:
                yield participant, rest

    # --- writing ----------------------------------------------------------------------------------

    def write_csv(self, archive: zipfile.ZipFile, file: spec.FileSpec, rows: Iterable) -> None:
        count = 0
        with archive.open(file.name, "w", force_zip64=True) as raw:
            with io.TextIOWrapper(raw, encoding="utf-8", newline="") as text:
                writer = csv.writer(text)
                writer.writerow(file.header)
                for row in rows:
                    writer.writerow([safe_cell(value) for value in row])
                    count += 1
        self.written.append((file, count))

    def build(self, archive: zipfile.ZipFile) -> None:
        participants = self.participants_file()
        self.write_csv(archive, participants, self.participant_rows())
        self.write_csv(archive, spec.ASSESSMENTS, self.assessment_rows())
        self.write_csv(archive, spec.ASSESSMENT_ITEMS, self.item_rows())
        self.write_csv(archive, spec.MODULES, self.module_rows())
        self.write_csv(archive, spec.DIARY, self.diary_rows())
        self.write_csv(archive, spec.TIME, self.time_rows())
        self.write_csv(archive, spec.CHECKINS, self.checkin_rows())
        if self.options.free_text:
            self.write_csv(archive, spec.FREE_TEXT, self.free_text_rows())
        self.write_fhir(archive)
        archive.writestr("data_dictionary.md", self.dictionary().encode("utf-8"))

    # --- participants -----------------------------------------------------------------------------

    def participants_file(self) -> spec.FileSpec:
        if not self.options.identifiers:
            return spec.PARTICIPANTS
        return spec.FileSpec(
            spec.PARTICIPANTS.name, spec.PARTICIPANTS.meaning, spec.PARTICIPANTS.columns + spec.IDENTIFIER_COLUMNS
        )

    def participant_rows(self) -> Iterator[tuple]:
        fields = [
            "pk", "code", "start_date", "patient_id", "patient__time_zone", "erased_at", "cohort__name",
            "program__slug", "program__version", "contact_mode", "status", "therapist_id", "cohort__start_date",
            "created_at", "activated_at",
        ]  # fmt: skip
        if self.options.identifiers:
            fields += ["patient__name", "patient__email"]
        clinic_zone = _zone(self.clinic.time_zone) or datetime.UTC
        rows = self.enrollments().order_by("pk").values_list(*fields)
        for pk, code, start, patient_id, zone_name, erased_at, *rest in rows.iterator(chunk_size=CHUNK):
            participant = Participant(
                pseudonym=self.pseudonym(code),
                start=start,
                zone=_zone(zone_name) or clinic_zone,
                patient_id=patient_id,
                erased=erased_at is not None,
            )
            self.participants[pk] = participant
            cohort, programme, version, mode, status, therapist_id, cohort_start, created, activated, *who = rest
            row = (
                participant.pseudonym, cohort, programme, version, mode, status, participant.erased,
                self.staff(therapist_id), participant.day(cohort_start), participant.day(created),
                participant.day(activated),
            )  # fmt: skip
            if self.options.identifiers:
                row += ("", "") if participant.erased else tuple(who)
            yield row

    # --- outcomes ---------------------------------------------------------------------------------

    def assessments(self) -> QuerySet[Assessment]:
        return Assessment.objects.filter(enrollment__in=self.ids()).order_by("enrollment_id", "opens_at", "pk")

    def assessment_rows(self) -> Iterator[tuple]:
        rows = self.assessments().exclude(status=Assessment.Status.SCHEDULED)
        rows = rows.values_list(
            "enrollment_id", "code", "instrument_key", "instrument_version", "occasion", "occasion_kind", "status",
            "opens_at", "submitted_at", "total", "band",
        )  # fmt: skip
        for p, (code, key, version, occasion, kind, status, opens_at, submitted_at, total, band) in self.rows_for(
            rows.iterator(chunk_size=CHUNK)
        ):
            completed = status == Assessment.Status.COMPLETED
            yield (
                self.response_id(code), p.pseudonym, key, version, occasion, kind, status, p.day(opens_at),
                p.day(submitted_at) if completed else None, total if completed else None, band if completed else "",
            )  # fmt: skip

    def response_id(self, code) -> str:
        # The id outcomes.fhir gives the assessment's QuestionnaireResponse, so the two files join.
        return fhir.pseudonym(f"assessment:{code}", self.key)

    def item_rows(self) -> Iterator[tuple]:
        rows = self.assessments().filter(status=Assessment.Status.COMPLETED)
        rows = rows.values_list("enrollment_id", "code", "instrument_key", "answers")
        for p, (code, key, answers) in self.rows_for(rows.iterator(chunk_size=CHUNK)):
            response_id = self.response_id(code)
            for item, value in _answer_items(key, answers):
                yield response_id, p.pseudonym, key, item, value

    # --- programme --------------------------------------------------------------------------------

    def module_rows(self) -> Iterator[tuple]:
        rows = PlannedModule.objects.filter(plan__enrollment__in=self.ids()).order_by("plan__enrollment_id", "position")
        rows = rows.values_list(
            "plan__enrollment_id", "module__slug", "position", "module__optional", "unlock_on", "unlocked_at",
            "started_at", "completed_at", "feedback_at", "skipped_at",
        )  # fmt: skip
        for p, (slug, position, optional, unlock_on, unlocked, started, completed, feedback, skipped) in self.rows_for(
            rows.iterator(chunk_size=CHUNK)
        ):
            yield (
                p.pseudonym, slug, position, optional, p.day(unlock_on), p.day(unlocked), p.day(started),
                p.day(completed), p.day(feedback), skipped is not None,
            )  # fmt: skip

    def diary_rows(self) -> Iterator[tuple]:
        rows = DiaryEntry.objects.filter(enrollment__in=self.ids()).order_by("enrollment_id", "date")
        rows = rows.values_list("enrollment_id", "date", "pain", "activity_minutes", "mood", "sleep")
        for p, (date, pain, activity, mood, sleep) in self.rows_for(rows.iterator(chunk_size=CHUNK)):
            yield p.pseudonym, p.day(date), pain, activity, mood, sleep

    # --- guidance ---------------------------------------------------------------------------------

    def time_rows(self) -> Iterator[tuple]:
        rows = TimeEntry.objects.filter(enrollment__in=self.ids()).order_by("enrollment_id", "at", "pk")
        rows = rows.values_list("enrollment_id", "therapist_id", "activity", "minutes", "at")
        for p, (therapist_id, activity, minutes, at) in self.rows_for(rows.iterator(chunk_size=CHUNK)):
            yield p.pseudonym, self.staff(therapist_id), activity, minutes, p.day(at)

    def checkin_rows(self) -> Iterator[tuple]:
        rows = CheckIn.objects.filter(enrollment__in=self.ids()).order_by("enrollment_id", "starts_at", "pk")
        rows = rows.values_list("enrollment_id", "therapist_id", "starts_at", "mode", "status", "minutes")
        for p, (therapist_id, starts_at, mode, status, minutes) in self.rows_for(rows.iterator(chunk_size=CHUNK)):
            yield p.pseudonym, self.staff(therapist_id), p.day(starts_at), mode, status, minutes

    # --- free text --------------------------------------------------------------------------------

    def free_text_rows(self) -> Iterator[tuple]:
        yield from self.message_texts()
        yield from self.exercise_texts()
        yield from self.diary_texts()

    def message_texts(self) -> Iterator[tuple]:
        rows = Message.objects.filter(thread__enrollment__in=self.ids()).order_by("thread__enrollment_id", "pk")
        rows = rows.values_list("thread__enrollment_id", "author_id", "feedback__id", "body", "created_at")
        for p, (author_id, feedback_id, body, created_at) in self.rows_for(rows.iterator(chunk_size=CHUNK)):
            if p.erased or not body:
                continue
            if feedback_id is not None:
                source = "feedback"
            else:
                source = "message_from_patient" if author_id == p.patient_id else "message_from_staff"
            yield p.pseudonym, source, "", p.day(created_at), body

    def exercise_texts(self) -> Iterator[tuple]:
        rows = ExerciseResponse.objects.filter(enrollment__in=self.ids()).order_by("enrollment_id", "pk")
        rows = rows.values_list("enrollment_id", "exercise__module__slug", "exercise__slug", "data", "saved_at")
        for p, (module, exercise, data, saved_at) in self.rows_for(rows.iterator(chunk_size=CHUNK)):
            if p.erased:
                continue
            for field, text in _text_leaves(data):
                yield p.pseudonym, "exercise", f"{module}/{exercise}:{field}", p.day(saved_at), text

    def diary_texts(self) -> Iterator[tuple]:
        rows = DiaryEntry.objects.filter(enrollment__in=self.ids()).exclude(note="").order_by("enrollment_id", "date")
        rows = rows.values_list("enrollment_id", "date", "note")
        for p, (date, note) in self.rows_for(rows.iterator(chunk_size=CHUNK)):
            if not p.erased:
                yield p.pseudonym, "diary_note", "", p.day(date), note

    # --- FHIR and the dictionary ------------------------------------------------------------------

    def write_fhir(self, archive: zipfile.ZipFile) -> None:
        """The completed questionnaires as a FHIR Bundle, made by outcomes.fhir's own builders under the
        project's key (so subjects are the CSVs' pseudonyms), cut to the exported participants, with
        each response's authored date-time replaced by its day.

        Streamed entry by entry rather than through outcomes.fhir.clinic_bundle: validating and
        serialising a whole Bundle with fhir.resources took about 12 ms per response here, so 5,000
        patients with 20 questionnaires each would need some 20 minutes, past the render task's
        10-minute limit (and hold every response in memory). The first response of each
        questionnaire version and every Questionnaire are still validated; tests validate whole
        exported Bundles.
        """
        by_pseudonym = {p.pseudonym: p for p in self.participants.values()}
        day_url = f"{fhir.fhir_base()}/StructureDefinition/day"
        questionnaires: dict[tuple[str, str], dict] = {}
        count = 0
        with archive.open(spec.FHIR_BUNDLE.name, "w", force_zip64=True) as raw:
            with io.TextIOWrapper(raw, encoding="utf-8") as out:
                out.write('{"resourceType": "Bundle", "type": "collection"')
                for assessment in fhir.clinic_assessments(self.clinic):
                    if assessment.instrument_key not in REGISTRY:
                        continue  # an instrument no longer in code cannot be described (as outcomes.fhir)
                    instrument = get_instrument(assessment.instrument_key)
                    resource = fhir.questionnaire_response(instrument, assessment, self.key)
                    participant = by_pseudonym.get(resource["subject"]["identifier"]["value"])
                    if participant is None:
                        continue  # outside the cohort or programme chosen
                    del resource["authored"]
                    day = participant.day(assessment.submitted_at)
                    resource["extension"].append({"url": day_url, "valueInteger": day})
                    version = assessment.instrument_version or instrument.version
                    if (instrument.key, version) not in questionnaires:
                        questionnaires[instrument.key, version] = fhir.questionnaire(instrument, version)
                        QuestionnaireResponse.model_validate(resource)
                    out.write(_fhir_entry(resource, first=count == 0))
                    count += 1
                for resource in questionnaires.values():
                    Questionnaire.model_validate(resource)
                    out.write(_fhir_entry(resource, first=count == 0))
                    count += 1
                out.write("\n]}\n" if count else "}\n")
        self.written.append((spec.FHIR_BUNDLE, None))

    def dictionary(self) -> str:
        return spec.data_dictionary(project=self.project.name, options=self.option_lines(), files=self.written)

    def option_lines(self) -> list[tuple[str, str]]:
        cohort = program = None
        if self.options.cohort is not None:
            cohort = Cohort.objects.filter(pk=self.options.cohort).values_list("name", flat=True).first()
        if self.options.program is not None:
            program = Program.objects.filter(pk=self.options.program).values_list("slug", "version").first()
        included = {True: "included", False: "not included"}
        return [
            ("Cohort", cohort or "all cohorts"),
            ("Programme", f"{program[0]} version {program[1]}" if program else "all programmes"),
            ("Names and e-mail addresses", included[self.options.identifiers]),
            ("Free text (messages, exercise answers, diary notes)", included[self.options.free_text]),
        ]


def _fhir_entry(resource: dict, *, first: bool) -> str:
    entry = {"fullUrl": f"{fhir.fhir_base()}/{resource['resourceType']}/{resource['id']}", "resource": resource}
    return ("," if not first else ', "entry": [') + "\n" + json.dumps(entry, ensure_ascii=False)


def _answer_items(key: str, answers) -> Iterator[tuple[str, int]]:
    """(item key, value) for each numeric answer, stored by item key or as a list in item order."""
    if isinstance(answers, dict):
        pairs = answers.items()
    elif isinstance(answers, list):
        instrument = REGISTRY.get(key)
        names = [item.key for item in instrument.items] if instrument else []
        pairs = ((names[i] if i < len(names) else f"{key}_{i + 1}", value) for i, value in enumerate(answers))
    else:
        return
    for item, value in pairs:
        if isinstance(value, int | float) and not isinstance(value, bool):
            yield item, value


def _text_leaves(data, path: str = "") -> Iterator[tuple[str, str]]:
    """(field path, text) for every piece of text in an exercise answer; dates picked in a date field
    are left out (no dates in the export)."""
    if isinstance(data, str):
        if data.strip() and not ISO_DATE.fullmatch(data.strip()):
            yield path, data
    elif isinstance(data, dict):
        for name, value in data.items():
            yield from _text_leaves(value, f"{path}.{name}" if path else str(name))
    elif isinstance(data, list):
        for number, value in enumerate(data, start=1):
            yield from _text_leaves(value, f"{path}.{number}" if path else str(number))


def research_filename(project: ResearchProject, today: datetime.date) -> str:
    slug = slugify(project.name)[:60].strip("-") or "project"
    return f"steady-research-{slug}-{today.isoformat()}.zip"


def render_research_zip(export: Export) -> Rendered:
    """The ZIP for a research export request (registered with reports.jobs in reports.renderers)."""
    options = ResearchOptions.from_params(export.params)
    project = ResearchProject.objects.get(code=options.project, clinic=export.clinic)
    build = ResearchBuild(clinic=export.clinic, project=project, options=options)
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as buffer:
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            build.build(archive)
        buffer.seek(0)
        content = buffer.read()
    filename = research_filename(project, timezone.localdate())
    return Rendered(content=content, filename=filename, content_type="application/zip")
