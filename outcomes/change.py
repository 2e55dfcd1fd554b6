"""Change between two answers to one instrument: Jacobson-Truax, NHS Talking Therapies, IMMPACT and PSEQ rules.

Pure functions on totals or Scores; nothing here touches the database. `summarise()` puts them together
for the "My progress" page and the therapist's view, and its `deteriorated` feeds the deterioration
alert (DESIGN "Safety").

Which rule judges an instrument (`change_rule`):
- phq9, gad7: NHS Talking Therapies thresholds (DESIGN's rule);
- pseq: the ePPOC rule (>= 7 points and a change of band);
- peg3, nrs_pain, nrs_fatigue: IMMPACT percentage change, which defines improvement only, so a rise in
  pain is reported but never called reliable;
- any other instrument with reliable-change constants: Jacobson-Truax;
- otherwise (k10, who5 until their constants are sourced): none; the difference is shown without a verdict.
"""

from dataclasses import dataclass, replace

from outcomes.instruments.base import Instrument, Score, Total, format_total
from outcomes.instruments.pseq import PSEQ

# Jacobson NS, Truax P (1991): RC = (post - pre) / S_diff is reliable when |RC| > 1.96 [V]
# http://psyctc.org/stats/rcsc1.htm ; https://gist.github.com/AWKruijt/b90d965abe6c5023f45d63be36ba2f37
RC_CRITICAL = 1.96
IMPROVED = "improved"
DETERIORATED = "deteriorated"
NO_RELIABLE_CHANGE = "no reliable change"


@dataclass(frozen=True)
class TalkingTherapiesRule:
    reliable_change: int  # a change of at least this many points is reliable
    caseness: int  # a total at or above this is a case


# NHS Talking Therapies (formerly IAPT) manual, as quoted at
# http://www.cbtwatch.com/tag/no-justification-for-nhs-talking-theapies/ [S]: reliable improvement is a drop
# of >= 6 (PHQ-9) or >= 4 (GAD-7); caseness PHQ-9 >= 10, GAD-7 >= 8; recovery is a case at the start and
# below caseness at the end. Reliable deterioration as the mirror (a rise of >= 6 / >= 4) is [NV] in
# instruments.md 3.2 (confirm in the programme manual); it is kept because DESIGN asks for it.
TALKING_THERAPIES = {
    "phq9": TalkingTherapiesRule(reliable_change=6, caseness=10),
    "gad7": TalkingTherapiesRule(reliable_change=4, caseness=8),
}

# IMMPACT (Dworkin et al. 2008, J Pain 9:105-121) [V] http://www.bandolier.org.uk/booth/painpag/Chronout.html
# % change = (baseline - follow-up) / baseline x 100; 10-20 % minimally, >= 30 % moderately, >= 50 %
# substantially important. IMMPACT leaves 20-30 % unnamed: Steady counts it as minimal. Using the pain
# thresholds for fatigue is Steady's convention (instruments.md 2.5).
IMMPACT_KEYS = frozenset({"peg3", "nrs_pain", "nrs_fatigue"})
SUBSTANTIAL_FROM = 50
MODERATE_FROM = 30
MINIMAL_FROM = 10
# PGIC answers as IMMPACT reads them: minimally / much / very much improved = minimal / moderate / substantial.
PGIC_IMMPACT = {1: "substantial", 2: "moderate", 3: "minimal"}

# ePPOC clinically significant change for the PSEQ: >= 7 points and a move to another band [S]
# https://measurely.com.au/outcome-measures/pain-self-efficacy-questionnaire/
PSEQ_MIN_POINTS = 7


def _total(value: Score | Total) -> Total:
    return value.total if isinstance(value, Score) else value


def reliable_change_index(instrument: Instrument, pre: Score | Total, post: Score | Total) -> float | None:
    """(post - pre) / S_diff, or None while the instrument has no sourced constants."""
    constants = instrument.reliable_change
    pre, post = _total(pre), _total(post)
    if constants is None or pre is None or post is None:
        return None
    return (post - pre) / constants.s_diff


