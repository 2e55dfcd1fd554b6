"""The pseudonymised research export: what the ZIP holds (and never holds), and the page that asks for it."""

import csv
import datetime
import io
import json
import re
import zipfile

import pytest
from django.urls import reverse
from fhir.resources.R4B.bundle import Bundle

from clinics.models import AuditEvent, Enrollment
from guidance.models import CheckIn, Feedback, Message, Thread, TimeEntry
from modules import plans
from modules.models import DiaryEntry, Exercise, ExerciseResponse, Module, PlannedModule
from outcomes.models import Assessment
from reports import jobs
from reports.models import Export, ResearchProject
from reports.research import safe_cell
from reports.research_services import research_export_request
from tests.factories import EnrollmentFactory, UserFactory, make_program
from tests.utils import assert_queries, client_for

START = datetime.date(2025, 3, 17)
SENTINEL_DATE = "2025-03-17"
NAME = "Zebedee Sentinelsson"
EMAIL = "zebedee.sentinel@example.org"
MESSAGE = "SENTINEL-MESSAGE-TEXT: my knees are worse"
DIARY_NOTE = "SENTINEL-DIARY-NOTE about the weekend"
EXERCISE = "SENTINEL-EXERCISE-ANSWER on pacing"
FEEDBACK = "SENTINEL-FEEDBACK-TEXT, well done this week"
FORMULA = '=HYPERLINK("http://evil.example/x","click")'
THERAPIST_NAME = "Theodora Sentinel-Therapist"
THERAPIST_EMAIL = "theodora.sentinel@example.org"
ERASED_NOTE = "SENTINEL-ERASED-NOTE"
WITHDRAWN_NAME = "Wilhelmina Withdrawnsson"
ISO_DATE = re.compile(rb"\d{4}-\d{2}-\d{2}")
REASON = "Qualitative study, REC 24/0001"
PHQ9 = {f"phq9_{n}": value for n, value in enumerate([2, 2, 1, 2, 1, 2, 1, 0, 1, 2], start=1)}


def at(day: int, hour: int = 10) -> datetime.datetime:
    """``hour`` o'clock UTC, ``day`` days after START."""
    return datetime.datetime.combine(START + datetime.timedelta(days=day), datetime.time(hour), tzinfo=datetime.UTC)


def day(n: int) -> datetime.date:
    return START + datetime.timedelta(days=n)


def completed_phq9(enrollment, *, day: int, occasion: str) -> Assessment:
    return Assessment.objects.create(
        enrollment=enrollment, instrument_key="phq9", instrument_version="phq9-en-pfizer-1", occasion=occasion,
        occasion_kind="baseline" if day == 0 else "weekly", opens_at=at(day - 1), due_at=at(day + 2),
        closes_at=at(day + 7), status=Assessment.Status.COMPLETED, answers=PHQ9, total=14, band="moderate",
        submitted_at=at(day),
    )  # fmt: skip


