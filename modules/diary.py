"""The pain diary: the entry form, the service that saves an entry, and the selectors behind the pages.

One entry per enrolment and day, where "day" is the patient's own local date (the view passes
``timezone.localdate()``, which accounts.middleware puts in the patient's zone). An entry can be
written for today and up to ``DiaryEntry.EDITABLE_DAYS`` days back: recalled pain drifts within days,
so older entries are kept as they were written.
"""

import datetime
from dataclasses import dataclass
from typing import ClassVar

from django import forms
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from clinics.models import Enrollment
from clinics.services import audit_log
from modules.models import DiaryEntry, EngagementEvent

OVERVIEW_DAYS = 28
NOTE_MAX_LENGTH = 2000
ACTIVITY_MAX_MINUTES = 24 * 60


class DiaryError(Exception):
    """The entry cannot be saved; the message is safe to show to the patient."""


# --- Form -------------------------------------------------------------------------------------------


def _scale(low: str, high: str) -> list[tuple[int, str]]:
    """0 to 10 as radio choices, with words on the two ends only (as in a numeric rating scale)."""
    return [(0, low)] + [(n, str(n)) for n in range(1, 10)] + [(10, high)]


class NoteField(forms.CharField):
    """Browsers send a textarea's line breaks as CRLF but count them as one character in
    ``maxlength``: count them the same way here, so a note the browser accepted is not refused."""

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n") if value else value


class DiaryEntryForm(forms.Form):
    pain = forms.TypedChoiceField(
        label=gettext_lazy("How bad was your pain, on average?"),
        help_text=gettext_lazy("Choose a number from 0 to 10."),
        choices=_scale(gettext_lazy("0 = no pain"), gettext_lazy("10 = worst pain you can imagine")),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Choose how bad your pain was, from 0 to 10."),
            "invalid_choice": gettext_lazy("Choose how bad your pain was, from 0 to 10."),
        },
    )
    activity_minutes = forms.IntegerField(
        label=gettext_lazy("How many minutes were you active?"),
        help_text=gettext_lazy("For example walking, housework or your exercises. Leave it empty if you are not sure."),
        required=False,
        min_value=0,
        max_value=ACTIVITY_MAX_MINUTES,
        # nhsuk asks for a text input with a numeric keyboard rather than type="number", which
        # changes the number when someone scrolls over it.
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "nhsuk-input--width-4", "autocomplete": "off"}),
        error_messages={
            "invalid": gettext_lazy("Enter the minutes as a whole number from 0 to 1,440, like 30."),
            "min_value": gettext_lazy("Enter the minutes as a whole number from 0 to 1,440, like 30."),
            "max_value": gettext_lazy("A day has 1,440 minutes. Enter a number from 0 to 1,440."),
        },
    )
    mood = forms.TypedChoiceField(
        label=gettext_lazy("How was your mood?"),
        help_text=gettext_lazy("Choose a number from 0 to 10."),
        choices=_scale(gettext_lazy("0 = very low"), gettext_lazy("10 = very good")),
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": gettext_lazy("Choose how your mood was, from 0 to 10.")},
    )
    sleep = forms.TypedChoiceField(
        label=gettext_lazy("How did you sleep the night before?"),
        choices=DiaryEntry.Sleep.choices,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": gettext_lazy("Choose one of the answers about your sleep.")},
    )
    note = NoteField(
        label=gettext_lazy("Anything else about the day?"),
        help_text=gettext_lazy("For example, what helped or what made the pain worse. Up to 2,000 characters."),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "max_length": gettext_lazy(
                "Your note can be up to 2,000 characters long. It has %(show_value)d: shorten it a little."
            ),
            "null_characters_not_allowed": gettext_lazy(
                "Your note contains a character that cannot be saved. Type it again rather than pasting it."
            ),
        },
    )

    @classmethod
    def initial_for(cls, entry: DiaryEntry | None) -> dict:
        if entry is None:
            return {}
        return {name: getattr(entry, name) for name in cls.base_fields}


# --- Rules ------------------------------------------------------------------------------------------


def earliest_editable(today: datetime.date) -> datetime.date:
    return today - datetime.timedelta(days=DiaryEntry.EDITABLE_DAYS)


def is_editable_day(day: datetime.date, today: datetime.date) -> bool:
    return earliest_editable(today) <= day <= today


