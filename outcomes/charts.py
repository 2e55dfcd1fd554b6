"""Line charts of one instrument's totals over time, drawn as SVG on the server.

The same chart goes into the web pages and the PDF report (templates/outcomes/progress/_chart.html),
so everything that gives it its look is an SVG presentation attribute computed here: no stylesheet is
needed, WeasyPrint draws it as the browser does, and the page's strict CSP is not involved. The
approach follows modules.diary's chart: geometry in Python, markup in a template.

Severity bands are shaded as horizontal rectangles with their names written on them, so the chart can
be read without telling colours apart; the fills get darker as the band gets worse, whichever
direction the instrument runs. Every chart has a title and a description (what changed, in one
sentence) for screen readers, and the page puts a table of the same numbers next to it.
"""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from outcomes.instruments.base import Band, Instrument, format_total

# The drawing, in SVG user units. The SVG scales to its container (viewBox), so these set its
# proportions. 400 wide keeps 13-14 unit labels readable on a 360 px phone (11-12 px there).
WIDTH = 400
HEIGHT = 250
PLOT_LEFT = 36
PLOT_RIGHT = 268  # data stays left of this; the band names sit between here and the right edge
PLOT_TOP = 12
PLOT_BOTTOM = 212
EDGE_PAD = 12  # keeps the first and last points off the axes
BAND_LABEL_X = PLOT_RIGHT + 8
MIN_LABELLED_BAND = 14  # a band thinner than this gets no name: it would not fit

LINE_COLOUR = "#00676b"  # Steady's brand teal: 3.5:1 or more against every band fill below
AXIS_COLOUR = "#4c6272"
GRID_COLOUR = "#d8dde0"
TEXT_COLOUR = "#212b32"
FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, 'DejaVu Sans', sans-serif"
# Pale to darker, best band to worst. One hue, so lightness alone orders them (safe for colour
# blindness) and the dark text on them keeps at least 7:1.
BAND_FILLS = ("#f4f7f6", "#fbf0dc", "#f8e0bd", "#f3cb9f", "#eab183")


@dataclass(frozen=True)
class ChartBand:
    top: float
    height: float
    label: str
    fill: str
    label_y: float
    show_label: bool


@dataclass(frozen=True)
class ChartPoint:
    x: float
    y: float
    day: datetime.date
    total: float
    band: str

    @property
    def label(self) -> str:
        return format_total(self.total)


@dataclass(frozen=True)
class ChartTick:
    position: float
    label: str
    anchor: str = "middle"


@dataclass(frozen=True)
class OutcomeChart:
    key: str
    title: str
    description: str
    bands: list[ChartBand]
    points: list[ChartPoint]
    path: str
    x_ticks: list[ChartTick]
    y_ticks: list[ChartTick]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = PLOT_LEFT
    right: int = PLOT_RIGHT
    top: int = PLOT_TOP
    bottom: int = PLOT_BOTTOM
    band_label_x: int = BAND_LABEL_X
    line_colour: str = LINE_COLOUR
    axis_colour: str = AXIS_COLOUR
    grid_colour: str = GRID_COLOUR
    text_colour: str = TEXT_COLOUR
    font_family: str = FONT_FAMILY

    @property
    def title_id(self) -> str:
        return f"chart-{self.key}-title"

    @property
    def desc_id(self) -> str:
        return f"chart-{self.key}-desc"

    @property
    def y_label_x(self) -> int:
        return self.left - 7

    @property
    def tick_start(self) -> int:
        """Left end of a y tick mark. Charts with bands have ticks, not grid lines: the band edges
        (half-way between whole scores) would sit just off any grid line."""
        return self.left - 4

    @property
    def x_label_y(self) -> int:
        return self.height - 8

    @property
    def tick_end(self) -> int:
        return self.bottom + 5

    @property
    def band_width(self) -> int:
        """Bands run under the plot and on to the right edge, where their names are written."""
        return self.width - self.left

    @property
    def last_point(self) -> ChartPoint:
        return self.points[-1]

    @property
    def last_label_y(self) -> float:
        """Above the last point, or below it when it sits at the top of the chart."""
        point = self.last_point
        return round(point.y - 9, 1) if point.y - 9 > self.top + 10 else round(point.y + 20, 1)

    @property
    def last_label_anchor(self) -> str:
        # Right-aligned near the right edge of the plot, so the number never runs onto the band names.
        return "end" if self.last_point.x > self.right - 20 else "middle"


@dataclass(frozen=True)
class Reading:
    """One completed answer set, as the chart needs it: the patient's local date, total and band."""

    day: datetime.date
    total: float
    band: str = ""


def outcome_chart(instrument: Instrument, readings: Sequence[Reading]) -> OutcomeChart:
    """The chart of ``readings`` (oldest first, at least one) on the instrument's fixed scale."""
    if not readings:
        raise ValueError("a chart needs at least one reading")
    if instrument.total_min is None or instrument.total_max is None:
        raise ValueError(f"{instrument.short_title} has no fixed scale to draw")
    scale = _Scale(instrument.total_min, instrument.total_max, readings[0].day, readings[-1].day)
    points = [ChartPoint(x=scale.x(r.day), y=scale.y(r.total), day=r.day, total=r.total, band=r.band) for r in readings]
    return OutcomeChart(
        key=instrument.key,
        title=_("%(name)s scores over time") % {"name": instrument.short_title},
        description=chart_description(instrument, readings),
        bands=_bands(instrument, scale),
        points=points,
        path=" ".join(f"{'L' if i else 'M'}{p.x:g} {p.y:g}" for i, p in enumerate(points)),
        x_ticks=_x_ticks(scale, readings),
        y_ticks=[ChartTick(scale.y(value), format_total(value)) for value in _y_values(instrument)],
    )