@pytest.fixture
def study(clinic, cohort, clinic_admin, other_clinic_enrollment):
    """One patient with one of everything (and sentinel text), an erased one and a withdrawn one."""
    therapist = UserFactory(name=THERAPIST_NAME, email=THERAPIST_EMAIL)
    cohort.start_date = START
    cohort.save(update_fields=["start_date"])
    patient = EnrollmentFactory(
        cohort=cohort, therapist=therapist, patient__name=NAME, patient__email=EMAIL,
        patient__time_zone="America/New_York", start_date=START, created_at=at(-7), activated_at=at(-1),
    )  # fmt: skip
    make_program(weeks=2, pages=1, optional=0, program=patient.program)
    plan = plans.plan_ensure(patient)
    PlannedModule.objects.filter(plan=plan, module__slug="m1").update(
        unlocked_at=at(0), started_at=at(1), completed_at=at(4), feedback_at=at(5)
    )
    completed_phq9(patient, day=0, occasion="baseline")
    completed_phq9(patient, day=14, occasion="week-3")
    # 02:00 UTC on day 3 is still day 2 (evening) in New York: days are counted in the patient's zone.
    DiaryEntry.objects.create(enrollment=patient, date=day(2), pain=6, mood=4, note=DIARY_NOTE)
    DiaryEntry.objects.create(enrollment=patient, date=day(3), pain=5, note=FORMULA)
    m1 = Module.objects.get(program=patient.program, slug="m1")
    exercise = Exercise.objects.create(module=m1, page=m1.pages.first(), slug="e1", kind="reflection", title="Think")
    ExerciseResponse.objects.create(
        enrollment=patient, exercise=exercise, data={"what": EXERCISE, "when": "2025-03-19"}, saved_at=at(3, 2)
    )
    thread = Thread.objects.create(enrollment=patient)
    Message.objects.create(thread=thread, author=patient.patient, body=MESSAGE, created_at=at(3, 2))
    Message.objects.create(thread=thread, author=patient.patient, body=FORMULA, created_at=at(4))
    reply = Message.objects.create(thread=thread, author=therapist, body=FEEDBACK, created_at=at(5))
    Feedback.objects.create(enrollment=patient, module=m1, message=reply, author=therapist)
    TimeEntry.objects.create(therapist=therapist, enrollment=patient, activity="feedback", minutes=15, at=at(5))
    CheckIn.objects.create(
        enrollment=patient, therapist=therapist, starts_at=at(6), ends_at=at(6) + datetime.timedelta(minutes=30),
        status=CheckIn.Status.HELD, minutes=25, booked_by=patient.patient, room="sentinel-room",
    )  # fmt: skip

    erased = EnrollmentFactory(cohort=cohort, patient__name="Erasmus Erasedsson", start_date=START)
    Enrollment.objects.filter(pk=erased.pk).update(erased_at=at(30))
    DiaryEntry.objects.create(enrollment=erased, date=START, pain=9, note=ERASED_NOTE)
    withdrawn = EnrollmentFactory(
        cohort=cohort, patient__name=WITHDRAWN_NAME, status=Enrollment.Status.WITHDRAWN, start_date=START
    )
    completed_phq9(withdrawn, day=0, occasion="baseline")
    DiaryEntry.objects.create(enrollment=withdrawn, date=START, pain=1)
    project = ResearchProject.objects.create(clinic=clinic, name="Knee study", created_by=clinic_admin)
    return {
        "patient": patient, "therapist": therapist, "erased": erased, "withdrawn": withdrawn, "project": project,
        "admin": clinic_admin, "clinic": clinic, "other": other_clinic_enrollment,
    }  # fmt: skip


def make_zip(study, capture, project=None, **options) -> zipfile.ZipFile:
    with capture(execute=True):
        export = research_export_request(
            clinic=study["clinic"], project=project or study["project"], by=study["admin"], **options
        )
    export.refresh_from_db()
    assert export.status == Export.Status.DONE, export.error
    return zipfile.ZipFile(io.BytesIO(bytes(export.content)))


def members(archive: zipfile.ZipFile) -> dict[str, bytes]:
    return {name: archive.read(name) for name in archive.namelist()}


