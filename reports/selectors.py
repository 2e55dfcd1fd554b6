"""Reads behind the clinic and cohort report: funnel, adherence, per-module engagement, therapist time
and cost, technical support. (Outcomes, satisfaction and adverse events: reports.outcome_stats.)

Definitions, also stated on the page under "About these numbers":
- Invited: every enrolment the filters select. Activated: the patient has set up their account.
- Baseline done: the enrolment has at least one baseline questionnaire, and every one is completed.
- Module 1 done: the first module of the patient's plan is finished. Half done: at least half of the
  plan's modules are finished. Completed: every module of the plan is finished, or the enrolment is
  marked completed. Modules a therapist skipped are left out of a plan throughout.
- Behind in week 2: the therapist dashboard's rule (guidance.dashboard.BEHIND_WEEK_DAYS): module 1
  not finished by the end of the patient's week 2, that is before the 14th day after the start date.
  Out of the activated patients with a plan whose week 2 has ended.
- Dropped out: withdrawn, or active (not paused), not completed and no activity for 21 days. The week
  of dropping out is the programme week of the last activity (a page, module, exercise, diary entry,
  message or questionnaire), or "before week 1" without any.
- Module time: from first opening a module to finishing it. Steady does not measure time on a page.
- Therapist minutes: every time-ledger entry for the patients in the report. Per patient: divided by
  the patients who activated; per completer: completers' minutes divided by the completers.

Query budget, the same for 10 patients or 10,000: one row per enrolment (each figure a correlated
subquery), per-module counts (GROUP BY), the durations of finished modules (narrow rows), minutes by
activity (GROUP BY; completers by subquery) and support requests by status and category (GROUP BY).
"""

import datetime
import statistics
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clinics.models import Clinic, Enrollment, SupportRequest
from guidance.dashboard import BEHIND_WEEK_DAYS
from guidance.models import Message, TimeEntry
from modules.models import EngagementEvent, PlannedModule
from outcomes.models import Assessment, Occasion
from reports.cells import NO_DATA, Cell, count_cell, distribution_cells, hidden_cell, percent_cell, stat_cell
from reports.stats import suppressed

DROPOUT_IDLE_DAYS = 21
LAST_WEEK_BAR = 12  # dropouts in later weeks share the last bar ("12 or later")


# --- One row per enrolment --------------------------------------------------------------------------


class PatientRow(NamedTuple):
    pk: int
    status: str
    activated_at: datetime.datetime | None
    start_date: datetime.date
    planned: int
    done: int
    first_done_at: datetime.datetime | None
    baseline_total: int
    baseline_done: int
    completer: bool
    last_event_at: datetime.datetime | None
    last_message_at: datetime.datetime | None
    last_assessment_at: datetime.datetime | None
    minutes: int

    @property
    def last_activity(self) -> datetime.datetime | None:
        moments = [m for m in (self.last_event_at, self.last_message_at, self.last_assessment_at) if m]
        return max(moments) if moments else None


def _count(queryset: QuerySet, key: str) -> Coalesce:
    counted = queryset.order_by().values(key).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _sum(queryset: QuerySet, key: str, field_name: str) -> Coalesce:
    summed = queryset.order_by().values(key).annotate(total=Sum(field_name)).values("total")
    return Coalesce(Subquery(summed, output_field=IntegerField()), 0)


def _latest(queryset: QuerySet, field_name: str) -> Subquery:
    return Subquery(queryset.order_by(F(field_name).desc()).values(field_name)[:1])


def with_progress(enrollments: QuerySet[Enrollment]) -> QuerySet[Enrollment]:
    """The enrolments with their plan's progress and ``completer`` (the one definition of it)."""
    items = PlannedModule.objects.filter(plan__enrollment_id=OuterRef("pk"), skipped_at__isnull=True)
    completed = Q(status=Enrollment.Status.COMPLETED) | Q(planned__gt=0, done__gte=F("planned"))
    return enrollments.annotate(
        planned=_count(items, "plan__enrollment_id"),
        done=_count(items.filter(completed_at__isnull=False), "plan__enrollment_id"),
    ).annotate(completer=Case(When(completed, then=Value(True)), default=Value(False), output_field=BooleanField()))