class _Scale:
    def __init__(self, low: float, high: float, first: datetime.date, last: datetime.date):
        self.low, self.high, self.first, self.last = low, high, first, last

    def x(self, day: datetime.date) -> float:
        span = (self.last - self.first).days
        if span == 0:
            return round((PLOT_LEFT + PLOT_RIGHT) / 2, 1)
        inner = PLOT_RIGHT - PLOT_LEFT - 2 * EDGE_PAD
        return round(PLOT_LEFT + EDGE_PAD + (day - self.first).days * inner / span, 1)

    def y(self, value: float) -> float:
        value = min(max(value, self.low), self.high)
        return round(PLOT_BOTTOM - (value - self.low) * (PLOT_BOTTOM - PLOT_TOP) / (self.high - self.low), 1)


def _bands(instrument: Instrument, scale: _Scale) -> list[ChartBand]:
    bands = sorted(instrument.bands, key=lambda band: band.low)
    if not bands:
        return []
    edges = _band_edges(bands, instrument.total_min, instrument.total_max)
    drawn = []
    for index, band in enumerate(bands):
        top, bottom = scale.y(edges[index + 1]), scale.y(edges[index])
        height = round(bottom - top, 1)
        drawn.append(
            ChartBand(
                top=top,
                height=height,
                label=band.label[:1].upper() + band.label[1:],
                fill=BAND_FILLS[_severity_rank(index, len(bands), instrument.higher_is_better)],
                label_y=round(top + height / 2, 1),
                show_label=height >= MIN_LABELLED_BAND,
            )
        )
    return drawn


def _band_edges(bands: list[Band], low: float, high: float) -> list[float]:
    """Where one band meets the next: half-way between one band's top and the next band's bottom, so
    whole-number totals (5 on PHQ-9 is "mild") fall clearly inside their band."""
    inner = [(a.high + b.low) / 2 for a, b in zip(bands, bands[1:], strict=False)]
    return [low, *inner, high]


def _severity_rank(index: int, count: int, higher_is_better: bool) -> int:
    """Index into BAND_FILLS: 0 for the best band, the last fill for the worst, spread in between."""
    if count == 1:
        return 0
    worse = count - 1 - index if higher_is_better else index
    return round(worse * (len(BAND_FILLS) - 1) / (count - 1))


def _y_values(instrument: Instrument) -> list[float]:
    low, high = instrument.total_min, instrument.total_max
    if instrument.bands:
        return sorted({low, high, *(band.low for band in instrument.bands if low < band.low < high)})
    return [low, (low + high) / 2, high]


def _x_ticks(scale: _Scale, readings: Sequence[Reading]) -> list[ChartTick]:
    first, last = readings[0].day, readings[-1].day
    if first == last:
        return [ChartTick(scale.x(first), _short_date(first))]
    ticks = [ChartTick(scale.x(first), _short_date(first), "start")]
    # A middle date only when there is room for three labels without overlap.
    if (last - first).days >= 14:
        middle = first + (last - first) / 2
        ticks.append(ChartTick(scale.x(middle), _short_date(middle)))
    ticks.append(ChartTick(scale.x(last), _short_date(last), "end"))
    return ticks


def _short_date(day: datetime.date) -> str:
    return date_format(day, "j M")


def _reading_words(reading: Reading) -> str:
    value = format_total(reading.total)
    return f"{value} ({reading.band})" if reading.band else value


def chart_description(instrument: Instrument, readings: Sequence[Reading]) -> str:
    """One or two sentences that say what the chart shows (the table beside it has every value)."""
    first, last = readings[0], readings[-1]
    scale = _("Scores go from %(low)s to %(high)s; %(better)s.") % {
        "low": format_total(instrument.total_min),
        "high": format_total(instrument.total_max),
        "better": direction_note(instrument).lower().rstrip("."),
    }
    if len(readings) == 1:
        story = _("%(name)s was %(value)s on %(day)s.") % {
            "name": instrument.short_title,
            "value": _reading_words(first),
            "day": date_format(first.day, "j M Y"),
        }
    else:
        story = _("%(name)s went from %(first)s on %(first_day)s to %(last)s on %(last_day)s") % {
            "name": instrument.short_title,
            "first": _reading_words(first),
            "first_day": date_format(first.day, "j M Y"),
            "last": _reading_words(last),
            "last_day": date_format(last.day, "j M Y"),
        }
        story += ngettext(", %(count)d score in all.", ", %(count)d scores in all.", len(readings)) % {
            "count": len(readings)
        }
    return f"{story} {scale}"


def direction_note(instrument: Instrument) -> str:
    return _("Higher is better.") if instrument.higher_is_better else _("Lower is better.")
