"""Answering a questionnaire: the form, saving progress, and submitting (scored once, in one transaction).

Answers are health data: nothing here logs them. Each saved or submitted answer is audited (who,
which questionnaire, when), never what was answered.
"""

from dataclasses import dataclass
from functools import partial

from django import forms
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from clinics.models import Enrollment
from clinics.services import audit_log
from outcomes import schedule
from outcomes.alerts import deterioration_alert_for, risk_alert_for
from outcomes.instruments import Instrument, InstrumentUnavailable, Item, Score, get_instrument
from outcomes.models import Assessment, Occasion


class AssessmentClosed(Exception):
    """The questionnaire closed (expired) before the answers arrived."""


# --- Access -----------------------------------------------------------------------------------------


def access_own_assessment(enrollment: Enrollment, code) -> Assessment:
    """One of the patient's own questionnaires that is open or answered; anything else is 404.
    (``enrollment`` comes from modules.access.access_own_enrollment, which refuses staff.)"""
    try:
        return Assessment.objects.select_related("enrollment__clinic").get(
            enrollment=enrollment,
            code=code,
            status__in=(Assessment.Status.OPEN, Assessment.Status.COMPLETED),
        )
    except Assessment.DoesNotExist:
        raise Http404("No such questionnaire.") from None


def instrument_for(assessment: Assessment) -> Instrument:
    instrument = get_instrument(assessment.instrument_key)
    try:
        instrument.ensure_available()
    except InstrumentUnavailable:
        raise Http404("This questionnaire is not available.") from None
    return instrument


# --- The form ---------------------------------------------------------------------------------------


