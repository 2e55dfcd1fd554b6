"""``manage.py export_fhir``: a clinic's outcomes as a pseudonymised FHIR R4 Bundle, checked with the
fhir.resources package."""

import hashlib
import hmac
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from fhir.resources.R4B.bundle import Bundle

from clinics.models import Enrollment
from outcomes import fhir
from outcomes.instruments import get_instrument
from outcomes.models import Assessment
from tests.factories import EnrollmentFactory
from tests.outcomes.test_progress import make_assessment

BASE = "https://steady.example"
PHQ9_ANSWERS = {f"phq9_{n}": value for n, value in enumerate([2, 2, 1, 2, 1, 2, 1, 0, 1, 2], start=1)}
GAD7_ANSWERS = {f"gad7_{n}": 1 for n in range(1, 8)}


@pytest.fixture
def data(enrollment, same_clinic_enrollment, other_clinic_enrollment, cohort):
    make_assessment(enrollment, "phq9", 12, day=0, answers=PHQ9_ANSWERS, flags=["risk"])
    make_assessment(enrollment, "phq9", 12, day=14, answers=PHQ9_ANSWERS)
    make_assessment(enrollment, "gad7", 7, day=0, answers=GAD7_ANSWERS)
    make_assessment(enrollment, "peg3", 6, day=0, answers={"peg_p": 7, "peg_e": 5, "peg_g": 6})
    make_assessment(same_clinic_enrollment, "phq9", 12, day=0, answers=PHQ9_ANSWERS)
    # An older version of the PHQ-9 in the data gets a Questionnaire of its own.
    old = make_assessment(same_clinic_enrollment, "phq9", 12, day=7, answers=PHQ9_ANSWERS)
    Assessment.objects.filter(pk=old.pk).update(instrument_version="phq9-en-pfizer-0")
    # Not exported: unfinished, another clinic's, a withdrawn patient's.
    unfinished = make_assessment(enrollment, "gad7", 3, day=14, answers=GAD7_ANSWERS)
    Assessment.objects.filter(pk=unfinished.pk).update(status=Assessment.Status.OPEN, submitted_at=None)
    make_assessment(other_clinic_enrollment, "phq9", 20, day=0, answers=PHQ9_ANSWERS)
    withdrawn = EnrollmentFactory(cohort=cohort, status=Enrollment.Status.WITHDRAWN, patient__name="Walter Gone")
    make_assessment(withdrawn, "phq9", 5, day=0, answers=PHQ9_ANSWERS)
    return {"enrollment": enrollment, "same": same_clinic_enrollment, "withdrawn": withdrawn}


def export(clinic, tmp_path, **settings) -> str:
    out = tmp_path / "bundle.json"
    with override_settings(STEADY_BASE_URL=BASE, **settings):
        call_command("export_fhir", "--clinic", clinic.slug, "--out", str(out), stderr=io.StringIO())
    return out.read_text()


def resources(bundle: Bundle, kind: str) -> list:
    return [entry.resource for entry in bundle.entry if entry.resource.get_resource_type() == kind]


@pytest.mark.django_db
def test_the_bundle_is_valid_fhir_with_the_right_counts(clinic, data, tmp_path):
    text = export(clinic, tmp_path)
    bundle = Bundle.model_validate_json(text)
    assert bundle.type == "collection"
    questionnaires = resources(bundle, "Questionnaire")
    responses = resources(bundle, "QuestionnaireResponse")
    assert sorted((q.url, q.version) for q in questionnaires) == [
        (f"{BASE}/fhir/Questionnaire/gad7", "gad7-en-pfizer-1"),
        (f"{BASE}/fhir/Questionnaire/peg3", "peg3-krebs2009-1"),
        (f"{BASE}/fhir/Questionnaire/phq9", "phq9-en-pfizer-0"),
        (f"{BASE}/fhir/Questionnaire/phq9", "phq9-en-pfizer-1"),
    ]
    assert len(responses) == 6
    assert {r.status for r in responses} == {"completed"}
    # Every response points at a Questionnaire in the Bundle, by canonical URL and version.
    canonicals = {f"{q.url}|{q.version}" for q in questionnaires}
    assert {r.questionnaire for r in responses} <= canonicals


@pytest.mark.django_db
def test_loinc_codes_are_used_where_they_exist(clinic, data, tmp_path):
    bundle = Bundle.model_validate_json(export(clinic, tmp_path))
    by_key = {q.url.rsplit("/", 1)[1]: q for q in resources(bundle, "Questionnaire")}
    assert by_key["phq9"].code[0].system == "http://loinc.org"
    assert by_key["phq9"].code[0].code == "44249-1"
    assert by_key["gad7"].code[0].code == "69737-5"
    assert by_key["peg3"].code is None
    phq9_items = {item.linkId: item for item in by_key["phq9"].item}
    assert phq9_items["phq9_9"].code[0].code == "44260-8"
    assert [o.valueCoding.code for o in phq9_items["phq9_1"].answerOption] == [
        "LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9",
    ]  # fmt: skip
    assert phq9_items["total"].code[0].code == "44261-6"
    # The difficulty item has no LOINC answer list here: Steady's own code system.
    assert phq9_items["phq9_10"].answerOption[0].valueCoding.system == f"{BASE}/fhir/CodeSystem/phq9-phq9_10"


