"""Arithmetic for the clinic and cohort reports: descriptive statistics, Student's t quantiles, the
within-group effect size, and the small-cell rule. Pure functions on numbers; no Django here.

The small-cell rule lives in one place (`suppressed`, `suppress`, `suppress_distribution`) so pages, CSV
and PDF hide exactly the same cells.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from statistics import NormalDist

# Any cell computed from, or describing, fewer than this many patients shows SUPPRESSED instead of a number
# (issue 6: "Cells with fewer than 5 patients show <5"). Zero counts as fewer than five.
SMALL_CELL = 5
SUPPRESSED = "<5"
# A cell of 5 or more hidden only because, next to a shown total, it would let a reader work out a
# suppressed neighbour by subtraction ("secondary suppression").
HIDDEN = "*"

type Cell = int | float | str | None

CONFIDENCE = 0.95
# The two-sided 95 % normal quantile, 1.959964..., for the effect-size interval (Bonett 2008 uses z).
Z_95 = NormalDist().inv_cdf(0.5 + CONFIDENCE / 2)


def suppressed(n: int) -> bool:
    """True when a cell built from ``n`` patients must not be shown."""
    return n < SMALL_CELL


def suppress(n: int, value: Cell) -> Cell:
    """``value``, or SUPPRESSED when it comes from fewer than SMALL_CELL patients."""
    return SUPPRESSED if suppressed(n) else value


def suppress_rate(count: int, n: int, value: Cell) -> Cell:
    """A count or percentage of ``count`` patients out of ``n``: hidden when either is small, because a
    percentage of a shown denominator gives the small count straight back."""
    return SUPPRESSED if suppressed(count) or suppressed(n) else value


def suppress_distribution(counts: Sequence[int]) -> list[str | None]:
    """For counts shown next to their (shown) total: the mark each cell needs, None when it may show.

    Primary: every count below SMALL_CELL. Secondary: when exactly one count is hidden, the smallest
    shown one is hidden too (marked HIDDEN, as it is not below 5), or the total minus the others would
    give the hidden one back.
    """
    marks: list[str | None] = [SUPPRESSED if suppressed(count) else None for count in counts]
    if marks.count(SUPPRESSED) == 1:
        shown = [i for i, mark in enumerate(marks) if mark is None]
        if shown:
            marks[min(shown, key=lambda i: counts[i])] = HIDDEN
    return marks


def percent(count: int, n: int) -> float | None:
    return None if n == 0 else 100 * count / n


# --- Descriptive statistics -----------------------------------------------------------------------


def mean(values: Sequence[float]) -> float | None:
    return math.fsum(values) / len(values) if values else None


def sd(values: Sequence[float]) -> float | None:
    """Sample standard deviation (n - 1 in the denominator); None below two values."""
    if len(values) < 2:
        return None
    m = mean(values)
    return math.sqrt(math.fsum((v - m) ** 2 for v in values) / (len(values) - 1))


def correlation(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    """Pearson's r; None when either set has no spread."""
    if len(xs) != len(ys):
        raise ValueError("correlation needs pairs")
    if len(xs) < 2:
        return None
    mx, my = mean(xs), mean(ys)
    sxy = math.fsum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = math.fsum((x - mx) ** 2 for x in xs)
    syy = math.fsum((y - my) ** 2 for y in ys)
    return None if sxx == 0 or syy == 0 else sxy / math.sqrt(sxx * syy)


# --- Student's t ----------------------------------------------------------------------------------
# The t quantile is found by bisection on the exact t distribution function, which is a regularised
# incomplete beta function: for t >= 0, P(T > t) = I_x(df/2, 1/2) / 2 with x = df / (df + t^2)
# (Abramowitz & Stegun 26.7.1 with 26.5.27; DLMF 8.17). I_x is evaluated by its continued fraction
# (DLMF 8.17.22) with the modified Lentz method (Press et al., Numerical Recipes, 3rd ed., 6.4), using
# I_x(a, b) = 1 - I_(1-x)(b, a) where the fraction converges slowly. This works for any df, so there is no
# table and no normal approximation at large df; tests check it against published table values.

_CF_EPS = 1e-15
_CF_TINY = 1e-300
_CF_MAX_TERMS = 10_000


def _lentz(value: float) -> float:
    return _CF_TINY if abs(value) < _CF_TINY else value


def _beta_continued_fraction(a: float, b: float, x: float) -> float:
    c, d = 1.0, 1 / _lentz(1 - (a + b) * x / (a + 1))
    fraction = d
    for m in range(1, _CF_MAX_TERMS):
        even = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
        odd = -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))
        for term in (even, odd):
            d = 1 / _lentz(1 + term * d)
            c = _lentz(1 + term / c)
            fraction *= c * d
        if abs(c * d - 1) < _CF_EPS:
            return fraction
    raise ArithmeticError(f"incomplete beta did not converge (a={a}, b={b}, x={x})")