class AnswerForm(forms.Form):
    """One radio group per item, in the instrument's order (0-10 scales are eleven radios, never a slider)."""

    def __init__(self, instrument: Instrument, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.instrument = instrument
        numbered = len(instrument.items) > 1
        for number, item in enumerate(instrument.items, start=1):
            self.fields[item.key] = forms.TypedChoiceField(
                label=f"{number}. {item.text}" if numbered else item.text,
                choices=choices_for(item),
                coerce=int,
                empty_value=None,
                required=item.required,
                widget=forms.RadioSelect,
                error_messages={
                    "required": f"Choose an answer for question {number}",
                    "invalid_choice": f"Choose one of the answers shown for question {number}",
                },
            )

    def clean(self):
        data = super().clean()
        if not self.errors:
            try:
                self.instrument.score(scored_values(self.instrument, data))
            except ValueError as error:
                # Answers that do not fit together (an adverse event's "how much" after a "No").
                raise forms.ValidationError(f"Please check your answers: {error}.") from None
        return data


def choices_for(item: Item) -> list[tuple[int, str]]:
    """Radio labels. On a number scale whose ends carry words ("No pain", 1, ..., 9, "Pain as bad as you
    can imagine"), the ends keep their number too: "0 – No pain"."""
    numbered = any(option.label == str(option.value) for option in item.options)
    return [
        (
            option.value,
            f"{option.value} – {option.label}" if numbered and option.label != str(option.value) else option.label,
        )
        for option in item.options
    ]


def scored_values(instrument: Instrument, answers: dict) -> list[int | None]:
    """The answers to the scored items, in item order (PHQ-9's difficulty item is stored, not scored)."""
    return [answers.get(item.key) for item in instrument.scored_items]


def valid_partial(instrument: Instrument, data) -> dict[str, int]:
    """The answers in ``data`` that are one of their item's values; anything else is left out."""
    answers = {}
    for item in instrument.items:
        raw = data.get(item.key)
        if raw is None:
            continue
        try:
            value = int(str(raw))
        except ValueError:
            continue
        if value in item.values:
            answers[item.key] = value
    return answers


# --- Writes -----------------------------------------------------------------------------------------


@transaction.atomic
def assessment_save_progress(*, assessment: Assessment, progress: dict[str, int], request=None) -> bool:
    """Keep the answers chosen so far (validated values only); False if it is no longer open."""
    saved = Assessment.objects.filter(pk=assessment.pk, status=Assessment.Status.OPEN).update(progress=progress)
    if saved:
        assessment.progress = progress
        enrollment = assessment.enrollment
        audit_log(
            actor=enrollment.patient, action="outcomes.assessment.saved", enrollment=enrollment, target=assessment,
            request=request,
        )  # fmt: skip
    return bool(saved)


@dataclass(frozen=True)
class Submitted:
    assessment: Assessment
    created: bool  # False: it had been submitted already (double click, second tab, retry)


def assessment_submit(*, assessment: Assessment, answers: dict[str, int | None], by, request=None) -> Submitted:
    """Store and score the answers once, and raise the alerts they call for, in one transaction.

    The row lock serialises concurrent submits (PostgreSQL; on SQLite the IMMEDIATE transaction holds
    the write lock): the first stores the result, the others find it completed and change nothing.
    Raises ValueError for answers the instrument refuses and AssessmentClosed if it has expired.
    """
    with transaction.atomic():
        locked = (
            Assessment.objects.select_for_update(of=("self",))
            .select_related("enrollment__clinic", "enrollment__therapist")
            .get(pk=assessment.pk)
        )
        if locked.status == Assessment.Status.COMPLETED:
            return Submitted(locked, created=False)
        if locked.status != Assessment.Status.OPEN:
            raise AssessmentClosed("This questionnaire has closed.")
        instrument = get_instrument(locked.instrument_key)
        score = instrument.score(scored_values(instrument, answers))
        locked.answers = {key: value for key, value in answers.items() if value is not None}
        locked.total = score.total
        locked.band = score.band or ""
        locked.flags = sorted(score.flags)
        locked.status = Assessment.Status.COMPLETED
        locked.submitted_at = timezone.now()
        locked.progress = {}
        locked.save(update_fields=["answers", "total", "band", "flags", "status", "submitted_at", "progress"])
        audit_log(
            actor=by, action="outcomes.assessment.submitted", enrollment=locked.enrollment, target=locked,
            request=request,
        )  # fmt: skip
        risk_alert_for(locked)
        deterioration_alert_for(locked)
        if locked.occasion_kind == Occasion.BASELINE:
            # After commit, so the last of two baseline questionnaires sent at once sees both completed.
            # robust: the answers are safe whatever happens here, and schedule_reconcile retries the gate.
            transaction.on_commit(partial(_after_baseline, locked.enrollment_id), robust=True)
    return Submitted(locked, created=True)


def _after_baseline(enrollment_id: int) -> None:
    enrollment = Enrollment.objects.select_related("patient", "clinic", "program").get(pk=enrollment_id)
    if schedule.baseline_done(enrollment):
        schedule.schedule_sync(enrollment)  # lifts module 1's baseline gate


# --- Reads ------------------------------------------------------------------------------------------


def stored_score(assessment: Assessment) -> Score:
    return Score(total=assessment.total, band=assessment.band or None, flags=frozenset(assessment.flags))


def occasion_position(assessment: Assessment) -> tuple[int, int]:
    """(n, of): "Questionnaire n of m" among the occasion's questionnaires that have opened."""
    codes = list(
        Assessment.objects.filter(
            enrollment_id=assessment.enrollment_id,
            occasion=assessment.occasion,
            status__in=(Assessment.Status.OPEN, Assessment.Status.COMPLETED),
        )
        .order_by("position", "pk")
        .values_list("code", flat=True)
    )
    number = codes.index(assessment.code) + 1 if assessment.code in codes else 1
    return number, max(len(codes), number)


def shows_scores(enrollment: Enrollment) -> bool:
    # Clinic has no such setting yet (issue 4): scores are shown until a clinic can turn them off.
    return enrollment.clinic.show_scores_to_patients


def home_panel_context(request, enrollment: Enrollment) -> dict | None:
    """The home page's questionnaire card: how many are open (one query), or nothing."""
    count = Assessment.objects.filter(enrollment=enrollment, status=Assessment.Status.OPEN).count()
    if not count:
        return None
    return {"count": count}
