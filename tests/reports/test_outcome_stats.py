"""Outcome statistics of a set of enrolments (reports.outcome_stats) and the partials that show them."""

import dataclasses
import datetime

import pytest
from django.template.loader import render_to_string

from clinics.models import Enrollment
from outcomes.instruments import ReliableChange, get_instrument
from outcomes.models import Assessment, Occasion
from outcomes.reports import html_to_pdf
from reports import outcome_stats, stats
from reports.outcome_stats import (
    adverse_event_summary,
    outcome_table,
    outcome_table_by_contact_mode,
    satisfaction_summary,
)
from tests.factories import CohortFactory, EnrollmentFactory
from tests.utils import assert_queries

pytestmark = pytest.mark.django_db
START = datetime.datetime(2026, 1, 5, 10, 0, tzinfo=datetime.UTC)
ASYNC, SYNC, MIXED = Enrollment.ContactMode.values


def assessment(enrollment, key, kind, total, *, answers=None, day=None, status=Assessment.Status.COMPLETED):
    """An assessment row as the answering service leaves it (not scored here: the total is given)."""
    day = {Occasion.BASELINE: 0, Occasion.POST: 63}.get(kind, 7) if day is None else day
    when = START + datetime.timedelta(days=day)
    occasion = f"week-{day // 7 + 1}" if kind == Occasion.WEEKLY else kind
    instrument = get_instrument(key)
    return Assessment(
        enrollment=enrollment,
        instrument_key=key,
        instrument_version=instrument.version,
        occasion=occasion,
        occasion_kind=kind,
        opens_at=when,
        due_at=when + datetime.timedelta(days=2),
        closes_at=when + datetime.timedelta(days=7),
        status=status,
        answers=answers or {},
        total=total,
        band=(instrument.band_for(total) or "") if total is not None else "",
        submitted_at=when if status == Assessment.Status.COMPLETED else None,
    )


def patients(cohort, count, mode=ASYNC):
    return [EnrollmentFactory(cohort=cohort, contact_mode=mode) for _ in range(count)]


def scores(enrollments, key, baseline, post):
    """Baseline and post totals for each enrolment in turn (None: that occasion not answered)."""
    rows = []
    for enrollment, before, after in zip(enrollments, baseline, post, strict=True):
        if before is not None:
            rows.append(assessment(enrollment, key, Occasion.BASELINE, before))
        if after is not None:
            rows.append(assessment(enrollment, key, Occasion.POST, after))
    Assessment.objects.bulk_create(rows)


def row_for(table, key):
    return next(row for row in table if row.key == key)


@pytest.fixture
def cohort(db):
    return CohortFactory()


def enrolments_of(cohort):
    return Enrollment.objects.filter(cohort=cohort)


# --- PHQ-9: ten paired patients, one with baseline only, one with post only -------------------------
# patient   1   2   3   4   5   6   7   8   9  10 | 11   12
# baseline 15  12  18  10  20   9  14  16  11  13 | 20    -
# post      8   6  10  12   9   5  14   9   9  12 |  -    3
# change   -7  -6  -8  +2 -11  -4   0  -7  -2  -1
PHQ9_BASELINE = [15, 12, 18, 10, 20, 9, 14, 16, 11, 13, 20, None]
PHQ9_POST = [8, 6, 10, 12, 9, 5, 14, 9, 9, 12, None, 3]


@pytest.fixture
def phq9_cohort(cohort):
    enrollments = patients(cohort, 12)
    scores(enrollments, "phq9", PHQ9_BASELINE, PHQ9_POST)
    # Neither counts as the end: a weekly check of patient 11, and patient 12's post that is still open.
    Assessment.objects.bulk_create(
        [
            assessment(enrollments[10], "phq9", Occasion.WEEKLY, 2, day=56),
            assessment(enrollments[0], "gad7", Occasion.POST, 3, status=Assessment.Status.OPEN),
        ]
    )
    return cohort


def test_means_use_everyone_at_each_occasion_and_change_only_the_pairs(phq9_cohort):
    row = row_for(outcome_table(enrolments_of(phq9_cohort)), "phq9")
    assert (row.n_baseline, row.n_post, row.n_paired) == (11, 11, 10)
    # (138 + 20) / 11 = 14.3636...; (94 + 3) / 11 = 8.8181... (the weekly 2 is not a post score)
    assert row.baseline_mean == pytest.approx(158 / 11)
    assert row.post_mean == pytest.approx(97 / 11)
    assert row.baseline_sd == pytest.approx(stats.sd([x for x in PHQ9_BASELINE if x is not None]))
    # Change: (-7 - 6 - 8 + 2 - 11 - 4 + 0 - 7 - 2 - 1) / 10 = -44 / 10 = -4.4
    changes = [-7, -6, -8, 2, -11, -4, 0, -7, -2, -1]
    ci = stats.mean_ci(changes)
    assert row.change_mean == pytest.approx(-4.4)
    assert (row.change_low, row.change_high) == pytest.approx((ci.low, ci.high))