def patient_rows(enrollments: QuerySet[Enrollment]) -> list[PatientRow]:
    items = PlannedModule.objects.filter(plan__enrollment_id=OuterRef("pk"), skipped_at__isnull=True)
    baseline = Assessment.objects.filter(enrollment_id=OuterRef("pk"), occasion_kind=Occasion.BASELINE)
    completed = Assessment.objects.filter(
        enrollment_id=OuterRef("pk"), status=Assessment.Status.COMPLETED, submitted_at__isnull=False
    )
    messages = Message.objects.filter(thread__enrollment_id=OuterRef("pk"), author_id=OuterRef("patient_id"))
    rows = (
        with_progress(enrollments)
        .annotate(
            first_done_at=Subquery(items.order_by("position").values("completed_at")[:1]),
            baseline_total=_count(baseline, "enrollment_id"),
            baseline_done=_count(baseline.filter(status=Assessment.Status.COMPLETED), "enrollment_id"),
            last_event_at=_latest(EngagementEvent.objects.filter(enrollment_id=OuterRef("pk")), "at"),
            last_message_at=_latest(messages, "created_at"),
            last_assessment_at=_latest(completed, "submitted_at"),
            minutes=_sum(TimeEntry.objects.filter(enrollment_id=OuterRef("pk")), "enrollment_id", "minutes"),
        )
        .order_by("pk")
        .values_list(*PatientRow._fields)
    )
    return [PatientRow(*row) for row in rows]


# --- Funnel -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FunnelStep:
    key: str
    label: str
    count: Cell
    percent: Cell


def funnel(rows: list[PatientRow]) -> list[FunnelStep]:
    invited = len(rows)
    steps = [
        ("invited", _("Invited"), invited),
        ("activated", _("Activated their account"), sum(1 for r in rows if r.activated_at)),
        ("baseline", _("Baseline questionnaires done"), sum(1 for r in rows if _baseline_done(r))),
        ("module1", _("Module 1 done"), sum(1 for r in rows if r.planned and r.first_done_at)),
        ("half", _("Half of the modules done"), sum(1 for r in rows if r.planned and 2 * r.done >= r.planned)),
        ("completed", _("Completed"), sum(1 for r in rows if r.completer)),
    ]
    return [
        FunnelStep(key, label, count_cell(count, base=invited), percent_cell(count, invited))
        for key, label, count in steps
    ]


def _baseline_done(row: PatientRow) -> bool:
    return row.baseline_total > 0 and row.baseline_done == row.baseline_total


# --- Adherence ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WeekCount:
    week: int
    label: str
    count: Cell


@dataclass(frozen=True)
class Adherence:
    activated: int
    modules_mean: Cell
    modules_median: Cell
    behind_eligible: int
    behind: Cell
    behind_percent: Cell
    dropouts: Cell
    dropout_percent: Cell
    dropout_weeks: list[WeekCount]

    @property
    def activated_cell(self) -> Cell:
        return count_cell(self.activated)

    @property
    def behind_eligible_cell(self) -> Cell:
        return count_cell(self.behind_eligible)


def adherence(rows: list[PatientRow], *, zone: zoneinfo.ZoneInfo, now: datetime.datetime) -> Adherence:
    activated = [r for r in rows if r.activated_at]
    done = [r.done for r in activated]
    today = timezone.localtime(now, zone).date()
    week_two_over = [r for r in activated if r.planned and (today - r.start_date).days >= BEHIND_WEEK_DAYS]
    behind = sum(1 for r in week_two_over if _behind_in_week_two(r, zone))
    weeks = [_dropout_week(r, zone) for r in rows if _dropped_out(r, now)]
    return Adherence(
        activated=len(activated),
        modules_mean=stat_cell(statistics.fmean(done) if done else None, len(done)),
        modules_median=stat_cell(statistics.median(done) if done else None, len(done)),
        behind_eligible=len(week_two_over),
        behind=count_cell(behind, base=len(week_two_over)),
        behind_percent=percent_cell(behind, len(week_two_over)),
        dropouts=count_cell(len(weeks), base=len(rows)),
        dropout_percent=percent_cell(len(weeks), len(rows)),
        dropout_weeks=_week_counts(weeks, base=len(weeks)),
    )


def _behind_in_week_two(row: PatientRow, zone: zoneinfo.ZoneInfo) -> bool:
    end_of_week_two = row.start_date + datetime.timedelta(days=BEHIND_WEEK_DAYS)
    return row.first_done_at is None or timezone.localtime(row.first_done_at, zone).date() >= end_of_week_two


