"""PEG-3: Pain intensity, Enjoyment of life and General activity (Krebs et al. 2009)."""

from outcomes.instruments.base import (
    HIGHER_IS_WORSE,
    Instrument,
    Item,
    Score,
    format_total,
    mean_total,
    number_options,
)

# Items, anchors, past-week recall and the score (mean of the three items): Krebs EE, Lorenz KA, Bair MJ,
# et al. Development and initial validation of the PEG, a three-item scale assessing pain intensity and
# interference. J Gen Intern Med 2009;24:733-738. [V] https://link.springer.com/article/10.1007/s11606-009-0981-1
PAIN = number_options(0, 10, "No pain", "Pain as bad as you can imagine")
INTERFERENCE = number_options(0, 10, "Does not interfere", "Completely interferes")

ITEMS = (
    Item("peg_p", "What number best describes your pain on average in the past week?", PAIN),
    Item(
        "peg_e",
        "What number best describes how, during the past week, pain has interfered with your enjoyment of life?",
        INTERFERENCE,
    ),
    Item(
        "peg_g",
        "What number best describes how, during the past week, pain has interfered with your general activity?",
        INTERFERENCE,
    ),
)


def explain(score: Score) -> str:
    return (
        f"Your score for pain and how much it gets in the way of your life was {format_total(score.total)} "
        "out of 10. Your therapist will look at how it changes over time."
    )


PEG3 = Instrument(
    key="peg3",
    version="peg3-krebs2009-1",
    title="Pain, Enjoyment of life and General activity (PEG)",
    short_title="PEG",
    preamble="",
    recall="the past week",
    # Published open access; no explicit licence statement found [NV] (instruments.md section 4).
    licence=(
        "Published open access (Krebs et al. 2009, J Gen Intern Med); no explicit licence found [NV]. "
        "Source: https://link.springer.com/article/10.1007/s11606-009-0981-1"
    ),
    licence_gated=False,
    direction=HIGHER_IS_WORSE,
    items=ITEMS,
    # No bands: Krebs 2009 gives none, and the 0-3.9/4-6.9/7-10 seen on calculator sites are unvalidated [S].
    # Steady shows the score and its IMMPACT percentage change (outcomes/change.py).
    bands=(),
    # Off: no SD and reliability from one named sample have been checked (instruments.md 3.1 [NV]); Krebs
    # 2009 reports alpha 0.73 and 0.89 in two samples but we have not checked the matching SDs.
    reliable_change=None,
    total_min=0,
    total_max=10,
    total_rule=mean_total,
    explainer=explain,
)
