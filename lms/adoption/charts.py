"""Server-side SVG charts for the executive dashboard: plain functions, no Flask, no JavaScript.

Each chart is one <svg> that scales with its container (viewBox, width="100%") and carries
its own colours as presentation attributes, so it reads on a phone and prints without any
stylesheet; the `chart-*` classes are hooks for CSS to refine it. Every string from the
caller is escaped, and the caller supplies every UI word (titles, names, `empty_text`).
"""
from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Callable, Sequence

from markupsafe import Markup, escape

WIDTH = 400  # viewBox units; narrow so 12-unit text stays legible when scaled down to a phone
FONT = "system-ui, sans-serif"
TEXT = "#374151"
MUTED = "#6b7280"  # 4.8:1 on white
GRID = "#d1d5db"
BAR = "#1f5fa8"
# (stroke, dash): each colour has at least 4.5:1 contrast on white, and the dash differs as
# well, so series stay apart in greyscale print and for colour-blind readers.
SERIES_STYLES = (
    ("#1f5fa8", ""),
    ("#c2410c", "6 4"),
    ("#15803d", "2 3"),
    ("#6d28d9", "10 3 2 3"),
    ("#374151", "1 4"),
)
MAX_X_LABELS = 8
LEGEND_ROW = 20
BAR_ROW = 28
BAR_LABEL_CHARS = 12  # longer labels are cut with "…"; the row's tooltip keeps the full text
SUPPRESSED = "—"

Format = Callable[[float], str]
Scale = Callable[[float], float]

_CSS_SUFFIX = re.compile(r"[a-z0-9][a-z0-9_-]*\Z")
# Characters XML 1.0 forbids; one would make the whole SVG unparseable.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class Series:
    """One line: its name for the legend, one value per label (None for a gap), a CSS class suffix."""

    name: str
    values: Sequence[float | None]
    css: str


def line_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    empty_text: str,
    y_max: float = 1.0,
    percent: bool = True,
    height: int = 180,
) -> Markup:
    """An SVG line chart over `labels`, legend underneath; `height` is the plot's, without legend.

    :raise ValueError: when a series' length differs from the labels', `y_max` is not positive
        or a css suffix is not a plain class name.
    """
    if not labels or not series:
        return _empty(empty_text)
    if not (math.isfinite(y_max) and y_max > 0):
        raise ValueError(f"y_max must be a positive number, not {y_max!r}")
    for line in series:
        if len(line.values) != len(labels):
            raise ValueError(f"series {line.name!r} has {len(line.values)} values for {len(labels)} labels")
        _check_css(line.css)
    fmt = _percent if percent else _number
    left, right, top, bottom = 48.0, WIDTH - 20.0, 12.0, height - 30.0

    def x_at(index: int) -> float:
        if len(labels) == 1:
            return (left + right) / 2
        return left + index * (right - left) / (len(labels) - 1)

    def y_at(value: float) -> float:
        return bottom - min(max(value, 0.0), y_max) / y_max * (bottom - top)

    parts = [_grid(y_max, fmt, y_at, left, right)]
    parts.append(_x_labels(labels, x_at, bottom + 18))
    for index, line in enumerate(series):
        parts.append(_line(line, index, labels, x_at, y_at, fmt))
    parts.append(_legend(series, height + 4))
    summary = "; ".join(_latest(line, labels, fmt) for line in series)
    total_height = height + LEGEND_ROW * len(series) + 8
    return _svg("chart-line", title, summary, total_height, parts)


