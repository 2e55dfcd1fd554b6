"""Reads for the therapist's view of one patient: the timeline, the notes and the time summary.

The timeline merges what happened from each source table, newest first. Each source is asked for at
most ``TIMELINE_LIMIT`` rows older than the cursor (one query per source, whatever the history), the
rows are merged in Python and the newest ``TIMELINE_LIMIT`` are shown; "Older" continues from the
oldest shown (``?before=<ISO timestamp>``).
"""

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clinics.models import Enrollment
from guidance.models import CheckIn, ClinicalNote, Feedback, Message, TimeEntry
from modules.models import ExerciseResponse, Plan, PlanChange, PlannedModule
from outcomes.instruments import REGISTRY
from outcomes.instruments.base import format_total
from outcomes.models import Alert, Assessment

TIMELINE_LIMIT = 50
RECENT_TIME_ENTRIES = 5


@dataclass(frozen=True)
class TimelineItem:
    at: datetime.datetime
    kind: str  # module | exercise | questionnaire | message | feedback | checkin | alert | plan
    text: str
    url: str = ""
    urgent: bool = False

    @property
    def kind_label(self) -> str:
        return {
            "module": _("Module"),
            "exercise": _("Exercise"),
            "questionnaire": _("Questionnaire"),
            "message": _("Message"),
            "feedback": _("Feedback"),
            "checkin": _("Check-in"),
            "alert": _("Alert"),
            "plan": _("Plan"),
        }[self.kind]


@dataclass(frozen=True)
class Timeline:
    items: list[TimelineItem]
    older_than: datetime.datetime | None  # set when there may be older items

    @property
    def older_param(self) -> str:
        return self.older_than.isoformat() if self.older_than else ""


def parse_before(value: str | None) -> datetime.datetime | None:
    """The "Older" cursor from the URL; anything that is not a timestamp means "from the newest"."""
    if not value:
        return None
    try:
        moment = datetime.datetime.fromisoformat(value.strip().replace(" ", "+"))
    except ValueError:
        return None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment, datetime.UTC)
    return moment


def _before(field: str, before: datetime.datetime | None) -> Q:
    return Q(**{f"{field}__lt": before}) if before else Q(**{f"{field}__isnull": False})


def _newest(queryset: QuerySet, field: str, before) -> QuerySet:
    # One more than is shown: it tells whether there is anything older.
    return queryset.filter(_before(field, before)).order_by(f"-{field}", "-pk")[: TIMELINE_LIMIT + 1]


def _modules(enrollment: Enrollment, before) -> list[TimelineItem]:
    items = []
    rows = PlannedModule.objects.filter(plan__enrollment=enrollment).select_related("module")
    opened = _newest(rows, "unlocked_at", before)
    finished = _newest(rows, "completed_at", before)
    for item in opened:
        items.append(TimelineItem(item.unlocked_at, "module", _("Opened “%(title)s”") % {"title": item.module.title}))
    for item in finished:
        items.append(
            TimelineItem(item.completed_at, "module", _("Finished “%(title)s”") % {"title": item.module.title})
        )
    return items


def _exercises(enrollment: Enrollment, before) -> list[TimelineItem]:
    responses = ExerciseResponse.objects.filter(enrollment=enrollment).select_related("exercise__module")
    return [
        TimelineItem(
            response.submitted_at,
            "exercise",
            _("Sent “%(exercise)s” (%(module)s)")
            % {"exercise": response.exercise.title, "module": response.exercise.module.title},
        )
        for response in _newest(responses, "submitted_at", before)
    ]


def _questionnaires(enrollment: Enrollment, before) -> list[TimelineItem]:
    completed = Assessment.objects.filter(enrollment=enrollment, status=Assessment.Status.COMPLETED).defer(
        "progress", "answers"
    )
    items = []
    for assessment in _newest(completed, "submitted_at", before):
        instrument = REGISTRY.get(assessment.instrument_key)
        name = instrument.short_title if instrument else assessment.instrument_key
        text = _("Answered %(name)s") % {"name": name}
        if assessment.total is not None:
            text += _(": score %(total)s") % {"total": format_total(assessment.total)}
            if assessment.band:
                text += f" ({assessment.band})"
        items.append(TimelineItem(assessment.submitted_at, "questionnaire", text))
    return items


def _messages(enrollment: Enrollment, before) -> list[TimelineItem]:
    # Feedback is a message too; it is shown as feedback (below), not twice.
    messages = Message.objects.filter(thread__enrollment=enrollment, feedback__isnull=True).select_related("author")
    url = reverse("staff_messages", args=[enrollment.code])
    items = []
    for message in _newest(messages, "created_at", before):
        if message.author_id == enrollment.patient_id:
            text = _("%(name)s sent a message") % {"name": enrollment.patient.name}
        else:
            text = _("%(name)s sent a message") % {"name": message.author.name}
        items.append(TimelineItem(message.created_at, "message", text, url=f"{url}#message-{message.code}"))
    return items