@pytest.mark.django_db
def test_answers_are_codings_or_integers_with_the_items_link_ids(clinic, data, tmp_path):
    bundle = Bundle.model_validate_json(export(clinic, tmp_path))
    responses = resources(bundle, "QuestionnaireResponse")
    peg = next(r for r in responses if "/peg3|" in r.questionnaire)
    assert [(i.linkId, i.answer[0].valueInteger) for i in peg.item[:3]] == [("peg_p", 7), ("peg_e", 5), ("peg_g", 6)]
    assert peg.item[3].linkId == "total" and peg.item[3].answer[0].valueDecimal == 6
    phq9 = next(r for r in responses if "/phq9|phq9-en-pfizer-1" in r.questionnaire)
    items = {i.linkId: i.answer[0] for i in phq9.item}
    assert items["phq9_9"].valueCoding.code == "LA6569-3"
    assert items["phq9_9"].valueCoding.display == "Several days"
    assert items["phq9_10"].valueCoding.code == "2"
    assert phq9.authored.isoformat().startswith("2026-01-05T10:00:00")


@pytest.mark.django_db
def test_nothing_identifies_a_patient(clinic, data, tmp_path):
    text = export(clinic, tmp_path)
    people = [data["enrollment"], data["same"], data["withdrawn"]]
    for enrollment in people:
        patient = enrollment.patient
        for secret in (patient.name, patient.email, str(enrollment.code), enrollment.code.hex):
            assert secret not in text
        assert enrollment.therapist is None or enrollment.therapist.name not in text
    for code in Assessment.objects.values_list("code", flat=True):
        assert str(code) not in text and code.hex not in text


@pytest.mark.django_db
def test_patients_are_pseudonymised_with_the_configured_key(clinic, data, tmp_path):
    key = "research-key-for-tests"
    text = export(clinic, tmp_path, STEADY_PSEUDONYM_KEY=key)
    expected = hmac.new(key.encode(), str(data["enrollment"].code).encode(), hashlib.sha256).hexdigest()
    bundle = Bundle.model_validate_json(text)
    subjects = {r.subject.identifier.value for r in resources(bundle, "QuestionnaireResponse")}
    assert expected in subjects
    assert len(subjects) == 2  # two patients of this clinic (the withdrawn one is left out)
    # Stable from one run to the next, different under another key.
    assert subjects == {r.subject.identifier.value for r in resources(Bundle.model_validate_json(export(
        clinic, tmp_path, STEADY_PSEUDONYM_KEY=key)), "QuestionnaireResponse")}  # fmt: skip
    other = Bundle.model_validate_json(export(clinic, tmp_path, STEADY_PSEUDONYM_KEY="another-key"))
    assert subjects.isdisjoint({r.subject.identifier.value for r in resources(other, "QuestionnaireResponse")})


@pytest.mark.django_db
def test_without_a_key_setting_the_key_comes_from_the_secret_key(clinic, data, tmp_path, settings):
    if hasattr(settings, "STEADY_PSEUDONYM_KEY"):
        del settings.STEADY_PSEUDONYM_KEY
    first = json.loads(export(clinic, tmp_path))
    second = json.loads(export(clinic, tmp_path))
    ids = lambda bundle: sorted(e["resource"]["id"] for e in bundle["entry"])  # noqa: E731
    assert ids(first) == ids(second)
    derived = hmac.new(settings.SECRET_KEY.encode(), fhir.PSEUDONYM_SALT, hashlib.sha256).digest()
    assert fhir.pseudonym_key() == derived
    with override_settings(SECRET_KEY="another-secret-key-for-this-test"):
        assert fhir.pseudonym_key() != derived


@pytest.mark.django_db
def test_an_unknown_clinic_is_a_clear_error(db):
    with pytest.raises(CommandError, match="No clinic has the slug 'nowhere'"):
        call_command("export_fhir", "--clinic", "nowhere")


@pytest.mark.django_db
def test_without_out_it_writes_to_standard_output(clinic, data):
    stdout = io.StringIO()
    with override_settings(STEADY_BASE_URL=BASE):
        call_command("export_fhir", "--clinic", clinic.slug, stdout=stdout)
    bundle = Bundle.model_validate_json(stdout.getvalue())
    assert len(resources(bundle, "QuestionnaireResponse")) == 6


@pytest.mark.django_db
def test_a_clinic_without_data_gives_an_empty_collection(other_clinic, tmp_path):
    bundle = Bundle.model_validate_json(export(other_clinic, tmp_path))
    assert bundle.type == "collection" and not bundle.entry


def test_every_instrument_makes_a_valid_questionnaire():
    from fhir.resources.R4B.questionnaire import Questionnaire

    for key in ("phq9", "gad7", "peg3", "nrs_pain", "nrs_fatigue", "k10", "who5", "pgic", "pseq"):
        instrument = get_instrument(key)
        Questionnaire.model_validate(fhir.questionnaire(instrument, instrument.version))
    for key in ("satisfaction", "adverse_events"):
        Questionnaire.model_validate(fhir.questionnaire(get_instrument(key), "1"))
