"""Outcome statistics of a set of enrolments (a cohort, a clinic, a date range): per instrument, scores at
baseline and at the end, the change, its effect size and the share of patients who changed reliably;
then satisfaction and adverse events.

Every function reads the database once (one `values_list` query over the enrolments' completed
assessments) and does the rest in Python, so the cost in queries does not grow with the number of
patients. Every number leaves here already passed through the small-cell rule (reports.stats), so a page,
a CSV or a PDF built from these results cannot show a cell of fewer than 5 patients.
"""

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import QuerySet

from clinics.models import ContactMode, Enrollment
from outcomes import change
from outcomes.instruments import HIGHER_IS_BETTER, REGISTRY, Instrument, get_instrument
from outcomes.instruments.adverse_events import YES
from outcomes.models import Assessment, Occasion
from reports import stats
from reports.forest import ForestRow, forest_row
from reports.stats import Cell, suppress, suppress_rate

MINUS = "\u2212"

# --- Terpstra et al. (2022) comparison bands -------------------------------------------------------
# Terpstra JA et al. Guided internet-based cognitive-behavioral therapy for patients with chronic pain: a
# meta-analytic review. Internet Interventions 2022;30:100587, abstract: iCBT beat passive control for
# psychological (ES = 0.34-0.47), physical (0.26-0.29) and impact outcomes (0.38-0.41)
# (https://doi.org/10.1016/j.invent.2022.100587). Those are pooled BETWEEN-group effects against passive
# control; ours are within-group pre/post effects, which also contain regression to the mean and natural
# recovery. Shown beside each other only as a rough frame, labelled as not directly comparable.


@dataclass(frozen=True)
class ComparisonBand:
    group: str
    label: str
    low: float
    high: float

    @property
    def text(self) -> str:
        return f"{self.low:.2f} to {self.high:.2f} ({self.label.lower()})"


PSYCHOLOGICAL = ComparisonBand("psychological", "Psychological outcomes", 0.34, 0.47)
PHYSICAL = ComparisonBand("physical", "Physical outcomes", 0.26, 0.29)
IMPACT = ComparisonBand("impact", "Impact on daily life", 0.38, 0.41)

# Which band an instrument's outcome falls under (Steady's mapping, issue 6):
# - phq9 (depression), gad7 (anxiety), k10 (distress): psychological;
# - nrs_pain (pain intensity), nrs_fatigue (fatigue): physical;
# - peg3: impact. Two of its three items (enjoyment of life, general activity) ask how much pain
#   interferes with daily life (Krebs et al. 2009), so it measures mostly interference, an impact outcome.
# - who5, pseq, pgic: no band (outside the three groups the abstract pools).
COMPARISON_BANDS = {
    "phq9": PSYCHOLOGICAL,
    "gad7": PSYCHOLOGICAL,
    "k10": PSYCHOLOGICAL,
    "nrs_pain": PHYSICAL,
    "nrs_fatigue": PHYSICAL,
    "peg3": IMPACT,
}
COMPARISON_NOTE = (
    "Terpstra et al. (2022): pooled between-group effects of guided internet CBT against passive control, "
    "a different design: not directly comparable with the within-group effects above."
)

# Instruments whose change over time is reported (PGIC, satisfaction and adverse events are not).
TRACKED_KEYS = tuple(key for key, instrument in REGISTRY.items() if instrument.tracks_change)


def rule_text(instrument: Instrument, rule: str | None) -> str:
    """How an instrument's reliable improvement and deterioration are judged, in a few words."""
    if rule == "talking_therapies":
        tt = change.TALKING_THERAPIES[instrument.key]
        return (
            f"NHS Talking Therapies: a change of {tt.reliable_change} points or more is reliable; "
            f"{tt.caseness} or more is a case"
        )
    if rule == "immpact":
        return "IMMPACT: a fall of 30% or more is a moderately important improvement; no rule for worsening"
    if rule == "pseq":
        return "ePPOC: a change of 7 points or more that moves the score into another band"
    if rule == "jacobson_truax":
        return "Jacobson and Truax reliable change index (beyond 1.96)"
    return "No reliable-change rule yet: its constants are not yet sourced"


