"""Steady's outcome instruments: wording, scoring, bands, direction, licence notes and change constants.

    from outcomes.instruments import get_instrument
    score = get_instrument("phq9").score([1, 0, 2, 1, 0, 0, 1, 0, 0])
    score.total, score.band, score.flags  # 5, "mild", frozenset()

Use `get_instrument()` rather than `REGISTRY` directly: for a licence-gated instrument (PSEQ) it returns
the copy with the licence holder's installed wording, while `REGISTRY` holds the bare definition, which
scores answers but has no wording (`available` False).

An unknown key raises KeyError (a programming or data error, like a missing dict key).
"""

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from outcomes.instruments.adverse_events import ADVERSE_EVENTS
from outcomes.instruments.base import (
    HIGHER_IS_BETTER,
    HIGHER_IS_WORSE,
    Band,
    Instrument,
    InstrumentTextError,
    InstrumentUnavailable,
    Item,
    Option,
    ReliableChange,
    Score,
)
from outcomes.instruments.gad7 import GAD7
from outcomes.instruments.k10 import K10
from outcomes.instruments.nrs import NRS_FATIGUE, NRS_PAIN
from outcomes.instruments.peg3 import PEG3
from outcomes.instruments.pgic import PGIC
from outcomes.instruments.phq9 import PHQ9
from outcomes.instruments.pseq import PSEQ
from outcomes.instruments.satisfaction import SATISFACTION
from outcomes.instruments.who5 import WHO5

__all__ = [
    "HIGHER_IS_BETTER",
    "HIGHER_IS_WORSE",
    "REGISTRY",
    "Band",
    "Instrument",
    "InstrumentTextError",
    "InstrumentUnavailable",
    "Item",
    "Option",
    "ReliableChange",
    "Score",
    "all_instruments",
    "available_instruments",
    "get_instrument",
]

REGISTRY: Mapping[str, Instrument] = MappingProxyType(
    {
        instrument.key: instrument
        for instrument in (
            PHQ9,
            GAD7,
            PEG3,
            NRS_PAIN,
            NRS_FATIGUE,
            K10,
            WHO5,
            PGIC,
            PSEQ,
            SATISFACTION,
            ADVERSE_EVENTS,
        )
    }
)


def get_instrument(key: str) -> Instrument:
    try:
        instrument = REGISTRY[key]
    except KeyError:
        raise KeyError(f"unknown instrument {key!r}; known: {', '.join(REGISTRY)}") from None
    return instrument.with_installed_wording()


def all_instruments() -> list[Instrument]:
    """Every instrument, licence-gated ones included (with their wording if installed), in registry order."""
    return [get_instrument(key) for key in REGISTRY]


def available_instruments(enabled_keys: Iterable[str] = ()) -> list[Instrument]:
    """The instruments a clinic may use.

    Free instruments always; a licence-gated one only if its key is in `enabled_keys` (the clinic has
    recorded that it holds the licence) and its wording is installed. Which of these a patient is actually
    asked is the measurement plan's business, not this function's.
    """
    if isinstance(enabled_keys, str):
        raise TypeError("enabled_keys is a collection of keys, not one string")
    enabled = set(enabled_keys)
    available = []
    for key, instrument in REGISTRY.items():
        if instrument.licence_gated and key not in enabled:
            continue
        instrument = get_instrument(key)
        if instrument.available:
            available.append(instrument)
    return available
