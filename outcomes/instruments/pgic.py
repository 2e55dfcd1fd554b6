"""PGIC: Patient Global Impression of Change, 7 points from "Very much improved" (1) to "Very much worse" (7)."""

from outcomes.instruments.base import HIGHER_IS_WORSE, Band, Instrument, Item, Option, Score, single_total

# The 7-point scale, "1 = very much improved" to "7 = very much worse"; public domain [V]
# https://www.commondataelements.ninds.nih.gov/report-viewer/25166/Patient%20Global%20Impression%20of%20Change%20Scale
# Middle labels as the CGI-I (2 much improved ... 6 much worse) [S]
# https://www.hypersomniafoundation.org/glossary/clinical-global-impression-improvement-scale/
# Reversed variants exist (e.g. 1 = no change ... 7 = a great deal better) [S]: the version names this one.
OPTIONS = (
    Option(1, "Very much improved"),
    Option(2, "Much improved"),
    Option(3, "Minimally improved"),
    Option(4, "No change"),
    Option(5, "Minimally worse"),
    Option(6, "Much worse"),
    Option(7, "Very much worse"),
)

# The question is Steady's adaptation of the usual "Since the start of the study, my overall status is:"
# (study -> programme) [NV: confirm against the NINDS CDE form].
ITEM = Item("pgic", "Since the start of the programme, my overall status is:", OPTIONS)


def explain(score: Score) -> str:
    return (
        f"You said that since the start of the programme your overall status is: {score.band}. "
        "Your therapist will look at this with you."
    )


PGIC = Instrument(
    key="pgic",
    version="pgic-7pt-1vmi-7vmw-1",  # 7 points, 1 = very much improved ... 7 = very much worse
    title="Patient Global Impression of Change (PGIC)",
    short_title="PGIC",
    preamble="",
    # Asked only after baseline (Steady, instruments.md 2.8): the measurement plan decides when.
    recall="since the start of the programme",
    licence=(
        "Public domain (NINDS Common Data Elements). Source: "
        "https://www.commondataelements.ninds.nih.gov/report-viewer/25166/Patient%20Global%20Impression%20of%20Change%20Scale"
    ),
    licence_gated=False,
    direction=HIGHER_IS_WORSE,
    items=(ITEM,),
    # The total is the answer and its label is the band.
    bands=tuple(Band(option.value, option.value, option.label.lower()) for option in OPTIONS),
    # Off: the PGIC is itself a rating of change; IMMPACT maps its answers (outcomes/change.py).
    reliable_change=None,
    total_min=1,
    total_max=7,
    total_rule=single_total,
    explainer=explain,
    tracks_change=False,
)
