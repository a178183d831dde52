"""Small SVG charts and plain HTML tables for figures drawn from recorded runs: no plotting library, no image files.

Each chart is accessible: ``role="img"`` with a title and a description that
states every series' values, and series differ by dash pattern and marker as
well as colour.  Axes use ``currentColor`` so the chart follows the palette.
"""

from __future__ import annotations

import html
import math
import statistics
import textwrap
from collections.abc import Collection, Mapping

COLOURS = ("#3f51b5", "#e65100", "#2e7d32", "#ad1457", "#00838f", "#6d4c41")
# One dash pattern per series of a chart (never repeated: a chart with more series is refused), so that no two
# series share a line style and none is told apart by colour alone.
DASHES = (
    *("", "6 3", "2 3", "8 3 2 3", "1 2", "10 4", "12 3 2 3 2 3", "4 6", "14 4 4 4", "3 3 9 3"),
    *("20 4", "2 6", "8 2 2 2 2 2", "16 3 6 3", "1 2 1 2 6 2", "12 2", "6 3 1 3 1 3", "3 2", "18 3 2 3", "9 3 3 3"),
    *("1 5", "10 2 2 2 10 6", "5 5 1 5", "24 6"),
    *("7 2", "2 2 8 2", "14 2 2 2", "4 2 4 6", "1 3 1 3 8 3", "16 8", "6 2 6 6", "3 6 3 2"),
    *("11 3 1 3", "2 8", "20 2 4 2", "5 2 1 2", "9 6", "1 1 4 4", "13 5 3 5", "7 3 7 3 1 3"),
)
NOTE_CHARS = 92  # characters of a 12 px note line across a 640-unit chart; longer notes wrap


def _padded_range(lo: float, hi: float, fraction: float, tiny: float) -> tuple[float, float]:
    """An axis range around [lo, hi] with ``fraction`` of its width spare at each end (one unit wide if flat)."""
    if hi - lo < tiny:
        lo, hi = lo - 0.5, hi + 0.5
    pad = (hi - lo) * fraction
    return lo - pad, hi + pad


def _svg_start(width: int, height: int, title: str, desc: str) -> list[str]:
    """The opening of an accessible chart: its root element (``role="img"``), title and description."""
    return [
        (
            f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{html.escape(title)}" '
            'xmlns="http://www.w3.org/2000/svg">'
        ),
        f"<title>{html.escape(title)}</title><desc>{html.escape(desc)}</desc>",
    ]


