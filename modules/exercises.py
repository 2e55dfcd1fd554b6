"""Saving what patients type into exercises, and the blocks a module page shows.

The forms, their two levels of checking (save and submit) and the stored data shapes are in
modules.exercise_forms; modules/content/README.md specifies the kinds.
"""

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from clinics.models import Enrollment
from clinics.services import audit_log
from modules.exercise_forms import FORMS, ExerciseForm, form_for, summary_rows, validate_config
from modules.models import EngagementEvent, Exercise, ExerciseResponse, Page

__all__ = [
    "FORMS",
    "ExerciseBlock",
    "ExerciseForm",
    "SaveConflict",
    "exercise_blocks",
    "form_for",
    "response_save",
    "response_submit",
    "summary_rows",
    "validate_config",
]


class SaveConflict(Exception):
    """The answer was saved elsewhere (another window or tab) since this one was loaded.

    ``response`` is what is stored now; it may be unsaved (version 0) if nothing is stored yet.
    """

    def __init__(self, response: ExerciseResponse):
        super().__init__("The answer was changed in another window or tab.")
        self.response = response


# --- Saving and submitting --------------------------------------------------------------------------


def _locked_response(enrollment: Enrollment, exercise: Exercise) -> ExerciseResponse | None:
    return ExerciseResponse.objects.select_for_update().filter(enrollment=enrollment, exercise=exercise).first()


def _write(*, enrollment, exercise, data: dict, base_version: int, submit: bool) -> ExerciseResponse:
    """Save ``data`` over ``base_version``, inside the caller's transaction; see response_save."""
    now = timezone.now()
    response = _locked_response(enrollment, exercise)
    if response is None:
        if base_version != 0:
            raise SaveConflict(ExerciseResponse(enrollment=enrollment, exercise=exercise, data={}, version=0))
        try:
            with transaction.atomic():
                return ExerciseResponse.objects.create(
                    enrollment=enrollment,
                    exercise=exercise,
                    data=data,
                    version=1,
                    saved_at=now,
                    submitted_at=now if submit else None,
                )
        except IntegrityError:
            # The first save of another tab (or a double click) made the row a moment ago.
            response = _locked_response(enrollment, exercise)
            if response is None:
                raise
    # The same answer saved twice is no conflict: nothing would be lost. This happens each time
    # someone presses Submit straight after typing: leaving the field autosaves it first.
    if response.version != base_version and response.data != data:
        raise SaveConflict(response)
    response.data = data
    response.version += 1
    response.saved_at = now
    fields = ["data", "version", "saved_at"]
    if submit:
        response.submitted_at = now
        fields.append("submitted_at")
    response.save(update_fields=fields)
    return response


def response_save(
    *, enrollment: Enrollment, exercise: Exercise, data: dict, base_version: int, request=None
) -> ExerciseResponse:
    """Save a patient's (possibly unfinished) answer; ``SaveConflict`` if another tab saved first.

    ``base_version`` is the version the patient's form was built from (0: nothing saved yet).
    Every save is a write of health data, so each one, autosaves included, is audited once.
    """
    with transaction.atomic():
        response = _write(enrollment=enrollment, exercise=exercise, data=data, base_version=base_version, submit=False)
        audit_log(
            actor=enrollment.patient, action="modules.exercise.saved", enrollment=enrollment, target=response,
            request=request,
        )  # fmt: skip
    return response


def response_submit(
    *, enrollment: Enrollment, exercise: Exercise, data: dict, base_version: int, request=None
) -> ExerciseResponse:
    """Save a complete answer and send it to the therapist (again, if it was sent before)."""
    with transaction.atomic():
        response = _write(enrollment=enrollment, exercise=exercise, data=data, base_version=base_version, submit=True)
        EngagementEvent.objects.create(
            enrollment=enrollment,
            kind=EngagementEvent.Kind.EXERCISE_SUBMITTED,
            module_id=exercise.module_id,
            object_id=exercise.slug,
            at=response.submitted_at,
        )
        audit_log(
            actor=enrollment.patient,
            action="modules.exercise.submitted",
            enrollment=enrollment,
            target=response,
            request=request,
        )
    return response


# --- Reading ----------------------------------------------------------------------------------------


@dataclass
class ExerciseBlock:
    """One exercise as shown on a page: the form, the stored answer, and the version it is based on."""

    exercise: Exercise
    response: ExerciseResponse | None
    form: ExerciseForm
    version: int = 0


def exercise_blocks(enrollment: Enrollment, page: Page) -> list[ExerciseBlock]:
    """The exercises on ``page`` with the patient's answers, in two queries however many there are."""
    exercises = list(page.exercises.order_by("pk"))  # the order they were loaded in: the YAML's
    if not exercises:
        return []
    responses = {
        r.exercise_id: r for r in ExerciseResponse.objects.filter(enrollment=enrollment, exercise__in=exercises)
    }
    blocks = []
    for exercise in exercises:
        response = responses.get(exercise.pk)
        stored = response.data if response else None
        blocks.append(
            ExerciseBlock(exercise, response, form_for(exercise, stored=stored), response.version if response else 0)
        )
    return blocks
