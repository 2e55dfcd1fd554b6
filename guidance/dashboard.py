"""The therapist's dashboard: every open enrolment of the caseload with what needs the therapist.

Query budget (tested at 1 and 60 patients): one query for the enrolments with every per-patient
figure as a correlated subquery, one for their plans' modules, one for the latest two
PHQ-9, GAD-7 and PEG answers per patient (a window function), one for the cohort filter's choices.
Ranking, flags and filters that need several figures at once are worked out in Python on those rows.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import Coalesce, RowNumber
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from clinics.access import therapist_caseload
from clinics.models import Cohort, Enrollment
from guidance.models import Message
from guidance.selectors import awaiting_feedback, upcoming_checkins
from modules.models import EngagementEvent, PlannedModule
from outcomes import change as outcome_change
from outcomes.instruments import get_instrument
from outcomes.instruments.base import format_total
from outcomes.models import Alert, Assessment

DASHBOARD_INSTRUMENTS = ("phq9", "gad7", "peg3")
# Last activity: green up to 2 days ago, amber 3 to 6 days, red from 7 days (DESIGN "Safety": no
# activity for 7 days is a disengagement flag).
AMBER_FROM_DAYS = 3
RED_FROM_DAYS = 7
BEHIND_WEEK_DAYS = 14  # module 1 not finished by the end of week 2


def ready() -> None:
    from clinics.context_processors import register_nav_extension

    register_nav_extension(nav_items)


def nav_items(request, roles) -> list[tuple[str, str]]:
    """ "Your time" for therapists; no query."""
    if getattr(request, "htmx", False) or not roles.is_therapist:
        return []
    return [(_("Your time"), reverse("my_time"))]


def _count(queryset: QuerySet, key: str) -> Subquery:
    """The number of rows of ``queryset`` per ``key`` (already filtered on an OuterRef), as a subquery."""
    counted = queryset.order_by().values(key).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def _latest(queryset: QuerySet, field_name: str) -> Subquery:
    return Subquery(queryset.order_by(F(field_name).desc()).values(field_name)[:1])


def dashboard_enrollments(user, *, now: datetime.datetime) -> QuerySet[Enrollment]:
    """The caseload's open enrolments with each per-patient figure annotated: one query (plus the prefetch)."""
    patient_messages = Message.objects.filter(thread__enrollment=OuterRef("pk"), author_id=OuterRef("patient_id"))
    unread = patient_messages.filter(read_at=None)
    open_alerts = Alert.objects.filter(enrollment=OuterRef("pk"), acknowledged_at__isnull=True)
    completed = Assessment.objects.filter(
        enrollment=OuterRef("pk"), status=Assessment.Status.COMPLETED, submitted_at__isnull=False
    )
    return (
        therapist_caseload(user)
        .filter(status__in=Enrollment.OPEN_STATUSES)
        .select_related("patient", "cohort", "clinic", "program", "plan")
        .annotate(
            unread_count=_count(unread, "thread__enrollment"),
            oldest_unread_at=Subquery(unread.order_by("created_at").values("created_at")[:1]),
            awaiting_count=_count(awaiting_feedback().filter(enrollment=OuterRef("pk")), "enrollment"),
            next_checkin_at=Subquery(upcoming_checkins(now).filter(enrollment=OuterRef("pk")).values("starts_at")[:1]),
            alert_count=_count(open_alerts, "enrollment"),
            urgent_alerts=Exists(open_alerts.filter(tier=Alert.Tier.URGENT)),
            risk_alerts=Exists(open_alerts.filter(kind=Alert.Kind.RISK)),
            overdue=Exists(
                Assessment.objects.filter(enrollment=OuterRef("pk"), status=Assessment.Status.OPEN, due_at__lte=now)
            ),
            last_event_at=_latest(EngagementEvent.objects.filter(enrollment=OuterRef("pk")), "at"),
            last_message_at=_latest(patient_messages, "created_at"),
            last_assessment_at=_latest(completed, "submitted_at"),
        )
        .order_by("patient__name", "pk")
    )