def _feedback(enrollment: Enrollment, before) -> list[TimelineItem]:
    given = Feedback.objects.filter(enrollment=enrollment).select_related("author", "module")
    return [
        TimelineItem(
            feedback.created_at,
            "feedback",
            _("%(name)s gave feedback on “%(module)s”")
            % {"name": feedback.author.name, "module": feedback.module.title},
            url=reverse("staff_messages", args=[enrollment.code]),
        )
        for feedback in _newest(given, "created_at", before)
    ]


CHECKIN_WORDS = {
    CheckIn.Status.HELD: gettext_lazy("Check-in held"),
    CheckIn.Status.NO_SHOW: gettext_lazy("Check-in: the patient did not attend"),
    CheckIn.Status.CANCELLED: gettext_lazy("Check-in cancelled"),
}


def _checkins(enrollment: Enrollment, before) -> list[TimelineItem]:
    checkins = CheckIn.objects.filter(enrollment=enrollment)
    items = []
    for checkin in _newest(checkins, "created_at", before):
        url = reverse("staff_checkin", args=[enrollment.code, checkin.code])
        when = timezone.localtime(checkin.starts_at).strftime("%-d %b %Y, %H:%M")
        items.append(
            TimelineItem(
                checkin.created_at,
                "checkin",
                _("Check-in booked (%(mode)s) for %(when)s") % {"mode": checkin.get_mode_display(), "when": when},
                url=url,
            )
        )
        done_at = checkin.cancelled_at or checkin.outcome_at
        if checkin.status in CHECKIN_WORDS and done_at and (before is None or done_at < before):
            text = str(CHECKIN_WORDS[checkin.status])
            if checkin.status == CheckIn.Status.HELD and checkin.minutes:
                text += _(" (%(minutes)s minutes)") % {"minutes": checkin.minutes}
            items.append(TimelineItem(done_at, "checkin", text, url=url))
    return items


def _alerts(enrollment: Enrollment, before) -> list[TimelineItem]:
    alerts = Alert.objects.filter(enrollment=enrollment).select_related("acknowledged_by")
    items = []
    for alert in _newest(alerts, "created_at", before):
        urgent = alert.tier == Alert.Tier.URGENT
        text = _("Alert raised: %(kind)s") % {"kind": alert.get_kind_display()}
        if urgent:
            text += _(" (urgent)")
        items.append(TimelineItem(alert.created_at, "alert", text, url=reverse("alert_list"), urgent=urgent))
    for alert in _newest(alerts, "acknowledged_at", before):
        name = alert.acknowledged_by.name if alert.acknowledged_by else _("staff")
        items.append(
            TimelineItem(
                alert.acknowledged_at,
                "alert",
                _("Alert acknowledged by %(name)s: %(kind)s") % {"name": name, "kind": alert.get_kind_display()},
            )
        )
    return items


def _plan_changes(enrollment: Enrollment, before) -> list[TimelineItem]:
    changes = PlanChange.objects.filter(plan__enrollment=enrollment).select_related("module", "by")
    items = []
    for change in _newest(changes, "at", before):
        text = _("%(name)s %(change)s") % {"name": change.by.name, "change": change.get_kind_display()}
        if change.module_id:
            text += f": “{change.module.title}”"
        if change.weeks:
            text += " " + _("by %(weeks)s weeks") % {"weeks": change.weeks}
        items.append(TimelineItem(change.at, "plan", text, url=reverse("plan_detail", args=[enrollment.code])))
    return items


SOURCES = (_modules, _exercises, _questionnaires, _messages, _feedback, _checkins, _alerts, _plan_changes)


def timeline(enrollment: Enrollment, *, before: datetime.datetime | None = None) -> Timeline:
    """The newest ``TIMELINE_LIMIT`` events older than ``before``: one or two queries per source."""
    items = [item for source in SOURCES for item in source(enrollment, before)]
    items.sort(key=lambda item: item.at, reverse=True)
    shown = items[:TIMELINE_LIMIT]
    more = len(items) > TIMELINE_LIMIT
    return Timeline(items=shown, older_than=shown[-1].at if more else None)


# --- Notes and time -----------------------------------------------------------------------------------


def clinical_notes(enrollment: Enrollment) -> list[ClinicalNote]:
    return list(
        ClinicalNote.objects.filter(enrollment=enrollment).select_related("author").order_by("-created_at", "-pk")
    )


@dataclass(frozen=True)
class TimeSummary:
    week_minutes: int
    total_minutes: int
    recent: list[TimeEntry]


