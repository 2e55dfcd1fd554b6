"""Notes that apps above modules show beside a patient's exercises (guidance: the therapist's feedback).

modules owns the module pages but may not import guidance, so guidance registers a function at
start-up: ``(enrollment, module) -> [ExerciseNote]``, costing one query. A note with no exercise is
about the module as a whole and shows on the module's last page.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ExerciseNote:
    exercise_id: int | None
    author_name: str
    at: datetime.datetime
    body: str


_PROVIDERS: list[Callable] = []


def register_exercise_notes(provider: Callable) -> None:
    if provider not in _PROVIDERS:  # ready() can run twice in some test set-ups
        _PROVIDERS.append(provider)


def exercise_notes(enrollment, module) -> list[ExerciseNote]:
    notes = []
    for provider in _PROVIDERS:
        notes.extend(provider(enrollment, module))
    return sorted(notes, key=lambda note: note.at)