# --- Formatting -----------------------------------------------------------------------------------


def fmt(value: Cell, places: int = 1) -> str:
    """A cell for reading: a suppression mark as it is, None as a dash, numbers with a true minus sign."""
    if value is None:
        return "\u2013"
    if isinstance(value, str):
        return value
    text = f"{value:.{places}f}"
    if float(text) == 0:
        text = text.lstrip("-")  # -0.004 rounds to 0.00, not "-0.00"
    return text.replace("-", MINUS)


def fmt_interval(estimate: Cell, low: Cell, high: Cell, places: int) -> str:
    if estimate is None or isinstance(estimate, str):
        return fmt(estimate)
    # No-break spaces inside the brackets: a narrow column breaks the line before the interval, not in it.
    return f"{fmt(estimate, places)} ({fmt(low, places)}\u00a0to\u00a0{fmt(high, places)})"


def fmt_mean_sd(m: Cell, s: Cell) -> str:
    if m is None or isinstance(m, str):
        return fmt(m)
    return f"{fmt(m)} ({fmt(s)})"


@dataclass(frozen=True)
class Rate:
    """``count`` of ``n`` patients; all three hidden when either number is small."""

    count: Cell
    n: Cell
    percent: Cell

    @classmethod
    def of(cls, count: int, n: int) -> "Rate":
        pct = stats.percent(count, n)
        return cls(suppress_rate(count, n, count), suppress(n, n), suppress_rate(count, n, pct))

    @property
    def text(self) -> str:
        if isinstance(self.count, str):
            return self.count
        return f"{self.count} ({self.percent:.0f}%)"

    @property
    def of_text(self) -> str:
        """With the denominator: "8 of 15 (53%)"."""
        if isinstance(self.count, str):
            return self.count
        return f"{self.count} of {self.n} ({self.percent:.0f}%)"


# --- Outcomes per instrument ----------------------------------------------------------------------


@dataclass(frozen=True)
class InstrumentOutcome:
    key: str
    title: str
    short_title: str
    direction: str  # outcomes.instruments.HIGHER_IS_WORSE or HIGHER_IS_BETTER
    n_baseline: Cell  # patients with a completed baseline
    n_post: Cell  # patients with a completed end-of-programme ("post") assessment
    n_paired: Cell  # patients with both
    # All available scores at each occasion:
    baseline_mean: Cell
    baseline_sd: Cell
    post_mean: Cell
    post_sd: Cell
    # Paired patients only; post minus baseline in the instrument's units, 95 % t interval:
    change_mean: Cell
    change_low: Cell
    change_high: Cell
    # Hedges' g, paired patients, positive = improvement whatever the scale's direction; 95 % CI:
    g: Cell
    g_low: Cell
    g_high: Cell
    rule: str | None  # outcomes.change.change_rule(); None: no rule
    rule_text: str
    improved: Rate | None  # None: the rule cannot judge it (no rule, or IMMPACT and worsening)
    deteriorated: Rate | None
    recovered: Rate | None  # of patients who were a case at baseline; None: no caseness for the instrument
    comparison: ComparisonBand | None
    forest: ForestRow

    @property
    def higher_is_better(self) -> bool:
        return self.direction == HIGHER_IS_BETTER

    @property
    def baseline_text(self) -> str:
        return fmt_mean_sd(self.baseline_mean, self.baseline_sd)

    @property
    def post_text(self) -> str:
        return fmt_mean_sd(self.post_mean, self.post_sd)

    @property
    def change_text(self) -> str:
        return fmt_interval(self.change_mean, self.change_low, self.change_high, 1)

    @property
    def g_text(self) -> str:
        return fmt_interval(self.g, self.g_low, self.g_high, 2)


def outcome_table(enrollments: QuerySet[Enrollment]) -> list[InstrumentOutcome]:
    """One row per instrument with a completed baseline among ``enrollments``, in the registry's order."""
    scores, _modes = _fetch_scores(enrollments)
    return _table(scores)


