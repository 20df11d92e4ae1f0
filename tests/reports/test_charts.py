"""Charts draw only published figures, in proportion, and write a suppressed one as `c`."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from reports.charts import (
    BAR_FIGURE_ROOM,
    PLOT_HEIGHT,
    PLOT_LEFT,
    PLOT_RIGHT,
    PLOT_TOP,
    WIDTH,
    chart_svg,
)
from reports.disclosure import NOT_APPLICABLE, Figure, count_figure
from reports.selectors import Row, Table

SVG = "{http://www.w3.org/2000/svg}"


def shown(n: int) -> Figure:
    return count_figure(n, hidden=False)


SUPPRESSED = count_figure(3, hidden=True)


def row(key: str, current: Figure, previous: Figure, label: str | None = None) -> Row:
    return Row(key, label or key, current, previous, Figure(NOT_APPLICABLE))


def parse(table: Table, width: int = WIDTH) -> ET.Element:
    svg = chart_svg(table, current="2026", previous="2025", width=width)
    return ET.fromstring(str(svg))  # noqa: S314


def child(svg: ET.Element, tag: str) -> ET.Element:
    found = svg.find(f"{SVG}{tag}")
    assert found is not None, tag
    return found


def attr(element: ET.Element, name: str) -> str:
    value = element.get(name)
    assert value is not None, name
    return value


def drawn(svg: ET.Element, kind: str) -> dict[tuple[str, str], ET.Element]:
    return {
        (el.get("data-key", ""), el.get("data-series", "")): el
        for el in svg.iter(f"{SVG}{kind}")
        if el.get("data-key")
    }


def written(svg: ET.Element) -> dict[tuple[str, str], str]:
    return {
        (el.get("data-key", ""), el.get("data-series", "")): el.text or ""
        for el in svg.iter(f"{SVG}text")
        if el.get("class") == "app-chart__figure"
    }


def test_a_bar_chart_is_an_image_with_a_title_and_a_description() -> None:
    svg = parse(Table("sex", "Concerns raised by sex", [row("female", shown(10), shown(8))]))
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "chart-sex-title chart-sex-desc"
    assert child(svg, "title").text == "Concerns raised by sex"
    assert child(svg, "title").get("id") == "chart-sex-title"
    assert "suppressed" in (child(svg, "desc").text or "")
    assert child(svg, "desc").get("id") == "chart-sex-desc"


@pytest.mark.parametrize("width", [WIDTH, 460])
def test_bars_are_in_proportion_to_their_figures_at_any_width(width: int) -> None:
    table = Table(
        "t", "T", [row("a", shown(40), shown(20)), row("b", shown(10), shown(0))], chart="bar"
    )
    svg = parse(table, width)
    assert (svg.get("width"), svg.get("viewBox")) == (
        str(width),
        f"0 0 {width} {svg.get('height')}",
    )
    bars = drawn(svg, "rect")
    room = width - BAR_FIGURE_ROOM
    # 40 is the largest; the scale runs to 50 (a round number), and every bar is measured on it.
    widths = {key: float(attr(bar, "width")) for key, bar in bars.items()}
    assert widths == pytest.approx(
        {
            ("a", "current"): room * 40 / 50,
            ("a", "previous"): room * 20 / 50,
            ("b", "current"): room * 10 / 50,
        },
        abs=0.01,
    )
    assert ("b", "previous") not in bars  # a true zero has no bar, and is written as 0
    assert written(parse(table))[("b", "previous")] == "0"


def test_the_two_periods_differ_by_pattern_not_only_by_colour() -> None:
    bars = drawn(parse(Table("t", "T", [row("a", shown(40), shown(20))])), "rect")
    assert attr(bars["a", "current"], "fill").startswith("#")
    assert bars["a", "previous"].get("fill") == "url(#chart-t-hatch)"


def test_a_suppressed_figure_is_never_drawn_only_written_as_c() -> None:
    table = Table("t", "T", [row("a", SUPPRESSED, shown(12)), row("b", shown(30), SUPPRESSED)])
    svg = parse(table)
    bars = drawn(svg, "rect")
    assert set(bars) == {("a", "previous"), ("b", "current")}
    assert written(svg)[("a", "current")] == "c"
    assert written(svg)[("b", "previous")] == "c"


def test_a_line_chart_places_points_by_value_and_leaves_a_gap_for_c() -> None:
    months = [("2026-04", shown(10)), ("2026-05", SUPPRESSED), ("2026-06", shown(20))]
    table = Table(
        "raised_by_month",
        "Concerns raised by month",
        [row(key, figure, shown(6), label=f"Month {key}") for key, figure in months],
        chart="line",
    )
    svg = parse(table)
    points = drawn(svg, "circle")
    bottom = PLOT_TOP + PLOT_HEIGHT
    assert set(points) == {("2026-04", "current"), ("2026-06", "current")}
    # The scale runs to 20: 10 is halfway up, 20 at the top.
    assert float(attr(points["2026-04", "current"], "cy")) == pytest.approx(
        bottom - PLOT_HEIGHT / 2
    )
    assert float(attr(points["2026-06", "current"], "cy")) == pytest.approx(PLOT_TOP)
    assert written(svg) == {("2026-05", "current"): "c"}
    (current_line,) = [p for p in svg.iter(f"{SVG}path") if p.get("data-series") == "current"]
    assert attr(current_line, "d").count("M") == 2  # the line breaks at the suppressed month
    assert len(drawn(svg, "rect")) == 3  # the previous period's points: every one shown


def test_labels_and_titles_are_escaped() -> None:
    nasty = '<script>alert("x")</script> & "quotes"'
    table = Table('t"><x', nasty, [row("a", shown(10), shown(8), label=nasty)])
    markup = str(chart_svg(table, current=nasty, previous="Before"))
    assert "<script>" not in markup
    svg = ET.fromstring(markup)  # noqa: S314 - still well-formed
    assert child(svg, "title").text == nasty
    assert nasty in list(svg.itertext())


def test_a_table_drawn_as_no_chart_gives_nothing() -> None:
    assert str(chart_svg(Table("summary", "Summary", [], chart=""))) == ""


@pytest.mark.parametrize("width", [WIDTH, 460])
def test_a_line_chart_spreads_its_months_across_the_width_it_is_drawn_at(width: int) -> None:
    months = ["2026-04", "2026-05", "2026-06"]
    table = Table(
        "raised_by_month",
        "Concerns raised by month",
        [row(key, shown(10), shown(6), label=f"Month {key}") for key in months],
        chart="line",
    )
    points = drawn(parse(table, width), "circle")
    xs = [float(attr(points[key, "current"], "cx")) for key in months]
    assert xs == pytest.approx(
        [PLOT_LEFT, (PLOT_LEFT + width - PLOT_RIGHT) / 2, width - PLOT_RIGHT]
    )