def latest_scores(enrollment_ids: list[int]) -> dict[tuple[int, str], list]:
    """The latest two completed answers per patient and dashboard instrument, newest first: one query.
    Rows are named tuples (enrollment_id, instrument_key, total, band), not model instances."""
    ranked = (
        Assessment.objects.filter(
            enrollment_id__in=enrollment_ids,
            instrument_key__in=DASHBOARD_INSTRUMENTS,
            status=Assessment.Status.COMPLETED,
            submitted_at__isnull=False,
            total__isnull=False,
        )
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("enrollment_id"), F("instrument_key")],
                order_by=[F("submitted_at").desc(), F("pk").desc()],
            )
        )
        .filter(rank__lte=2)
        .order_by("enrollment_id", "instrument_key", "rank")
        .values_list("enrollment_id", "instrument_key", "total", "band", named=True)
    )
    scores: dict[tuple[int, str], list] = {}
    for assessment in ranked:
        scores.setdefault((assessment.enrollment_id, assessment.instrument_key), []).append(assessment)
    return scores


# --- Rows ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Activity:
    level: str  # "good" | "warn" | "bad" | "none"
    text: str
    days: int | None

    @property
    def tag_class(self) -> str:
        return {"good": "nhsuk-tag--green", "warn": "nhsuk-tag--orange", "bad": "nhsuk-tag--red"}.get(
            self.level, "nhsuk-tag--grey"
        )


@dataclass(frozen=True)
class LatestScore:
    key: str
    short_title: str
    total: str
    band: str
    direction: str  # "better" | "worse" | "same" | "" (only one answer)

    @property
    def direction_text(self) -> str:
        # Only the word shown is translated (the template asks once or twice per score).
        if self.direction == "better":
            return _("better")
        if self.direction == "worse":
            return _("worse")
        return _("no change") if self.direction == "same" else ""

    @property
    def arrow(self) -> str:
        # Decoration beside the word, which carries the meaning. The dashboard's measures are all
        # higher-is-worse, so better is down.
        return {"better": "↓", "worse": "↑", "same": "="}.get(self.direction, "")


@dataclass
class DashboardRow:
    enrollment: Enrollment
    week: int | None
    weeks: int
    modules_done: int
    modules_planned: int
    activity: Activity
    behind: bool
    scores: list[LatestScore] = field(default_factory=list)

    @property
    def unread(self) -> int:
        return self.enrollment.unread_count

    @property
    def awaiting(self) -> int:
        return self.enrollment.awaiting_count

    @property
    def alerts(self) -> int:
        return self.enrollment.alert_count

    @property
    def alert_tier(self) -> str:
        if not self.alerts:
            return ""
        return Alert.Tier.URGENT if self.enrollment.urgent_alerts else Alert.Tier.NORMAL

    def needs_attention(self, today: datetime.date) -> bool:
        e = self.enrollment
        # Never active: counted from the start date, so a patient who starts today is not flagged.
        idle = self.activity.days if self.activity.days is not None else (today - e.start_date).days
        return bool(self.alerts or self.unread or self.awaiting or self.behind or e.overdue or idle >= RED_FROM_DAYS)

    def sort_key(self):
        e = self.enrollment
        waiting = e.oldest_unread_at.timestamp() if e.oldest_unread_at else float("inf")
        return (not e.urgent_alerts, not e.risk_alerts, waiting, e.patient.name.casefold(), e.pk)


def last_activity(enrollment: Enrollment, today: datetime.date) -> Activity:
    moments = [m for m in (enrollment.last_event_at, enrollment.last_message_at, enrollment.last_assessment_at) if m]
    if not moments:
        return Activity("none", _("No activity yet"), None)
    days = max(0, (today - timezone.localdate(max(moments))).days)
    if days >= RED_FROM_DAYS:
        text = ngettext("No activity for %(days)s day", "No activity for %(days)s days", days) % {"days": days}
        return Activity("bad", text, days)
    if days == 0:
        text = _("Today")
    elif days == 1:
        text = _("Yesterday")
    else:
        text = ngettext("%(days)s day ago", "%(days)s days ago", days) % {"days": days}
    return Activity("warn" if days >= AMBER_FROM_DAYS else "good", text, days)


