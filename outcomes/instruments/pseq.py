"""PSEQ: Pain Self-Efficacy Questionnaire (Nicholas 2007). Licence-gated: its wording is not in this repository.

Its licence is unclear (instruments.md section 4), so the item texts, stem and option labels are never
stored here. Scoring needs only the shape of the answers (10 items, 0-6 each), so it works without them.
The wording is read at run time from a JSON file the licence holder installs, named by the Django setting
STEADY_PSEQ_ITEMS_FILE (unset: not installed):

    {"version": "<their form's version>",
     "preamble": "<the stem>",
     "items": ["<item 1>", ..., "<item 10>"],
     "options": [[0, "<label for 0>"], [1, "<label for 1>"], ..., [6, "<label for 6>"]]}

`get_instrument("pseq")` returns a copy with that wording (`available` True), or with no items and the
reason in `unavailable_reason` (`available` False). A clinic also has to record that it holds the licence
(`available_instruments(enabled_keys)`).
"""

import json
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from django.conf import settings

from outcomes.instruments.base import (
    HIGHER_IS_BETTER,
    Band,
    Instrument,
    InstrumentTextError,
    Item,
    Option,
    Score,
)

SETTING = "STEADY_PSEQ_ITEMS_FILE"

# 10 items scored 0-6, summed 0-60, higher is better [S]
# https://measurely.com.au/outcome-measures/pain-self-efficacy-questionnaire/ ; Nicholas MK. The pain
# self-efficacy questionnaire: taking pain into account. Eur J Pain 2007;11:153-163.
# https://studylib.net/doc/25456042/nicholas2007
N_ITEMS = 10
VALUES = tuple(range(7))


@dataclass(frozen=True)
class Wording:
    version: str
    preamble: str
    items: tuple[Item, ...]


def load_wording(path: str | Path) -> Wording:
    """Read and check an installed wording file. Raises InstrumentTextError saying what is wrong."""
    path = Path(path)
    try:
        stat = path.stat()
    except OSError:
        raise InstrumentTextError(f"PSEQ wording file {path} does not exist or cannot be read") from None
    # Keyed on the modification time and size, so replacing the file takes effect without a restart.
    return _load(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=4)
def _load(path: str, mtime_ns: int, size: int) -> Wording:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise InstrumentTextError(f"PSEQ wording file {path} cannot be read: {error}") from None
    except ValueError as error:  # JSONDecodeError and UnicodeDecodeError
        raise InstrumentTextError(f"PSEQ wording file {path} is not valid JSON: {error}") from None
    try:
        return parse_wording(data)
    except InstrumentTextError as error:
        raise InstrumentTextError(f"PSEQ wording file {path}: {error}") from None


def parse_wording(data: object) -> Wording:
    if not isinstance(data, dict):
        raise InstrumentTextError("expected a JSON object with version, preamble, items and options")
    missing = [key for key in ("version", "preamble", "items", "options") if key not in data]
    if missing:
        raise InstrumentTextError(f"missing {', '.join(missing)}")
    version, preamble, texts, options = data["version"], data["preamble"], data["items"], data["options"]
    if not isinstance(version, str) or not version.strip():
        raise InstrumentTextError("version must be a non-empty string")
    if not isinstance(preamble, str):
        raise InstrumentTextError("preamble must be a string")
    if not isinstance(texts, list) or len(texts) != N_ITEMS:
        count = len(texts) if isinstance(texts, list) else type(texts).__name__
        raise InstrumentTextError(f"items must be a list of {N_ITEMS} texts, got {count}")
    if not all(isinstance(text, str) and text.strip() for text in texts):
        raise InstrumentTextError("every item must be a non-empty string")
    return Wording(
        version=version.strip(),
        preamble=preamble.strip(),
        items=tuple(Item(f"pseq_{n}", text.strip(), _options(options)) for n, text in enumerate(texts, start=1)),
    )


def _options(options: object) -> tuple[Option, ...]:
    problem = f"options must be {len(VALUES)} [value, label] pairs for the values 0 to 6, in order"
    if not isinstance(options, list) or len(options) != len(VALUES):
        raise InstrumentTextError(problem)
    parsed = []
    for expected, pair in zip(VALUES, options, strict=True):
        if not (isinstance(pair, list) and len(pair) == 2):
            raise InstrumentTextError(problem)
        value, label = pair
        if isinstance(value, bool) or value != expected or not isinstance(label, str) or not label.strip():
            raise InstrumentTextError(problem)
        parsed.append(Option(expected, label.strip()))
    return tuple(parsed)


def with_installed_wording(instrument: Instrument) -> Instrument:
    # Always built from the bare PSEQ below, so loading twice never stacks version suffixes.
    path = getattr(settings, SETTING, None)
    if not path:
        return replace(
            PSEQ,
            unavailable_reason=(
                f"The PSEQ is licence-gated and its wording is not installed: the licence holder sets {SETTING} "
                "to their wording file."
            ),
        )
    try:
        wording = load_wording(path)
    except InstrumentTextError as error:
        return replace(PSEQ, unavailable_reason=str(error))
    return replace(
        PSEQ,
        version=f"{PSEQ.version}+{wording.version}",
        preamble=wording.preamble,
        items=wording.items,
        unavailable_reason="",
    )


_FINDINGS = {
    "minimal": "Your answers suggest you feel confident doing things even when you are in pain.",
    "mild": "Your answers suggest you feel fairly confident doing things when you are in pain.",
    "moderate": "Your answers suggest you feel less confident doing things when you are in pain.",
    "severe": "Your answers suggest you do not feel confident doing things when you are in pain.",
}


def explain(score: Score) -> str:
    if score.band == "minimal":
        return _FINDINGS["minimal"]
    return f"{_FINDINGS[score.band]} Your therapist will look at this with you."


PSEQ = Instrument(
    key="pseq",
    # "+<file version>" is appended when the licence holder's wording is installed.
    version="pseq-10x0to6-sum-1",
    title="Pain Self-Efficacy Questionnaire (PSEQ)",
    short_title="PSEQ",
    preamble="",
    recall="now (current confidence)",
    licence=(
        "Unclear: a wiki says free [S], no primary statement found [NV]; ask M. Nicholas (University of Sydney). "
        "Disabled until a clinic records that it holds the licence; the wording is installed by the licence "
        "holder and is not in this repository. Source: "
        "https://www.physio-pedia.com/index.php?oldid=300460&title=Pain_Self-Efficacy_Questionnaire_%28PSEQ%29"
    ),
    licence_gated=True,
    direction=HIGHER_IS_BETTER,
    items=(),
    # ePPOC bands, published as lower bounds 0/20/31/41 [S]
    # https://measurely.com.au/outcome-measures/pain-self-efficacy-questionnaire/ ; the upper bounds are
    # inferred from the next lower bound [NV: confirm in the ePPOC manual].
    bands=(
        Band(0, 19, "severe"),
        Band(20, 30, "moderate"),
        Band(31, 40, "mild"),
        Band(41, 60, "minimal"),
    ),
    # Off: SD and reliability "not yet sourced [NV]" (instruments.md 3.1). Meaningful change uses the ePPOC
    # rule (>= 7 points and a change of band, outcomes/change.py); MDC95 = 11.52 (Dube 2021) is secondary [S].
    reliable_change=None,
    total_min=0,
    total_max=60,
    explainer=explain,
    scored_values=tuple(frozenset(VALUES) for _ in range(N_ITEMS)),
    wording_loader=with_installed_wording,
)
