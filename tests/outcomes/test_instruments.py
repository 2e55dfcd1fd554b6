"""Instruments score exactly as published, refuse bad input, and keep licence-gated wording out of the code."""

import itertools
import json

import pytest

from outcomes.instruments import (
    REGISTRY,
    InstrumentTextError,
    InstrumentUnavailable,
    Score,
    all_instruments,
    available_instruments,
    get_instrument,
)
from outcomes.instruments.pseq import load_wording


def phq9_band(total):
    # Kroenke 2001's cut-points 5, 10, 15 and 20, written out independently of the code's Band table.
    if total >= 20:
        return "severe"
    if total >= 15:
        return "moderately severe"
    if total >= 10:
        return "moderate"
    if total >= 5:
        return "mild"
    return "minimal"


def test_every_phq9_answer_combination_scores_right():
    phq9 = get_instrument("phq9")
    wrong = []
    for answers in itertools.product(range(4), repeat=9):
        total = sum(answers)
        flags = set()
        if answers[8] >= 1:
            flags.add("risk")
        if answers[8] >= 2:
            flags.add("urgent")
        score = phq9.score(answers)
        if (score.total, score.band, score.flags) != (total, phq9_band(total), flags):
            wrong.append((answers, score))
    assert wrong == []


def test_a_low_phq9_total_never_hides_item_9():
    score = get_instrument("phq9").score([0, 0, 0, 0, 0, 0, 0, 0, 3])
    assert (score.total, score.band, score.flags) == (3, "minimal", {"risk", "urgent"})


def spread(raw, count, low, high):
    """`count` answers between low and high that add up to `raw`, filled from the first item."""
    answers = []
    left = raw
    for remaining in range(count, 0, -1):
        value = max(low, min(high, left - low * (remaining - 1)))
        answers.append(value)
        left -= value
    assert sum(answers) == raw
    return answers


# (instrument, raw sum of the answers, total, band): both sides of every cut-point, and both ends.
BOUNDARIES = [
    *[
        ("phq9", t, t, band)
        for t, band in [
            (0, "minimal"),
            (4, "minimal"),
            (5, "mild"),
            (9, "mild"),
            (10, "moderate"),
            (14, "moderate"),
            (15, "moderately severe"),
            (19, "moderately severe"),
            (20, "severe"),
            (27, "severe"),
        ]
    ],
    *[
        ("gad7", t, t, band)
        for t, band in [
            (0, "minimal"),
            (4, "minimal"),
            (5, "mild"),
            (9, "mild"),
            (10, "moderate"),
            (14, "moderate"),
            (15, "severe"),
            (21, "severe"),
        ]
    ],
    *[
        ("k10", t, t, band)
        for t, band in [
            (10, "low"),
            (15, "low"),
            (16, "moderate"),
            (21, "moderate"),
            (22, "high"),
            (29, "high"),
            (30, "very high"),
            (50, "very high"),
        ]
    ],
    # WHO-5: raw 7/8 is 28/32, raw 12/13 is 48/52.
    ("who5", 0, 0, "likely depression"),
    ("who5", 7, 28, "likely depression"),
    ("who5", 8, 32, "poor"),
    ("who5", 12, 48, "poor"),
    ("who5", 13, 52, "good"),
    ("who5", 25, 100, "good"),
    *[
        ("pseq", t, t, band)
        for t, band in [
            (0, "severe"),
            (19, "severe"),
            (20, "moderate"),
            (30, "moderate"),
            (31, "mild"),
            (40, "mild"),
            (41, "minimal"),
            (60, "minimal"),
        ]
    ],
]
SHAPES = {"phq9": (9, 0, 3), "gad7": (7, 0, 3), "k10": (10, 1, 5), "who5": (5, 0, 5), "pseq": (10, 0, 6)}


@pytest.mark.parametrize(("key", "raw", "total", "band"), BOUNDARIES)
def test_band_boundaries(key, raw, total, band):
    score = get_instrument(key).score(spread(raw, *SHAPES[key]))
    assert (score.total, score.band) == (total, band)