def outcome_table_by_contact_mode(enrollments: QuerySet[Enrollment]) -> dict[str, list[InstrumentOutcome]]:
    """The same table for each contact mode, keyed "async", "sync", "mixed" (all three, possibly empty).

    Each mode's cells are suppressed on their own. Beside the whole-group table a small mode can still be
    worked out by subtraction in some cases; the report shows these as a breakdown for the clinic's own
    staff, not for publication.
    """
    scores, modes = _fetch_scores(enrollments)
    tables = {}
    for mode in ContactMode.values:
        subset = {
            key: {enrollment: pair for enrollment, pair in per_patient.items() if modes[enrollment] == mode}
            for key, per_patient in scores.items()
        }
        tables[mode] = _table(subset)
    return tables


type Scores = dict[str, dict[int, dict[str, float]]]


def _fetch_scores(enrollments) -> tuple[Scores, dict[int, str]]:
    """{instrument key: {enrolment id: {"baseline": total, "post": total}}} and each enrolment's contact mode.

    Only the "post" occasion counts as the end: a missing post is missing, never filled in from a weekly
    check. If an occasion was somehow answered twice, the later answer wins.
    """
    rows = (
        Assessment.objects.filter(
            enrollment__in=enrollments,
            status=Assessment.Status.COMPLETED,
            occasion_kind__in=(Occasion.BASELINE, Occasion.POST),
            instrument_key__in=TRACKED_KEYS,
            total__isnull=False,
        )
        .order_by("submitted_at", "pk")
        .values_list("enrollment_id", "enrollment__contact_mode", "instrument_key", "occasion_kind", "total")
    )
    scores: Scores = defaultdict(lambda: defaultdict(dict))
    modes: dict[int, str] = {}
    for enrollment_id, mode, key, kind, total in rows:
        scores[key][enrollment_id][kind] = total
        modes[enrollment_id] = mode
    return scores, modes


def _table(scores: Scores) -> list[InstrumentOutcome]:
    table = []
    for key in TRACKED_KEYS:
        per_patient = scores.get(key, {})
        if any(Occasion.BASELINE in pair for pair in per_patient.values()):
            table.append(_instrument_outcome(get_instrument(key), per_patient))
    return table


def _instrument_outcome(instrument: Instrument, per_patient: dict[int, dict[str, float]]) -> InstrumentOutcome:
    baseline = [pair[Occasion.BASELINE] for pair in per_patient.values() if Occasion.BASELINE in pair]
    post = [pair[Occasion.POST] for pair in per_patient.values() if Occasion.POST in pair]
    pairs = [(pair[Occasion.BASELINE], pair[Occasion.POST]) for pair in per_patient.values() if len(pair) == 2]
    n_paired = len(pairs)
    change_ci = stats.mean_ci([after - before for before, after in pairs])
    change_mean, change_low, change_high = _cells(
        n_paired, change_ci and (change_ci.estimate, change_ci.low, change_ci.high)
    )
    effect = stats.within_group_g([before for before, _ in pairs], [after for _, after in pairs])
    if effect is not None and not instrument.higher_is_better:
        effect = effect.turned()  # positive g = improvement on every scale
    g, g_low, g_high = _cells(n_paired, effect and (effect.g, effect.low, effect.high))
    rule = change.change_rule(instrument)
    improved, deteriorated, recovered = _categories(instrument, rule, pairs)
    band = COMPARISON_BANDS.get(instrument.key)
    return InstrumentOutcome(
        key=instrument.key,
        title=instrument.title,
        short_title=instrument.short_title,
        direction=instrument.direction,
        n_baseline=suppress(len(baseline), len(baseline)),
        n_post=suppress(len(post), len(post)),
        n_paired=suppress(n_paired, n_paired),
        baseline_mean=suppress(len(baseline), stats.mean(baseline)),
        baseline_sd=suppress(len(baseline), stats.sd(baseline)),
        post_mean=suppress(len(post), stats.mean(post)),
        post_sd=suppress(len(post), stats.sd(post)),
        change_mean=change_mean,
        change_low=change_low,
        change_high=change_high,
        g=g,
        g_low=g_low,
        g_high=g_high,
        rule=rule,
        rule_text=rule_text(instrument, rule),
        improved=improved,
        deteriorated=deteriorated,
        recovered=recovered,
        comparison=band,
        forest=_forest(instrument, g, g_low, g_high, band),
    )