def diary_refusal(*, enrollment: Enrollment, day: datetime.date, today: datetime.date) -> str | None:
    """Why the entry for ``day`` cannot be written now, in words for the patient; None if it can."""
    when = date_format(day, "l j F Y")
    if day > today:
        return _("%(date)s has not happened yet. You can fill in your diary for today or an earlier day.") % {
            "date": when
        }
    if day < earliest_editable(today):
        return _(
            "You can add or change a diary entry for up to %(days)d days. %(date)s was longer ago than that, "
            "so it can no longer be changed."
        ) % {"days": DiaryEntry.EDITABLE_DAYS, "date": when}
    if not enrollment.is_open:
        return _("Your programme has ended, so you can no longer add to your diary. You can still read your entries.")
    return None


# --- Service ----------------------------------------------------------------------------------------


def diary_entry_save(
    *,
    enrollment: Enrollment,
    day: datetime.date,
    today: datetime.date,
    pain: int,
    activity_minutes: int | None = None,
    mood: int | None = None,
    sleep: int | None = None,
    note: str = "",
    request=None,
) -> DiaryEntry:
    """Create or update the entry for ``day`` and log the save for engagement research.

    Raises DiaryError when the day cannot be written (see ``diary_refusal``).
    """
    refusal = diary_refusal(enrollment=enrollment, day=day, today=today)
    if refusal:
        raise DiaryError(refusal)
    values = {"pain": pain, "activity_minutes": activity_minutes, "mood": mood, "sleep": sleep, "note": note}
    try:
        return _save(enrollment, day, values, request)
    except IntegrityError:
        # Two first saves of one day at once (a double tap, two tabs): both found no row and both
        # inserted; the unique constraint let one win. update_or_create retries as an update itself
        # when it can see the winner's row; when it cannot yet, this second try in a new
        # transaction does. A second IntegrityError is a real fault and is raised.
        return _save(enrollment, day, values, request)


@transaction.atomic
def _save(enrollment: Enrollment, day: datetime.date, values: dict, request=None) -> DiaryEntry:
    now = timezone.now()
    entry, _created = DiaryEntry.objects.update_or_create(
        enrollment=enrollment,
        date=day,
        defaults={**values, "updated_at": now},
        create_defaults={**values, "created_at": now, "updated_at": now},
    )
    EngagementEvent.objects.create(
        enrollment=enrollment, kind=EngagementEvent.Kind.DIARY_SAVED, object_id=str(entry.pk), at=now
    )
    audit_log(
        actor=enrollment.patient, action="modules.diary.saved", enrollment=enrollment, target=entry, request=request
    )
    return entry


# --- Selectors --------------------------------------------------------------------------------------


def diary_entry_for(enrollment: Enrollment, day: datetime.date) -> DiaryEntry | None:
    return DiaryEntry.objects.filter(enrollment=enrollment, date=day).first()


# The chart's drawing area, in SVG user units. The SVG scales to the page's width (viewBox), so
# these only set its proportions and where the axis labels go.
CHART_WIDTH = 340
CHART_HEIGHT = 210
CHART_LEFT = 30
CHART_RIGHT = 330
CHART_TOP = 12
CHART_BOTTOM = 176
CHART_MAX = 10


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    day: datetime.date
    value: int

    @property
    def square_x(self) -> float:
        """Left edge of a 7-unit square marker centred on the point (mood is drawn as squares)."""
        return round(self.x - 3.5, 1)

    @property
    def square_y(self) -> float:
        return round(self.y - 3.5, 1)


@dataclass(frozen=True)
class ChartLine:
    name: str
    points: list[ChartPoint]
    # One SVG path; a day without a value starts a new "M" segment, so a gap is a gap, not a zero.
    path: str


@dataclass(frozen=True)
class ChartTick:
    position: float
    label: str
    anchor: str = "middle"


@dataclass(frozen=True)
class DiaryChart:
    lines: list[ChartLine]
    x_ticks: list[ChartTick]
    y_ticks: list[ChartTick]
    summary: str
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT
    left: int = CHART_LEFT
    right: int = CHART_RIGHT
    top: int = CHART_TOP
    bottom: int = CHART_BOTTOM

    @property
    def y_label_x(self) -> int:
        return self.left - 6

    @property
    def x_label_y(self) -> int:
        return self.height - 6

    @property
    def tick_end(self) -> int:
        return self.bottom + 5


@dataclass(frozen=True)
class DiaryRow:
    entry: DiaryEntry
    editable: bool