def bar_chart(
    items: Sequence[tuple[str, float | None]],
    *,
    title: str,
    empty_text: str,
    unit: str = "",
    max_value: float | None = None,
) -> Markup:
    """Horizontal bars, one fixed-height row per item; None (a suppressed figure) shows "—" and no bar.

    Bars are scaled to `max_value`, or to the largest value when it is None.
    """
    if not items:
        return _empty(empty_text)
    values = [_finite(value) for _, value in items]
    scale = max_value if max_value is not None else max((v for v in values if v is not None), default=0.0)
    if not (math.isfinite(scale) and scale > 0):
        scale = 1.0  # all zero or all suppressed: empty rows rather than a division by zero
    label_right, bar_left, bar_right = 150.0, 158.0, WIDTH - 64.0
    rows = []
    for row, ((label, _), value) in enumerate(zip(items, values, strict=True)):
        y = 4 + row * BAR_ROW
        text_y = y + BAR_ROW / 2 + 4
        shown = SUPPRESSED if value is None else _number(value) + _clean(unit)
        cells = [
            Markup('<title>{}: {}</title>').format(_clean(label), shown),
            Markup('<text class="chart-label" x="{}" y="{}" text-anchor="end" fill="{}">{}</text>').format(
                _n(label_right), _n(text_y), TEXT, _truncate(_clean(label))
            ),
        ]
        if value is None:
            cells.append(
                Markup('<text class="chart-value chart-suppressed" x="{}" y="{}" fill="{}">{}</text>').format(
                    _n(bar_left + 6), _n(text_y), MUTED, SUPPRESSED
                )
            )
        else:
            width = min(max(value / scale, 0.0), 1.0) * (bar_right - bar_left)
            cells.append(
                Markup('<rect class="chart-bar" x="{}" y="{}" width="{}" height="{}" fill="{}"/>').format(
                    _n(bar_left), _n(y + 6), _n(width), _n(BAR_ROW - 12), BAR
                )
            )
            cells.append(
                Markup('<text class="chart-value" x="{}" y="{}" fill="{}">{}</text>').format(
                    _n(bar_left + width + 6), _n(text_y), TEXT, shown
                )
            )
        rows.append(Markup('<g class="chart-row">{}</g>').format(Markup("").join(cells)))
    total_height = BAR_ROW * len(items) + 8
    axis = Markup('<line class="chart-axis" x1="{0}" x2="{0}" y1="4" y2="{1}" stroke="{2}"/>').format(
        _n(bar_left), _n(total_height - 4), MUTED
    )
    summary = "; ".join(
        f"{_clean(label)}: {SUPPRESSED if value is None else _number(value) + _clean(unit)}"
        for (label, _), value in zip(items, values, strict=True)
    )
    return _svg("chart-bar", title, summary, total_height, [axis, *rows])


# --- pieces ----------------------------------------------------------------------------------


def _svg(kind: str, title: str, summary: str, height: float, parts: Sequence[Markup]) -> Markup:
    # Random ids: a dashboard shows several charts, and aria-labelledby needs ids unique on the page.
    prefix = f"chart-{uuid.uuid4().hex[:12]}"
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart {kind}" viewBox="0 0 {width} {height}"'
        ' width="100%" role="img" aria-labelledby="{prefix}-title {prefix}-desc"'
        ' font-family="{font}" font-size="12">'
        '<title id="{prefix}-title">{title}</title><desc id="{prefix}-desc">{summary}</desc>{body}</svg>'
    ).format(
        kind=kind,
        width=WIDTH,
        height=_n(height),
        prefix=prefix,
        font=FONT,
        title=_clean(title),
        summary=summary,
        body=Markup("").join(parts),
    )


def _empty(empty_text: str) -> Markup:
    return Markup('<p class="chart-empty">') + escape(_clean(empty_text)) + Markup("</p>")


def _grid(y_max: float, fmt: Format, y_at: Scale, left: float, right: float) -> Markup:
    lines = []
    for step in range(5):
        value = y_max * step / 4
        y = _n(y_at(value))
        lines.append(
            Markup(
                '<line class="chart-grid" x1="{}" x2="{}" y1="{y}" y2="{y}" stroke="{}" stroke-width="1"/>'
                '<text class="chart-tick" x="{}" y="{}" text-anchor="end" fill="{}">{}</text>'
            ).format(_n(left), _n(right), GRID, _n(left - 6), _n(y_at(value) + 4), TEXT, fmt(value), y=y)
        )
    return Markup("").join(lines)


def _x_labels(labels: Sequence[str], x_at: Callable[[int], float], y: float) -> Markup:
    # Counted back from the newest label, so the latest period is always named.
    step = math.ceil(len(labels) / MAX_X_LABELS)
    last = len(labels) - 1
    return Markup("").join(
        Markup('<text class="chart-x" x="{}" y="{}" text-anchor="middle" fill="{}">{}</text>').format(
            _n(x_at(index)), _n(y), TEXT, _clean(label)
        )
        for index, label in enumerate(labels)
        if (last - index) % step == 0
    )


