"""The report arithmetic (reports.stats) against values worked out by hand and published tables."""

import math

import pytest

from reports import stats

# One small data set used throughout, with its arithmetic written out.
#   baseline 10 12 14 16 18: mean 14; deviations -4 -2 0 2 4; squares sum 40; variance 40/4 = 10; SD sqrt(10)
#   post      6  9  8 12 15: mean 10; deviations -4 -1 -2 2 5; squares sum 50; variance 50/4 = 12.5; SD 3.5355
#   post - baseline: -4 -3 -6 -4 -3: mean -4; deviations 0 1 -2 0 1; squares sum 6; variance 1.5; SD 1.2247
BASELINE = [10, 12, 14, 16, 18]
POST = [6, 9, 8, 12, 15]
CHANGES = [-4, -3, -6, -4, -3]


def test_mean_and_sample_sd_use_n_minus_1():
    assert stats.mean(BASELINE) == 14
    assert stats.sd(BASELINE) == pytest.approx(math.sqrt(10))
    assert stats.sd(POST) == pytest.approx(math.sqrt(12.5))
    # [1, 2, 3, 4, 10]: mean 4; squares 9 + 4 + 1 + 0 + 36 = 50; 50 / 4 = 12.5
    assert stats.sd([1, 2, 3, 4, 10]) == pytest.approx(3.5355339, abs=1e-7)


def test_sd_needs_two_values_and_mean_one():
    assert stats.mean([]) is None
    assert stats.sd([7]) is None
    assert stats.sd([7, 7]) == 0


def test_correlation_is_pearsons_r():
    # Sxy = (-4)(-4) + (-2)(-1) + 0(-2) + 2(2) + 4(5) = 16 + 2 + 0 + 4 + 20 = 42; r = 42 / sqrt(40 * 50)
    assert stats.correlation(BASELINE, POST) == pytest.approx(42 / math.sqrt(2000))
    assert stats.correlation([1, 1, 1], [1, 2, 3]) is None


# Two-sided 95 % (p = 0.975) critical values of Student's t, as printed in standard tables
# (e.g. NIST/SEMATECH e-Handbook of Statistical Methods, table 1.3.6.7.2), to 3 decimals.
T_975 = {
    1: 12.706,
    2: 4.303,
    3: 3.182,
    4: 2.776,
    5: 2.571,
    6: 2.447,
    7: 2.365,
    8: 2.306,
    9: 2.262,
    10: 2.228,
    15: 2.131,
    20: 2.086,
    25: 2.060,
    30: 2.042,
    40: 2.021,
    60: 2.000,
    100: 1.984,
}


@pytest.mark.parametrize(("df", "expected"), T_975.items())
def test_t_quantile_matches_the_published_table(df, expected):
    assert stats.t_quantile(0.975, df) == pytest.approx(expected, abs=5e-4)


@pytest.mark.parametrize(
    ("p", "df", "expected"),
    [(0.95, 1, 6.314), (0.95, 5, 2.015), (0.95, 10, 1.812), (0.99, 10, 2.764), (0.995, 10, 3.169)],
)
def test_t_quantile_at_other_levels(p, df, expected):
    assert stats.t_quantile(p, df) == pytest.approx(expected, abs=5e-4)


def test_t_quantile_is_exact_where_a_closed_form_exists():
    # df = 1 is the Cauchy distribution: t = tan(pi (p - 1/2)).
    assert stats.t_quantile(0.975, 1) == pytest.approx(math.tan(math.pi * 0.475), rel=1e-10)
    # df = 2: t = (2p - 1) / sqrt(2 p (1 - p)) = 0.95 / sqrt(0.04875) = 4.302653
    assert stats.t_quantile(0.975, 2) == pytest.approx(0.95 / math.sqrt(0.04875), rel=1e-10)


def test_t_quantile_tends_to_the_normal_one_and_is_symmetric():
    assert stats.t_quantile(0.975, 100_000) == pytest.approx(1.959964, abs=1e-4)
    assert stats.t_quantile(0.025, 7) == pytest.approx(-stats.t_quantile(0.975, 7))
    assert stats.t_quantile(0.5, 3) == 0


@pytest.mark.parametrize(("p", "df"), [(0, 5), (1, 5), (0.975, 0)])
def test_t_quantile_refuses_impossible_arguments(p, df):
    with pytest.raises(ValueError):
        stats.t_quantile(p, df)


