"""GAD-7: Generalized Anxiety Disorder 7-item scale (Spitzer, Kroenke, Williams & Löwe 2006)."""

from outcomes.instruments.base import HIGHER_IS_WORSE, Band, Instrument, Item, Score
from outcomes.instruments.phq9 import FREQUENCY

# Same anchors and recall as the PHQ-9 (instruments.md 1). Wording and scoring: Spitzer RL, Kroenke K,
# Williams JBW, Löwe B. A brief measure for assessing generalized anxiety disorder: the GAD-7.
# Arch Intern Med 2006;166:1092-1097. [V abstract]
# https://bibbase.org/network/publication/spitzer-kroenke-williams-lwe-abriefmeasureforassessinggeneralizedanxietydisorderthegad7-2006
# The Pfizer form's optional difficulty question is not asked: DESIGN lists 7 items.
ITEMS = (
    Item("gad7_1", "Feeling nervous, anxious, or on edge", FREQUENCY),
    Item("gad7_2", "Not being able to stop or control worrying", FREQUENCY),
    Item("gad7_3", "Worrying too much about different things", FREQUENCY),
    Item("gad7_4", "Trouble relaxing", FREQUENCY),
    Item("gad7_5", "Being so restless that it is hard to sit still", FREQUENCY),
    Item("gad7_6", "Becoming easily annoyed or irritable", FREQUENCY),
    Item("gad7_7", "Feeling afraid as if something awful might happen", FREQUENCY),
)

_FINDINGS = {
    "minimal": "Your answers suggest few or no signs of anxiety in the last 2 weeks.",
    "mild": "Your answers suggest mild anxiety.",
    "moderate": "Your answers suggest moderate anxiety.",
    "severe": "Your answers suggest you have been feeling very anxious.",
}


def explain(score: Score) -> str:
    if score.band == "minimal":
        return _FINDINGS["minimal"]
    return f"{_FINDINGS[score.band]} Your therapist will look at this with you."


GAD7 = Instrument(
    key="gad7",
    version="gad7-en-pfizer-1",
    title="Generalized Anxiety Disorder scale (GAD-7)",
    short_title="GAD-7",
    preamble="Over the last 2 weeks, how often have you been bothered by the following problems?",
    recall="the last 2 weeks",
    # Pfizer: "No permission required to reproduce, translate, display or distribute." [V]
    # https://build.fhir.org/ig/HL7/US-Core/Questionnaire-phq-9-example.html (same statement as the PHQ-9)
    licence=(
        "Free to use: developed by Drs Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues with an "
        "educational grant from Pfizer Inc.; no permission required to reproduce, translate, display or distribute. "
        "Source: https://build.fhir.org/ig/HL7/US-Core/Questionnaire-phq-9-example.html"
    ),
    licence_gated=False,
    direction=HIGHER_IS_WORSE,
    items=ITEMS,
    # Spitzer 2006 [V abstract]; the four bands as listed at https://www.mrcpsych.uk/search/label/GAD-7 [S].
    bands=(
        Band(0, 4, "minimal"),
        Band(5, 9, "mild"),
        Band(10, 14, "moderate"),
        Band(15, 21, "severe"),
    ),
    # Off: SD and reliability "not yet sourced [NV]" (instruments.md 3.1); alpha 0.92 (Spitzer 2006) is only
    # secondary [S] and there is no checked SD from the same sample. NHS Talking Therapies' >= 4 points
    # (outcomes/change.py) decides reliable improvement and deterioration for GAD-7 meanwhile.
    reliable_change=None,
    total_min=0,
    total_max=21,
    explainer=explain,
)