def test_g_is_positive_when_a_lower_is_better_score_falls(phq9_cohort):
    row = row_for(outcome_table(enrolments_of(phq9_cohort)), "phq9")
    effect = stats.within_group_g(PHQ9_BASELINE[:10], PHQ9_POST[:10])
    assert effect.g < 0  # scores fell ...
    assert row.g == pytest.approx(-effect.g)  # ... which is an improvement, so the report's g is positive
    assert (row.g_low, row.g_high) == pytest.approx((-effect.high, -effect.low))
    assert row.g > 0 and row.g_low < row.g < row.g_high


def test_talking_therapies_improvement_deterioration_and_recovery(phq9_cohort):
    row = row_for(outcome_table(enrolments_of(phq9_cohort)), "phq9")
    assert row.rule == "talking_therapies"
    # A drop of 6 or more: patients 1, 2, 3, 5, 8 -> 5 of 10 = 50 %.
    assert (row.improved.count, row.improved.n, row.improved.percent) == (5, 10, 50)
    assert row.improved.text == "5 (50%)"
    # A rise of 6 or more: nobody; 0 is fewer than 5 patients, so it is hidden.
    assert row.deteriorated.count == "<5" and row.deteriorated.text == "<5"
    # Cases at baseline (10 or more): all but patient 6 -> 9. Below 10 at the end: 1, 2, 5, 8, 9 -> 5 of 9.
    assert (row.recovered.count, row.recovered.n) == (5, 9)
    assert row.recovered.percent == pytest.approx(500 / 9)
    assert row.recovered.of_text == "5 of 9 (56%)"
    assert row.comparison == outcome_stats.PSYCHOLOGICAL


def test_a_higher_is_better_scale_keeps_its_sign_and_has_no_rule_or_band(cohort):
    enrollments = patients(cohort, 5)
    # WHO-5 changes: +16 +12 +12 +4 +8 (mean +10.4): better.
    scores(enrollments, "who5", [40, 48, 52, 36, 44], [56, 60, 64, 40, 52])
    row = row_for(outcome_table(enrolments_of(cohort)), "who5")
    effect = stats.within_group_g([40, 48, 52, 36, 44], [56, 60, 64, 40, 52])
    assert row.higher_is_better
    assert row.change_mean == pytest.approx(10.4)
    assert row.g == pytest.approx(effect.g) and row.g > 0
    assert row.rule is None and row.improved is None and row.deteriorated is None and row.recovered is None
    assert row.comparison is None


def test_immpact_counts_a_fall_of_30_percent_and_leaves_out_a_zero_baseline(cohort):
    enrollments = patients(cohort, 7)
    # PEG (a mean of three answers): 6 -> 4 (33 %), 9 -> 3 (67 %), 5 -> 4 (20 %), 3 -> 2 (33 %),
    # 10/3 -> 7/3 (exactly 30 %), 6 -> 3 (50 %), 0 -> 2 (no percentage from a baseline of 0)
    scores(enrollments, "peg3", [6, 9, 5, 3, 10 / 3, 6, 0], [4, 3, 4, 2, 7 / 3, 3, 2])
    row = row_for(outcome_table(enrolments_of(cohort)), "peg3")
    assert row.n_paired == 7
    assert (row.improved.count, row.improved.n) == (5, 6)  # the baseline of 0 cannot be judged
    assert row.deteriorated is None  # IMMPACT has no rule for worsening
    assert row.recovered is None
    assert row.comparison == outcome_stats.IMPACT


def test_pseq_counts_a_meaningful_change_in_either_direction(cohort):
    enrollments = patients(cohort, 7)
    # ePPOC: 7 points or more AND another band (0-19 severe, 20-30 moderate, 31-40 mild, 41-60 minimal).
    # 15 -> 25, 22 -> 32, 30 -> 38, 35 -> 45, 19 -> 27: better, and into another band (5);
    # 10 -> 18: +8 but still "severe" (not counted); 40 -> 30: -10 and mild -> moderate (worse).
    scores(enrollments, "pseq", [15, 22, 30, 35, 19, 10, 40], [25, 32, 38, 45, 27, 18, 30])
    row = row_for(outcome_table(enrolments_of(cohort)), "pseq")
    assert row.higher_is_better and row.rule == "pseq"
    assert (row.improved.count, row.improved.n) == (5, 7)
    assert row.deteriorated.count == "<5"  # the one patient who got worse
    assert row.recovered is None and row.comparison is None


