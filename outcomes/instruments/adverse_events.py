"""Steady's own adverse-event questions: did anything about the programme make the patient feel worse?

Written by Steady in plain language (aimed at a reading age of about 11), not a published scale.
Terpstra et al. (2022) found adverse events in guided iCBT minor; DESIGN asks for them to be collected,
reported and reviewable, not scored into bands.

Scoring: there is no total (None) and no band. The answers are reported as they are, and `flags` carry
what a therapist should see: "adverse_event" for a "Yes", plus "adverse_event_bothersome" when it bothered
the patient "A lot" or "Very much" (Steady's convention, not a published threshold).
"""

from outcomes.instruments.base import HIGHER_IS_WORSE, Instrument, Item, Option, Score, no_total

YES = 1
BOTHERSOME_FROM = 3  # "A lot"

ITEMS = (
    Item(
        "ae_any",
        "Since you started, has anything about the programme made you feel worse?",
        (Option(0, "No"), Option(YES, "Yes")),
    ),
    # Shown only after a "Yes"; the patient may still leave it blank.
    Item(
        "ae_bother",
        "How much did it bother you?",
        (Option(1, "A little"), Option(2, "Some"), Option(BOTHERSOME_FROM, "A lot"), Option(4, "Very much")),
        required=False,
    ),
)


def cross_check(answers):
    happened, bother = answers
    if happened != YES and bother is not None:
        raise ValueError("Adverse events: 'How much did it bother you?' is only answered after a 'Yes'")


def flags(answers):
    happened, bother = answers
    if happened != YES:
        return frozenset()
    if bother is not None and bother >= BOTHERSOME_FROM:
        return frozenset({"adverse_event", "adverse_event_bothersome"})
    return frozenset({"adverse_event"})


def explain(score: Score) -> str:
    if "adverse_event" in score.flags:
        return "Thank you for telling us. Your therapist will read your answers and can talk them through with you."
    return "Thank you for letting us know."


ADVERSE_EVENTS = Instrument(
    key="adverse_events",
    version="steady-adverse-events-1",
    title="Did anything make you feel worse?",
    short_title="Adverse events",
    preamble="",
    recall="since the start of the programme",
    licence="Steady's own questions; no third-party licence.",
    licence_gated=False,
    direction=HIGHER_IS_WORSE,
    items=ITEMS,
    bands=(),
    reliable_change=None,
    total_min=None,
    total_max=None,
    total_rule=no_total,
    flags_rule=flags,
    cross_check=cross_check,
    explainer=explain,
    tracks_change=False,
)
