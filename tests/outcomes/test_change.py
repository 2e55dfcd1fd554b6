"""Change rules: Jacobson-Truax, NHS Talking Therapies, IMMPACT, PSEQ, and the summary patients read."""

import math
from dataclasses import replace

import pytest

from outcomes.change import (
    immpact_category,
    jt_category,
    percent_change,
    pgic_immpact_category,
    pseq_meaningful_change,
    reliable_change_index,
    summarise,
    talking_therapies,
    talking_therapies_recovery,
)
from outcomes.instruments import ReliableChange, get_instrument

# Invented constants, only to check the arithmetic: no instrument has sourced constants yet.
INVENTED = "invented for this test, not a published value"


def with_constants(key, sd, reliability):
    return replace(get_instrument(key), reliable_change=ReliableChange(sd, reliability, INVENTED))


def test_s_diff_by_hand():
    # SD 5, r 0.84: SE = 5 * sqrt(0.16) = 2.0; S_diff = sqrt(2 * 2.0^2) = 2.828427...
    assert ReliableChange(5, 0.84, INVENTED).s_diff == pytest.approx(2.8284271, abs=1e-6)
    assert ReliableChange(5, 0.84, INVENTED).s_diff == pytest.approx(5 * math.sqrt(2) * 0.4)


@pytest.mark.parametrize(
    ("pre", "post", "rci", "category"),
    [
        # RC = (post - pre) / 2.828427
        (20, 14, -2.1213, "improved"),  # -6 / 2.8284 = -2.1213: |RC| > 1.96
        (20, 15, -1.7678, "no reliable change"),  # -5 / 2.8284 = -1.7678
        (20, 26, 2.1213, "deteriorated"),  # +6 on a higher-is-worse scale
        (20, 20, 0.0, "no reliable change"),
    ],
)
def test_jacobson_truax_on_a_higher_is_worse_scale(pre, post, rci, category):
    phq9 = with_constants("phq9", sd=5, reliability=0.84)
    assert reliable_change_index(phq9, pre, post) == pytest.approx(rci, abs=1e-4)
    assert jt_category(phq9, pre, post) == category


@pytest.mark.parametrize(
    ("pre", "post", "rci", "category"),
    [
        # SD 20, r 0.84: S_diff = 20 * sqrt(2) * 0.4 = 11.3137
        (40, 64, 2.1213, "improved"),  # +24 / 11.3137: higher is better on the WHO-5
        (64, 40, -2.1213, "deteriorated"),
        (40, 60, 1.7678, "no reliable change"),  # +20 / 11.3137
    ],
)
def test_jacobson_truax_follows_who5_direction(pre, post, rci, category):
    who5 = with_constants("who5", sd=20, reliability=0.84)
    assert reliable_change_index(who5, pre, post) == pytest.approx(rci, abs=1e-4)
    assert jt_category(who5, pre, post) == category


def test_jacobson_truax_takes_scores_too():
    phq9 = with_constants("phq9", sd=5, reliability=0.84)
    assert jt_category(phq9, phq9.score([3, 3, 2, 2, 2, 2, 2, 2, 2]), phq9.score([2] * 7 + [0, 0])) == "improved"


@pytest.mark.parametrize("key", ["phq9", "gad7", "peg3", "nrs_pain", "k10", "who5", "pseq"])
def test_reliable_change_stays_off_without_sourced_constants(key):
    instrument = get_instrument(key)
    assert reliable_change_index(instrument, 20, 5) is None
    assert jt_category(instrument, 20, 5) is None


@pytest.mark.parametrize(
    ("sd", "reliability", "source"), [(0, 0.8, "x"), (-1, 0.8, "x"), (5, 1.0, "x"), (5, -0.1, "x"), (5, 0.8, " ")]
)
def test_reliable_change_constants_are_checked(sd, reliability, source):
    with pytest.raises(ValueError):
        ReliableChange(sd, reliability, source)


@pytest.mark.parametrize(
    ("before", "after", "improvement", "deterioration", "recovery", "case_before", "case_after"),
    [
        (15, 10, False, False, False, True, True),  # a drop of 5 is not reliable
        (15, 9, True, False, True, True, False),  # a drop of 6 is, and 9 is below caseness
        (10, 9, False, False, True, True, False),  # recovery without reliable improvement
        (9, 3, True, False, False, False, False),  # not a case at the start: no recovery
        (12, 10, False, False, False, True, True),  # still a case
        (5, 11, False, True, False, False, True),  # a rise of 6: reliable deterioration
        (5, 10, False, False, False, False, True),  # a rise of 5 is not
    ],
)
def test_talking_therapies_phq9(before, after, improvement, deterioration, recovery, case_before, case_after):
    outcome = talking_therapies(get_instrument("phq9"), before, after)
    assert outcome == {
        "reliable_improvement": improvement,
        "reliable_deterioration": deterioration,
        "recovery": recovery,
        "reliable_recovery": recovery and improvement,
        "caseness_before": case_before,
        "caseness_after": case_after,
    }