def test_jacobson_truax_is_used_once_an_instrument_has_its_constants():
    # K10 with made-up constants SD 5, r 0.82: S_diff = 5 * sqrt(2) * sqrt(0.18) = 3; reliable beyond 1.96 * 3 = 5.88.
    k10 = dataclasses.replace(
        get_instrument("k10"), reliable_change=ReliableChange(sd=5, reliability=0.82, source="test only")
    )
    assert outcome_stats.change.change_rule(k10) == "jacobson_truax"
    assert outcome_stats._verdict(k10, "jacobson_truax", 30, 24) == (True, False, False, False)  # -6
    assert outcome_stats._verdict(k10, "jacobson_truax", 30, 25) == (False, False, False, False)  # -5
    assert outcome_stats._verdict(k10, "jacobson_truax", 24, 30) == (False, True, False, False)  # +6


def test_four_patients_are_hidden_and_five_are_shown(cohort):
    four = patients(cohort, 4)
    scores(four, "gad7", [12, 14, 9, 16], [6, 8, 9, 10])
    row = row_for(outcome_table(enrolments_of(cohort)), "gad7")
    hidden = [row.n_baseline, row.n_post, row.n_paired, row.baseline_mean, row.baseline_sd, row.post_mean]
    hidden += [row.change_mean, row.change_low, row.g, row.g_high, row.improved.count, row.improved.percent]
    assert hidden == ["<5"] * len(hidden)
    assert row.baseline_text == "<5" and row.change_text == "<5" and row.g_text == "<5"
    assert not row.forest.shown and row.forest.value_text == "fewer than 5 patients"

    scores(patients(cohort, 1), "gad7", [11], [5])
    row = row_for(outcome_table(enrolments_of(cohort)), "gad7")
    assert (row.n_baseline, row.n_paired) == (5, 5)
    # (12 + 14 + 9 + 16 + 11) / 5 = 62 / 5 = 12.4; changes -6 -6 0 -6 -6: mean -4.8
    assert row.baseline_mean == pytest.approx(12.4)
    assert row.change_mean == pytest.approx(-4.8)
    # A drop of 4 or more (GAD-7): 4 of 5 -> fewer than 5 patients, hidden although the base is 5.
    assert row.improved.count == "<5"
    assert isinstance(row.g, float) and row.forest.shown


def test_only_instruments_with_a_baseline_get_a_row_in_registry_order(cohort):
    enrollments = patients(cohort, 2)
    Assessment.objects.bulk_create(
        [
            assessment(enrollments[0], "gad7", Occasion.BASELINE, 5),
            assessment(enrollments[0], "phq9", Occasion.BASELINE, 5),
            assessment(enrollments[1], "k10", Occasion.POST, 20),  # a post without any baseline
            assessment(enrollments[1], "pgic", Occasion.POST, 2),  # not tracked over time
        ]
    )
    assert [row.key for row in outcome_table(enrolments_of(cohort))] == ["phq9", "gad7"]
    assert outcome_table(Enrollment.objects.none()) == []


def test_by_contact_mode_splits_the_patients(cohort):
    async_patients = patients(cohort, 5, ASYNC)
    sync_patients = patients(cohort, 4, SYNC)
    scores(async_patients, "phq9", [15, 12, 18, 10, 20], [8, 6, 10, 12, 9])
    scores(sync_patients, "phq9", [14, 16, 11, 13], [14, 9, 9, 12])
    tables = outcome_table_by_contact_mode(enrolments_of(cohort))
    assert list(tables) == [ASYNC, SYNC, MIXED]
    assert row_for(tables[ASYNC], "phq9").n_paired == 5
    # (15 + 12 + 18 + 10 + 20) / 5 = 75 / 5 = 15
    assert row_for(tables[ASYNC], "phq9").baseline_mean == pytest.approx(15)
    assert row_for(tables[SYNC], "phq9").n_paired == "<5"
    assert tables[MIXED] == []
    assert row_for(outcome_table(enrolments_of(cohort)), "phq9").n_paired == 9


