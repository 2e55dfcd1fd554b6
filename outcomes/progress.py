"""Selectors behind "My progress", the therapist's view of a patient's progress and the PDF report.

Everything comes from one query of the enrolment's completed assessments, whatever their number
(the pages' query counts are tested at 1 and 12 assessments per instrument), plus one query each for
the modules completed and the diary summary in the report.
"""

import datetime
import logging
from dataclasses import dataclass, field

from django.db.models import Avg, Count
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from clinics.models import Enrollment
from modules.models import DiaryEntry, PlannedModule
from outcomes import change as outcome_change
from outcomes.charts import OutcomeChart, Reading, direction_note, outcome_chart
from outcomes.instruments import REGISTRY, Instrument, get_instrument
from outcomes.instruments.base import format_total
from outcomes.models import Assessment

logger = logging.getLogger(__name__)

DIARY_SUMMARY_DAYS = 28


@dataclass(frozen=True)
class ScoreRow:
    day: datetime.date
    occasion: str
    total: float
    band: str

    @property
    def total_label(self) -> str:
        return format_total(self.total)


@dataclass(frozen=True)
class ChangeLine:
    label: str  # "Since you started" / "Since last time"
    text: str  # the patient's wording, from outcomes.change
    staff_label: str  # "Since the start" / "Since the previous answer"
    staff_text: str  # numbers and the rule's verdict, for the therapist


@dataclass(frozen=True)
class InstrumentProgress:
    instrument: Instrument
    rows: list[ScoreRow]  # oldest first
    chart: OutcomeChart
    changes: list[ChangeLine]
    direction: str

    @property
    def latest(self) -> ScoreRow:
        return self.rows[-1]

    @property
    def max_label(self) -> str:
        return format_total(self.instrument.total_max)

    @property
    def rows_newest_first(self) -> list[ScoreRow]:
        return self.rows[::-1]


@dataclass(frozen=True)
class FlagLine:
    """Something in the latest answers a therapist should see (PHQ-9 item 9 above 0, an adverse event)."""

    text: str
    urgent: bool = False


@dataclass(frozen=True)
class ProgressOverview:
    instruments: list[InstrumentProgress]
    flags: list[FlagLine] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.instruments


def completed_assessments(enrollment: Enrollment) -> list[Assessment]:
    """The enrolment's completed assessments, oldest first: one query."""
    return list(
        Assessment.objects.filter(enrollment=enrollment, status=Assessment.Status.COMPLETED, submitted_at__isnull=False)
        # Answers saved before submitting are not needed here, and may be long.
        .defer("progress")
        .order_by("submitted_at", "position", "pk")
    )


def progress_overview(enrollment: Enrollment) -> ProgressOverview:
    """Charts, tables and change for every tracked instrument answered at least once, in registry order,
    and the flags in each instrument's latest answers."""
    by_key: dict[str, list[Assessment]] = {}
    for assessment in completed_assessments(enrollment):
        if assessment.instrument_key not in REGISTRY:
            # A key no longer in code (renamed or removed instrument): nothing to draw it with.
            logger.warning("assessment %s has an unknown instrument key", assessment.code)
            continue
        by_key.setdefault(assessment.instrument_key, []).append(assessment)
    instruments, flags = [], []
    for key in REGISTRY:
        assessments = by_key.get(key)
        if not assessments:
            continue
        instrument = get_instrument(key)
        flags.extend(_flag_lines(instrument, assessments[-1]))
        if _is_charted(instrument, assessments):
            instruments.append(_instrument_progress(instrument, assessments))
    return ProgressOverview(instruments=instruments, flags=flags)


def _is_charted(instrument: Instrument, assessments: list[Assessment]) -> bool:
    """Instruments tracked over time, on a fixed scale (not PGIC, satisfaction or adverse events)."""
    has_scale = instrument.total_min is not None and instrument.total_max is not None
    return instrument.tracks_change and has_scale and any(a.total is not None for a in assessments)


def _instrument_progress(instrument: Instrument, assessments: list[Assessment]) -> InstrumentProgress:
    scored = [a for a in assessments if a.total is not None]
    rows = [
        ScoreRow(
            day=timezone.localdate(a.submitted_at),
            occasion=_occasion_label(a),
            total=a.total,
            band=a.band or instrument.band_for(a.total) or "",
        )
        for a in scored
    ]
    return InstrumentProgress(
        instrument=instrument,
        rows=rows,
        chart=outcome_chart(instrument, [Reading(day=r.day, total=r.total, band=r.band) for r in rows]),
        changes=_change_lines(instrument, [r.total for r in rows]),
        direction=direction_note(instrument),
    )


def _occasion_label(assessment: Assessment) -> str:
    if assessment.occasion.startswith("week-") and assessment.occasion[5:].isdigit():
        return _("Week %(number)s") % {"number": assessment.occasion[5:]}
    return str(assessment.get_occasion_kind_display())


