"""Single 0-10 numeric rating scales: average pain (`nrs_pain`) and fatigue (`nrs_fatigue`), past week."""

from outcomes.instruments.base import HIGHER_IS_WORSE, Instrument, Item, Score, number_options, single_total
from outcomes.instruments.peg3 import PAIN

# Pain: 0 = no pain, 10 = worst pain (PI-NRS, Farrar et al. 2001) [V]
# https://it.scribd.com/document/439710622/global-impression-of-change-score-pdf ; one-week recall agreed by
# 96 % in a core-outcome Delphi [V] https://pmc.ncbi.nlm.nih.gov/articles/PMC5828378 . The question and
# anchors are the PEG's pain item (Krebs 2009, peg3.py), so patients who answer both see the same wording.
PAIN_ITEM = Item("nrs_pain", "What number best describes your pain on average in the past week?", PAIN)

# Fatigue: Steady's own item and anchors, written to mirror the pain item; unsourced [NV] (instruments.md 2.5).
FATIGUE_ITEM = Item(
    "nrs_fatigue",
    "What number best describes how tired you have felt on average in the past week?",
    number_options(0, 10, "Not tired at all", "As tired as you can imagine"),
)

_NO_OWNER = "Generic item; no owner found (instruments.md section 4)."


def explain_pain(score: Score) -> str:
    return f"You rated your pain in the past week as {score.total} out of 10."


def explain_fatigue(score: Score) -> str:
    return f"You rated how tired you have felt in the past week as {score.total} out of 10."


NRS_PAIN = Instrument(
    key="nrs_pain",
    version="nrs-pain-avg-week-1",
    title="Average pain in the past week (0-10)",
    short_title="Pain (0-10)",
    preamble="",
    recall="the past week",
    licence=_NO_OWNER,
    licence_gated=False,
    direction=HIGHER_IS_WORSE,
    items=(PAIN_ITEM,),
    # No bands: DESIGN shows the answer and its IMMPACT percentage change.
    bands=(),
    # Off: no sourced SD and test-retest reliability for this wording (instruments.md 3.1 [NV]).
    reliable_change=None,
    total_min=0,
    total_max=10,
    total_rule=single_total,
    explainer=explain_pain,
)

NRS_FATIGUE = Instrument(
    key="nrs_fatigue",
    version="steady-nrs-fatigue-avg-week-1",
    title="Tiredness in the past week (0-10)",
    short_title="Tiredness (0-10)",
    preamble="",
    recall="the past week",
    licence="Steady's own item. " + _NO_OWNER,
    licence_gated=False,
    direction=HIGHER_IS_WORSE,
    items=(FATIGUE_ITEM,),
    # No bands. IMMPACT's percentage thresholds were set for pain; using them for fatigue is Steady's
    # convention (instruments.md 2.5).
    bands=(),
    # Off: a Steady-written item has no published reliability.
    reliable_change=None,
    total_min=0,
    total_max=10,
    total_rule=single_total,
    explainer=explain_fatigue,
)