def line_chart(
    series: dict[str, list[tuple[float, float]]],
    title: str,
    x_label: str,
    y_label: str,
    log_y: bool = False,
    width: int = 640,
    height: int = 300,
    x_range: tuple[float, float] | None = None,
    notes: tuple[str, ...] = (),
    caption: str = "",
    y_range: tuple[float, float] | None = None,
    styles: Mapping[str, tuple[str, str, str]] | None = None,
) -> str:
    """``x_range`` fixes the x axis (e.g. every token position even where a series has no point);
    ``notes`` are lines printed under the chart (and in its description).

    For a set of small charts side by side (one per model): ``caption`` is written above the plot, ``y_range``
    gives every chart the same y axis (padded as usual), and ``styles`` gives each series its colour, dash
    pattern and marker (``circle`` or ``square``), so that the same kind of series looks the same in every chart;
    no two series of one chart may then share both dash and marker (they would differ by colour alone).

    ``height`` is the plot's own, axes included; the legend (one line per series) and then the notes (wrapped to
    the chart's width) go under it, each on lines of their own, so that nothing overlaps at any width."""
    if styles is None:
        if len(series) > len(DASHES):
            raise ValueError(f"chart {title!r}: {len(series)} series, but only {len(DASHES)} distinct line styles")
        styles = {name: (COLOURS[i % len(COLOURS)], DASHES[i], "circle") for i, name in enumerate(series)}
    elif missing := [name for name in series if name not in styles]:
        raise ValueError(f"chart {title!r}: no style for {missing[0]!r}")
    shapes = [styles[name][1:] for name in series]
    if len(set(shapes)) < len(shapes) or any(m not in MARKERS for _, m in shapes):
        raise ValueError(f"chart {title!r}: two series share a dash pattern and marker, or a marker is unknown")
    left, right, top, bottom = 64, 24, 36 if caption else 28, 44
    legend_top = height + 22  # under the x axis's label
    note_lines = [line for note in notes for line in textwrap.wrap(note, NOTE_CHARS)]
    notes_top = legend_top + 18 * len(series) + 8
    total_height = notes_top + 18 * len(note_lines)
    pts = [p for s in series.values() for p in s]
    if not pts:
        raise ValueError(f"chart {title!r} has no points")
    if log_y and any(p[1] <= 0 for p in pts):
        raise ValueError(
            f"chart {title!r}: a log scale cannot show the value {min(p[1] for p in pts)}; "
            "leave such points out and say so"
        )
    xs, ys = [p[0] for p in pts], [math.log10(p[1]) if log_y else p[1] for p in pts]
    x0, x1 = x_range or (min(xs), max(xs) if max(xs) > min(xs) else min(xs) + 1)
    lo, hi = y_range or (min(ys), max(ys))
    if y_range and log_y:
        lo, hi = math.log10(lo), math.log10(hi)
    y0, y1 = _padded_range(lo, hi, 0.08, tiny=1e-12)

    def sx(x: float) -> float:
        return left + (x - x0) / (x1 - x0) * (width - left - right)

    def sy(y: float) -> float:
        v = math.log10(y) if log_y else y
        return top + (y1 - v) / (y1 - y0) * (height - top - bottom)

    desc = "; ".join(f"{name}: " + ", ".join(f"({x:g}, {y:.4g})" for x, y in s) for name, s in series.items())
    desc = " ".join((desc, *notes))
    out = [
        *_svg_start(width, total_height, title, desc),
        (
            f'<g stroke="currentColor" stroke-width="1" fill="none"><path d="M{left} {top}V{height - bottom}'
            f'H{width - right}"/></g>'
        ),
        '<g fill="currentColor" font-size="12" font-family="sans-serif">',
        (
            f'<text x="{(left + width - right) / 2}" y="{height - bottom + 36}" text-anchor="middle">'
            f"{html.escape(x_label)}</text>"
        ),
        (
            f'<text transform="translate(14 {(top + height - bottom) / 2}) rotate(-90)" text-anchor="middle">'
            f"{html.escape(y_label)}</text>"
        ),
    ]
    if log_y and y1 - y0 > 2:  # whole decades
        step = math.ceil((y1 - y0) / 6)
        ticks = [float(k) for k in range(math.ceil(y0), math.floor(y1) + 1) if k % step == 0]
    else:
        ticks = [y0 + (y1 - y0) * k / 4 for k in range(5)]
    for v in ticks:
        label = (f"1e{round(v)}" if float(v).is_integer() else f"{10**v:.2g}") if log_y else f"{v:.3g}"
        y = top + (y1 - v) / (y1 - y0) * (height - top - bottom)
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{label}</text>')
    for x in sorted({p[0] for p in pts}) if len({p[0] for p in pts}) <= 12 else [x0, (x0 + x1) / 2, x1]:
        out.append(f'<text x="{sx(x):.1f}" y="{height - bottom + 16}" text-anchor="middle">{x:g}</text>')
    if caption:
        out.append(f'<text x="{left}" y="16" font-size="14" font-weight="bold">{html.escape(caption)}</text>')
    for k, line in enumerate(note_lines):
        out.append(f'<text x="{left}" y="{notes_top + 12 + 18 * k}">{html.escape(line)}</text>')
    out.append("</g>")
    for i, (name, s) in enumerate(series.items()):
        colour, dash, marker = styles[name]
        path = " ".join(f"{'M' if j == 0 else 'L'}{sx(x):.1f} {sy(y):.1f}" for j, (x, y) in enumerate(s))
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(f'<path d="{path}" stroke="{colour}" stroke-width="2" fill="none"{dash_attr}/>')
        if len(s) <= 12:
            out += [_marker(marker, sx(x), sy(y), colour) for x, y in s]
        ly = legend_top + 9 + 18 * i
        out.append(f'<path d="M{left} {ly}h32" stroke="{colour}" stroke-width="2"{dash_attr}/>')
        if marker != "circle":  # the legend shows a marker that is not the usual one
            out.append(_marker(marker, left + 16, ly, colour))
        out.append(
            f'<text x="{left + 40}" y="{ly + 4}" font-size="12" font-family="sans-serif" '
            f'fill="currentColor">{html.escape(name)}</text>'
        )
    out.append("</svg>")
    return "\n".join(out)


