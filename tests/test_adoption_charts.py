"""The dashboard's SVG charts (lms/adoption/charts.py): structure, gaps, scales, escaping, accessibility."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from markupsafe import Markup

from lms.adoption.charts import SERIES_STYLES, Series, bar_chart, line_chart
from tests.conftest import shared_path

SVG = "{http://www.w3.org/2000/svg}"
WEEKS = ["3/3", "3/10", "3/17", "3/24", "3/31"]
ACTIVE = Series("Active", [0.2, 0.35, 0.4, 0.42, 0.5], "active")
HABITUAL = Series("Habitual", [0.1, 0.15, None, 0.25, 0.3], "habitual")


def parse(markup: Markup) -> ET.Element:
    return ET.fromstring(str(markup))


def find(root: ET.Element, tag: str, css: str = "") -> list[ET.Element]:
    return [el for el in root.iter(SVG + tag) if css in el.get("class", "").split() or not css]


def texts(root: ET.Element, css: str) -> list[str]:
    return [el.text or "" for el in find(root, "text", css)]


def payloads(count: int = 40) -> list[str]:
    """Lines from the public payload list that carry markup or an event handler."""
    text = shared_path("xss", "payloadbox", "xss-payload-list.txt").read_text(encoding="utf-8")
    lines = [line for line in text.split("\n") if "<" in line or "on" in line.lower()]
    assert len(lines) >= count
    return lines[:count]


def assert_inert(markup: Markup) -> None:
    assert "<script" not in str(markup).lower()
    for el in parse(markup).iter():
        assert el.tag.removeprefix(SVG) not in {"script", "foreignObject", "a", "use", "image", "style"}, el.tag
        for name in el.attrib:
            assert name != "style" and not name.lower().startswith("on"), (el.tag, name)


# --- line chart -------------------------------------------------------------------------------


def test_line_chart_is_a_responsive_labelled_svg() -> None:
    root = parse(line_chart(WEEKS, [ACTIVE], title="Weekly use", empty_text="No data"))
    assert root.tag == SVG + "svg"
    assert root.get("width") == "100%" and root.get("viewBox", "").startswith("0 0 ")
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby", "").split()
    assert root.find(f"{SVG}title[@id='{title_id}']").text == "Weekly use"
    assert root.find(f"{SVG}desc[@id='{desc_id}']") is not None
    again = parse(line_chart(WEEKS, [ACTIVE], title="Weekly use", empty_text="No data"))
    assert again.get("aria-labelledby") != root.get("aria-labelledby")  # two charts on one page


def test_one_point_per_present_value_each_with_a_tooltip() -> None:
    root = parse(line_chart(WEEKS, [ACTIVE, HABITUAL], title="t", empty_text="-"))
    points = find(root, "circle", "chart-point")
    assert len(points) == 5 + 4
    tooltips = [point.find(SVG + "title").text for point in points]
    assert "3/24: Active 42%" in tooltips
    assert not any(tip.startswith("3/17: Habitual") for tip in tooltips)


def test_a_missing_value_breaks_the_line_into_two_polylines() -> None:
    root = parse(line_chart(WEEKS, [HABITUAL], title="t", empty_text="-"))
    lines = find(root, "polyline", "chart-line")
    assert [len(line.get("points").split()) for line in lines] == [2, 2]


def test_a_lone_value_between_gaps_is_a_point_without_a_line() -> None:
    lone = Series("Lone", [None, 0.3, None, 0.4, 0.5], "lone")
    root = parse(line_chart(WEEKS, [lone], title="t", empty_text="-"))
    assert len(find(root, "polyline")) == 1
    assert len(find(root, "circle", "chart-point")) == 3


def test_percent_gridlines_are_labelled_in_quarters() -> None:
    root = parse(line_chart(WEEKS, [ACTIVE], title="t", empty_text="-"))
    assert texts(root, "chart-tick") == ["0%", "25%", "50%", "75%", "100%"]
    assert len(find(root, "line", "chart-grid")) == 5


def test_plain_gridlines_split_y_max_into_four_with_thousands_separators() -> None:
    counts = Series("Sessions", [1200, 1500, 900, 1800, 2000], "sessions")
    root = parse(line_chart(WEEKS, [counts], title="t", empty_text="-", y_max=2000, percent=False))
    assert texts(root, "chart-tick") == ["0", "500", "1,000", "1,500", "2,000"]
    assert root.find(SVG + "desc").text == "Sessions: 2,000 (3/31)"


def test_higher_values_are_drawn_higher_and_stay_inside_the_plot() -> None:
    spike = Series("Spike", [0.0, 0.5, 1.0, 3.0, -1.0], "spike")
    root = parse(line_chart(WEEKS, [spike], title="t", empty_text="-"))
    ys = [float(point.get("cy")) for point in find(root, "circle", "chart-point")]
    grid = sorted(float(line.get("y1")) for line in find(root, "line", "chart-grid"))
    assert ys[0] > ys[1] > ys[2]
    assert ys[3] == grid[0] and ys[4] == grid[-1]  # clamped to 100% and 0%


@pytest.mark.parametrize("count, shown", [(5, 5), (8, 8), (9, 5), (52, 8)])
def test_x_labels_are_thinned_to_at_most_eight_and_keep_the_latest(count: int, shown: int) -> None:
    labels = [f"W{i}" for i in range(1, count + 1)]
    values = Series("Active", [0.5] * count, "active")
    x_labels = texts(parse(line_chart(labels, [values], title="t", empty_text="-")), "chart-x")
    assert len(x_labels) == shown
    assert x_labels[-1] == labels[-1]


def test_description_names_the_latest_value_of_each_series() -> None:
    trailing_gap = Series("Habitual", [0.1, 0.2, 0.3, None, None], "habitual")
    desc = parse(line_chart(WEEKS, [ACTIVE, trailing_gap], title="t", empty_text="-")).find(SVG + "desc").text
    assert "Active: 50% (3/31)" in desc
    assert "Habitual: 30% (3/17)" in desc


def test_percentages_round_half_up_to_whole_numbers() -> None:
    root = parse(line_chart(["a", "b"], [Series("S", [0.285, 0.004], "s")], title="t", empty_text="-"))
    tooltips = [point.find(SVG + "title").text for point in find(root, "circle", "chart-point")]
    assert tooltips == ["a: S 29%", "b: S 0%"]


def test_series_differ_by_dash_pattern_as_well_as_colour() -> None:
    series = [Series(f"S{i}", [0.1, 0.2], f"s{i}") for i in range(len(SERIES_STYLES))]
    lines = find(parse(line_chart(["a", "b"], series, title="t", empty_text="-")), "polyline")
    assert len({line.get("stroke") for line in lines}) == len(SERIES_STYLES)
    assert len({line.get("stroke-dasharray") for line in lines}) == len(SERIES_STYLES)


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def test_every_series_colour_reads_against_white() -> None:
    for colour, _ in SERIES_STYLES:
        assert 1.05 / (_luminance(colour) + 0.05) >= 4.5, colour


def test_legend_lists_every_series_under_the_plot() -> None:
    root = parse(line_chart(WEEKS, [ACTIVE, HABITUAL], title="t", empty_text="-"))
    legend = root.find(f"{SVG}g[@class='chart-legend']")
    assert [el.text for el in legend.iter(SVG + "text")] == ["Active", "Habitual"]
    plot_bottom = max(float(el.get("y")) for el in find(root, "text", "chart-x"))
    assert min(float(el.get("y")) for el in legend.iter(SVG + "text")) > plot_bottom


@pytest.mark.parametrize(
    "bad",
    [Series("S", [0.1], 'x" onload="alert(1)'), Series("S", [0.1], "a b"), Series("S", [0.1], ""),
     Series("S", [0.1, 0.2], "s")],  # a plain class name, and one value per label
)  # fmt: skip
def test_bad_series_are_refused(bad: Series) -> None:
    with pytest.raises(ValueError):
        line_chart(["a"], [bad], title="t", empty_text="-")


# --- bar chart --------------------------------------------------------------------------------


def bars(root: ET.Element) -> list[ET.Element]:
    return find(root, "rect", "chart-bar")


def test_bar_widths_are_proportional_to_values_and_to_max_value_when_given() -> None:
    chart = bar_chart([("a", 10), ("b", 20), ("c", 40), ("d", 0)], title="t", empty_text="-")
    widths = [float(bar.get("width")) for bar in bars(parse(chart))]
    assert widths[1] == pytest.approx(2 * widths[0], abs=0.1) and widths[3] == 0
    assert widths[2] == pytest.approx(4 * widths[0], abs=0.1)
    half = float(bars(parse(bar_chart([("c", 40)], title="t", empty_text="-", max_value=80)))[0].get("width"))
    assert half == pytest.approx(widths[2] / 2, abs=0.1)


def test_suppressed_figure_shows_a_dash_and_no_bar() -> None:
    root = parse(bar_chart([("Sales", 12), ("Legal", None), ("IT", 30)], title="t", empty_text="-"))
    assert len(bars(root)) == 2
    assert texts(root, "chart-suppressed") == ["—"]
    assert len(find(root, "g", "chart-row")) == 3
    assert "Legal: —" in root.find(SVG + "desc").text
    nothing = parse(bar_chart([("a", None), ("b", None)], title="t", empty_text="-"))  # no division by zero
    assert bars(nothing) == [] and texts(nothing, "chart-suppressed") == ["—", "—"]


def test_values_sit_at_the_bar_end_with_separator_and_unit() -> None:
    root = parse(bar_chart([("Sales", 12345), ("IT", 2.25)], title="t", empty_text="-", unit="人"))
    assert texts(root, "chart-value") == ["12,345人", "2.3人"]
    bar, value = bars(root)[0], find(root, "text", "chart-value")[0]
    assert float(value.get("x")) > float(bar.get("x")) + float(bar.get("width"))


def test_long_labels_are_shortened_but_kept_whole_in_the_tooltip() -> None:
    label = "経営企画本部デジタル変革推進室"
    root = parse(bar_chart([(label, 5)], title="t", empty_text="-"))
    assert texts(root, "chart-label") == [label[:11] + "…"]
    assert root.find(f"{SVG}g/{SVG}title").text == f"{label}: 5"


# --- empty input, escaping, hygiene -----------------------------------------------------------


@pytest.mark.parametrize(
    "draw",
    [lambda text: line_chart([], [ACTIVE], title="t", empty_text=text),
     lambda text: line_chart(WEEKS, [], title="t", empty_text=text),
     lambda text: bar_chart([], title="t", empty_text=text)],
)  # fmt: skip
def test_empty_input_gives_the_callers_empty_paragraph(draw) -> None:
    assert draw("No data <yet>") == Markup('<p class="chart-empty">No data &lt;yet&gt;</p>')


@pytest.mark.parametrize("draw", [bar_chart, lambda items, **kw: line_chart(items, [], **kw)])
def test_empty_text_has_no_default(draw) -> None:
    with pytest.raises(TypeError):
        draw([], title="t")


def test_corpus_payloads_come_back_as_text_never_as_markup() -> None:
    for payload in payloads():
        line = line_chart(["a", payload], [Series(payload, [0.1, 0.2], "s")], title=payload, empty_text="-")
        bar = bar_chart([(payload, 1), ("b", None)], title=payload, unit=payload, empty_text="-")
        for markup in (line, bar):
            assert_inert(markup)
            assert parse(markup).find(SVG + "title").text == payload
        assert payload in texts(parse(line), "chart-x")


@pytest.mark.parametrize("payload", ["<script>alert(1)</script>", '"><svg onload=alert(1)>', "' onmouseover='x"])
def test_named_payloads_appear_only_escaped(payload: str) -> None:
    out = line_chart([payload], [Series(payload, [0.5], "s")], title=payload, empty_text="-")
    out += bar_chart([(payload, 3)], title=payload, empty_text="-") + bar_chart([], title="t", empty_text=payload)
    assert payload not in str(out)
    assert str(Markup.escape(payload)) in out


def test_no_inline_style_script_or_handlers_in_any_output() -> None:
    outputs = [
        line_chart(WEEKS, [ACTIVE, HABITUAL], title="t", empty_text="-"),
        line_chart(WEEKS, [ACTIVE], title="t", empty_text="-", y_max=500, percent=False),
        bar_chart([("a", 1), ("b", None)], title="t", empty_text="-", unit="%"),
    ]
    for markup in outputs:
        assert "style=" not in str(markup)
        assert re.search(r"\son\w+\s*=", str(markup)) is None
        assert_inert(markup)