def _line(
    line: Series,
    index: int,
    labels: Sequence[str],
    x_at: Callable[[int], float],
    y_at: Scale,
    fmt: Format,
) -> Markup:
    colour, dash = SERIES_STYLES[index % len(SERIES_STYLES)]
    css = f"chart-series-{line.css}"
    parts = []
    for run in _runs(line.values):
        if len(run) < 2:
            continue  # a lone point between gaps is drawn by its circle alone
        points = " ".join(f"{_n(x_at(i))},{_n(y_at(v))}" for i, v in run)
        parts.append(
            Markup(
                '<polyline class="chart-line {}" points="{}" fill="none" stroke="{}" stroke-width="2.5"'
                ' stroke-linejoin="round" stroke-linecap="round"{}/>'
            ).format(css, points, colour, _dash(dash))
        )
    for i, value in enumerate(line.values):
        value = _finite(value)
        if value is None:
            continue
        parts.append(
            Markup(
                '<circle class="chart-point {}" cx="{}" cy="{}" r="3.5" fill="{}"><title>{}: {} {}</title></circle>'
            ).format(
                css, _n(x_at(i)), _n(y_at(value)), colour, _clean(labels[i]), _clean(line.name), fmt(value)
            )
        )
    return Markup('<g class="chart-series {}">{}</g>').format(css, Markup("").join(parts))


def _legend(series: Sequence[Series], top: float) -> Markup:
    rows = []
    for index, line in enumerate(series):
        colour, dash = SERIES_STYLES[index % len(SERIES_STYLES)]
        y = top + LEGEND_ROW * index + LEGEND_ROW / 2
        rows.append(
            Markup(
                '<line x1="48" x2="80" y1="{y}" y2="{y}" stroke="{}" stroke-width="2.5"{}/>'
                '<circle cx="64" cy="{y}" r="3.5" fill="{}"/>'
                '<text x="88" y="{}" fill="{}">{}</text>'
            ).format(colour, _dash(dash), colour, _n(y + 4), TEXT, _clean(line.name), y=_n(y))
        )
    return Markup('<g class="chart-legend">{}</g>').format(Markup("").join(rows))


def _latest(line: Series, labels: Sequence[str], fmt: Format) -> str:
    for i in range(len(line.values) - 1, -1, -1):
        value = _finite(line.values[i])
        if value is not None:
            return f"{_clean(line.name)}: {fmt(value)} ({_clean(labels[i])})"
    return f"{_clean(line.name)}: {SUPPRESSED}"


def _runs(values: Sequence[float | None]) -> list[list[tuple[int, float]]]:
    """Consecutive non-missing values, with their indexes."""
    runs: list[list[tuple[int, float]]] = [[]]
    for i, value in enumerate(values):
        value = _finite(value)
        if value is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append((i, value))
    return [run for run in runs if run]


# --- small helpers ---------------------------------------------------------------------------


def _check_css(suffix: str) -> None:
    # The suffix lands in a class attribute; allow plain names only, so it cannot smuggle markup.
    if not _CSS_SUFFIX.match(suffix):
        raise ValueError(f"css suffix must be lower-case letters, digits, '-' or '_', not {suffix!r}")


def _finite(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(value)


def _clean(text: object) -> str:
    """Caller text minus what XML cannot hold; still unescaped (Markup.format escapes it)."""
    return _XML_INVALID.sub("", str(text))


def _truncate(text: str) -> str:
    return text if len(text) <= BAR_LABEL_CHARS else text[: BAR_LABEL_CHARS - 1] + "…"


def _dash(dash: str) -> Markup:
    return Markup(' stroke-dasharray="{}"').format(dash) if dash else Markup("")


def _n(value: float) -> str:
    """A coordinate: one decimal at most, no locale, no "-0"."""
    text = f"{value:.1f}".removesuffix(".0")
    return "0" if text == "-0" else text


def _percent(value: float) -> str:
    """0.285 -> "29%": half-up, as people round, on the decimal the caller wrote."""
    rounded = (Decimal(repr(float(value))) * 100).quantize(Decimal(1), ROUND_HALF_UP) + 0  # + 0 drops "-0"
    return f"{rounded:f}%"


def _number(value: float) -> str:
    """12345 -> "12,345"; 2.25 -> "2.3": thousands separator, at most one decimal, no locale."""
    rounded = Decimal(repr(float(value))).quantize(Decimal("0.1"), ROUND_HALF_UP)
    if rounded == rounded.to_integral_value():
        return f"{int(rounded):,}"
    return f"{rounded:,.1f}"