@pytest.mark.parametrize(
    ("before", "after", "improvement", "deterioration", "recovery"),
    [
        (10, 7, False, False, True),  # a drop of 3 is not reliable; 7 is below caseness (8)
        (10, 6, True, False, True),  # a drop of 4 is
        (12, 8, True, False, False),  # 8 is still a case
        (8, 7, False, False, True),
        (7, 3, True, False, False),  # not a case at the start
        (3, 7, False, True, False),  # a rise of 4
        (3, 6, False, False, False),  # a rise of 3
    ],
)
def test_talking_therapies_gad7(before, after, improvement, deterioration, recovery):
    outcome = talking_therapies(get_instrument("gad7"), before, after)
    assert outcome["reliable_improvement"] is improvement
    assert outcome["reliable_deterioration"] is deterioration
    assert outcome["recovery"] is recovery
    assert outcome["caseness_before"] is (before >= 8)


def test_talking_therapies_is_only_for_phq9_and_gad7():
    with pytest.raises(ValueError, match="PHQ-9 and GAD-7 only"):
        talking_therapies(get_instrument("k10"), 30, 20)


@pytest.mark.parametrize(
    ("phq9", "gad7", "recovered"),
    [
        ((12, 8), (5, 5), True),  # a case on PHQ-9 only, neither now
        ((12, 8), (5, 9), False),  # GAD-7 is a case now
        ((9, 3), (7, 2), False),  # never a case
        ((9, 9), (10, 7), True),  # a case on GAD-7 only
    ],
)
def test_talking_therapies_recovery_on_the_pair(phq9, gad7, recovered):
    assert (
        talking_therapies_recovery(
            phq9_baseline=phq9[0], phq9_current=phq9[1], gad7_baseline=gad7[0], gad7_current=gad7[1]
        )
        is recovered
    )


@pytest.mark.parametrize(
    ("baseline", "current", "pct", "category"),
    [
        (1000, 701, 29.9, "minimal"),
        (10, 7, 30.0, "moderate"),
        (1000, 501, 49.9, "moderate"),
        (10, 5, 50.0, "substantial"),
        (10, 9, 10.0, "minimal"),
        (10, 7.5, 25.0, "minimal"),  # IMMPACT leaves 20-30 % unnamed: counted as minimal
        (10, 9.5, 5.0, "none"),
        (5, 8, -60.0, "none"),  # worse: not an improvement at all
        (10 / 3, 7 / 3, 30.0, "moderate"),  # PEG means in thirds land on the threshold exactly
        (6.0, 3.0, 50.0, "substantial"),
    ],
)
def test_immpact_percent_change(baseline, current, pct, category):
    assert percent_change(baseline, current) == pytest.approx(pct, abs=1e-9)
    assert immpact_category(percent_change(baseline, current)) == category


def test_immpact_with_a_baseline_of_0_is_not_applicable():
    assert percent_change(0, 3) is None
    assert percent_change(0, 0) is None
    assert immpact_category(None) is None


def test_percent_change_takes_scores():
    peg = get_instrument("peg3")
    assert percent_change(peg.score([6, 6, 6]), peg.score([3, 3, 3])) == 50.0


@pytest.mark.parametrize(("answer", "category"), [(1, "substantial"), (2, "moderate"), (3, "minimal"), (4, "none")])
def test_pgic_answers_as_immpact_reads_them(answer, category):
    assert pgic_immpact_category(answer) == category


@pytest.mark.parametrize(
    ("pre", "post", "meaningful"),
    [
        (25, 31, False),  # 6 points, moderate -> mild
        (25, 32, True),  # 7 points, moderate -> mild
        (20, 27, False),  # 7 points, but still moderate
        (21, 30, False),  # 9 points, still moderate
        (41, 34, True),  # a 7-point drop, minimal -> mild: meaningful either way
        (41, 35, False),  # a 6-point drop
    ],
)
def test_pseq_meaningful_change(pre, post, meaningful):
    assert pseq_meaningful_change(pre, post) is meaningful


# The summary patients and therapists read.


def test_summary_phq9_recovered_since_the_start_but_not_since_last_time():
    change = summarise(get_instrument("phq9"), 15, 12, 9)
    assert (
        change.since_start.text == "Better than at the start: a reliable improvement, and now in the recovered range."
    )
    assert (change.since_start.direction, change.since_start.meaningful, change.since_start.recovery) == (
        "better",
        True,
        True,
    )
    assert change.since_last.text == "About the same as last time: the change is too small to be sure it is real."
    assert change.since_last.recovery is None
    assert not change.deteriorated