def regularized_beta(x: float, a: float, b: float) -> float:
    """I_x(a, b), the regularised incomplete beta function, for 0 <= x <= 1 and a, b > 0."""
    if not 0 <= x <= 1:
        raise ValueError(f"x must be in [0, 1], got {x}")
    if x in (0, 1):
        return float(x)
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    front = math.exp(log_front)
    if x < (a + 1) / (a + b + 2):
        return front * _beta_continued_fraction(a, b, x) / a
    return 1 - front * _beta_continued_fraction(b, a, 1 - x) / b


def t_upper_tail(t: float, df: float) -> float:
    """P(T > t) for Student's t with ``df`` degrees of freedom, t >= 0."""
    if t < 0:
        raise ValueError("t_upper_tail takes t >= 0")
    return 0.5 * regularized_beta(df / (df + t * t), df / 2, 0.5)


@lru_cache(maxsize=512)
def t_quantile(p: float, df: float) -> float:
    """The p-quantile of Student's t (``t_quantile(0.975, 4)`` = 2.776...), to about 1e-12."""
    if not 0 < p < 1:
        raise ValueError(f"p must be between 0 and 1, got {p}")
    if not df > 0:
        raise ValueError(f"degrees of freedom must be positive, got {df}")
    if p < 0.5:
        return -t_quantile(1 - p, df)
    tail = 1 - p
    low, high = 0.0, 1.0
    while t_upper_tail(high, df) > tail:
        low, high = high, high * 2
    while high - low > 1e-12 * high:
        middle = (low + high) / 2
        if t_upper_tail(middle, df) > tail:
            low = middle
        else:
            high = middle
    return (low + high) / 2


@dataclass(frozen=True)
class Interval:
    estimate: float
    low: float
    high: float


def mean_ci(values: Sequence[float], confidence: float = CONFIDENCE) -> Interval | None:
    """Mean and its t-based confidence interval: mean +/- t(1 - alpha/2, n - 1) * SD / sqrt(n)."""
    if len(values) < 2:
        return None
    m = mean(values)
    half = t_quantile(0.5 + confidence / 2, len(values) - 1) * sd(values) / math.sqrt(len(values))
    return Interval(m, m - half, m + half)


# --- Within-group (pre-post) effect size ----------------------------------------------------------


def hedges_correction(df: int) -> float:
    """Hedges' small-sample correction J = 1 - 3 / (4 df - 1) (Hedges 1981; Borenstein et al. 2009, eq. 4.22)."""
    if df < 1:
        raise ValueError("Hedges' correction needs at least one degree of freedom")
    return 1 - 3 / (4 * df - 1)


@dataclass(frozen=True)
class Effect:
    """Hedges' g for paired pre/post scores: positive when the post mean is higher (the caller turns it round
    for scales where lower is better)."""

    n: int
    d: float  # uncorrected: mean change / baseline SD
    j: float
    g: float
    se: float  # of g
    low: float
    high: float

    def turned(self) -> "Effect":
        """The same effect with its sign reversed (the interval too)."""
        return Effect(self.n, -self.d, self.j, -self.g, self.se, -self.high, -self.low)


def within_group_g(baseline: Sequence[float], post: Sequence[float]) -> Effect | None:
    """Hedges' g for a pre/post change in one group, standardised by the baseline SD.

    Standardiser: the SD of the baseline scores of the same (paired) patients, the "raw-score
    standardisation" of Becker (1988, Br J Math Stat Psychol 41:257) that Morris (2008, Organ Res Methods
    11:364) recommends for pre/post designs: treatment can change the spread at post, the baseline spread
    it cannot. d = (mean post - mean baseline) / SD_baseline; g = J * d with J = 1 - 3 / (4 (n - 1) - 1).

    Standard error: Bonett (2008, Psychol Methods 13:99), which does not assume equal pre and post SDs:
        Var(d) = d^2 / (2 (n - 1)) + S_D^2 / (S_baseline^2 (n - 1)),
    where S_D^2 = S_baseline^2 + S_post^2 - 2 r S_baseline S_post is the variance of the paired differences
    (r: the pre/post correlation); SE(g) = J * sqrt(Var(d)); 95 % CI = g +/- z(0.975) * SE(g). This is
    metafor's escalc(measure = "SMCRH") except that, as Bonett suggests, the uncorrected d goes into
    Var(d). With equal SDs it reduces to Becker's 2 (1 - r) / (n - 1) + d^2 / (2 (n - 1)).
    None below three pairs (J needs df >= 1 and Var(d) n - 1 >= 2 to mean anything) or when the baseline
    scores have no spread.
    """
    if len(baseline) != len(post):
        raise ValueError("within_group_g needs paired scores")
    n = len(baseline)
    if n < 3:
        return None
    sd_baseline = sd(baseline)
    if not sd_baseline:
        return None
    differences = [after - before for before, after in zip(baseline, post, strict=True)]
    d = mean(differences) / sd_baseline
    j = hedges_correction(n - 1)
    var_d = d * d / (2 * (n - 1)) + sd(differences) ** 2 / (sd_baseline**2 * (n - 1))
    se = j * math.sqrt(var_d)
    g = j * d
    return Effect(n=n, d=d, j=j, g=g, se=se, low=g - Z_95 * se, high=g + Z_95 * se)