def test_who5_published_bands_hold_between_multiples_of_4():
    who5 = get_instrument("who5")
    assert [who5.band_for(t) for t in (28, 29, 50, 51)] == ["likely depression", "poor", "poor", "good"]


@pytest.mark.parametrize("key", [key for key, instrument in REGISTRY.items() if instrument.bands])
def test_bands_cover_the_range_once(key):
    instrument = REGISTRY[key]
    for total in range(int(instrument.total_min), int(instrument.total_max) + 1):
        assert sum(band.low <= total <= band.high for band in instrument.bands) == 1, total
    with pytest.raises(ValueError, match="outside"):
        instrument.band_for(instrument.total_max + 1)


@pytest.mark.parametrize(
    ("answer", "label"),
    [
        (1, "very much improved"),
        (2, "much improved"),
        (3, "minimally improved"),
        (4, "no change"),
        (5, "minimally worse"),
        (6, "much worse"),
        (7, "very much worse"),
    ],
)
def test_pgic_total_is_the_answer_and_its_label_the_band(answer, label):
    assert get_instrument("pgic").score([answer]) == Score(answer, label, frozenset())


@pytest.mark.parametrize(
    ("answers", "mean"),
    [([7, 8, 9], 8.0), ([1, 2, 2], 5 / 3), ([0, 0, 0], 0), ([10, 10, 10], 10), ([0, 0, 1], 1 / 3)],
)
def test_peg3_is_the_exact_mean_without_a_band(answers, mean):
    score = get_instrument("peg3").score(answers)
    assert score.total == pytest.approx(mean, abs=1e-12)
    assert score.band is None


def test_peg3_mean_is_not_rounded():
    assert get_instrument("peg3").score([1, 2, 2]).total == pytest.approx(1.6666666666666667, abs=1e-15)


def test_k10_runs_from_10_to_50_and_who5_from_0_to_100():
    k10, who5 = get_instrument("k10"), get_instrument("who5")
    assert (k10.score([1] * 10).total, k10.score([5] * 10).total) == (10, 50)
    assert (who5.score([0] * 5).total, who5.score([5] * 5).total) == (0, 100)
    assert who5.score([3, 2, 4, 1, 3]).total == 52


@pytest.mark.parametrize(("key", "answer"), [("nrs_pain", 0), ("nrs_pain", 10), ("nrs_fatigue", 7)])
def test_nrs_total_is_the_answer(key, answer):
    assert get_instrument(key).score([answer]) == Score(answer, None, frozenset())


def test_satisfaction_is_the_mean_of_five_answers_and_is_not_banded():
    score = get_instrument("satisfaction").score([5, 4, 4, 5, 3])
    assert (score.total, score.band) == (4.2, None)


@pytest.mark.parametrize(
    ("answers", "flags"),
    [
        ([0, None], set()),
        ([1, None], {"adverse_event"}),
        ([1, 2], {"adverse_event"}),
        ([1, 3], {"adverse_event", "adverse_event_bothersome"}),
        ([1, 4], {"adverse_event", "adverse_event_bothersome"}),
    ],
)
def test_adverse_events_are_reported_not_scored(answers, flags):
    assert get_instrument("adverse_events").score(answers) == Score(None, None, frozenset(flags))


def test_adverse_events_refuse_a_bother_rating_without_a_yes():
    with pytest.raises(ValueError, match="only answered after a 'Yes'"):
        get_instrument("adverse_events").score([0, 2])


def allowed_values(instrument):
    if instrument.items:
        return [item.values for item in instrument.scored_items]
    return list(instrument.scored_values)


def valid_answers(instrument):
    return [min(values) for values in allowed_values(instrument)]


