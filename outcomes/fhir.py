"""A clinic's outcome data as a pseudonymised FHIR R4 Bundle, for research (``manage.py export_fhir``).

The Bundle (type ``collection``) holds one Questionnaire per instrument version that occurs in the
data and one QuestionnaireResponse per completed assessment. It is built and validated with the
``fhir.resources`` package's R4B models: R4B (4.3) left Bundle, Questionnaire and QuestionnaireResponse
as they were in R4 (4.0.1) apart from additions this export does not use, so the JSON is read by R4
systems as R4.

Privacy (DESIGN "Security and privacy": research exports are pseudonymised):
- a patient appears only as ``subject.identifier``: an HMAC-SHA256 of the enrolment code under
  ``STEADY_PSEUDONYM_KEY`` (or, if unset, a key derived from SECRET_KEY with a fixed salt: stable for
  an install as long as SECRET_KEY is, so set STEADY_PSEUDONYM_KEY where research IDs must outlive a
  key rotation). Without the key the pseudonym cannot be linked back to the enrolment;
- a response's id is an HMAC of its assessment's code in the same way; no names, e-mail addresses,
  enrolment or assessment codes, free text or clinic staff appear anywhere;
- withdrawn enrolments are left out: a patient who withdrew is not exported for research.

LOINC codes are used where they exist and have been checked (instruments.md section 6): the PHQ-9
panel 44249-1 with its items and total, the GAD-7 panel 69737-5 with its items and total, and the
LOINC answer list shared by both (LA6568-5 ... LA6571-9). Every other answer is coded in a code system
of Steady's own under STEADY_BASE_URL, one per item, with the option's value as the code and its
ordinal value as an extension; 0-10 scales are answered with ``valueInteger``.

A Questionnaire is drawn from the instrument's definition in code; when the data holds an older
version of an instrument, its Questionnaire carries that version number with the current wording.
"""

import hashlib
import hmac
import json
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from clinics.models import Clinic, Enrollment
from outcomes.instruments import REGISTRY, Instrument, Item, get_instrument
from outcomes.models import Assessment

LOINC = "http://loinc.org"
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"
PSEUDONYM_SALT = b"steady.outcomes.fhir.pseudonym.v1"

# Panels [V]/[S] and totals [V]: instruments.md section 6.
PANEL_LOINC = {
    "phq9": ("44249-1", "PHQ-9 quick depression assessment panel"),
    "gad7": ("69737-5", "Generalized anxiety disorder 7 item (GAD-7)"),
}
TOTAL_LOINC = {
    "phq9": ("44261-6", "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]"),
    "gad7": ("70274-6", "Generalized anxiety disorder 7 item (GAD-7) total score [Reported.PHQ]"),
}
# Items: PHQ-9 as in the US Core example [V]; GAD-7 as in HL7's personal-health-record-format IG [S].
ITEM_LOINC = {
    "phq9_1": "44250-9",
    "phq9_2": "44255-8",
    "phq9_3": "44259-0",
    "phq9_4": "44254-1",
    "phq9_5": "44251-7",
    "phq9_6": "44258-2",
    "phq9_7": "44252-5",
    "phq9_8": "44253-3",
    "phq9_9": "44260-8",
    "phq9_10": "69722-7",
    "gad7_1": "69725-0",
    "gad7_2": "68509-9",
    "gad7_3": "69733-4",
    "gad7_4": "69734-2",
    "gad7_5": "69735-9",
    "gad7_6": "69689-8",
    "gad7_7": "69736-7",
}
# LOINC answer list LL358-3 ("Not at all" ... "Nearly every day"), used by PHQ-9 items 1-9 and GAD-7.
FREQUENCY_LOINC = {0: "LA6568-5", 1: "LA6569-3", 2: "LA6570-1", 3: "LA6571-9"}
FREQUENCY_ITEMS = frozenset(key for key in ITEM_LOINC if key != "phq9_10")