def _forest(instrument: Instrument, g: Cell, low: Cell, high: Cell, band: ComparisonBand | None) -> ForestRow:
    if isinstance(g, str):
        text, g, low, high = "fewer than 5 patients", None, None, None
    elif g is None:
        text = "no estimate: the baseline scores do not vary"
    else:
        text = fmt_interval(g, low, high, 2)
    return forest_row(
        label=instrument.short_title,
        value_text=text,
        estimate=g,
        low=low,
        high=high,
        band=(band.low, band.high) if band else None,
    )


def _cells(n: int, values: tuple[float, ...] | None) -> tuple[Cell, Cell, Cell]:
    """Three cells built from the same ``n`` patients: all suppressed, all None (not computable), or shown."""
    if stats.suppressed(n):
        return stats.SUPPRESSED, stats.SUPPRESSED, stats.SUPPRESSED
    if values is None:
        return None, None, None
    return values


def _categories(
    instrument: Instrument, rule: str | None, pairs: list[tuple[float, float]]
) -> tuple[Rate | None, Rate | None, Rate | None]:
    """Reliable improvement and deterioration (of the patients the rule can judge), and recovery (of the
    patients who were a case at baseline), each as outcomes.change decides it for one patient."""
    verdicts = [_verdict(instrument, rule, before, after) for before, after in pairs]
    judged = [v for v in verdicts if v is not None]
    improved = deteriorated = recovered = None
    if rule is not None:
        improved = Rate.of(sum(v[0] for v in judged), len(judged))
    if rule not in (None, "immpact"):
        deteriorated = Rate.of(sum(v[1] for v in judged), len(judged))
    if rule == "talking_therapies":
        cases = [v for v in judged if v[2]]
        recovered = Rate.of(sum(v[3] for v in cases), len(cases))
    return improved, deteriorated, recovered


def _verdict(instrument: Instrument, rule: str | None, before: float, after: float) -> tuple | None:
    """(improved, deteriorated, case at baseline, recovered) for one patient; None if the rule cannot judge."""
    if rule == "talking_therapies":
        o = change.talking_therapies(instrument, before, after)
        return o["reliable_improvement"], o["reliable_deterioration"], o["caseness_before"], o["recovery"]
    if rule == "jacobson_truax":
        category = change.jt_category(instrument, before, after)
        return category == change.IMPROVED, category == change.DETERIORATED, False, False
    if rule == "pseq":
        meaningful = change.pseq_meaningful_change(before, after)
        better = after > before if instrument.higher_is_better else after < before
        return meaningful and better, meaningful and not better, False, False
    if rule == "immpact":
        pct = change.percent_change(before, after)
        if pct is None:  # a baseline of 0 has no percentage change (instruments.md 3.3)
            return None
        return change.immpact_category(pct) in ("moderate", "substantial"), False, False, False
    return None


# --- Satisfaction and adverse events ----------------------------------------------------------------


@dataclass(frozen=True)
class AnswerCount:
    value: int | None  # the option's value; None for "not answered"
    label: str
    count: Cell  # SUPPRESSED below 5, HIDDEN where secondary suppression hides it
    percent: Cell

    @property
    def text(self) -> str:
        if isinstance(self.count, str):
            return self.count
        return f"{self.count} ({self.percent:.0f}%)"


@dataclass(frozen=True)
class ItemSummary:
    key: str
    text: str
    n: Cell  # patients who answered this item
    answers: tuple[AnswerCount, ...]