def _change_lines(instrument: Instrument, totals: list[float]) -> list[ChangeLine]:
    if len(totals) < 2:
        return []
    summary = outcome_change.summarise(instrument, totals[0], totals[-2], totals[-1])
    lines = []
    if summary.since_start is not None:
        start = summary.since_start
        lines.append(ChangeLine(_("Since you started"), start.text, _("Since the start"), staff_text(start)))
    # With two answers the last one is the start: saying the same thing twice helps nobody.
    if summary.since_last is not None and len(totals) > 2:
        last = summary.since_last
        lines.append(ChangeLine(_("Since last time"), last.text, _("Since the previous answer"), staff_text(last)))
    return lines


def staff_text(comparison: outcome_change.Comparison) -> str:
    """The comparison for a therapist: the numbers, then what the instrument's rule says about them."""
    difference = comparison.difference
    sign = "+" if difference > 0 else "−" if difference < 0 else "±"
    numbers = (
        f"{format_total(comparison.before)} → {format_total(comparison.after)} ({sign}{format_total(abs(difference))})"
    )
    return f"{numbers}: {_verdict(comparison)}"


def _verdict(c: outcome_change.Comparison) -> str:
    if c.rule is None:
        return _("no sourced reliable-change rule for this measure yet")
    if c.rule == "immpact":
        if c.percent is None:
            return _("no percentage change (the earlier score was 0)")
        size = c.immpact if c.percent > 0 else _("none (IMMPACT judges improvement only)")
        return _("%(percent)d%% change; IMMPACT improvement: %(size)s") % {"percent": round(-c.percent), "size": size}
    if not c.meaningful:
        return _("no reliable change") if c.rule != "pseq" else _("no meaningful change")
    kind = _("meaningful") if c.rule == "pseq" else _("reliable")
    if c.direction == "better":
        verdict = _("%(kind)s improvement") % {"kind": kind}
        if c.recovery:
            verdict += _(", recovery (below caseness now)")
        return verdict
    return _("%(kind)s deterioration") % {"kind": kind}


def _flag_lines(instrument: Instrument, assessment: Assessment) -> list[FlagLine]:
    flags = set(assessment.flags or ())
    if not flags:
        return []
    day = date_format(timezone.localdate(assessment.submitted_at), "j M Y")
    if instrument.key == "phq9" and "risk" in flags:
        item = instrument.items[8]
        answer = _answer_label(item, _answer(assessment.answers, item.key, 8))
        text = _("PHQ-9 item 9 (thoughts of being better off dead or of self-harm) was answered above 0 on %(day)s") % {
            "day": day
        }
        text += f": “{answer}”." if answer else "."
        return [FlagLine(text=text, urgent="urgent" in flags)]
    if instrument.key == "adverse_events" and "adverse_event" in flags:
        text = _("On %(day)s the patient said something about the programme made them feel worse") % {"day": day}
        if "adverse_event_bothersome" in flags:
            text += _(", and it bothered them a lot")
        return [FlagLine(text=text + ".")]
    return [
        FlagLine(text=_("%(name)s on %(day)s: %(flag)s.") % {"name": instrument.short_title, "day": day, "flag": flag})
        for flag in sorted(flags)
    ]


def _answer(answers, key: str, index: int):
    """An item's answer from the stored answers: a mapping by item key, or a list in item order."""
    if isinstance(answers, dict):
        return answers.get(key)
    if isinstance(answers, list) and index < len(answers):
        return answers[index]
    return None


def _answer_label(item, value) -> str:
    for option in item.options:
        if option.value == value:
            return f"{option.label} ({value})"
    return ""


# --- The report's other sections ----------------------------------------------------------------


@dataclass(frozen=True)
class DiarySummary:
    start: datetime.date
    end: datetime.date
    entries: int
    average_pain: float | None

    @property
    def average_pain_label(self) -> str:
        return f"{self.average_pain:.1f}" if self.average_pain is not None else ""


def modules_completed(enrollment: Enrollment) -> list[PlannedModule]:
    return list(
        PlannedModule.objects.filter(plan__enrollment=enrollment, completed_at__isnull=False)
        .select_related("module")
        .order_by("completed_at")
    )


def diary_summary(enrollment: Enrollment, today: datetime.date) -> DiarySummary:
    start = today - datetime.timedelta(days=DIARY_SUMMARY_DAYS - 1)
    figures = DiaryEntry.objects.filter(enrollment=enrollment, date__range=(start, today)).aggregate(
        entries=Count("pk"), average_pain=Avg("pain")
    )
    return DiarySummary(start=start, end=today, entries=figures["entries"], average_pain=figures["average_pain"])
