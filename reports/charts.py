"""Charts of a report's tables, drawn on the server as SVG: no script, nothing to load.

A chart draws only what its table publishes: a figure's `value`, which a suppressed figure
does not have, so a `c` can never be drawn as a length or a height; it is written as `c` where
its bar or point would be. The two periods differ by more than colour: the current period is
solid (bars) or a solid line with round points, the previous one hatched or a dashed line with
square points, and the legend says which is which. Each chart is an image with a title and a
description; the table beside it gives the same figures to anyone who cannot see it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe

from .disclosure import Figure
from .selectors import Row, Table

WIDTH = 640  # a downloaded chart's, and the PDF's
FONT = 16
SMALL = 14
# The fallback GOV.UK Frontend names after its own typeface, as the pages use.
FONT_FAMILY = "arial, sans-serif"
# GOV.UK blue and dark grey: each at least 4.5:1 against white, and against each other told
# apart by their pattern, not by colour.
CURRENT_COLOUR = "#1d70b8"
PREVIOUS_COLOUR = "#505a5f"
TEXT_COLOUR = "#0b0c0c"
GRID_COLOUR = "#b1b4b6"
LEGEND_LINE = 24
# A downloaded chart's heading: its title in bold, then the area and the period.
HEADING_LINE = 26
HEADING_GAP = 14
HEADING_STYLE: tuple[dict[str, object], ...] = (
    {"font_size": 20, "font_weight": "bold"},
    {"font_size": FONT},
)
LEGEND_HEIGHT = 2 * LEGEND_LINE + 12

# Bars: each row's label on a line of its own (labels are long), then its two bars.
BAR_HEIGHT = 16
BAR_ROW = 24 + 2 * (BAR_HEIGHT + 4) + 8
BAR_FIGURE_ROOM = 90  # after the longest bar, for its figure

# Line: a plot area with the months below it and the scale to its left.
PLOT_LEFT, PLOT_TOP, PLOT_RIGHT, PLOT_HEIGHT = 56, LEGEND_HEIGHT + 10, 20, 220
MONTH_LABEL = re.compile(r"^([A-Z][a-z]+) (\d{4})$")
MOST_MONTH_LABELS = 12


@dataclass(frozen=True)
class _Series:
    name: str  # current or previous
    label: str


def _attrs(attrs: dict[str, object]) -> str:
    return "".join(
        f' {name.rstrip("_").replace("_", "-")}="{escape(str(value))}"'
        for name, value in attrs.items()
    )


def _el(tag: str, text: str | None = None, /, **attrs: object) -> str:
    """One SVG element; attribute values and text are escaped (the standard library's escape:
    Django's, lazy-aware, took half the time of drawing a chart)."""
    if text is None:
        return f"<{tag}{_attrs(attrs)}/>"
    return f"<{tag}{_attrs(attrs)}>{escape(text)}</{tag}>"


def _drawn(figure: Figure) -> float | None:
    """The value to draw, or None for a figure that is written, not drawn (c, z, :)."""
    return None if figure.suppressed or figure.value is None else float(figure.value)


def _scale_top(values: Sequence[float | None]) -> float:
    """A round number at or above the largest value (1, 2 or 5 times a power of ten)."""
    largest = max((v for v in values if v is not None), default=0.0)
    if largest <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(largest))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= largest)


def _svg(
    table: Table,
    height: int,
    kind: str,
    body: list[str],
    series: list[_Series],
    heading: Sequence[str] = (),
    width: int = WIDTH,
) -> str:
    """The chart's frame. `heading` lines (a download's title, area and period) are written
    above the chart, which moves down to make room, and make its title."""
    slug = table.slug
    hatch = f"chart-{slug}-hatch"
    description = (
        f"{kind} of {table.title.lower()}: {series[0].label} solid, {series[1].label} "
        f"{'dashed' if kind == 'Line chart' else 'hatched'}. Figures shown as c are suppressed "
        "and not drawn. The table with this chart gives every figure."
    )
    # "Concerns raised by sex: Leeds, April 2026 to March 2027"
    title = f"{heading[0]}: {', '.join(heading[1:])}" if len(heading) > 1 else table.title
    top = len(heading) * HEADING_LINE + HEADING_GAP if heading else 0
    height += top
    lines = [
        _el("text", line, x=0, y=(i + 1) * HEADING_LINE - 6, **HEADING_STYLE[min(i, 1)])
        for i, line in enumerate(heading)
    ]
    return "".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" class="app-chart__svg"'
            f"{_attrs({'viewBox': f'0 0 {width} {height}', 'width': width, 'height': height})}"
            f' role="img" aria-labelledby="chart-{escape(slug)}-title chart-{escape(slug)}-desc"'
            f' font-size="{FONT}" font-family="{FONT_FAMILY}" fill="{TEXT_COLOUR}">',
            _el("title", title, id=f"chart-{slug}-title"),
            _el("desc", description, id=f"chart-{slug}-desc"),
            f"<defs>{_hatch_pattern(hatch)}</defs>",
            *lines,
            f'<g transform="translate(0 {top})">' if top else "",
            *_legend(series, hatch, line=kind == "Line chart"),
            *body,
            "</g>" if top else "",
            "</svg>",
        ]
    )


