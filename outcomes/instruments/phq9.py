"""PHQ-9: the depression module of the Patient Health Questionnaire (Kroenke, Spitzer & Williams 2001).

Items 1-9 are summed (0-27); item 10 (difficulty) is asked and stored but never summed, as in the
published scoring and in CamCOPS (`server/camcops_server/tasks/phq9.py`) [V].
"""

from outcomes.instruments.base import HIGHER_IS_WORSE, Band, Instrument, Item, Option, Score

# Anchors, recall, scoring and the cut-points 5/10/15/20: Kroenke K, Spitzer RL, Williams JBW. The PHQ-9:
# validity of a brief depression severity measure. J Gen Intern Med 2001;16:606-613. [V]
# https://studylib.net/doc/25788761/kroenke2001-article-thephq-9
# Item wording as on the Pfizer form, as in the HL7 US Core example [V]:
# https://hl7.org/fhir/us/core/STU7/QuestionnaireResponse-phq-9-example.html
FREQUENCY = (
    Option(0, "Not at all"),
    Option(1, "Several days"),
    Option(2, "More than half the days"),
    Option(3, "Nearly every day"),
)
DIFFICULTY = (
    Option(0, "Not difficult at all"),
    Option(1, "Somewhat difficult"),
    Option(2, "Very difficult"),
    Option(3, "Extremely difficult"),
)

ITEMS = (
    Item("phq9_1", "Little interest or pleasure in doing things", FREQUENCY),
    Item("phq9_2", "Feeling down, depressed, or hopeless", FREQUENCY),
    Item("phq9_3", "Trouble falling or staying asleep, or sleeping too much", FREQUENCY),
    Item("phq9_4", "Feeling tired or having little energy", FREQUENCY),
    Item("phq9_5", "Poor appetite or overeating", FREQUENCY),
    Item(
        "phq9_6",
        "Feeling bad about yourself — or that you are a failure or have let yourself or your family down",
        FREQUENCY,
    ),
    Item(
        "phq9_7",
        "Trouble concentrating on things, such as reading the newspaper or watching television",
        FREQUENCY,
    ),
    Item(
        "phq9_8",
        "Moving or speaking so slowly that other people could have noticed? Or the opposite — being so fidgety "
        "or restless that you have been moving around a lot more than usual",
        FREQUENCY,
    ),
    Item("phq9_9", "Thoughts that you would be better off dead or of hurting yourself in some way", FREQUENCY),
    # Only asked of someone who reported a problem, so it may be blank.
    Item(
        "phq9_10",
        "If you checked off any problems, how difficult have these problems made it for you to do your work, "
        "take care of things at home, or get along with other people?",
        DIFFICULTY,
        scored=False,
        required=False,
    ),
)

# Item 9, 1-based position among the scored items. DESIGN "Safety": any answer above 0 is a risk signal
# (crisis resources on screen and a risk alert), 2 or 3 the urgent tier, whatever the total. Evidence and
# comparable systems (Simon 2013, Louzon 2016; IBD-BOOST alerted on 2-3): instruments.md section 5 [V].
SELF_HARM_ITEM = 9
RISK_FROM = 1
URGENT_FROM = 2


def flags(answers):
    answer = answers[SELF_HARM_ITEM - 1]
    if answer >= URGENT_FROM:
        return frozenset({"risk", "urgent"})
    if answer >= RISK_FROM:
        return frozenset({"risk"})
    return frozenset()


_FINDINGS = {
    "minimal": "Your answers suggest few or no signs of low mood in the last 2 weeks.",
    "mild": "Your answers suggest mild low mood.",
    "moderate": "Your answers suggest moderate low mood.",
    "moderately severe": "Your answers suggest your mood has been quite low.",
    "severe": "Your answers suggest your mood has been very low.",
}


def explain(score: Score) -> str:
    if "risk" in score.flags:
        # An acknowledgement only. The crisis resources and the risk alert are the caller's job (DESIGN
        # "Safety") and never depend on this text; "few or no signs" would read as dismissive here.
        finding = "" if score.band == "minimal" else f" {_FINDINGS[score.band]}"
        return f"Thank you for telling us how you feel.{finding} Your therapist will look at this with you."
    if score.band == "minimal":
        return _FINDINGS["minimal"]
    return f"{_FINDINGS[score.band]} Your therapist will look at this with you."


PHQ9 = Instrument(
    key="phq9",
    version="phq9-en-pfizer-1",
    title="Patient Health Questionnaire (PHQ-9)",
    short_title="PHQ-9",
    preamble="Over the last 2 weeks, how often have you been bothered by any of the following problems?",
    recall="the last 2 weeks",
    # Pfizer: "No permission required to reproduce, translate, display or distribute." [V]
    # https://build.fhir.org/ig/HL7/US-Core/Questionnaire-phq-9-example.html
    licence=(
        "Free to use: developed by Drs Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues with an "
        "educational grant from Pfizer Inc.; no permission required to reproduce, translate, display or distribute. "
        "Source: https://build.fhir.org/ig/HL7/US-Core/Questionnaire-phq-9-example.html"
    ),
    licence_gated=False,
    direction=HIGHER_IS_WORSE,
    items=ITEMS,
    # Kroenke 2001: 5, 10, 15 and 20 mark mild, moderate, moderately severe and severe [V].
    bands=(
        Band(0, 4, "minimal"),
        Band(5, 9, "mild"),
        Band(10, 14, "moderate"),
        Band(15, 19, "moderately severe"),
        Band(20, 27, "severe"),
    ),
    # Off: instruments.md 3.1 lists the SD and reliability as "not yet sourced [NV]". Kroenke 2001 gives
    # alpha 0.89 [S] but we have not checked an SD from the same sample, and an SD from another sample
    # would give a different S_diff. Meanwhile NHS Talking Therapies' >= 6 points (outcomes/change.py)
    # decides reliable improvement and deterioration for PHQ-9.
    reliable_change=None,
    total_min=0,
    total_max=27,
    flags_rule=flags,
    explainer=explain,
)