@dataclass(frozen=True)
class DiaryOverview:
    today: datetime.date
    start: datetime.date
    today_entry: DiaryEntry | None
    # False once the programme has ended: the diary can be read, not written.
    can_write: bool
    # Entries of the last OVERVIEW_DAYS days, newest first: the list on the page and the chart's table.
    rows: list[DiaryRow]
    # Earlier days the patient can still fill in, newest first.
    missed_days: list[datetime.date]
    chart: DiaryChart | None
    editable_days: ClassVar[int] = DiaryEntry.EDITABLE_DAYS


def diary_overview(enrollment: Enrollment, today: datetime.date) -> DiaryOverview:
    """Everything the diary page shows, from one query whatever the number of entries."""
    start = today - datetime.timedelta(days=OVERVIEW_DAYS - 1)
    entries = list(DiaryEntry.objects.filter(enrollment=enrollment, date__range=(start, today)).order_by("-date"))
    by_day = {entry.date: entry for entry in entries}
    return DiaryOverview(
        today=today,
        start=start,
        today_entry=by_day.get(today),
        can_write=enrollment.is_open,
        rows=[
            DiaryRow(entry=entry, editable=enrollment.is_open and is_editable_day(entry.date, today))
            for entry in entries
        ],
        missed_days=_missed_days(enrollment, today, by_day),
        chart=_chart(by_day, start) if entries else None,
    )


def _missed_days(enrollment: Enrollment, today: datetime.date, by_day: dict) -> list[datetime.date]:
    """Earlier days that can still be filled in, from the programme's start (not before: a new
    patient is not asked for a week they were never told to record)."""
    if not enrollment.is_open:
        return []
    days = (today - datetime.timedelta(days=offset) for offset in range(1, DiaryEntry.EDITABLE_DAYS + 1))
    return [day for day in days if day >= enrollment.start_date and day not in by_day]


def _chart(by_day: dict[datetime.date, DiaryEntry], start: datetime.date) -> DiaryChart:
    days = [start + datetime.timedelta(days=i) for i in range(OVERVIEW_DAYS)]
    lines = [_line("pain", days, by_day)]
    if any(entry.mood is not None for entry in by_day.values()):
        lines.append(_line("mood", days, by_day))
    return DiaryChart(
        lines=lines,
        # Weekly ticks ending today; the last label is right-aligned so it stays inside the chart.
        x_ticks=[
            ChartTick(_x(i), date_format(days[i], "j M"), "end" if i == OVERVIEW_DAYS - 1 else "middle")
            for i in range(OVERVIEW_DAYS - 1, -1, -7)
        ][::-1],
        y_ticks=[ChartTick(_y(value), str(value)) for value in (0, 5, 10)],
        summary=_summary(lines, days),
    )


def _x(index: int) -> float:
    return round(CHART_LEFT + index * (CHART_RIGHT - CHART_LEFT) / (OVERVIEW_DAYS - 1), 1)


def _y(value: int) -> float:
    return round(CHART_BOTTOM - value * (CHART_BOTTOM - CHART_TOP) / CHART_MAX, 1)


def _line(name: str, days: list[datetime.date], by_day: dict[datetime.date, DiaryEntry]) -> ChartLine:
    points, commands, previous = [], [], False
    for index, day in enumerate(days):
        entry = by_day.get(day)
        value = getattr(entry, name) if entry is not None else None
        if value is None:
            previous = False
            continue
        point = ChartPoint(x=_x(index), y=_y(value), day=day, value=value)
        points.append(point)
        commands.append(f"{'L' if previous else 'M'}{point.x:g} {point.y:g}")
        previous = True
    return ChartLine(name=name, points=points, path=" ".join(commands))


def _summary(lines: list[ChartLine], days: list[datetime.date]) -> str:
    """The chart in one or two sentences, for screen readers (the table below has every value)."""
    names = {"pain": _("Pain"), "mood": _("Mood")}
    parts = [
        _("Line chart of your diary from %(start)s to %(end)s.")
        % {"start": date_format(days[0], "j F"), "end": date_format(days[-1], "j F")}
    ]
    for line in lines:
        values = [point.value for point in line.points]
        if not values:
            continue
        last = line.points[-1]
        parts.append(
            ngettext(
                "%(name)s: %(count)d day, from %(low)d to %(high)d out of 10; %(last)d on %(day)s.",
                "%(name)s: %(count)d days, from %(low)d to %(high)d out of 10; %(last)d on %(day)s.",
                len(values),
            )
            % {
                "name": names[line.name],
                "count": len(values),
                "low": min(values),
                "high": max(values),
                "last": last.value,
                "day": date_format(last.day, "j F"),
            }
        )
    parts.append(_("The table below lists each day."))
    return " ".join(parts)