def test_mean_ci_of_the_paired_changes_uses_t_with_n_minus_1_df():
    # SE = 1.224745 / sqrt(5) = 0.547723; t(0.975, 4) = 2.776445; half-width 1.520722
    ci = stats.mean_ci(CHANGES)
    assert ci.estimate == -4
    assert ci.low == pytest.approx(-5.520722, abs=1e-6)
    assert ci.high == pytest.approx(-2.479278, abs=1e-6)
    assert stats.mean_ci([3]) is None


def test_hedges_correction():
    # J = 1 - 3 / (4 df - 1): df 4 -> 1 - 3/15 = 0.8; df 9 -> 1 - 3/35 = 0.9142857; df 99 -> 1 - 3/395
    assert stats.hedges_correction(4) == pytest.approx(0.8)
    assert stats.hedges_correction(9) == pytest.approx(0.9142857, abs=1e-7)
    assert stats.hedges_correction(99) == pytest.approx(0.9924051, abs=1e-7)
    with pytest.raises(ValueError):
        stats.hedges_correction(0)


def test_within_group_g_and_its_interval_by_hand():
    # d = mean change / baseline SD = -4 / sqrt(10) = -1.264911 (d^2 = 1.6 exactly)
    # J = 1 - 3 / (4 * 4 - 1) = 0.8; g = 0.8 * -1.264911 = -1.011929
    # Var(d) = d^2 / (2 (n - 1)) + S_D^2 / (S_baseline^2 (n - 1)) = 1.6 / 8 + 1.5 / (10 * 4) = 0.2 + 0.0375 = 0.2375
    # SE(g) = J * sqrt(0.2375) = 0.8 * 0.487340 = 0.389872; 1.959964 * 0.389872 = 0.764135
    # 95 % CI: -1.011929 -/+ 0.764135 = (-1.776064, -0.247794)
    effect = stats.within_group_g(BASELINE, POST)
    assert effect.n == 5
    assert effect.d == pytest.approx(-1.264911, abs=1e-6)
    assert effect.j == pytest.approx(0.8)
    assert effect.g == pytest.approx(-1.011929, abs=1e-6)
    assert effect.se == pytest.approx(0.389872, abs=1e-6)
    assert effect.low == pytest.approx(-1.776064, abs=1e-6)
    assert effect.high == pytest.approx(-0.247794, abs=1e-6)


def test_turning_an_effect_round_swaps_the_interval():
    turned = stats.within_group_g(BASELINE, POST).turned()
    assert turned.g == pytest.approx(1.011929, abs=1e-6)
    assert (turned.low, turned.high) == pytest.approx((0.247794, 1.776064), abs=1e-6)


def test_within_group_g_reduces_to_beckers_variance_when_the_sds_are_equal():
    # post = baseline shuffled keeps the SD: Var(d) = 2 (1 - r) / (n - 1) + d^2 / (2 (n - 1))
    baseline, post = [1, 2, 3, 4, 5, 6], [2, 1, 4, 3, 6, 5]
    r = stats.correlation(baseline, post)
    effect = stats.within_group_g(baseline, post)
    assert effect.d == 0
    assert effect.se == pytest.approx(effect.j * math.sqrt(2 * (1 - r) / 5))


def test_within_group_g_needs_three_pairs_and_some_spread():
    assert stats.within_group_g([10, 12], [8, 9]) is None
    assert stats.within_group_g([10, 10, 10], [8, 9, 7]) is None
    with pytest.raises(ValueError):
        stats.within_group_g([1, 2, 3], [1, 2])


def test_small_cells_are_suppressed_below_five():
    assert stats.SMALL_CELL == 5
    assert stats.suppressed(4) and stats.suppressed(0)
    assert not stats.suppressed(5)
    assert stats.suppress(4, 12.5) == "<5"
    assert stats.suppress(5, 12.5) == 12.5


def test_a_rate_is_hidden_when_its_count_or_its_base_is_small():
    assert stats.suppress_rate(4, 100, 4.0) == "<5"  # 4 % of 100 would give the 4 patients away
    assert stats.suppress_rate(5, 4, 125.0) == "<5"
    assert stats.suppress_rate(5, 100, 5.0) == 5.0


def test_one_small_count_beside_a_total_hides_the_next_smallest_too():
    assert stats.suppress_distribution([3, 10, 7, 20]) == ["<5", None, "*", None]
    # Two small ones already hide each other.
    assert stats.suppress_distribution([3, 2, 7, 20]) == ["<5", "<5", None, None]
    assert stats.suppress_distribution([6, 10, 7]) == [None, None, None]
    # A zero counts as small too.
    assert stats.suppress_distribution([0, 9, 12]) == ["<5", "*", None]


def test_percent():
    assert stats.percent(3, 12) == 25
    assert stats.percent(0, 0) is None
