"""Steady's own end-of-programme satisfaction questions.

Written by Steady in plain language (aimed at a reading age of about 11), not a published scale, so
there are no norms, bands or reliable change. DESIGN: "reported, not scored into bands". Asked at the
end of the programme, where Terpstra et al. (2022) found satisfaction with guided iCBT high.

Total: the mean of the five answers on the 1-5 scale (5 = strongly agree), kept exact, so reports can say
"4.2 out of 5" and compare programmes; the answers to each question are what clinics read.
"""

from outcomes.instruments.base import HIGHER_IS_BETTER, Instrument, Item, Option, Score, mean_total

AGREE = (
    Option(1, "Strongly disagree"),
    Option(2, "Disagree"),
    Option(3, "Not sure"),
    Option(4, "Agree"),
    Option(5, "Strongly agree"),
)

ITEMS = (
    Item("satisfaction_overall", "Overall, I am happy with the programme.", AGREE),
    Item("satisfaction_helped", "The programme helped me cope with my pain.", AGREE),
    Item("satisfaction_therapist", "My therapist's messages and feedback helped me.", AGREE),
    Item("satisfaction_easy", "The website was easy to use.", AGREE),
    Item("satisfaction_recommend", "I would tell a friend with long-term pain to try this programme.", AGREE),
)


def explain(score: Score) -> str:
    return "Thank you for telling us what you think. It helps us make the programme better."


SATISFACTION = Instrument(
    key="satisfaction",
    version="steady-satisfaction-1",
    title="What did you think of the programme?",
    short_title="Satisfaction",
    preamble="How much do you agree with each sentence?",
    recall="the whole programme",
    licence="Steady's own questions; no third-party licence.",
    licence_gated=False,
    direction=HIGHER_IS_BETTER,
    items=ITEMS,
    bands=(),
    # Off: Steady-written questions have no published reliability.
    reliable_change=None,
    total_min=1,
    total_max=5,
    total_rule=mean_total,
    explainer=explain,
    tracks_change=False,
)