def invalid_inputs():
    for key, instrument in REGISTRY.items():
        valid = valid_answers(instrument)
        first = allowed_values(instrument)[0]
        yield key, valid[:-1], "scored answers"
        yield key, [*valid, valid[-1]], "scored answers"
        yield key, [], "scored answers"
        yield key, [min(first) - 1, *valid[1:]], "is not one of"
        yield key, [max(first) + 1, *valid[1:]], "is not one of"
        yield key, [None, *valid[1:]], "has no answer"
        yield key, [True, *valid[1:]], "not a whole number"
        yield key, [float(valid[0]), *valid[1:]], "not a whole number"
        yield key, [str(valid[0]), *valid[1:]], "not a whole number"
        yield key, "0" * len(valid), "must be a list"
        yield key, set(valid), "must be a list"
        yield key, None, "must be a list"


@pytest.mark.parametrize(("key", "values", "message"), list(invalid_inputs()))
def test_it_refuses_invalid_answers(key, values, message):
    with pytest.raises(ValueError, match=message):
        REGISTRY[key].score(values)


def test_phq9_refuses_its_unscored_difficulty_item_as_a_tenth_value():
    with pytest.raises(ValueError, match="takes 9 scored answers, got 10"):
        get_instrument("phq9").score([0] * 10)


def test_phq9_wording_and_options_are_the_published_ones():
    phq9 = get_instrument("phq9")
    assert len(phq9.items) == 10
    assert len(phq9.scored_items) == 9
    difficulty = phq9.items[9]
    assert (difficulty.scored, difficulty.required) == (False, False)
    assert [o.label for o in difficulty.options] == [
        "Not difficult at all",
        "Somewhat difficult",
        "Very difficult",
        "Extremely difficult",
    ]
    item9 = phq9.items[8].text
    assert "better off dead" in item9
    assert "hurting yourself" in item9
    assert [(o.value, o.label) for o in phq9.items[0].options] == [
        (0, "Not at all"),
        (1, "Several days"),
        (2, "More than half the days"),
        (3, "Nearly every day"),
    ]
    assert phq9.preamble == "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
    assert phq9.items[0].text == "Little interest or pleasure in doing things"


def test_gad7_k10_who5_peg_and_nrs_wording():
    gad7 = get_instrument("gad7")
    assert len(gad7.items) == 7
    assert gad7.items[0].text == "Feeling nervous, anxious, or on edge"
    assert gad7.items[0].options == get_instrument("phq9").items[0].options

    k10 = get_instrument("k10")
    assert k10.preamble == "During the last 30 days, about how often did you feel ..."
    assert "30d" in k10.version and "1to5" in k10.version
    assert [o.label for o in k10.items[0].options] == [
        "None of the time",
        "A little of the time",
        "Some of the time",
        "Most of the time",
        "All of the time",
    ]
    assert [o.value for o in k10.items[0].options] == [1, 2, 3, 4, 5]

    who5 = get_instrument("who5")
    assert who5.direction == "higher_is_better"
    assert [(o.value, o.label) for o in who5.items[0].options][0] == (5, "All of the time")
    assert [(o.value, o.label) for o in who5.items[0].options][-1] == (0, "At no time")

    peg = get_instrument("peg3")
    assert [(peg.items[0].options[0].label, peg.items[0].options[-1].label)] == [
        ("No pain", "Pain as bad as you can imagine")
    ]
    assert peg.items[2].options[-1].label == "Completely interferes"
    assert "enjoyment of life" in peg.items[1].text and "general activity" in peg.items[2].text

    pain = get_instrument("nrs_pain").items[0]
    assert (pain.options[0].label, pain.options[5].label, pain.options[10].label) == (
        "No pain",
        "5",
        "Pain as bad as you can imagine",
    )
    assert "Steady's own" in get_instrument("nrs_fatigue").licence


def test_pgic_stores_which_way_round_its_scale_runs():
    pgic = get_instrument("pgic")
    assert "1vmi-7vmw" in pgic.version  # 1 = very much improved ... 7 = very much worse
    assert len(pgic.version) <= 64
    assert [o.label for o in pgic.items[0].options][0] == "Very much improved"