MARKERS = ("circle", "square", "diamond")


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    """A point's marker, filled, of about the same area whatever its shape."""
    if shape == "square":
        return f'<rect x="{x - 2.7:.1f}" y="{y - 2.7:.1f}" width="5.4" height="5.4" fill="{colour}"/>'
    if shape == "diamond":
        return f'<path d="M{x:.1f} {y - 3.8:.1f}l3.8 3.8l-3.8 3.8l-3.8 -3.8z" fill="{colour}"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>'


def html_table(head: list[str], rows: list[list[object]]) -> str:
    """A plain HTML table for a generated claim.  Cells are HTML: escape text before passing it in."""
    th = "".join(f"<th>{h}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def interval_chart(
    rows: dict[str, list[float]],
    title: str,
    x_label: str,
    width: int = 640,
    filled: Collection[str] = (),
    colour_of: Mapping[str, int] | None = None,
) -> str:
    """One row per label: every value as a small circle, the mean as a bar, and mean ± one sample
    standard deviation as a line (drawn only where there are two values or more).

    Rows named in ``filled`` draw their circles filled (a second series told apart by shape, not only by
    colour); ``colour_of`` gives rows the same colour index (rows of one model), else each row its own."""
    marks = frozenset(filled)
    filled = {k: v for k, v in rows.items() if v}
    if not filled:
        raise ValueError(f"chart {title!r} has no values")
    left = max(150, 16 + 7 * max(len(k) for k in filled))  # room for the longest label at 12 px
    right, top, row_h = 24, 20, 30
    height = top + row_h * len(filled) + 56
    spreads = {k: (statistics.stdev(v) if len(v) > 1 else 0.0) for k, v in filled.items()}
    lows = [min(min(v), statistics.fmean(v) - spreads[k]) for k, v in filled.items()]
    highs = [max(max(v), statistics.fmean(v) + spreads[k]) for k, v in filled.items()]
    x0, x1 = _padded_range(min(lows), max(highs), 0.06, tiny=1e-9)

    def sx(x: float) -> float:
        return left + (x - x0) / (x1 - x0) * (width - left - right)

    desc = "; ".join(
        f"{k}: mean {statistics.fmean(v):.4g}"
        + (f", sample std {spreads[k]:.3g}" if len(v) > 1 else "")
        + " over "
        + ", ".join(f"{x:.4g}" for x in v)
        for k, v in filled.items()
    )
    bottom = top + row_h * len(filled)
    out = [
        *_svg_start(width, height, title, desc),
        f'<g stroke="currentColor" stroke-width="1" fill="none"><path d="M{left} {top}V{bottom}H{width - right}"/></g>',
        '<g fill="currentColor" font-size="12" font-family="sans-serif">',
        f'<text x="{(left + width - right) / 2}" y="{bottom + 40}" text-anchor="middle">{html.escape(x_label)}</text>',
    ]
    for k in range(5):
        v = x0 + (x1 - x0) * k / 4
        out.append(f'<text x="{sx(v):.1f}" y="{bottom + 16}" text-anchor="middle">{v:.3g}</text>')
    for i, name in enumerate(filled):
        y = top + row_h * i + row_h / 2
        out.append(f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end">{html.escape(name)}</text>')
    out.append("</g>")
    for i, (name, values) in enumerate(filled.items()):
        c = colour_of[name] if colour_of is not None else i
        y, colour, mean = top + row_h * i + row_h / 2, COLOURS[c % len(COLOURS)], statistics.fmean(values)
        if len(values) > 1:
            out.append(
                f'<path d="M{sx(mean - spreads[name]):.1f} {y:.1f}H{sx(mean + spreads[name]):.1f}" '
                f'stroke="{colour}" stroke-width="2"/>'
            )
        out.append(f'<path d="M{sx(mean):.1f} {y - 9:.1f}V{y + 9:.1f}" stroke="{colour}" stroke-width="3"/>')
        out += [
            f'<circle cx="{sx(v):.1f}" cy="{y:.1f}" r="3.5" fill="{colour if name in marks else "none"}" '
            f'stroke="{colour}" stroke-width="1.5"/>'
            for v in values
        ]
    out.append("</svg>")
    return "\n".join(out)