def jt_category(instrument: Instrument, pre: Score | Total, post: Score | Total) -> str | None:
    rci = reliable_change_index(instrument, pre, post)
    if rci is None:
        return None
    if abs(rci) <= RC_CRITICAL:
        return NO_RELIABLE_CHANGE
    # Higher-is-worse scales improve at RC < -1.96; WHO-5 and PSEQ at RC > +1.96 (instruments.md 3.1).
    better = rci > 0 if instrument.higher_is_better else rci < 0
    return IMPROVED if better else DETERIORATED


def talking_therapies(instrument: Instrument, baseline_total: Score | Total, current_total: Score | Total) -> dict:
    """NHS Talking Therapies outcome for PHQ-9 or GAD-7 on its own (the paired rule is below)."""
    rule = TALKING_THERAPIES.get(instrument.key)
    if rule is None:
        raise ValueError(f"NHS Talking Therapies thresholds exist for PHQ-9 and GAD-7 only, not {instrument.key}")
    before, after = _total(baseline_total), _total(current_total)
    if before is None or after is None:
        raise ValueError("NHS Talking Therapies outcome needs both totals")
    drop = before - after
    caseness_before = before >= rule.caseness
    caseness_after = after >= rule.caseness
    improvement = drop >= rule.reliable_change
    recovery = caseness_before and not caseness_after
    return {
        "reliable_improvement": improvement,
        "reliable_deterioration": -drop >= rule.reliable_change,
        "recovery": recovery,
        "reliable_recovery": recovery and improvement,
        "caseness_before": caseness_before,
        "caseness_after": caseness_after,
    }


def talking_therapies_recovery(*, phq9_baseline: int, phq9_current: int, gad7_baseline: int, gad7_current: int) -> bool:
    """The service's own recovery rule: a case on either measure at the start, on neither now (instruments.md 3.2)."""
    phq9, gad7 = TALKING_THERAPIES["phq9"], TALKING_THERAPIES["gad7"]
    case_before = phq9_baseline >= phq9.caseness or gad7_baseline >= gad7.caseness
    case_now = phq9_current >= phq9.caseness or gad7_current >= gad7.caseness
    return case_before and not case_now


def percent_change(baseline: Score | Total, current: Score | Total) -> float | None:
    """IMMPACT % change; positive is improvement on a higher-is-worse scale. None when the baseline is 0."""
    before, after = _total(baseline), _total(current)
    if before is None or after is None or before == 0:
        return None
    # Rounded to 9 places so PEG means (thirds) land on the thresholds exactly: 10/3 -> 7/3 is 30 %, not
    # 29.999999999999996 %.
    return round((before - after) * 100 / before, 9)


def immpact_category(pct: float | None) -> str | None:
    if pct is None:
        return None
    if pct >= SUBSTANTIAL_FROM:
        return "substantial"
    if pct >= MODERATE_FROM:
        return "moderate"
    if pct >= MINIMAL_FROM:
        return "minimal"
    return "none"


def pgic_immpact_category(answer: Score | int) -> str:
    return PGIC_IMMPACT.get(_total(answer), "none")


def pseq_meaningful_change(pre: Score | Total, post: Score | Total) -> bool:
    """ePPOC: a change of 7 points or more that also moves the total into another band (either direction)."""
    before, after = _total(pre), _total(post)
    return abs(after - before) >= PSEQ_MIN_POINTS and PSEQ.band_for(before) != PSEQ.band_for(after)


def change_rule(instrument: Instrument) -> str | None:
    if instrument.key in TALKING_THERAPIES:
        return "talking_therapies"
    if instrument.key == PSEQ.key:
        return "pseq"
    if instrument.key in IMMPACT_KEYS:
        return "immpact"
    if instrument.reliable_change is not None:
        return "jacobson_truax"
    return None


@dataclass(frozen=True)
class Comparison:
    reference: str  # "start" (baseline) or "last" (the previous answer)
    before: Total
    after: Total
    difference: Total  # after - before, in the instrument's units
    direction: str  # "better", "worse" or "same", from the difference and the instrument's direction
    rule: str | None  # see change_rule()
    # The rule's verdict: True when the change is reliable (or, for IMMPACT, at least moderately important);
    # None when no rule can judge it (no constants, baseline 0, or a rise on an IMMPACT scale).
    meaningful: bool | None
    rci: float | None
    percent: float | None
    immpact: str | None
    recovery: bool | None  # NHS Talking Therapies recovery; only against the start
    text: str

    @property
    def deteriorated(self) -> bool:
        return self.direction == "worse" and self.meaningful is True


