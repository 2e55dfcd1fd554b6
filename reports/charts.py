"""Small bar charts for the clinic report, drawn as SVG on the server (templates/reports/_bar_chart.html).

Geometry is worked out here, markup in the template, as in modules.diary and outcomes.charts. On the
page the look comes from CSS classes (assets/scss/main.scss): no inline style, so the CSP holds.
WeasyPrint does not apply the document's stylesheet inside an inline SVG, so each element also
carries its colour and font as SVG presentation attributes (COLOURS), which the page's CSS overrides.
Every chart has a <title> and a <desc> that say what it shows in words, and a table of the same
numbers sits beside it. A figure hidden by small-cell suppression gets no bar, only its "<5", so its
length cannot give it away.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from reports.cells import Cell
from reports.selectors import LAST_WEEK_BAR, FunnelStep, ModuleEngagement, WeekCount

# SVG user units. The SVG scales to its container; at 360 wide, 15-unit text stays about 13-14 px on a
# 360 px phone and grows on a wider screen up to the container's max-width.
WIDTH = 360
FONT = 15
MAX_LABEL_CHARS = 42  # longer labels are shortened in the chart; the table beside has them in full

# Horizontal bars: a label line, then the bar with its value after it.
ROW_HEIGHT = 46
LABEL_Y = 16
BAR_Y = 23
BAR_HEIGHT = 16
VALUE_ROOM = 52  # right of the longest bar, for "100%"

# For the PDF (see the module's docstring); the same colours as the page's CSS.
COLOURS = {
    "bar": "#00676b",  # Steady's teal, 6.7:1 on white
    "track": "#f0f4f5",
    "axis": "#4c6272",
    "text": "#212b32",
    "font": "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, 'DejaVu Sans', sans-serif",
}

# Vertical bars (dropout by week).
V_HEIGHT = 220
V_TOP = 26
V_BASELINE = 178
V_SIDE = 6


@dataclass(frozen=True)
class HorizontalBar:
    label: str
    value_text: str
    top: float
    label_y: float
    bar_y: float
    bar_height: float
    width: float
    track_width: float
    value_x: float
    value_y: float
    drawn: bool


@dataclass(frozen=True)
class VerticalBar:
    label: str
    value_text: str
    x: float
    y: float
    width: float
    height: float
    centre: float
    value_y: float
    label_y: float
    drawn: bool


@dataclass(frozen=True)
class BarChart:
    ident: str
    kind: str  # "horizontal" or "vertical"
    title: str
    description: str
    width: int
    height: int
    bars: Sequence
    baseline: float = 0
    axis_label: str = ""
    axis_label_y: float = 0
    colours: dict = field(default_factory=lambda: COLOURS)
    font_size: int = FONT


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL_CHARS else label[: MAX_LABEL_CHARS - 1].rstrip() + "…"


def _percent(cell: Cell) -> float | None:
    if cell.hidden or not cell.value:
        return None
    return float(cell.value)


def horizontal_chart(ident: str, title: str, description: str, items: Sequence[tuple[str, Cell]]) -> BarChart:
    """Bars of percentages (0-100), one row per item: (label, percent cell)."""
    track = WIDTH - VALUE_ROOM
    bars = []
    for index, (label, cell) in enumerate(items):
        top = index * ROW_HEIGHT
        share = _percent(cell)
        width = round(track * min(share, 100) / 100, 1) if share is not None else 0
        bars.append(
            HorizontalBar(
                label=_short(label),
                value_text=cell.text,
                top=top,
                label_y=top + LABEL_Y,
                bar_y=top + BAR_Y,
                bar_height=BAR_HEIGHT,
                width=width,
                track_width=track,
                value_x=(width if share is not None else 0) + 6,
                value_y=top + BAR_Y + BAR_HEIGHT - 3,
                drawn=share is not None and width > 0,
            )
        )
    return BarChart(ident, "horizontal", title, description, WIDTH, max(1, len(items)) * ROW_HEIGHT + 4, bars)


def vertical_chart(ident: str, title: str, description: str, weeks: Sequence[WeekCount], axis_label: str) -> BarChart:
    """Counts as upright bars, one per week; the tallest shown bar fills the height."""
    shown = [int(w.count.value) for w in weeks if not w.count.hidden and w.count.value]
    top_value = max(shown, default=0) or 1
    slot = (WIDTH - 2 * V_SIDE) / max(1, len(weeks))
    bars = []
    for index, week in enumerate(weeks):
        count = None if week.count.hidden or not week.count.value else int(week.count.value)
        height = round((V_BASELINE - V_TOP) * count / top_value, 1) if count else 0
        centre = V_SIDE + slot * index + slot / 2
        bars.append(
            VerticalBar(
                label=_week_short(week.week),
                value_text=week.count.text,
                x=round(centre - slot * 0.35, 1),
                y=V_BASELINE - height,
                width=round(slot * 0.7, 1),
                height=height,
                centre=round(centre, 1),
                value_y=V_BASELINE - height - 6,
                label_y=V_BASELINE + FONT + 4,
                drawn=height > 0,
            )
        )
    return BarChart(ident, "vertical", title, description, WIDTH, V_HEIGHT, bars, V_BASELINE, axis_label, V_HEIGHT - 4)


def _week_short(week: int) -> str:
    if week == LAST_WEEK_BAR:
        return f"{week}+"
    return str(week)


def _said(items: Sequence[tuple[str, Cell]]) -> str:
    return "; ".join(f"{label}: {cell.text}" for label, cell in items) + "."


# --- The report's three charts ------------------------------------------------------------------------


def funnel_chart(steps: Sequence[FunnelStep]) -> BarChart:
    items = [(step.label, step.percent) for step in steps]
    description = _("Share of invited patients who reached each step. ") + _said(items)
    return horizontal_chart("chart-funnel", _("Patients at each step, as a share of those invited"), description, items)


def engagement_chart(modules: Sequence[ModuleEngagement]) -> BarChart:
    items = [(module.title, module.completed_percent) for module in modules]
    description = _("Share of patients who finished each module once it was open to them. ") + _said(items)
    return horizontal_chart("chart-modules", _("Modules finished, as a share of those opened"), description, items)


def dropout_chart(weeks: Sequence[WeekCount]) -> BarChart:
    items = [(week.label, week.count) for week in weeks]
    description = _("Patients who dropped out, by the week of their last activity. ") + _said(items)
    return vertical_chart(
        "chart-dropout", _("Dropouts by week of last activity"), description, weeks, _("Week of last activity")
    )