def week_start(moment: datetime.datetime, zone) -> datetime.datetime:
    """Monday 00:00 of the ISO week of ``moment`` in ``zone``."""
    local = timezone.localtime(moment, zone).date()
    monday = local - datetime.timedelta(days=local.weekday())
    return datetime.datetime.combine(monday, datetime.time.min, tzinfo=zone)


def time_summary(enrollment: Enrollment, *, zone, now: datetime.datetime | None = None) -> TimeSummary:
    """This week's (viewer's zone) and all-time minutes, and the last entries: two queries."""
    now = now or timezone.now()
    entries = TimeEntry.objects.filter(enrollment=enrollment)
    totals = entries.aggregate(total=Sum("minutes"), week=Sum("minutes", filter=Q(at__gte=week_start(now, zone))))
    recent = list(entries.select_related("therapist").order_by("-at", "-pk")[:RECENT_TIME_ENTRIES])
    return TimeSummary(week_minutes=totals["week"] or 0, total_minutes=totals["total"] or 0, recent=recent)


def plan_of(enrollment: Enrollment) -> Plan | None:
    try:
        return enrollment.plan
    except Plan.DoesNotExist:
        return None


# --- The therapist's own time ("Your time") -----------------------------------------------------------

REPORT_WEEKS = 12


@dataclass(frozen=True)
class WeekTotal:
    start: datetime.datetime  # Monday 00:00 in the therapist's zone
    minutes: int

    @property
    def iso(self) -> str:
        year, week, _day = self.start.date().isocalendar()
        return f"{year}-W{week:02d}"


@dataclass(frozen=True)
class WeeksReport:
    weeks: list[WeekTotal]  # newest first, REPORT_WEEKS of them, empty weeks included

    @property
    def total(self) -> int:
        return sum(week.minutes for week in self.weeks)


def _own_entries(user, roles) -> QuerySet[TimeEntry]:
    """The therapist's entries in the clinics where they are a therapist now."""
    return TimeEntry.objects.filter(therapist=user, enrollment__clinic_id__in=roles.therapist_clinic_ids)


def my_weeks(user, roles, *, zone, now: datetime.datetime | None = None) -> WeeksReport:
    """Minutes per ISO week (in the therapist's zone) over the last REPORT_WEEKS weeks: one query.

    The week of each entry is worked out here from its local date: one small row per entry, and
    the same answer on SQLite and PostgreSQL across DST changes.
    """
    this_week = week_start(now or timezone.now(), zone)
    starts = [_shift_weeks(this_week, -n, zone) for n in range(REPORT_WEEKS)]
    minutes = dict.fromkeys(starts, 0)
    for at, entry_minutes in _own_entries(user, roles).filter(at__gte=starts[-1]).values_list("at", "minutes"):
        minutes[week_start(at, zone)] = minutes.get(week_start(at, zone), 0) + entry_minutes
    return WeeksReport(weeks=[WeekTotal(start, minutes[start]) for start in starts])


def _shift_weeks(start: datetime.datetime, weeks: int, zone) -> datetime.datetime:
    day = start.date() + datetime.timedelta(weeks=weeks)
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=zone)


def parse_week(value: str, *, zone) -> tuple[datetime.datetime | None, str]:
    """ "2026-W47" -> (Monday 00:00 of that week in ``zone``, ""); anything else -> (None, a message)."""
    message = _("“%(value)s” is not a week we can show. Choose a week from the list.") % {"value": value[:20]}
    year, sep, week = value.strip().upper().partition("-W")
    if not (sep and year.isdigit() and week.isdigit()):
        return None, message
    try:
        monday = datetime.date.fromisocalendar(int(year), int(week), 1)
    except ValueError:
        return None, message
    return datetime.datetime.combine(monday, datetime.time.min, tzinfo=zone), ""


@dataclass(frozen=True)
class PatientWeek:
    code: str
    name: str
    minutes: int
    in_caseload: bool


def week_breakdown(user, roles, *, start: datetime.datetime) -> list[PatientWeek]:
    """Minutes per patient in the week from ``start``: one query."""
    end = _shift_weeks(start, 1, start.tzinfo)
    rows = (
        _own_entries(user, roles)
        .filter(at__gte=start, at__lt=end)
        .values("enrollment__code", "enrollment__patient__name", "enrollment__therapist_id")
        .annotate(minutes=Sum("minutes"))
        .order_by("-minutes", "enrollment__patient__name")
    )
    return [
        PatientWeek(
            code=row["enrollment__code"],
            name=row["enrollment__patient__name"],
            minutes=row["minutes"],
            in_caseload=row["enrollment__therapist_id"] == user.pk,
        )
        for row in rows
    ]