def test_every_instrument_carries_its_metadata():
    assert set(REGISTRY) == {
        "phq9",
        "gad7",
        "peg3",
        "nrs_pain",
        "nrs_fatigue",
        "k10",
        "who5",
        "pgic",
        "pseq",
        "satisfaction",
        "adverse_events",
    }
    for instrument in all_instruments():
        assert instrument.key and instrument.version and instrument.title and instrument.recall
        assert instrument.licence
        assert instrument.direction in ("higher_is_worse", "higher_is_better")
        # Constants only with their source (instruments.md 3.1): none are sourced yet.
        assert instrument.reliable_change is None or instrument.reliable_change.source


def explanations():
    for instrument in REGISTRY.values():
        for band in instrument.bands:
            yield instrument.key, Score(band.low, band.label, frozenset())
    yield "peg3", Score(5 / 3, None, frozenset())
    yield "nrs_pain", Score(6, None, frozenset())
    yield "nrs_fatigue", Score(6, None, frozenset())
    yield "satisfaction", Score(4.2, None, frozenset())
    yield "adverse_events", Score(None, None, frozenset({"adverse_event"}))
    yield "adverse_events", Score(None, None, frozenset())


@pytest.mark.parametrize(("key", "score"), list(explanations()))
def test_explanations_are_short_plain_and_never_diagnose(key, score):
    text = REGISTRY[key].explain(score)
    assert text.endswith(".")
    assert 1 <= text.count(". ") + 1 <= 2
    for word in ("depression", "disorder", "diagnos", "severe", "urgent", "emergency"):
        assert word not in text.lower()


def test_explanations_read_as_expected():
    phq9 = get_instrument("phq9")
    assert phq9.explain(phq9.score([1, 1, 1, 1, 1, 0, 0, 0, 0])) == (
        "Your answers suggest mild low mood. Your therapist will look at this with you."
    )
    assert (
        get_instrument("peg3")
        .explain(get_instrument("peg3").score([1, 2, 2]))
        .startswith("Your score for pain and how much it gets in the way of your life was 1.7 out of 10.")
    )


def test_an_item_9_answer_is_acknowledged_and_never_called_minimal():
    phq9 = get_instrument("phq9")
    text = phq9.explain(phq9.score([0, 0, 0, 0, 0, 0, 0, 0, 1]))
    assert text.startswith("Thank you for telling us how you feel.")
    assert "few or no signs" not in text
    moderate = phq9.explain(phq9.score([2, 2, 2, 2, 2, 0, 0, 0, 2]))
    assert moderate.startswith("Thank you for telling us how you feel. Your answers suggest moderate low mood.")


def test_get_instrument_refuses_unknown_keys():
    with pytest.raises(KeyError, match="unknown instrument 'phq-9'"):
        get_instrument("phq-9")


# PSEQ: licence-gated; its wording is installed by the licence holder, never in the repository.


def placeholder_wording(**changes):
    # Invented for tests; deliberately nothing like the real questionnaire.
    wording = {
        "version": "test-placeholder-1",
        "preamble": "Placeholder preamble invented for tests.",
        "items": [f"Placeholder statement {n}, invented for tests" for n in range(1, 11)],
        "options": [[0, "Placeholder lowest"], *[[n, str(n)] for n in range(1, 6)], [6, "Placeholder highest"]],
    }
    wording.update(changes)
    return wording


@pytest.fixture
def wording_file(tmp_path, settings):
    path = tmp_path / "pseq.json"
    path.write_text(json.dumps(placeholder_wording()), encoding="utf-8")
    settings.STEADY_PSEQ_ITEMS_FILE = str(path)
    return path