def test_the_later_answer_wins_if_an_occasion_was_answered_twice(cohort):
    enrollments = patients(cohort, 5)
    scores(enrollments, "k10", [30] * 5, [20] * 5)
    again = assessment(enrollments[0], "k10", Occasion.POST, 40, day=70)
    again.occasion = "post-again"
    again.save()
    row = row_for(outcome_table(enrolments_of(cohort)), "k10")
    # (40 + 20 * 4) / 5 = 24
    assert row.post_mean == pytest.approx(24)


def _many(cohort, count):
    enrollments = EnrollmentFactory.create_batch(count, cohort=cohort)
    rows = []
    for e in enrollments:
        rows += [assessment(e, "phq9", Occasion.BASELINE, 14), assessment(e, "phq9", Occasion.POST, 9)]
        rows += [assessment(e, "satisfaction", Occasion.POST, 4, answers={"satisfaction_overall": 4})]
        rows += [assessment(e, "adverse_events", Occasion.POST, None, answers={"ae_any": 1, "ae_bother": 2})]
    Assessment.objects.bulk_create(rows)


@pytest.mark.parametrize("count", [10, 200])
def test_each_function_reads_the_database_once_whatever_the_number_of_patients(cohort, count):
    _many(cohort, count)
    enrollments = enrolments_of(cohort)
    for function in (outcome_table, outcome_table_by_contact_mode, satisfaction_summary, adverse_event_summary):
        with assert_queries(1):
            function(enrollments)


# --- Satisfaction and adverse events -------------------------------------------------------------


def satisfied(enrollment, overall, *, day=63, others=4):
    answers = {item.key: others for item in get_instrument("satisfaction").items}
    answers["satisfaction_overall"] = overall
    total = sum(answers.values()) / len(answers)
    kind = Occasion.POST if day == 63 else Occasion.MIDPOINT
    return assessment(enrollment, "satisfaction", kind, total, answers=answers, day=day)


def test_satisfaction_counts_each_patients_latest_answers(cohort):
    enrollments = patients(cohort, 12)
    # "Overall" answers: 5 x7, 4 x3, 2 x1, 1 x1 (one patient first said 5, later 1: the later answer counts).
    overall = [5] * 7 + [4] * 3 + [2, 1]
    rows = [satisfied(e, answer) for e, answer in zip(enrollments, overall, strict=True)]
    rows.append(satisfied(enrollments[-1], 5, day=56))
    Assessment.objects.bulk_create(rows)
    summary = satisfaction_summary(enrolments_of(cohort))
    assert summary.responded and summary.n == 12
    item = summary.items[0]
    assert item.key == "satisfaction_overall" and item.n == 12
    by_label = {answer.label: answer for answer in item.answers}
    assert (by_label["Strongly agree"].count, by_label["Strongly agree"].percent) == (7, pytest.approx(700 / 12))
    assert by_label["Strongly agree"].text == "7 (58%)"
    # 3, 1, 1 and 0 are all small: hidden, and since there are several, none needs a second cell hidden.
    assert [by_label[label].count for label in ("Agree", "Disagree", "Strongly disagree", "Not sure")] == ["<5"] * 4
    # Every other question: all 12 said "Agree" (4), everything else 0.
    assert [answer.text for answer in summary.items[1].answers] == ["<5", "<5", "<5", "12 (100%)", "<5"]
    # Totals: 7 x (5 + 16) / 5 = 4.2, 3 x 4.0, 2 -> 3.6, 1 -> 3.4; mean = (29.4 + 12 + 3.6 + 3.4) / 12
    assert summary.mean == pytest.approx(48.4 / 12)


def test_one_small_answer_hides_the_next_smallest_as_well(cohort):
    enrollments = patients(cohort, 25)
    overall = [1] * 5 + [2] * 5 + [3] * 6 + [4] * 7 + [5] * 2
    Assessment.objects.bulk_create([satisfied(e, answer) for e, answer in zip(enrollments, overall, strict=True)])
    item = satisfaction_summary(enrolments_of(cohort)).items[0]
    # Only "Strongly agree" (2) is small; 25 minus the others would give it back, so the smallest
    # shown count (the first 5) is hidden too, marked "*" as it is not below 5.
    assert [answer.text for answer in item.answers] == ["*", "5 (20%)", "6 (24%)", "7 (28%)", "<5"]


def test_satisfaction_with_nobody_answering(cohort):
    patients(cohort, 3)
    summary = satisfaction_summary(enrolments_of(cohort))
    assert not summary.responded and summary.n == "<5"