def _hatch_pattern(pattern_id: str) -> str:
    return (
        f'<pattern{_attrs({"id": pattern_id})} patternUnits="userSpaceOnUse" width="6" '
        f'height="6" patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="#ffffff"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{PREVIOUS_COLOUR}" stroke-width="4"/>'
        "</pattern>"
    )


def _legend(series: list[_Series], hatch: str, *, line: bool) -> list[str]:
    """One line a period: a custom period's dates are too long to share one."""
    parts = []
    for i, one in enumerate(series):
        y = i * LEGEND_LINE
        if line:
            parts.append(_line_sample(one.name, 2, y + 12))
        else:
            parts.append(_bar(0, y + 4, 30, one.name, hatch))
        parts.append(_el("text", one.label, x=40, y=y + 18))
    return parts


def _line_sample(name: str, x: float, y: float) -> str:
    stroke = _stroke(name)
    return _el("line", x1=x, y1=y, x2=x + 26, y2=y, **stroke) + _marker(name, x + 13, y)


def _stroke(name: str) -> dict[str, object]:
    if name == "current":
        return {"stroke": CURRENT_COLOUR, "stroke_width": 3, "fill": "none"}
    return {
        "stroke": PREVIOUS_COLOUR,
        "stroke_width": 3,
        "stroke_dasharray": "7 4",
        "fill": "none",
    }


def _marker(name: str, x: float, y: float, key: str = "") -> str:
    data = {"class_": "app-chart__point", "data_series": name, "data_key": key} if key else {}
    if name == "current":
        return _el("circle", cx=f"{x:g}", cy=f"{y:g}", r=5, fill=CURRENT_COLOUR, **data)
    return _el(
        "rect",
        x=f"{x - 4.5:g}",
        y=f"{y - 4.5:g}",
        width=9,
        height=9,
        fill="#ffffff",
        stroke=PREVIOUS_COLOUR,
        stroke_width=2,
        **data,
    )


def _bar(x: float, y: float, length: float, name: str, hatch: str, key: str = "") -> str:
    fill = CURRENT_COLOUR if name == "current" else f"url(#{hatch})"
    data = {"class_": "app-chart__bar", "data_series": name, "data_key": key} if key else {}
    return _el(
        "rect",
        x=f"{x:g}",
        y=f"{y:g}",
        width=f"{length:.2f}",
        height=BAR_HEIGHT,
        fill=fill,
        stroke=CURRENT_COLOUR if name == "current" else PREVIOUS_COLOUR,
        **data,
    )


def _figure(row: Row, one: _Series) -> Figure:
    return row.current if one.name == "current" else row.previous


def _figures(row: Row, series: list[_Series]) -> list[tuple[_Series, Figure]]:
    return [(one, _figure(row, one)) for one in series]


def bar_chart(
    table: Table, series: list[_Series], heading: Sequence[str] = (), width: int = WIDTH
) -> str:
    """Two bars a row (this period's, the previous one's), each as long as its figure."""
    room = width - BAR_FIGURE_ROOM
    hatch = f"chart-{table.slug}-hatch"
    top = _scale_top([_drawn(f) for row in table.rows for _, f in _figures(row, series)])
    body = []
    for i, row in enumerate(table.rows):
        y = LEGEND_HEIGHT + i * BAR_ROW
        body.append(_el("text", row.label, x=0, y=y + 16, font_weight="bold"))
        for j, (one, figure) in enumerate(_figures(row, series)):
            bar_y = y + 24 + j * (BAR_HEIGHT + 4)
            value = _drawn(figure)
            length = room * value / top if value else 0.0
            if length:
                body.append(_bar(0, bar_y, length, one.name, hatch, key=row.key))
            body.append(
                _el(
                    "text",
                    figure.text,
                    x=f"{length + 6:.2f}",
                    y=bar_y + BAR_HEIGHT - 2,
                    font_size=SMALL,
                    class_="app-chart__figure",
                    data_series=one.name,
                    data_key=row.key,
                )
            )
        body.append(_el("line", x1=0, y1=y + 22, x2=0, y2=y + BAR_ROW - 6, stroke=TEXT_COLOUR))
    height = LEGEND_HEIGHT + max(len(table.rows), 1) * BAR_ROW
    return _svg(table, height, "Bar chart", body, series, heading, width)