def test_pseq_has_no_wording_in_the_repository(settings):
    settings.STEADY_PSEQ_ITEMS_FILE = None
    pseq = get_instrument("pseq")
    assert (pseq.available, pseq.items, pseq.preamble, pseq.licence_gated) == (False, (), "", True)
    assert REGISTRY["pseq"].items == ()
    assert "STEADY_PSEQ_ITEMS_FILE" in pseq.unavailable_reason
    with pytest.raises(InstrumentUnavailable, match="not installed"):
        pseq.ensure_available()
    assert "pseq" not in [i.key for i in available_instruments(["pseq"])]


def test_pseq_scores_without_its_wording(settings):
    settings.STEADY_PSEQ_ITEMS_FILE = None
    assert get_instrument("pseq").score([3] * 10) == Score(30, "moderate", frozenset())
    with pytest.raises(ValueError, match="not one of"):
        get_instrument("pseq").score([7] + [0] * 9)


def test_pseq_is_available_with_a_valid_wording_file_and_a_recorded_licence(wording_file):
    pseq = get_instrument("pseq")
    assert pseq.available
    pseq.ensure_available()
    assert len(pseq.items) == 10
    assert pseq.items[0].text == "Placeholder statement 1, invented for tests"
    assert (pseq.items[0].options[0].label, pseq.items[0].options[6].label) == (
        "Placeholder lowest",
        "Placeholder highest",
    )
    assert pseq.preamble == "Placeholder preamble invented for tests."
    assert pseq.version.endswith("+test-placeholder-1")
    assert get_instrument("pseq").version == pseq.version  # loading twice does not stack suffixes
    assert pseq.score([6] * 10) == Score(60, "minimal", frozenset())
    assert "pseq" in [i.key for i in available_instruments(["pseq"])]
    # Installed but the clinic has not recorded the licence: still not available to it.
    assert "pseq" not in [i.key for i in available_instruments([])]


def test_free_instruments_need_no_licence_record():
    keys = [i.key for i in available_instruments([])]
    assert keys == [
        "phq9",
        "gad7",
        "peg3",
        "nrs_pain",
        "nrs_fatigue",
        "k10",
        "who5",
        "pgic",
        "satisfaction",
        "adverse_events",
    ]
    with pytest.raises(TypeError):
        available_instruments("pseq")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not valid JSON"),
        (json.dumps(["a list"]), "expected a JSON object"),
        (json.dumps({"version": "x"}), "missing preamble, items, options"),
        (json.dumps(placeholder_wording(version="")), "version must be a non-empty string"),
        (json.dumps(placeholder_wording(items=["Placeholder"] * 9)), "items must be a list of 10 texts, got 9"),
        (json.dumps(placeholder_wording(items=["Placeholder"] * 9 + [""])), "every item must be a non-empty string"),
        (json.dumps(placeholder_wording(options=[[n, str(n)] for n in range(6)])), "options must be 7"),
        (json.dumps(placeholder_wording(options=[[n, str(n)] for n in range(1, 8)])), "options must be 7"),
        (json.dumps(placeholder_wording(options=[[n, ""] for n in range(7)])), "options must be 7"),
    ],
)
def test_a_malformed_wording_file_is_refused_with_a_clear_error(tmp_path, settings, content, message):
    path = tmp_path / "pseq.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InstrumentTextError, match=message):
        load_wording(path)
    settings.STEADY_PSEQ_ITEMS_FILE = str(path)
    pseq = get_instrument("pseq")
    assert not pseq.available
    assert message.split(",")[0] in pseq.unavailable_reason
    assert str(path) in pseq.unavailable_reason


def test_a_missing_wording_file_is_reported(tmp_path, settings):
    settings.STEADY_PSEQ_ITEMS_FILE = str(tmp_path / "absent.json")
    pseq = get_instrument("pseq")
    assert not pseq.available
    assert "does not exist" in pseq.unavailable_reason


def test_every_version_fits_the_assessment_column():
    from outcomes.models import Assessment

    limit = Assessment._meta.get_field("instrument_version").max_length
    assert all(len(instrument.version) <= limit for instrument in REGISTRY.values())