def adverse(enrollment, happened, bother=None, *, day=63):
    answers = {"ae_any": happened} | ({"ae_bother": bother} if bother is not None else {})
    kind = Occasion.POST if day == 63 else Occasion.MIDPOINT
    return assessment(enrollment, "adverse_events", kind, None, answers=answers, day=day)


def test_adverse_events_count_each_patient_once_at_their_worst(cohort):
    enrollments = patients(cohort, 20)
    rows = [adverse(e, 0) for e in enrollments[:10]]
    # Ten said yes. Worst bother: "A little" x6 (one of them also said "Some" earlier -> "Some"), "A lot" x2,
    # one "Very much" who later said "A little", one "Yes" with no answer to how much.
    yes = enrollments[10:]
    rows += [adverse(e, 1, 1) for e in yes[:6]]
    rows.append(adverse(yes[0], 1, 2, day=28))
    rows += [adverse(e, 1, 3) for e in yes[6:8]]
    rows += [adverse(yes[8], 1, 4, day=28), adverse(yes[8], 1, 1)]
    rows.append(adverse(yes[9], 1))
    Assessment.objects.bulk_create(rows)
    summary = adverse_event_summary(enrolments_of(cohort))
    assert summary.n == 20
    assert (summary.any_event.count, summary.any_event.percent) == (10, 50)
    worst = {answer.label: answer.count for answer in summary.worst_bother}
    # A little 5, Some 1, A lot 2, Very much 1, Not answered 1: four small cells hide each other.
    assert worst == {"A little": 5, "Some": "<5", "A lot": "<5", "Very much": "<5", "Not answered": "<5"}


def test_adverse_events_with_few_yes_answers_hide_the_breakdown(cohort):
    enrollments = patients(cohort, 8)
    Assessment.objects.bulk_create(
        [adverse(e, 0) for e in enrollments[:5]] + [adverse(e, 1, 1) for e in enrollments[5:]]
    )
    summary = adverse_event_summary(enrolments_of(cohort))
    assert summary.n == 8 and summary.any_event.text == "<5"
    assert summary.worst_bother == ()


# --- The partials --------------------------------------------------------------------------------


def _context(cohort):
    enrollments = enrolments_of(cohort)
    return {
        "outcomes": outcome_table(enrollments),
        "outcomes_by_mode": outcome_table_by_contact_mode(enrollments),
        "satisfaction": satisfaction_summary(enrollments),
        "adverse_events": adverse_event_summary(enrollments),
    }


def test_the_outcome_partials_show_the_numbers_the_chart_and_the_caveat(phq9_cohort):
    context = _context(phq9_cohort)
    html = render_to_string("reports/_outcomes.html", context)
    row = row_for(context["outcomes"], "phq9")
    assert "Scores at the start and the end" in html
    assert row.baseline_text in html and row.g_text in html
    assert "5 (50%)" in html and "5 of 9 (56%)" in html
    assert "&lt;5" in html  # the deterioration cell
    assert "0.34 to 0.47 (psychological outcomes)" in html
    assert "a different design: not directly comparable" in html
    assert html.count("<svg") == 1 and 'role="img"' in html
    assert 'style="' not in html and "<script" not in html

    by_mode = render_to_string("reports/_outcomes_by_mode.html", context)
    assert "Messages only (asynchronous)" in by_mode and 'id="outcomes-async"' in by_mode
    assert "No patients in this group have completed a baseline questionnaire yet." in by_mode  # sync and mixed


def test_the_satisfaction_partial_says_when_nobody_answered(cohort):
    patients(cohort, 2)
    html = render_to_string("reports/_satisfaction.html", _context(cohort))
    assert "No patients in this report have answered the satisfaction questions yet." in html
    assert "No patients in this report have answered the question about feeling worse" in html


def test_the_partials_render_in_a_pdf(phq9_cohort):
    enrollments = patients(phq9_cohort, 6)
    Assessment.objects.bulk_create([satisfied(e, 5) for e in enrollments] + [adverse(e, 1, 2) for e in enrollments])
    context = _context(phq9_cohort)
    body = "".join(
        render_to_string(name, context)
        for name in ("reports/_outcomes.html", "reports/_outcomes_by_mode.html", "reports/_satisfaction.html")
    )
    assert "6 (100%)" in body  # the six patients who all said yes
    pdf = html_to_pdf(f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'></head><body>{body}</body></html>")
    assert pdf.startswith(b"%PDF")