def rows(archive: zipfile.ZipFile, name: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8"))))


def where(archive, needle: str) -> set[str]:
    return {name for name, data in members(archive).items() if needle.encode() in data}


def secrets_of(study) -> list[str]:
    patient = study["patient"]
    return [
        NAME, EMAIL, MESSAGE, DIARY_NOTE, EXERCISE, FEEDBACK, THERAPIST_NAME, THERAPIST_EMAIL, ERASED_NOTE,
        WITHDRAWN_NAME, "Erasmus", "Ingrid Holm", str(patient.code), patient.code.hex, SENTINEL_DATE,
        study["project"].key, "HYPERLINK", "sentinel-room",
    ]  # fmt: skip


# --- what is in the file --------------------------------------------------------------------------


@pytest.mark.django_db
def test_by_default_no_identifier_text_or_date_appears_in_any_file(study, django_capture_on_commit_callbacks):
    archive = make_zip(study, django_capture_on_commit_callbacks)
    assert sorted(archive.namelist()) == [
        "assessment_items.csv", "assessments.csv", "checkins.csv", "data_dictionary.md", "diary.csv",
        "fhir_bundle.json", "modules.csv", "participants.csv", "time.csv",
    ]  # fmt: skip
    for secret in secrets_of(study):
        assert where(archive, secret) == set(), secret
    for name, data in members(archive).items():
        assert not ISO_DATE.search(data), (name, ISO_DATE.search(data))
        assert bytes.fromhex(study["project"].key) not in data
    assert "name" not in rows(archive, "participants.csv")[0]


@pytest.mark.django_db
def test_names_and_emails_appear_only_in_participants_when_included(study, django_capture_on_commit_callbacks):
    archive = make_zip(
        study, django_capture_on_commit_callbacks, identifiers=True, reason="Consented cohort, ethics ref 24/NW/0001"
    )
    assert where(archive, NAME) == {"participants.csv"}
    assert where(archive, EMAIL) == {"participants.csv"}
    for secret in (MESSAGE, DIARY_NOTE, EXERCISE, THERAPIST_NAME, "Erasmus", WITHDRAWN_NAME, SENTINEL_DATE):
        assert where(archive, secret) == set(), secret
    erased = [row for row in rows(archive, "participants.csv") if row["erased"] == "1"]
    assert [(row["name"], row["email"]) for row in erased] == [("", "")]


@pytest.mark.django_db
def test_free_text_appears_only_in_free_text_csv_when_included(study, django_capture_on_commit_callbacks):
    archive = make_zip(study, django_capture_on_commit_callbacks, free_text=True, reason=REASON)
    for secret in (MESSAGE, DIARY_NOTE, EXERCISE, FEEDBACK):
        assert where(archive, secret) == {"free_text.csv"}, secret
    for secret in (NAME, EMAIL, THERAPIST_NAME, ERASED_NOTE, SENTINEL_DATE, str(study["patient"].code)):
        assert where(archive, secret) == set(), secret
    texts = {(row["source"], row["item"], row["day"], row["text"]) for row in rows(archive, "free_text.csv")}
    assert ("message_from_patient", "", "2", MESSAGE) in texts
    assert ("feedback", "", "5", FEEDBACK) in texts
    assert ("diary_note", "", "2", DIARY_NOTE) in texts
    assert ("exercise", "m1/e1:what", "2", EXERCISE) in texts
    assert not any(row[1] == "m1/e1:when" for row in texts), "a date picked in an exercise is a date"


@pytest.mark.django_db
def test_a_formula_in_free_text_is_exported_as_text(study, django_capture_on_commit_callbacks):
    archive = make_zip(study, django_capture_on_commit_callbacks, free_text=True, reason=REASON)
    formulas = [row for row in rows(archive, "free_text.csv") if "HYPERLINK" in row["text"]]
    assert {row["source"] for row in formulas} == {"diary_note", "message_from_patient"}
    assert {row["text"] for row in formulas} == {"'" + FORMULA}


@pytest.mark.parametrize(
    ("value", "cell"),
    [("=1+1", "'=1+1"), ("+44 7700", "'+44 7700"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
     ("\rx", "'\rx"), ("plain", "plain"), (-3, -3), (2.5, 2.5), (None, ""), (True, 1)],
)  # fmt: skip
def test_every_text_cell_that_could_be_a_formula_is_neutralised(value, cell):
    assert safe_cell(value) == cell


@pytest.mark.django_db
def test_days_are_counted_from_the_enrolment_start_in_the_patients_zone(study, django_capture_on_commit_callbacks):
    archive = make_zip(study, django_capture_on_commit_callbacks)
    pseudonym = next(row["participant"] for row in rows(archive, "participants.csv") if row["erased"] == "0")
    person = next(row for row in rows(archive, "participants.csv") if row["participant"] == pseudonym)
    assert (person["cohort"], person["contact_mode"], person["status"]) == ("Autumn group", "async", "active")
    assert (person["cohort_start_day"], person["enrolled_day"], person["activated_day"]) == ("0", "-7", "-1")
    diary = [(r["day"], r["pain"], r["mood"]) for r in rows(archive, "diary.csv") if r["participant"] == pseudonym]
    assert diary == [("2", "6", "4"), ("3", "5", "")]
    assessments = [r for r in rows(archive, "assessments.csv") if r["participant"] == pseudonym]
    assert [(r["occasion"], r["opened_day"], r["submitted_day"], r["total"]) for r in assessments] == [
        ("baseline", "-1", "0", "14.0"),
        ("week-3", "13", "14", "14.0"),
    ]
    module = next(r for r in rows(archive, "modules.csv") if r["participant"] == pseudonym and r["module"] == "m1")
    assert [module[k] for k in ("unlocked_day", "started_day", "completed_day", "feedback_day")] == ["0", "1", "4", "5"]
    items = [r for r in rows(archive, "assessment_items.csv") if r["response_id"] == assessments[0]["response_id"]]
    assert {r["item"]: int(r["value"]) for r in items} == PHQ9
    (time,) = rows(archive, "time.csv")
    (checkin,) = rows(archive, "checkins.csv")
    assert (time["participant"], time["minutes"], time["day"]) == (pseudonym, "15", "5")
    assert (checkin["day"], checkin["status"], checkin["minutes"]) == ("6", "held", "25")
    assert time["therapist"] == checkin["therapist"] == person["therapist"] != ""


@pytest.mark.django_db
def test_withdrawn_patients_are_left_out_and_erased_ones_give_numbers_only(study, django_capture_on_commit_callbacks):
    archive = make_zip(
        study, django_capture_on_commit_callbacks, identifiers=True, free_text=True, reason="Full consent, ethics 1234"
    )
    people = rows(archive, "participants.csv")
    assert len(people) == 2  # the patient and the erased one; not the withdrawn one, nor another clinic's
    erased = next(row["participant"] for row in people if row["erased"] == "1")
    assert [r["pain"] for r in rows(archive, "diary.csv") if r["participant"] == erased] == ["9"]
    assert [r for r in rows(archive, "free_text.csv") if r["participant"] == erased] == []
    assert "withdrawn" in archive.read("data_dictionary.md").decode()


@pytest.mark.django_db
def test_pseudonyms_are_stable_in_a_project_and_differ_between_projects(study, django_capture_on_commit_callbacks):
    first = {r["participant"] for r in rows(make_zip(study, django_capture_on_commit_callbacks), "participants.csv")}
    again = make_zip(study, django_capture_on_commit_callbacks, identifiers=True, reason="Second look, ethics 1234")
    assert {r["participant"] for r in rows(again, "participants.csv")} == first
    other = ResearchProject.objects.create(clinic=study["clinic"], name="Other study", created_by=study["admin"])
    elsewhere = {
        r["participant"] for r in rows(make_zip(study, django_capture_on_commit_callbacks, other), "participants.csv")
    }
    assert len(elsewhere) == 2 and elsewhere.isdisjoint(first)


@pytest.mark.django_db
def test_the_fhir_bundle_parses_and_uses_the_same_pseudonyms(study, django_capture_on_commit_callbacks):
    archive = make_zip(study, django_capture_on_commit_callbacks)
    text = archive.read("fhir_bundle.json").decode()
    bundle = Bundle.model_validate_json(text)
    responses = [e.resource for e in bundle.entry if e.resource.get_resource_type() == "QuestionnaireResponse"]
    participants = {r["participant"] for r in rows(archive, "participants.csv")}
    assessments = {r["response_id"]: r for r in rows(archive, "assessments.csv")}
    assert len(responses) == 2  # the withdrawn patient's baseline is left out
    assert {r.subject.identifier.value for r in responses} <= participants
    for response in responses:
        row = assessments[response.id]
        assert row["participant"] == response.subject.identifier.value
        day = next(e.valueInteger for e in response.extension if e.url.endswith("/day"))
        assert str(day) == row["submitted_day"]
        assert response.authored is None
    assert "authored" not in json.loads(text)["entry"][-1]["resource"]


@pytest.mark.django_db
def test_a_cohort_filter_keeps_every_file_to_that_cohort(study, django_capture_on_commit_callbacks):
    from tests.factories import CohortFactory

    spring = CohortFactory(clinic=study["clinic"], name="Spring group", program=study["patient"].program)
    other = EnrollmentFactory(cohort=spring, patient__name="Sprung Person")
    completed_phq9(other, day=0, occasion="baseline")
    archive = make_zip(study, django_capture_on_commit_callbacks, cohort=spring)
    (person,) = rows(archive, "participants.csv")
    assert person["cohort"] == "Spring group"
    bundle = Bundle.model_validate_json(archive.read("fhir_bundle.json"))
    responses = [e.resource for e in bundle.entry if e.resource.get_resource_type() == "QuestionnaireResponse"]
    assert {response.subject.identifier.value for response in responses} == {person["participant"]}
    assert "- Cohort: Spring group" in archive.read("data_dictionary.md").decode()


@pytest.mark.django_db
def test_the_dictionary_describes_every_column_of_every_file(study, django_capture_on_commit_callbacks):
    archive = make_zip(
        study, django_capture_on_commit_callbacks, identifiers=True, free_text=True, reason="Full consent, ethics 1234"
    )
    dictionary = archive.read("data_dictionary.md").decode()
    for name in archive.namelist():
        if name.endswith(".csv"):
            assert f"### {name}" in dictionary
            for column in next(csv.reader(io.StringIO(archive.read(name).decode()))):
                assert f"| {column} |" in dictionary, (name, column)
    assert "HMAC-SHA256" in dictionary and "not in this export" in dictionary
    assert "- Names and e-mail addresses: included" in dictionary
    assert "fhir_bundle.json" in dictionary


@pytest.mark.django_db
def test_the_file_is_named_for_the_project_and_leads_back_to_the_research_page(
    study, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        export = research_export_request(clinic=study["clinic"], project=study["project"], by=study["admin"])
    export.refresh_from_db()
    assert re.fullmatch(r"steady-research-knee-study-\d{4}-\d{2}-\d{2}\.zip", export.filename)
    assert export.content_type == "application/zip"
    assert jobs.KINDS[Export.Kind.RESEARCH_ZIP].back(export) == ("research_export", [study["clinic"].slug])


# --- 5,000 patients ----------------------------------------------------------------------------------


def bulk_patients(cohort, count: int, offset: int = 0) -> None:
    from accounts.models import User

    users = User.objects.bulk_create(
        [User(email=f"bulk{offset + n}@example.org", name=f"Bulk {offset + n}") for n in range(count)]
    )
    enrollments = Enrollment.objects.bulk_create(
        [
            Enrollment(patient=user, clinic=cohort.clinic, cohort=cohort, program=cohort.program, start_date=START,
                       status=Enrollment.Status.ACTIVE)
            for user in users
        ]
    )  # fmt: skip
    DiaryEntry.objects.bulk_create(
        [DiaryEntry(enrollment=e, date=START, pain=n % 11) for n, e in enumerate(enrollments)]
    )
    TimeEntry.objects.bulk_create(
        [TimeEntry(therapist=users[0], enrollment=e, activity="review", minutes=5, at=at(1)) for e in enrollments]
    )
    Assessment.objects.bulk_create(
        [
            Assessment(enrollment=e, instrument_key="phq9", instrument_version="phq9-en-pfizer-1", occasion="baseline",
                       occasion_kind="baseline", opens_at=at(-1), due_at=at(2), closes_at=at(7), answers=PHQ9,
                       status=Assessment.Status.COMPLETED, total=14, band="moderate", submitted_at=at(0))
            for e in enrollments
        ]
    )  # fmt: skip


@pytest.mark.django_db
def test_5000_patients_take_the_same_queries_as_one(clinic, cohort, clinic_admin):
    project = ResearchProject.objects.create(clinic=clinic, name="Big study", created_by=clinic_admin)
    options = {"identifiers": True, "free_text": True, "reason": "A large consented study, REC 1234"}

    def render() -> zipfile.ZipFile:
        export = Export.objects.create(
            owner=clinic_admin, clinic=clinic, kind=Export.Kind.RESEARCH_ZIP,
            params={"project": str(project.code), **options},
        )  # fmt: skip
        # Claim, load, project, 7 tables, 3 kinds of free text, the FHIR assessments, store.
        with assert_queries(15):
            jobs.export_render(export.pk)
        export.refresh_from_db()
        assert export.status == Export.Status.DONE
        return zipfile.ZipFile(io.BytesIO(bytes(export.content)))

    bulk_patients(cohort, 1)
    render()
    bulk_patients(cohort, 4999, offset=1)
    archive = render()
    assert len(rows(archive, "participants.csv")) == 5000
    assert len(rows(archive, "diary.csv")) == 5000
    # 5,000 responses and their one Questionnaire (whole Bundles are validated by the tests above).
    assert len(json.loads(archive.read("fhir_bundle.json"))["entry"]) == 5001


# --- the page --------------------------------------------------------------------------------------


def page_url(clinic) -> str:
    return reverse("research_export", args=[clinic.slug])


@pytest.mark.django_db
def test_it_works(study, django_capture_on_commit_callbacks):
    make_zip(study, django_capture_on_commit_callbacks, free_text=True, reason=REASON)
    response = client_for(study["admin"]).get(page_url(study["clinic"]))
    assert response.status_code == 200
    text = response.content.decode()
    assert "How people are hidden" in text
    assert "Knee study" in text
    assert "Your earlier research exports" in text and "Ready to download" in text and "free text" in text
    assert 'name="export-identifiers"' in text and 'name="export-reason"' in text


@pytest.mark.django_db
def test_the_page_takes_the_same_queries_for_one_or_many_exports(study, clinic_admin):
    client = client_for(clinic_admin)
    url = page_url(study["clinic"])

    def add_export(n):
        Export.objects.create(
            owner=clinic_admin, clinic=study["clinic"], kind=Export.Kind.RESEARCH_ZIP,
            params={"project": str(study["project"].code), "cohort": study["patient"].cohort_id, "reason": f"r{n}"},
        )  # fmt: skip

    add_export(0)
    client.get(url)
    with assert_queries(9):
        client.get(url)
    for n in range(1, 15):
        add_export(n)
    with assert_queries(9):
        response = client.get(url)
    assert response.content.decode().count("Autumn group; all programmes") == 15


@pytest.mark.django_db
def test_it_hides_other_clinics(study, other_clinic_admin, therapist):
    clinic = study["clinic"]
    for user in (other_clinic_admin, therapist, study["patient"].patient):
        client = client_for(user)
        assert client.get(page_url(clinic)).status_code == 404
        post = {"export-project": study["project"].pk, "project-name": "Mine now"}
        assert client.post(reverse("research_export_create", args=[clinic.slug]), post).status_code == 404
        assert client.post(reverse("research_project_create", args=[clinic.slug]), post).status_code == 404
    assert Export.objects.count() == 0
    assert ResearchProject.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["research_project_create", "research_export_create"])
def test_the_post_only_views_refuse_get(study, name):
    response = client_for(study["admin"]).get(reverse(name, args=[study["clinic"].slug]))
    assert response.status_code == 405


@pytest.mark.django_db
def test_a_request_is_audited_once_and_goes_to_the_status_page(study, django_capture_on_commit_callbacks):
    clinic, project = study["clinic"], study["project"]
    data = {
        "export-project": project.pk, "export-cohort": study["patient"].cohort_id, "export-identifiers": "on",
        "export-reason": "Participants consented to named data (REC 24/NW/0001).",
    }  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(study["admin"]).post(reverse("research_export_create", args=[clinic.slug]), data)
    export = Export.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("report_export_status", args=[export.code])
    assert export.params == {
        "project": str(project.code), "cohort": study["patient"].cohort_id, "program": None, "identifiers": True,
        "free_text": False, "reason": "Participants consented to named data (REC 24/NW/0001).",
    }  # fmt: skip
    (audit,) = AuditEvent.objects.filter(action="reports.research_export.requested")
    assert (audit.actor, audit.clinic, audit.object_type, audit.object_id) == (
        study["admin"],
        clinic,
        "reports.export",
        str(export.code),
    )
    assert AuditEvent.objects.filter(object_id=str(export.code)).count() == 1
    status = client_for(study["admin"]).get(response["Location"])
    assert "Your file is ready." in status.content.decode()
    assert reverse("research_export", args=[clinic.slug]) in status.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("option", ["export-identifiers", "export-free_text"])
@pytest.mark.parametrize("reason", ["", "   ", "because I can"])
def test_including_identifiers_or_free_text_needs_a_reason(study, option, reason):
    data = {"export-project": study["project"].pk, option: "on", "export-reason": reason}
    response = client_for(study["admin"]).post(reverse("research_export_create", args=[study["clinic"].slug]), data)
    assert response.status_code == 200
    text = response.content.decode()
    assert "There is a problem" in text
    assert 'id="id_export-reason_error"' in text and "Write why the researchers need names" in text
    assert Export.objects.count() == 0
    assert not AuditEvent.objects.filter(action="reports.research_export.requested").exists()


@pytest.mark.django_db
def test_another_clinics_project_is_refused(study, other_clinic, other_clinic_admin):
    theirs = ResearchProject.objects.create(clinic=other_clinic, name="Theirs", created_by=other_clinic_admin)
    data = {"export-project": theirs.pk}
    response = client_for(study["admin"]).post(reverse("research_export_create", args=[study["clinic"].slug]), data)
    assert response.status_code == 200
    assert "Choose one of this clinic&#x27;s research projects." in response.content.decode()
    assert Export.objects.count() == 0


@pytest.mark.django_db
def test_the_service_refuses_another_clinics_project(study, other_clinic, other_clinic_admin):
    from reports.research_services import ResearchError

    theirs = ResearchProject.objects.create(clinic=other_clinic, name="Theirs", created_by=other_clinic_admin)
    with pytest.raises(ResearchError) as error:
        research_export_request(clinic=study["clinic"], project=theirs, by=study["admin"])
    assert error.value.field == "project"
    assert Export.objects.count() == 0


@pytest.mark.django_db
def test_an_admin_creates_a_project_with_its_own_key(study):
    client = client_for(study["admin"])
    url = reverse("research_project_create", args=[study["clinic"].slug])
    response = client.post(url, {"project-name": "  Sleep   study "})
    assert response.status_code == 302
    project = ResearchProject.objects.get(name="Sleep study")
    assert re.fullmatch(r"[0-9a-f]{64}", project.key) and project.key != study["project"].key
    created = AuditEvent.objects.filter(action="reports.research_project.created", object_id=str(project.code))
    assert created.count() == 1
    again = client.post(url, {"project-name": "sleep study"})
    assert "already has a project with that name" in again.content.decode()
    empty = client.post(url, {"project-name": ""})
    assert "Enter a name for the project." in empty.content.decode()
    assert ResearchProject.objects.filter(clinic=study["clinic"]).count() == 2