def pseudonym_key() -> bytes:
    configured = getattr(settings, "STEADY_PSEUDONYM_KEY", "")
    if configured:
        return configured.encode() if isinstance(configured, str) else bytes(configured)
    return hmac.new(settings.SECRET_KEY.encode(), PSEUDONYM_SALT, hashlib.sha256).digest()


def pseudonym(value: str, key: bytes | None = None) -> str:
    """HMAC-SHA256 of ``value`` as 64 hex characters (also a valid FHIR id)."""
    return hmac.new(key or pseudonym_key(), value.encode(), hashlib.sha256).hexdigest()


def fhir_base() -> str:
    return f"{getattr(settings, 'STEADY_BASE_URL', '').rstrip('/')}/fhir"


def questionnaire_url(key: str) -> str:
    return f"{fhir_base()}/Questionnaire/{key}"


# --- Questionnaire ------------------------------------------------------------------------------


def _is_number_scale(item: Item) -> bool:
    """A 0-10 style scale: consecutive whole numbers whose middle options are labelled by their number."""
    values = [option.value for option in item.options]
    consecutive = len(values) > 2 and values == list(range(values[0], values[0] + len(values)))
    return consecutive and all(option.label == str(option.value) for option in item.options[1:-1])


def _answer_system(instrument: Instrument, item: Item) -> str:
    return f"{fhir_base()}/CodeSystem/{instrument.key}-{item.key}"


def _coding(instrument: Instrument, item: Item, value: int) -> dict:
    label = next((option.label for option in item.options if option.value == value), None)
    if item.key in FREQUENCY_ITEMS and value in FREQUENCY_LOINC:
        coding = {"system": LOINC, "code": FREQUENCY_LOINC[value]}
    else:
        coding = {"system": _answer_system(instrument, item), "code": str(value)}
    if label:
        coding["display"] = label
    return coding


def _questionnaire_item(instrument: Instrument, item: Item) -> dict:
    entry = {"linkId": item.key, "required": item.required}
    if item.key in ITEM_LOINC:
        entry["code"] = [{"system": LOINC, "code": ITEM_LOINC[item.key]}]
    entry["text"] = item.text
    if _is_number_scale(item):
        entry["type"] = "integer"
        entry["extension"] = [
            {"url": MIN_VALUE, "valueInteger": item.options[0].value},
            {"url": MAX_VALUE, "valueInteger": item.options[-1].value},
        ]
        return entry
    entry["type"] = "choice"
    entry["answerOption"] = [
        {
            "valueCoding": _coding(instrument, item, option.value),
            "extension": [{"url": ORDINAL_VALUE, "valueDecimal": option.value}],
        }
        for option in item.options
    ]
    return entry


def _total_item(instrument: Instrument) -> dict:
    entry = {"linkId": "total", "text": "Total score", "type": "decimal", "readOnly": True}
    if instrument.key in TOTAL_LOINC:
        code, display = TOTAL_LOINC[instrument.key]
        entry["code"] = [{"system": LOINC, "code": code, "display": display}]
    return entry


def questionnaire(instrument: Instrument, version: str) -> dict:
    resource = {
        "resourceType": "Questionnaire",
        "id": _questionnaire_id(instrument.key, version),
        "url": questionnaire_url(instrument.key),
        "version": version,
        "name": "".join(ch for ch in instrument.short_title.title() if ch.isalnum()) or instrument.key,
        "title": instrument.title,
        "status": "active",
        "subjectType": ["Patient"],
        "publisher": "Steady",
        "copyright": instrument.licence,
    }
    if instrument.key in PANEL_LOINC:
        code, display = PANEL_LOINC[instrument.key]
        resource["code"] = [{"system": LOINC, "code": code, "display": display}]
    # A licence-gated instrument whose wording is not installed has no items in code: it is described
    # by its name and total only, and its wording is never exported.
    items = [_questionnaire_item(instrument, item) for item in instrument.items]
    if instrument.total_min is not None:
        items.append(_total_item(instrument))
    if items:
        resource["item"] = items
    return resource


