"""WHO-5 Well-Being Index (WHO Regional Office for Europe, 1998)."""

from outcomes.instruments.base import HIGHER_IS_BETTER, Band, Instrument, Item, Option, Score

# Items, the 0-5 options and the score (raw 0-25 x 4 = 0-100, higher is better) [S]:
# https://help.valant.com/who-five-well-being-index-who-5 ;
# https://www.millisecond.com/download/library/v6/who5/who5.manual
# Options in the published order, "All of the time" first.
OPTIONS = (
    Option(5, "All of the time"),
    Option(4, "Most of the time"),
    Option(3, "More than half of the time"),
    Option(2, "Less than half of the time"),
    Option(1, "Some of the time"),
    Option(0, "At no time"),
)

ITEMS = (
    Item("who5_1", "I have felt cheerful and in good spirits", OPTIONS),
    Item("who5_2", "I have felt calm and relaxed", OPTIONS),
    Item("who5_3", "I have felt active and vigorous", OPTIONS),
    Item("who5_4", "I woke up feeling fresh and rested", OPTIONS),
    Item("who5_5", "My daily life has been filled with things that interest me", OPTIONS),
)

# raw sum x 4 gives the 0-100 percentage score [S, as above].
MULTIPLIER = 4


def total(answers):
    return sum(answers) * MULTIPLIER


_FINDINGS = {
    "good": "Your answers suggest your well-being has been good in the last 2 weeks.",
    "poor": "Your answers suggest your well-being has been low in the last 2 weeks.",
    # The band is "likely depression"; the patient is not told a diagnosis.
    "likely depression": "Your answers suggest your well-being has been very low in the last 2 weeks.",
}


def explain(score: Score) -> str:
    if score.band == "good":
        return _FINDINGS["good"]
    return f"{_FINDINGS[score.band]} Your therapist will look at this with you."


WHO5 = Instrument(
    key="who5",
    version="who5-1998-en-1",
    title="WHO-5 Well-Being Index",
    short_title="WHO-5",
    preamble=(
        "Please indicate for each of the five statements which is closest to how you have been feeling "
        "over the last two weeks."
    ),
    recall="the last 2 weeks",
    # Free, no permission needed [S] (instruments.md section 4).
    licence=(
        "Free to use, no permission needed [S]; © World Health Organization 1998. "
        "Source: https://psyktestbarn.r-bup.no/no/artikler/who-5-who-five-well-being-index"
    ),
    licence_gated=False,
    direction=HIGHER_IS_BETTER,
    items=ITEMS,
    # Steady's bands on the 0-100 score (DESIGN; instruments.md 2.7): <= 28 likely depression, <= 50 poor
    # well-being [S] https://smaat.eu/library/scales/who-5 ; raw < 13 "poor" [S, Valant] agrees, since scores
    # are multiples of 4 (raw 0-7 = 0-28, 8-12 = 32-48, 13-25 = 52-100). Primary (Topp 2015) unread [NV].
    bands=(
        Band(0, 28, "likely depression"),
        Band(29, 50, "poor"),
        Band(51, 100, "good"),
    ),
    # Off: SD and reliability "not yet sourced [NV]" (instruments.md 3.1). The "10 % difference =
    # significant change" rule of thumb [S, Valant] is secondary and not used.
    reliable_change=None,
    total_min=0,
    total_max=100,
    total_rule=total,
    explainer=explain,
)
