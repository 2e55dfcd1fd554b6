"""Building blocks of an outcome instrument: options, items, bands, scores and the Instrument itself.

The clinical content (wording, cut-points, constants, licence notes, each with its source beside it)
lives in one module per instrument; this module only validates answers and applies those rules, so
the rules can be read in one place per instrument.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

HIGHER_IS_WORSE = "higher_is_worse"
HIGHER_IS_BETTER = "higher_is_better"
DIRECTIONS = (HIGHER_IS_WORSE, HIGHER_IS_BETTER)

type Answer = int | None
type Total = int | float | None


class InstrumentTextError(ValueError):
    """The wording file a licence holder installs for a licence-gated instrument is missing or malformed."""


class InstrumentUnavailable(Exception):
    """A licence-gated instrument was asked for its wording, which is not installed."""


@dataclass(frozen=True)
class Option:
    value: int
    label: str


@dataclass(frozen=True)
class Item:
    key: str
    text: str
    options: tuple[Option, ...]
    # scored=False: asked and stored, never passed to score() (PHQ-9's difficulty item).
    scored: bool = True
    # required=False: the patient may leave it blank; score() then takes None in its place.
    required: bool = True

    @property
    def values(self) -> frozenset[int]:
        return frozenset(option.value for option in self.options)


@dataclass(frozen=True)
class Band:
    """An inclusive range of totals and its lower-case label."""

    low: float
    high: float
    label: str


@dataclass(frozen=True)
class Score:
    total: Total
    band: str | None
    flags: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ReliableChange:
    """Jacobson & Truax constants for one instrument, with the paper and sample they come from."""

    sd: float
    reliability: float
    source: str

    def __post_init__(self):
        if not self.sd > 0:
            raise ValueError(f"reliable change: SD must be positive, got {self.sd}")
        if not 0 <= self.reliability < 1:
            raise ValueError(f"reliable change: reliability must be in [0, 1), got {self.reliability}")
        if not self.source.strip():
            raise ValueError("reliable change: constants need their source (paper and sample)")

    @property
    def s_diff(self) -> float:
        # Jacobson & Truax (1991): SE = SD * sqrt(1 - r); S_diff = sqrt(2 * SE^2) = SD * sqrt(2) * sqrt(1 - r).
        # http://psyctc.org/stats/rcsc1.htm (instruments.md 3.1 [V])
        return self.sd * math.sqrt(2) * math.sqrt(1 - self.reliability)


# Rules an instrument is built from. Each takes the validated answers (a tuple, item order).


def sum_total(answers: tuple[Answer, ...]) -> int:
    return sum(answers)


def mean_total(answers: tuple[Answer, ...]) -> float:
    # The exact mean: no published rounding rule for PEG (instruments.md 2.3), so nothing is rounded here.
    return sum(answers) / len(answers)


def single_total(answers: tuple[Answer, ...]) -> int:
    return answers[0]


def no_total(answers: tuple[Answer, ...]) -> None:
    return None


def no_flags(answers: tuple[Answer, ...]) -> frozenset[str]:
    return frozenset()


def generic_explanation(score: Score) -> str:
    return "Thank you for your answers. Your therapist will look at them with you."


@dataclass(frozen=True)
class Instrument:
    key: str
    # Stored with every answer set: changes whenever wording, options or scoring change.
    version: str
    title: str
    short_title: str
    # The stem shown above the items ("Over the last 2 weeks, how often ..."); may be empty.
    preamble: str
    recall: str
    # Licence status and its source (instruments.md section 4).
    licence: str
    # True: disabled until a clinic records that it holds the licence, and the wording is installed.
    licence_gated: bool
    direction: str
    items: tuple[Item, ...]
    bands: tuple[Band, ...]
    # None: reliable change stays off until constants are recorded with their source (instruments.md 3.1).
    reliable_change: ReliableChange | None
    total_min: float | None
    total_max: float | None
    total_rule: Callable[[tuple[Answer, ...]], Total] = sum_total
    flags_rule: Callable[[tuple[Answer, ...]], frozenset[str]] = no_flags
    # Extra validation across items (raises ValueError), e.g. "how much did it bother you" without a "yes".
    cross_check: Callable[[tuple[Answer, ...]], None] | None = None
    explainer: Callable[[Score], str] = generic_explanation
    # False for questionnaires that are reported, not tracked over time (PGIC, satisfaction, adverse events).
    tracks_change: bool = True
    # Licence-gated instruments only: the allowed values of each scored item, so scoring works without
    # the wording; the loader returns a copy with the installed wording (or the reason it has none).
    scored_values: tuple[frozenset[int], ...] = ()
    wording_loader: Callable[[Instrument], Instrument] | None = None
    unavailable_reason: str = ""

    def __post_init__(self):
        if self.direction not in DIRECTIONS:
            raise ValueError(f"{self.key}: direction must be one of {DIRECTIONS}, got {self.direction!r}")
        if self.licence_gated and (self.wording_loader is None or not self.scored_values):
            raise ValueError(f"{self.key}: a licence-gated instrument needs scored_values and a wording_loader")
        if not self.licence_gated and not self.items:
            raise ValueError(f"{self.key}: an instrument that is free to use has its items in code")

    @property
    def higher_is_better(self) -> bool:
        return self.direction == HIGHER_IS_BETTER

    @property
    def available(self) -> bool:
        """True when the wording is there to show; free instruments always, gated ones once installed."""
        return bool(self.items)

    def ensure_available(self) -> None:
        if not self.available:
            raise InstrumentUnavailable(self.unavailable_reason or f"{self.title} is not available")

    def with_installed_wording(self) -> Instrument:
        return self.wording_loader(self) if self.wording_loader else self

    @cached_property
    def scored_items(self) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.scored)

    @cached_property
    def _answer_spec(self) -> tuple[tuple[str, frozenset[int], bool], ...]:
        """(name for messages, allowed values, required) for each scored item, in order."""
        if self.items:
            return tuple(
                (f"{self.short_title} item {n} ({item.key})", item.values, item.required)
                for n, item in enumerate(self.scored_items, start=1)
            )
        return tuple(
            (f"{self.short_title} item {n}", values, True) for n, values in enumerate(self.scored_values, start=1)
        )

    def score(self, values: Sequence[Answer]) -> Score:
        """Score the answers to the scored items, in item order. Raises ValueError on any invalid input."""
        answers = self._validated(values)
        total = self.total_rule(answers)
        return Score(total=total, band=self.band_for(total), flags=self.flags_rule(answers))

    def _validated(self, values: Sequence[Answer]) -> tuple[Answer, ...]:
        if isinstance(values, str | bytes) or not isinstance(values, Sequence):
            raise ValueError(f"{self.short_title}: answers must be a list in item order, got {type(values).__name__}")
        spec = self._answer_spec
        if len(values) != len(spec):
            raise ValueError(f"{self.short_title} takes {len(spec)} scored answers, got {len(values)}")
        for (name, allowed, required), value in zip(spec, values, strict=True):
            if value is None:
                if required:
                    raise ValueError(f"{name} has no answer")
                continue
            # bool is a subclass of int: True must not pass as 1.
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{name}: {value!r} is not a whole number")
            if value not in allowed:
                raise ValueError(f"{name}: {value} is not one of {', '.join(map(str, sorted(allowed)))}")
        answers = tuple(values)
        if self.cross_check is not None:
            self.cross_check(answers)
        return answers

    def band_for(self, total: Total) -> str | None:
        if total is None or not self.bands:
            return None
        for band in self.bands:
            if band.low <= total <= band.high:
                return band.label
        raise ValueError(f"{self.short_title}: total {total} is outside {self.total_min}-{self.total_max}")

    def explain(self, score: Score) -> str:
        """One or two plain sentences for the patient. Never the safety response itself: that is the caller's."""
        return self.explainer(score)


def number_options(low: int, high: int, low_label: str, high_label: str) -> tuple[Option, ...]:
    """A 0-10 style numeric scale: the ends carry their anchors, the middle values their number."""
    labels = {low: low_label, high: high_label}
    return tuple(Option(value, labels.get(value, str(value))) for value in range(low, high + 1))


def format_total(total: float) -> str:
    """A total for patients: whole numbers as they are, means to one decimal place (display only)."""
    return str(int(total)) if float(total).is_integer() else f"{total:.1f}"