def _questionnaire_id(key: str, version: str) -> str:
    # FHIR ids: [A-Za-z0-9-.]{1,64}. Versions are ours, but make sure.
    raw = f"{key}-{version}".replace("_", "-")
    cleaned = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-.") else "-" for ch in raw)
    return cleaned[:64]


# --- QuestionnaireResponse ----------------------------------------------------------------------


def _answers_by_item(instrument: Instrument, answers) -> Iterator[tuple[Item, int]]:
    """(item, value) for every answered item: stored as a mapping by item key, or a list in item order."""
    for index, item in enumerate(instrument.items):
        if isinstance(answers, dict):
            value = answers.get(item.key)
        elif isinstance(answers, list) and index < len(answers):
            value = answers[index]
        else:
            value = None
        if isinstance(value, int) and not isinstance(value, bool):
            yield item, value


def questionnaire_response(instrument: Instrument, assessment: Assessment, key: bytes) -> dict:
    items = []
    for item, value in _answers_by_item(instrument, assessment.answers):
        answer = (
            {"valueInteger": value} if _is_number_scale(item) else {"valueCoding": _coding(instrument, item, value)}
        )
        items.append({"linkId": item.key, "answer": [answer]})
    if assessment.total is not None and instrument.total_min is not None:
        items.append({"linkId": "total", "answer": [{"valueDecimal": assessment.total}]})
    resource = {
        "resourceType": "QuestionnaireResponse",
        "id": pseudonym(f"assessment:{assessment.code}", key),
        "extension": [{"url": f"{fhir_base()}/StructureDefinition/occasion", "valueString": assessment.occasion}],
        "questionnaire": f"{questionnaire_url(instrument.key)}|{assessment.instrument_version}",
        "status": "completed",
        "subject": {
            "type": "Patient",
            "identifier": {
                "system": f"{fhir_base()}/sid/patient-pseudonym",
                "value": pseudonym(str(assessment.enrollment_code), key),
            },
        },
        "authored": assessment.submitted_at.isoformat(),
    }
    if items:
        resource["item"] = items
    return resource


# --- Bundle -------------------------------------------------------------------------------------


def clinic_assessments(clinic: Clinic) -> Iterable[Assessment]:
    """Completed assessments of the clinic's enrolments (withdrawn ones left out), oldest first."""
    return (
        Assessment.objects.filter(
            enrollment__clinic=clinic, status=Assessment.Status.COMPLETED, submitted_at__isnull=False
        )
        .exclude(enrollment__status=Enrollment.Status.WITHDRAWN)
        .annotate(enrollment_code=F("enrollment__code"))
        .only("code", "instrument_key", "instrument_version", "occasion", "answers", "total", "submitted_at")
        .order_by("submitted_at", "pk")
        .iterator(chunk_size=1000)
    )


def clinic_bundle(clinic: Clinic) -> Bundle:
    """The clinic's Bundle, validated by fhir.resources (raises pydantic.ValidationError if invalid)."""
    key = pseudonym_key()
    questionnaires: dict[tuple[str, str], dict] = {}
    responses = []
    for assessment in clinic_assessments(clinic):
        if assessment.instrument_key not in REGISTRY:
            continue  # an instrument no longer in code cannot be described
        instrument = get_instrument(assessment.instrument_key)
        version = assessment.instrument_version or instrument.version
        if (instrument.key, version) not in questionnaires:
            questionnaires[instrument.key, version] = questionnaire(instrument, version)
        responses.append(questionnaire_response(instrument, assessment, key))
    entries = [
        {"fullUrl": f"{fhir_base()}/{resource['resourceType']}/{resource['id']}", "resource": resource}
        for resource in [*questionnaires.values(), *responses]
    ]
    return Bundle.model_validate(
        {
            "resourceType": "Bundle",
            "type": "collection",
            "timestamp": timezone.now().isoformat(),
            "entry": entries or None,
        }
    )


def bundle_json(bundle: Bundle) -> str:
    # Round-tripped through json for stable, readable output (two-space indents, no nulls).
    return json.dumps(json.loads(bundle.model_dump_json(exclude_none=True)), indent=2, ensure_ascii=False) + "\n"
