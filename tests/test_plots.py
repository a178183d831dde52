"""The SVG charts drawn from recorded runs."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

import pytest

from solutions.common.plots import DASHES, line_chart

NS = "{http://www.w3.org/2000/svg}"


def test_chart_is_valid_accessible_svg_with_one_line_per_series() -> None:
    svg = line_chart({"rnn": [(1, 61.1), (2, 60.3)], "lstm": [(1, 70.0), (2, 80.5)]}, "Accuracy", "epoch", "acc (%)")
    root = ET.fromstring(svg)
    assert root.get("role") == "img" and root.get("aria-label") == "Accuracy"
    assert root.find(f"{NS}title").text == "Accuracy"
    assert "rnn: (1, 61.1), (2, 60.3); lstm: (1, 70), (2, 80.5)" in root.find(f"{NS}desc").text
    lines = [p for p in root.iter(f"{NS}path") if p.get("stroke-width") == "2" and "L" in p.get("d")]
    assert len(lines) == 2 and lines[0].get("stroke") != lines[1].get("stroke")
    assert lines[0].get("stroke-dasharray") != lines[1].get("stroke-dasharray")  # not told apart by colour alone


def test_log_scale_orders_points_by_magnitude() -> None:
    svg = line_chart({"g": [(1, 1e-6), (2, 1e-3), (3, 1.0)]}, "t", "x", "y", log_y=True)
    d = next(p.get("d") for p in ET.fromstring(svg).iter(f"{NS}path") if p.get("stroke-width") == "2")
    ys = [float(seg.split()[1]) for seg in d.replace("M", "L").split("L")[1:]]
    assert ys[0] > ys[1] > ys[2]  # larger values are drawn higher (smaller y)
    assert abs((ys[0] - ys[1]) - (ys[1] - ys[2])) < 1e-6  # equal ratios, equal steps


def test_log_scale_refuses_zero_and_says_which_chart() -> None:
    import pytest

    with pytest.raises(ValueError, match=r"'grad'.*0\.0"):
        line_chart({"g": [(1, 0.0), (2, 1e-3)]}, "grad", "x", "y", log_y=True)
    with pytest.raises(ValueError, match="no points"):
        line_chart({"g": []}, "empty", "x", "y")


def test_html_table_puts_cells_in_order_and_leaves_them_as_given() -> None:
    from solutions.common.plots import html_table

    got = html_table(["a", "w<sub>c</sub>"], [[1, "<code>x</code>"], ["&lt;", 2.5]])
    assert got == (
        "<table><thead><tr><th>a</th><th>w<sub>c</sub></th></tr></thead><tbody>"
        "<tr><td>1</td><td><code>x</code></td></tr><tr><td>&lt;</td><td>2.5</td></tr></tbody></table>"
    )


def _text_rows(svg: str) -> list[tuple[float, str]]:
    return [(float(t.get("y")), t.text or "") for t in ET.fromstring(svg).iter(f"{NS}text") if t.get("y")]


def test_legend_and_notes_never_overlap_and_every_series_has_its_own_line_style() -> None:
    series = {f"bilstm2, seed {k}, a long label of a run": [(1, 1e-3 * (k + 1)), (2, 1e-2)] for k in range(8)}
    note = "no measurement stored (the run predates it): " + ", ".join(f"rnn, seed {k}" for k in range(12))
    svg = line_chart(series, "reach", "token position", "norm", log_y=True, notes=(note, "a second note"))
    root = ET.fromstring(svg)
    rows = sorted(y for y, _ in _text_rows(svg) if y > 300)  # under the plot: the legend's names, then the notes
    assert len(rows) == 8 + len([r for r in rows if r > rows[7]]) and len(rows) > 10  # the long note wrapped
    assert all(b - a >= 14 for a, b in itertools.pairwise(rows)), rows  # 12 px text, one line each
    assert max(len(text) for y, text in _text_rows(svg) if y > rows[7]) <= 92
    height = float(root.get("viewBox").split()[3])
    assert rows[-1] <= height
    lines = [p for p in root.iter(f"{NS}path") if p.get("stroke-width") == "2" and "L" in p.get("d")]
    assert len({p.get("stroke-dasharray") for p in lines}) == len(lines) == 8
    with pytest.raises(ValueError, match="distinct line styles"):
        line_chart({str(k): [(1, 1.0)] for k in range(len(DASHES) + 1)}, "many", "x", "y")
    assert len(set(DASHES)) == len(DASHES)  # every pattern distinct
    line_chart({str(k): [(1, 1.0)] for k in range(len(DASHES))}, "as many as there are styles", "x", "y")


def test_small_charts_share_a_y_axis_and_a_style_per_kind_of_series() -> None:
    """One chart per model: the caption is drawn, ``y_range`` gives two charts the same axis whatever their own
    points, ``styles`` draws each series as told (a square marker for one start), and two series that would differ
    by colour alone are refused."""
    styles = {"seed 0, random": ("#111111", "", "circle"), "seed 0, GloVe": ("#222222", "", "square")}
    series = {"seed 0, random": [(1, 60.0), (2, 62.0)], "seed 0, GloVe": [(1, 70.0), (2, 80.0)]}
    a = line_chart(series, "bi-LSTM", "epoch", "acc", caption="bi-LSTM", y_range=(50.0, 90.0), styles=styles)
    b = line_chart(
        {"seed 0, random": [(1, 55.0), (2, 57.0)]}, "RNN", "epoch", "acc", y_range=(50.0, 90.0), styles=styles
    )
    ticks = [[t.text for t in ET.fromstring(svg).iter(f"{NS}text") if t.get("text-anchor") == "end"] for svg in (a, b)]
    assert ticks[0] == ticks[1] and len(ticks[0]) == 5, ticks
    root = ET.fromstring(a)
    assert any(t.text == "bi-LSTM" and t.get("font-weight") == "bold" for t in root.iter(f"{NS}text"))
    squares = [r for r in root.iter(f"{NS}rect") if r.get("fill") == "#222222"]
    assert len(squares) == 2 + 1  # its two points and its legend
    assert [c.get("fill") for c in root.iter(f"{NS}circle")] == ["#111111"] * 2
    clash = {"seed 0, random": ("#111111", "", "circle"), "seed 0, GloVe": ("#222222", "", "circle")}
    with pytest.raises(ValueError, match="share a dash pattern and marker"):
        line_chart(series, "clash", "epoch", "acc", styles=clash)
    with pytest.raises(ValueError, match="no style for 'seed 0, GloVe'"):
        line_chart(series, "unstyled", "epoch", "acc", styles={"seed 0, random": styles["seed 0, random"]})
