"""Geometry of the forest-style chart of Hedges' g in the outcome reports (templates/reports/_outcomes.html).

The axis is fixed (-1 to 2.5), so charts for different cohorts, periods and contact modes can be compared
by eye; an interval reaching past an end is cut there and drawn with an arrow. Each row carries its own
geometry in the SVG's units and the template only places it, one row under the other. Colours are SVG
presentation attributes (not CSS) so that WeasyPrint draws the same chart in the PDF, whose stylesheet
is not the site's.
"""

from dataclasses import dataclass

AXIS_MIN = -1.0
AXIS_MAX = 2.5
TICK_STEP = 0.5
# SVG user units; the SVG scales to its container. At 360 wide the 14-unit text stays about 12 px on a
# 360 px phone, as in the report's other charts (reports/charts.py).
WIDTH = 360
PLOT_LEFT = 12
PLOT_RIGHT = 348
# Each row: the instrument and its value on one line, the interval under it.
ROW_HEIGHT = 48
TEXT_Y = 15
LINE_Y = 33
BAND_Y = 24
BAND_HEIGHT = 18
AXIS_HEIGHT = 30  # tick marks and their labels under the last row
ARROW = 7
# As outcomes/charts.py: Steady's teal for the estimate, NHS greys for the band and the axis.
FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, 'DejaVu Sans', sans-serif"
ESTIMATE_COLOUR = "#00676b"
BAND_FILL = "#d8dde0"
BAND_STROKE = "#768692"
AXIS_COLOUR = "#4c6272"
TEXT_COLOUR = "#212b32"


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class ForestAxis:
    width: int
    row_height: int
    axis_height: int
    text_y: int
    line_y: int
    band_y: int
    band_height: int
    left: int
    right: int
    zero_x: float
    ticks: tuple[Tick, ...]
    font_family: str = FONT_FAMILY
    estimate_colour: str = ESTIMATE_COLOUR
    band_fill: str = BAND_FILL
    band_stroke: str = BAND_STROKE
    axis_colour: str = AXIS_COLOUR
    text_colour: str = TEXT_COLOUR


def x_for(value: float) -> float:
    clamped = min(max(value, AXIS_MIN), AXIS_MAX)
    return round(PLOT_LEFT + (clamped - AXIS_MIN) / (AXIS_MAX - AXIS_MIN) * (PLOT_RIGHT - PLOT_LEFT), 1)


def _tick_label(value: float) -> str:
    return f"{value:g}".replace("-", "\u2212")


def _ticks() -> tuple[Tick, ...]:
    count = round((AXIS_MAX - AXIS_MIN) / TICK_STEP)
    values = [AXIS_MIN + i * TICK_STEP for i in range(count + 1)]
    return tuple(Tick(x_for(v), _tick_label(v)) for v in values)


AXIS = ForestAxis(
    width=WIDTH,
    row_height=ROW_HEIGHT,
    axis_height=AXIS_HEIGHT,
    text_y=TEXT_Y,
    line_y=LINE_Y,
    band_y=BAND_Y,
    band_height=BAND_HEIGHT,
    left=PLOT_LEFT,
    right=PLOT_RIGHT,
    zero_x=x_for(0),
    ticks=_ticks(),
)


@dataclass(frozen=True)
class ForestRow:
    axis: ForestAxis
    label: str
    value_text: str  # the estimate and interval, or why there is none
    shown: bool  # False: nothing to plot (too few patients, or no estimate)
    x: float | None = None
    low_x: float | None = None
    high_x: float | None = None
    # Triangles at the axis ends when the interval runs past them ("x1,y1 x2,y2 x3,y3"), else "".
    low_arrow: str = ""
    high_arrow: str = ""
    band_x: float | None = None
    band_width: float | None = None


def _arrow(x: float, pointing: int) -> str:
    y = LINE_Y
    tip = x + pointing * ARROW
    return f"{tip:g},{y} {x:g},{y - ARROW / 2:g} {x:g},{y + ARROW / 2:g}"


def forest_row(
    *,
    label: str,
    value_text: str,
    estimate: float | None,
    low: float | None,
    high: float | None,
    band: tuple[float, float] | None,
) -> ForestRow:
    band_x = band_width = None
    if band is not None:
        band_x = x_for(band[0])
        band_width = round(x_for(band[1]) - band_x, 1)
    if estimate is None or low is None or high is None:
        return ForestRow(AXIS, label, value_text, False, band_x=band_x, band_width=band_width)
    return ForestRow(
        AXIS,
        label,
        value_text,
        True,
        x=x_for(estimate),
        low_x=x_for(low),
        high_x=x_for(high),
        low_arrow=_arrow(PLOT_LEFT, -1) if low < AXIS_MIN else "",
        high_arrow=_arrow(PLOT_RIGHT, 1) if high > AXIS_MAX else "",
        band_x=band_x,
        band_width=band_width,
    )
