"""K10: Kessler Psychological Distress Scale, scored 1-5 per item (10-50) as the ABS does."""

from outcomes.instruments.base import HIGHER_IS_WORSE, Band, Instrument, Item, Option, Score

# Wording: Kessler RC, Andrews G, Colpe LJ, et al. Short screening scales to monitor population prevalences
# and trends in non-specific psychological distress. Psychol Med 2002;32:959-976 (30-day stem) [V]
# https://doi.org/10.1017/S0033291702006074 (via CLOSER-Cohorts/discovery-customisations `pages/kessler.md`),
# in the usual K10 item order. Australian forms say "in the past 4 weeks" [S]: the version says which one.
# Scoring 1-5 per item and the bands: Australian Bureau of Statistics [V]
# http://abs.gov.au/ausstats/abs@.nsf/Lookup/34333D54F054CE51CA2579D50015D786 . The US 0-4 scoring (0-40)
# must never be mixed with these bands (same page).
OPTIONS = (
    Option(1, "None of the time"),
    Option(2, "A little of the time"),
    Option(3, "Some of the time"),
    Option(4, "Most of the time"),
    Option(5, "All of the time"),
)

# Each text completes the preamble ("During the last 30 days, about how often did you feel ...").
ITEMS = (
    Item("k10_1", "tired out for no good reason?", OPTIONS),
    Item("k10_2", "nervous?", OPTIONS),
    Item("k10_3", "so nervous that nothing could calm you down?", OPTIONS),
    Item("k10_4", "hopeless?", OPTIONS),
    Item("k10_5", "restless or fidgety?", OPTIONS),
    Item("k10_6", "so restless you could not sit still?", OPTIONS),
    Item("k10_7", "depressed?", OPTIONS),
    Item("k10_8", "that everything was an effort?", OPTIONS),
    Item("k10_9", "so sad that nothing could cheer you up?", OPTIONS),
    Item("k10_10", "worthless?", OPTIONS),
)

_FINDINGS = {
    "low": "Your answers suggest low levels of distress in the last 30 days.",
    "moderate": "Your answers suggest some distress in the last 30 days.",
    "high": "Your answers suggest quite a lot of distress in the last 30 days.",
    "very high": "Your answers suggest you have been feeling a lot of distress in the last 30 days.",
}


def explain(score: Score) -> str:
    if score.band == "low":
        return _FINDINGS["low"]
    return f"{_FINDINGS[score.band]} Your therapist will look at this with you."


K10 = Instrument(
    key="k10",
    # "30d": the Kessler 2002 stem; "1to5": ABS scoring.
    version="k10-kessler2002-30d-1to5-1",
    title="Kessler Psychological Distress Scale (K10)",
    short_title="K10",
    preamble="During the last 30 days, about how often did you feel ...",
    recall="the last 30 days",
    # "does not require any formal permission"; cite and include the copyright [V].
    licence=(
        "Free to use: does not require any formal permission; cite Kessler et al. (2002) and keep the copyright "
        "notice. Source: https://www.hcp.med.harvard.edu/ncs/k6_scales.php"
    ),
    licence_gated=False,
    direction=HIGHER_IS_WORSE,
    items=ITEMS,
    # ABS groups [V]. Other cut-offs (10-19/20-24/25-29/30-50) exist [S]; Steady uses the ABS ones.
    bands=(
        Band(10, 15, "low"),
        Band(16, 21, "moderate"),
        Band(22, 29, "high"),
        Band(30, 50, "very high"),
    ),
    # Off: SD and reliability "not yet sourced [NV]" (instruments.md 3.1).
    reliable_change=None,
    total_min=10,
    total_max=50,
    # Every item is required, so the PMHC rule for one missing item (round(sum / 9 * 10), instruments.md 2.6)
    # never applies here.
    explainer=explain,
)