@dataclass(frozen=True)
class Change:
    instrument_key: str
    since_start: Comparison | None
    since_last: Comparison | None

    @property
    def deteriorated(self) -> bool:
        """A reliable (or meaningful) worsening against the start or the last answer: the alert's trigger."""
        return any(c is not None and c.deteriorated for c in (self.since_start, self.since_last))


def summarise(
    instrument: Instrument,
    baseline_score: Score | Total,
    previous_score: Score | Total,
    current_score: Score | Total,
) -> Change:
    """Compare the current answer with the baseline and with the previous one (either may be None)."""
    if _total(current_score) is None:
        raise ValueError(f"{instrument.short_title}: there is no current total to compare")
    if not instrument.tracks_change:
        return Change(instrument.key, None, None)
    return Change(
        instrument.key,
        since_start=_compare(instrument, baseline_score, current_score, "start"),
        since_last=_compare(instrument, previous_score, current_score, "last"),
    )


def _compare(instrument: Instrument, before: Score | Total, after: Score | Total, reference: str) -> Comparison | None:
    before, after = _total(before), _total(after)
    if before is None:
        return None
    difference = after - before
    rule = change_rule(instrument)
    meaningful = percent = immpact = recovery = None
    if rule == "talking_therapies":
        outcome = talking_therapies(instrument, before, after)
        meaningful = outcome["reliable_improvement"] or outcome["reliable_deterioration"]
        recovery = outcome["recovery"] if reference == "start" else None
    elif rule == "pseq":
        meaningful = pseq_meaningful_change(before, after)
    elif rule == "immpact":
        percent = percent_change(before, after)
        immpact = immpact_category(percent)
        meaningful = None if percent is None or percent < 0 else immpact in ("moderate", "substantial")
    elif rule == "jacobson_truax":
        meaningful = jt_category(instrument, before, after) != NO_RELIABLE_CHANGE
    comparison = Comparison(
        reference=reference,
        before=before,
        after=after,
        difference=difference,
        direction=_direction(instrument, difference),
        rule=rule,
        meaningful=meaningful,
        rci=reliable_change_index(instrument, before, after),
        percent=percent,
        immpact=immpact,
        recovery=recovery,
        text="",
    )
    return replace(comparison, text=_text(comparison))


def _direction(instrument: Instrument, difference: Total) -> str:
    if difference == 0:
        return "same"
    better = difference > 0 if instrument.higher_is_better else difference < 0
    return "better" if better else "worse"


def _text(c: Comparison) -> str:
    ref = "at the start" if c.reference == "start" else "last time"
    if c.difference == 0:
        return f"The same as {ref}."
    if c.rule == "immpact":
        return _immpact_text(c.percent, ref)
    if c.meaningful is None:
        # No rule can say whether this is real yet: state the difference, claim nothing.
        points = abs(c.difference)
        unit = "point" if points == 1 else "points"
        return f"{format_total(points)} {unit} {'lower' if c.difference < 0 else 'higher'} than {ref}."
    if not c.meaningful:
        return f"About the same as {ref}: the change is too small to be sure it is real."
    kind = "meaningful" if c.rule == "pseq" else "reliable"
    if c.direction == "better":
        recovered = ", and now in the recovered range" if c.recovery else ""
        return f"Better than {ref}: a {kind} improvement{recovered}."
    return f"Worse than {ref}: a {kind} change. Your therapist will look at this with you."


def _immpact_text(percent: float | None, ref: str) -> str:
    if percent is None:
        return f"A percentage change cannot be worked out, because the score {ref} was 0."
    # Truncated, so 29.9 % never reads as "30 %" next to a judgement made at 30 %.
    shown = int(abs(percent))
    if percent >= SUBSTANTIAL_FROM:
        return f"{shown}% lower than {ref}: a substantial improvement."
    if percent >= MODERATE_FROM:
        return f"{shown}% lower than {ref}: a moderate improvement."
    if percent >= MINIMAL_FROM:
        return f"{shown}% lower than {ref}: a small improvement."
    if percent > -MINIMAL_FROM:
        return f"About the same as {ref}."
    return f"{shown}% higher than {ref}."