@dataclass(frozen=True)
class SatisfactionSummary:
    """Each patient's latest satisfaction answers."""

    responded: bool  # anyone at all (an empty report says so rather than showing "<5")
    n: Cell
    mean: Cell  # of the total: the mean of the five answers, 1-5 (5 = strongly agree)
    sd: Cell
    items: tuple[ItemSummary, ...]

    @property
    def mean_text(self) -> str:
        return fmt_mean_sd(self.mean, self.sd)


@dataclass(frozen=True)
class AdverseEventSummary:
    """Patients who answered the adverse-event questions at least once, and what they reported.

    ``any_event``: patients who answered "Yes" at least once. ``worst_bother``: among them, the most it
    bothered them across their answers ("A little" ... "Very much", or not answered), so each patient
    counts once. Steady flags "A lot" and "Very much" as bothersome (outcomes/instruments/adverse_events.py).
    """

    responded: bool
    n: Cell
    any_event: Rate
    worst_bother: tuple[AnswerCount, ...]


def satisfaction_summary(enrollments: QuerySet[Enrollment]) -> SatisfactionSummary:
    instrument = get_instrument("satisfaction")
    latest: dict[int, tuple[dict, float | None]] = {}
    for enrollment_id, answers, total in _completed(enrollments, instrument.key, "answers", "total"):
        latest[enrollment_id] = (answers or {}, total)
    totals = [total for _, total in latest.values() if total is not None]
    items = []
    for item in instrument.items:
        chosen = [answers.get(item.key) for answers, _ in latest.values()]
        chosen = [value for value in chosen if value in item.values]
        options = [(option.value, option.label) for option in item.options]
        items.append(
            ItemSummary(item.key, item.text, suppress(len(chosen), len(chosen)), _distribution(options, chosen))
        )
    return SatisfactionSummary(
        responded=bool(latest),
        n=suppress(len(latest), len(latest)),
        mean=suppress(len(totals), stats.mean(totals)),
        sd=suppress(len(totals), stats.sd(totals)),
        items=tuple(items),
    )


def adverse_event_summary(enrollments: QuerySet[Enrollment]) -> AdverseEventSummary:
    instrument = get_instrument("adverse_events")
    happened, bother_item = instrument.items
    answered: set[int] = set()
    worst: dict[int, int | None] = {}  # patients who said "Yes": their worst bother (None: never said)
    for enrollment_id, answers in _completed(enrollments, instrument.key, "answers"):
        answered.add(enrollment_id)
        answers = answers or {}
        if answers.get(happened.key) != YES:
            continue
        bother = answers.get(bother_item.key)
        said = [b for b in (worst.get(enrollment_id), bother) if b in bother_item.values]
        worst[enrollment_id] = max(said, default=None)
    options = [(option.value, option.label) for option in bother_item.options] + [(None, "Not answered")]
    return AdverseEventSummary(
        responded=bool(answered),
        n=suppress(len(answered), len(answered)),
        any_event=Rate.of(len(worst), len(answered)),
        worst_bother=_distribution(options, list(worst.values())) if not stats.suppressed(len(worst)) else (),
    )


def _completed(enrollments, key: str, *fields: str):
    """(enrolment id, *fields) of the enrolments' completed answers to one instrument, oldest first."""
    return (
        Assessment.objects.filter(enrollment__in=enrollments, status=Assessment.Status.COMPLETED, instrument_key=key)
        .order_by("submitted_at", "pk")
        .values_list("enrollment_id", *fields)
    )


def _distribution(options: list[tuple[int | None, str]], chosen: list) -> tuple[AnswerCount, ...]:
    """How many chose each option, as counts and % of ``chosen``; small counts hidden, and one more where
    needed so that none can be worked out from the total (stats.suppress_distribution)."""
    counts = [sum(1 for value in chosen if value == option) for option, _ in options]
    marks = stats.suppress_distribution(counts)
    return tuple(
        AnswerCount(value, label, mark or count, mark or stats.percent(count, len(chosen)))
        for (value, label), count, mark in zip(options, counts, marks, strict=True)
    )