def test_summary_phq9_reliable_deterioration_raises_the_flag():
    change = summarise(get_instrument("phq9"), 5, 6, 12)
    assert change.since_start.text == (
        "Worse than at the start: a reliable change. Your therapist will look at this with you."
    )
    assert change.since_last.deteriorated  # a rise of 6 since last time too
    assert change.deteriorated


def test_summary_gad7_deteriorating_only_since_last_time_still_flags():
    change = summarise(get_instrument("gad7"), 12, 6, 10)
    assert not change.since_start.deteriorated
    assert change.since_last.deteriorated
    assert change.deteriorated


def test_summary_uses_scores_and_says_the_same_when_nothing_changed():
    gad7 = get_instrument("gad7")
    score = gad7.score([1] * 7)
    change = summarise(gad7, score, score, score)
    assert change.since_start.text == "The same as at the start."
    assert change.since_start.direction == "same"


def test_summary_who5_direction_higher_is_better():
    who5 = get_instrument("who5")
    # No sourced constants: the difference is stated, nothing claimed.
    up = summarise(who5, 40, None, 64)
    assert (up.since_start.direction, up.since_start.rule, up.since_start.meaningful) == ("better", None, None)
    assert up.since_start.text == "24 points higher than at the start."
    assert up.since_last is None
    down = summarise(who5, 64, None, 40)
    assert down.since_start.direction == "worse"
    assert not down.deteriorated
    # With constants (invented here) Jacobson-Truax decides, in the WHO-5's direction.
    judged = summarise(with_constants("who5", sd=20, reliability=0.84), 40, 64, 40)
    assert judged.since_start.text == "The same as at the start."
    assert (
        judged.since_last.text == "Worse than last time: a reliable change. Your therapist will look at this with you."
    )
    assert judged.since_last.rci == pytest.approx(-2.1213, abs=1e-4)
    assert judged.deteriorated


def test_summary_k10_without_constants_states_the_difference():
    change = summarise(get_instrument("k10"), 30, 29, 24)
    assert change.since_start.text == "6 points lower than at the start."
    assert change.since_last.text == "5 points lower than last time."
    assert not change.deteriorated


def test_summary_pain_uses_immpact():
    peg = get_instrument("peg3")
    change = summarise(peg, peg.score([6, 6, 6]), peg.score([5, 4, 5]), peg.score([3, 3, 3]))
    assert change.since_start.text == "50% lower than at the start: a substantial improvement."
    assert change.since_start.immpact == "substantial"
    # 14/3 -> 3: 35.7 % lower, shown truncated.
    assert change.since_last.text == "35% lower than last time: a moderate improvement."
    nrs = get_instrument("nrs_pain")
    assert summarise(nrs, 10, None, 7).since_start.text == "30% lower than at the start: a moderate improvement."
    assert summarise(nrs, 10, None, 9).since_start.text == "10% lower than at the start: a small improvement."
    assert summarise(nrs, 5, None, 5).since_start.text == "The same as at the start."


def test_summary_pain_rise_is_reported_but_never_called_reliable():
    change = summarise(get_instrument("nrs_pain"), 5, None, 8)
    assert change.since_start.text == "60% higher than at the start."
    assert (change.since_start.direction, change.since_start.meaningful) == ("worse", None)
    assert not change.deteriorated


def test_summary_pain_from_a_baseline_of_0():
    change = summarise(get_instrument("nrs_fatigue"), 0, None, 4)
    assert change.since_start.percent is None
    assert change.since_start.text == "A percentage change cannot be worked out, because the score at the start was 0."


def test_summary_pseq_is_better_when_higher():
    pseq = get_instrument("pseq")
    better = summarise(pseq, 25, None, 32)
    assert better.since_start.text == "Better than at the start: a meaningful improvement."
    worse = summarise(pseq, 32, None, 25)
    assert (
        worse.since_start.text
        == "Worse than at the start: a meaningful change. Your therapist will look at this with you."
    )
    assert worse.deteriorated
    small = summarise(pseq, 20, None, 27)
    assert small.since_start.text == "About the same as at the start: the change is too small to be sure it is real."


@pytest.mark.parametrize("key", ["pgic", "satisfaction"])
def test_summary_has_nothing_to_compare_for_reported_questionnaires(key):
    instrument = get_instrument(key)
    change = summarise(instrument, 3, 3, 2)
    assert (change.since_start, change.since_last, change.deteriorated) == (None, None, False)


def test_summary_needs_a_current_total():
    with pytest.raises(ValueError, match="no current total"):
        summarise(get_instrument("phq9"), 10, None, None)