def programme_week(enrollment: Enrollment, items: list[PlannedModule], today: datetime.date) -> tuple[int | None, int]:
    """(week x, of y weeks): y is the programme's weeks (or the plan's modules, if more) plus extra weeks.
    x is None before the start, and stops at y."""
    plan = getattr(enrollment, "plan", None)
    planned = sum(1 for item in items if item.skipped_at is None)
    extra = plan.extra_weeks if plan else 0
    pause_days = plan.pause_days if plan else 0
    weeks = max(enrollment.program.weeks, planned) + extra
    days = (today - enrollment.start_date).days - pause_days
    if days < 0:
        return None, weeks
    return min(days // 7 + 1, weeks), weeks


def is_behind(enrollment: Enrollment, items: list[PlannedModule], today: datetime.date) -> bool:
    """Not finished module 1 by the end of week 2, or two or more opened modules not finished."""
    active = [item for item in items if item.skipped_at is None]
    if not active:
        return False
    first = active[0]
    if first.completed_at is None and (today - enrollment.start_date).days >= BEHIND_WEEK_DAYS:
        return True
    return sum(1 for item in active if item.unlocked_at and not item.completed_at) >= 2


def _scores(enrollment_id: int, scores: dict, directions: dict) -> list[LatestScore]:
    """``directions`` memoises the change rule's verdict per (instrument, previous, latest total):
    totals repeat a lot across a caseload, and the rule is a pure function of them."""
    result = []
    for key in DASHBOARD_INSTRUMENTS:
        answers = scores.get((enrollment_id, key))
        if not answers:
            continue
        instrument = get_instrument(key)
        latest = answers[0]
        direction = ""
        if len(answers) > 1:
            pair = (key, answers[1].total, latest.total)
            if pair not in directions:
                summary = outcome_change.summarise(instrument, None, answers[1].total, latest.total)
                directions[pair] = summary.since_last.direction if summary.since_last else ""
            direction = directions[pair]
        band = latest.band or instrument.band_for(latest.total) or ""
        result.append(LatestScore(key, instrument.short_title, format_total(latest.total), band, direction))
    return result


def plan_items(plan_ids: list[int]) -> dict[int, list]:
    """Each plan's modules in order, as named tuples with the fields the row needs: one query (none
    without plans)."""
    items: dict[int, list] = {}
    if not plan_ids:
        return items
    rows = (
        PlannedModule.objects.filter(plan_id__in=plan_ids)
        .order_by("plan_id", "position")
        .values_list("plan_id", "unlocked_at", "completed_at", "skipped_at", named=True)
    )
    for item in rows:
        items.setdefault(item.plan_id, []).append(item)
    return items


def dashboard_rows(enrollments: list[Enrollment], *, today: datetime.date) -> list[DashboardRow]:
    scores = latest_scores([e.pk for e in enrollments])
    plans = {e.pk: getattr(e, "plan", None) for e in enrollments}
    items_by_plan = plan_items([plan.pk for plan in plans.values() if plan])
    directions: dict = {}
    rows = []
    for enrollment in enrollments:
        plan = plans[enrollment.pk]
        items = items_by_plan.get(plan.pk, []) if plan else []
        week, weeks = programme_week(enrollment, items, today)
        planned = [item for item in items if item.skipped_at is None]
        rows.append(
            DashboardRow(
                enrollment=enrollment,
                week=week,
                weeks=weeks,
                modules_done=sum(1 for item in planned if item.completed_at),
                modules_planned=len(planned),
                activity=last_activity(enrollment, today),
                behind=is_behind(enrollment, items, today),
                scores=_scores(enrollment.pk, scores, directions),
            )
        )
    rows.sort(key=DashboardRow.sort_key)
    return rows


# --- Filters ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DashboardFilters:
    attention: bool = False
    cohort_id: int | None = None
    contact_mode: str = ""
    search: str = ""

    @property
    def active(self) -> bool:
        return bool(self.attention or self.cohort_id or self.contact_mode or self.search)


def caseload_cohorts(user) -> list[Cohort]:
    open_caseload = therapist_caseload(user).filter(status__in=Enrollment.OPEN_STATUSES)
    return list(Cohort.objects.filter(Exists(open_caseload.filter(cohort=OuterRef("pk")))).order_by("name", "pk"))


def apply_filters(enrollments: QuerySet[Enrollment], filters: DashboardFilters) -> QuerySet[Enrollment]:
    if filters.cohort_id:
        enrollments = enrollments.filter(cohort_id=filters.cohort_id)
    if filters.contact_mode:
        enrollments = enrollments.filter(contact_mode=filters.contact_mode)
    for word in filters.search.split()[:5]:
        enrollments = enrollments.filter(Q(patient__name__icontains=word))
    return enrollments


def dashboard(user, filters: DashboardFilters, *, now: datetime.datetime | None = None) -> list[DashboardRow]:
    now = now or timezone.now()
    enrollments = list(apply_filters(dashboard_enrollments(user, now=now), filters))
    today = timezone.localdate(now)
    rows = dashboard_rows(enrollments, today=today)
    if filters.attention:
        rows = [row for row in rows if row.needs_attention(today)]
    return rows