def _month(label: str, first: bool) -> tuple[str, str]:
    """ "April 2026" as "Apr" over "2026", the year only under the first month and each
    January; any other label as it is."""
    found = MONTH_LABEL.match(label)
    if not found:
        return label, ""
    month, year = found.groups()
    return month[:3], year if first or month == "January" else ""


def line_chart(
    table: Table, series: list[_Series], heading: Sequence[str] = (), width: int = WIDTH
) -> str:
    """A point a month for each period, joined where both neighbours are drawn; a `c` is
    written at the foot of the plot instead of a point, leaving a gap in the line."""
    rows = table.rows
    plot_width = width - PLOT_LEFT - PLOT_RIGHT
    top = _scale_top([_drawn(f) for row in rows for _, f in _figures(row, series)])
    bottom = PLOT_TOP + PLOT_HEIGHT
    step = plot_width / max(len(rows) - 1, 1)
    body = []
    for tick in (0.0, top / 2, top):
        y = bottom - PLOT_HEIGHT * tick / top
        body.append(
            _el(
                "line",
                x1=PLOT_LEFT,
                y1=f"{y:g}",
                x2=PLOT_LEFT + plot_width,
                y2=f"{y:g}",
                stroke=GRID_COLOUR,
            )
        )
        body.append(
            _el(
                "text",
                f"{tick:,g}",
                x=PLOT_LEFT - 8,
                y=f"{y + 4:g}",
                text_anchor="end",
                font_size=SMALL,
            )
        )
    every = math.ceil(len(rows) / MOST_MONTH_LABELS)
    for i, row in enumerate(rows):
        if i % every == 0:
            for line, text in enumerate(_month(row.label, first=i == 0)):
                body.append(
                    _el(
                        "text",
                        text,
                        x=f"{PLOT_LEFT + i * step:g}",
                        y=bottom + 20 + line * 18,
                        text_anchor="middle",
                        font_size=SMALL,
                    )
                )
    for offset, one in enumerate(series):
        path, pen_down, points = [], False, []
        for i, row in enumerate(rows):
            figure = _figure(row, one)
            x, value = PLOT_LEFT + i * step, _drawn(figure)
            if value is None:
                pen_down = False
                # Written, not drawn: each period's marks at its own height, so both can show.
                body.append(
                    _el(
                        "text",
                        figure.text,
                        x=f"{x:g}",
                        y=bottom - 8 - offset * 16,
                        text_anchor="middle",
                        font_weight="bold",
                        font_size=SMALL,
                        fill=CURRENT_COLOUR if one.name == "current" else PREVIOUS_COLOUR,
                        class_="app-chart__figure",
                        data_series=one.name,
                        data_key=row.key,
                    )
                )
                continue
            y = bottom - PLOT_HEIGHT * value / top
            path.append(f"{'L' if pen_down else 'M'}{x:g} {y:.2f}")
            pen_down = True
            points.append(_marker(one.name, x, y, key=row.key))
        if path:
            body.append(_el("path", d=" ".join(path), data_series=one.name, **_stroke(one.name)))
        body.extend(points)
    height = bottom + 50
    return _svg(table, height, "Line chart", body, series, heading, width)


def chart_svg(
    table: Table,
    *,
    current: str = "This period",
    previous: str = "Previous period",
    heading: Sequence[str] = (),
    width: int = WIDTH,
) -> SafeString:
    """The table's chart as inline SVG (empty for a table drawn as no chart). `current` and
    `previous` name the two periods in the legend; `heading` lines are written above it (a
    chart downloaded on its own says what it shows, where and when). `width` is the drawing's
    in user units: a page drawing two charts a row draws them narrower, so that their words
    keep their size when the chart fits its column."""
    series = [_Series("current", current), _Series("previous", previous)]
    if table.chart == "bar":
        svg = bar_chart(table, series, heading, width)
    elif table.chart == "line":
        svg = line_chart(table, series, heading, width)
    else:
        svg = ""
    return mark_safe(svg)  # noqa: S308 - every text and attribute value above is escaped