def _dropped_out(row: PatientRow, now: datetime.datetime) -> bool:
    if row.status == Enrollment.Status.WITHDRAWN:
        return True
    if row.status != Enrollment.Status.ACTIVE or row.completer or not row.activated_at:
        return False
    last = row.last_activity or row.activated_at
    return last <= now - datetime.timedelta(days=DROPOUT_IDLE_DAYS)


def _dropout_week(row: PatientRow, zone: zoneinfo.ZoneInfo) -> int:
    """The programme week of the last activity (1 = the first 7 days from the start date), 0 without any."""
    last = row.last_activity
    if last is None:
        return 0
    days = (timezone.localtime(last, zone).date() - row.start_date).days
    return max(0, min(days // 7 + 1, LAST_WEEK_BAR))


def _week_counts(weeks: list[int], *, base: int) -> list[WeekCount]:
    if not weeks:
        return []
    numbers = list(range(0, max(weeks) + 1))
    cells = distribution_cells([weeks.count(week) for week in numbers], base=base)
    return [WeekCount(week, _week_label(week), cell) for week, cell in zip(numbers, cells, strict=True)]


def _week_label(week: int) -> str:
    if week == 0:
        return _("Before week 1")
    if week == LAST_WEEK_BAR:
        return _("Week %(week)s or later") % {"week": week}
    return _("Week %(week)s") % {"week": week}


# --- Per-module engagement ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ModuleEngagement:
    title: str
    programme: str
    position: int
    optional: bool
    planned: int
    unlocked: Cell
    started: Cell
    completed: Cell
    completed_percent: Cell
    median_time: Cell


def module_engagement(enrollments: QuerySet[Enrollment]) -> list[ModuleEngagement]:
    items = PlannedModule.objects.filter(plan__enrollment__in=enrollments.values("pk"), skipped_at__isnull=True)
    counts = (
        items.values("module_id", "module__title", "module__position", "module__optional", "module__program__title")
        .annotate(
            planned=Count("pk"),
            unlocked=Count("pk", filter=Q(unlocked_at__isnull=False)),
            started=Count("pk", filter=Q(started_at__isnull=False)),
            completed=Count("pk", filter=Q(completed_at__isnull=False)),
        )
        .order_by("module__program__title", "module__optional", "module__position", "module_id")
    )
    durations: dict[int, list[float]] = {}
    finished = items.filter(started_at__isnull=False, completed_at__isnull=False)
    for module_id, started_at, completed_at in finished.values_list("module_id", "started_at", "completed_at"):
        durations.setdefault(module_id, []).append(max(0.0, (completed_at - started_at).total_seconds()))
    return [_module_row(row, durations.get(row["module_id"], [])) for row in counts]


def _module_row(row: dict, durations: list[float]) -> ModuleEngagement:
    median = statistics.median(durations) if durations else None
    return ModuleEngagement(
        title=row["module__title"],
        programme=row["module__program__title"],
        position=row["module__position"],
        optional=row["module__optional"],
        planned=row["planned"],
        unlocked=count_cell(row["unlocked"], base=row["planned"]),
        started=count_cell(row["started"], base=row["unlocked"]),
        completed=count_cell(row["completed"], base=row["unlocked"]),
        completed_percent=percent_cell(row["completed"], row["unlocked"]),
        median_time=stat_cell(
            median / 86400 if median is not None else None,
            len(durations),
            text=duration_text(median) if median is not None else None,
            digits=2,
        ),
    )


def duration_text(seconds: float) -> str:
    minutes = round(seconds / 60)
    if minutes < 90:
        return ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": minutes}
    hours = seconds / 3600
    if hours < 48:
        return _("%(n)s hours") % {"n": f"{hours:.0f}"}
    return _("%(n)s days") % {"n": f"{hours / 24:.1f}"}


# --- Therapist time and cost --------------------------------------------------------------------------


@dataclass(frozen=True)
class ActivityMinutes:
    label: str
    total: Cell
    per_patient: Cell
    per_completer: Cell


@dataclass(frozen=True)
class TherapistTime:
    activated: int
    completers: int
    rows: list[ActivityMinutes]
    total: ActivityMinutes
    cost_per_hour: Decimal
    currency: str
    cost_per_patient: Cell
    cost_per_completer: Cell

    @property
    def cost_is_set(self) -> bool:
        return self.cost_per_hour > 0

    @property
    def activated_cell(self) -> Cell:
        return count_cell(self.activated)

    @property
    def completers_cell(self) -> Cell:
        return count_cell(self.completers)


def therapist_time(enrollments: QuerySet[Enrollment], clinic: Clinic, rows: list[PatientRow]) -> TherapistTime:
    activated = sum(1 for r in rows if r.activated_at)
    completers = [r for r in rows if r.completer]
    completer_pks = with_progress(enrollments).filter(completer=True).values("pk")
    of_completers = Q(enrollment__in=completer_pks)
    by_activity = (
        TimeEntry.objects.filter(enrollment__in=enrollments.values("pk"))
        .values("activity")
        .annotate(
            spent=Sum("minutes"),
            patients=Count("enrollment_id", distinct=True),
            completer_spent=Coalesce(Sum("minutes", filter=of_completers), 0),
            completer_patients=Count("enrollment_id", distinct=True, filter=of_completers),
        )
        .order_by("activity")
    )
    labels = dict(TimeEntry.Activity.choices)
    activities = [
        _activity(
            str(labels.get(r["activity"], r["activity"])),
            {**r, "minutes": r["spent"], "completer_minutes": r["completer_spent"]},
            activated,
            len(completers),
        )
        for r in by_activity
    ]
    totals = {
        "minutes": sum(r.minutes for r in rows),
        "patients": sum(1 for r in rows if r.minutes),
        "completer_minutes": sum(r.minutes for r in completers),
        "completer_patients": sum(1 for r in completers if r.minutes),
    }
    return TherapistTime(
        activated=activated,
        completers=len(completers),
        rows=activities,
        total=_activity(_("All activities"), totals, activated, len(completers)),
        cost_per_hour=clinic.cost_per_hour,
        currency=clinic.currency,
        cost_per_patient=_cost(totals["minutes"], activated, totals["patients"], clinic),
        cost_per_completer=_cost(totals["completer_minutes"], len(completers), totals["completer_patients"], clinic),
    )


def _activity(label: str, row: dict, activated: int, completers: int) -> ActivityMinutes:
    total = Cell(f"{row['minutes']:,}", str(row["minutes"]), row["patients"])
    if suppressed(row["patients"]):
        total = hidden_cell(row["patients"])
    return ActivityMinutes(
        label=label,
        total=total,
        per_patient=_per(row["minutes"], activated, row["patients"]),
        per_completer=_per(row["completer_minutes"], completers, row["completer_patients"]),
    )


def _per(minutes: int, patients: int, contributors: int) -> Cell:
    """Minutes per patient; hidden when fewer than five patients are behind the minutes or the division."""
    if not patients:
        return Cell(NO_DATA, "", 0)
    if suppressed(patients) or suppressed(contributors):
        return hidden_cell(patients)
    return stat_cell(minutes / patients, patients, digits=0)


def _cost(minutes: int, patients: int, contributors: int, clinic: Clinic) -> Cell:
    if not patients or clinic.cost_per_hour <= 0:
        return Cell(NO_DATA, "", patients)
    if suppressed(patients) or suppressed(contributors):
        return hidden_cell(patients)
    cost = Decimal(minutes) / Decimal(60) / Decimal(patients) * clinic.cost_per_hour
    return stat_cell(float(cost), patients, text=f"{clinic.currency} {cost:,.2f}", digits=2)


# --- Technical support --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SupportCounts:
    total: Cell
    by_status: list[tuple[str, Cell]]
    by_category: list[tuple[str, Cell]]

    @property
    def tables(self) -> list[tuple[str, str, str, list[tuple[str, Cell]]]]:
        """(caption, id, first column's heading, rows) of the two tables."""
        return [
            (_("Requests by status"), "support-status", _("Status"), self.by_status),
            (_("Requests by problem"), "support-category", _("Problem"), self.by_category),
        ]


def support_counts(enrollments: QuerySet[Enrollment], clinic: Clinic) -> SupportCounts:
    rows = list(
        SupportRequest.objects.filter(clinic=clinic, enrollment__in=enrollments.values("pk"))
        .values("status", "category")
        .annotate(n=Count("pk"))
        .order_by()
    )
    total = sum(r["n"] for r in rows)

    def tally(field: str, choices) -> list[tuple[str, Cell]]:
        counts = [sum(r["n"] for r in rows if r[field] == value) for value, _label in choices]
        cells = distribution_cells(counts, base=total)
        return [(str(label), cell) for (_value, label), cell in zip(choices, cells, strict=True)]

    return SupportCounts(
        total=count_cell(total),
        by_status=tally("status", SupportRequest.Status.choices),
        by_category=tally("category", SupportRequest.Category.choices),
    )
