"""The shape claims read an axis off a real array, and the points claims read the brief's own list: each names
the one answer the evidence allows, and refuses evidence that allows none or several."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from solutions.hw2.common import brief, shapes


def _arrays(make):
    return lambda size: {"M": make(size)}


@pytest.mark.parametrize(
    ("make", "rows", "cols"),
    [
        (lambda s: np.zeros((s[shapes.N], s[shapes.D])), "N", "D"),
        (lambda s: np.zeros((s[shapes.T], 4 * s[shapes.H])), "T", "4*H"),
        (lambda s: np.zeros(s[shapes.H]), "1", "H"),  # a bias broadcasts as one row
    ],
)
def test_each_axis_is_the_one_expression_its_lengths_allow(make, rows: str, cols: str) -> None:
    arrays = _arrays(make)
    assert str(shapes.axis_truth(arrays, "M", 0)) == rows
    assert str(shapes.axis_truth(arrays, "M", 1)) == cols


def test_an_axis_no_candidate_explains_is_refused() -> None:
    arrays = _arrays(lambda s: np.zeros((s[shapes.N] + 1, 2)))
    with pytest.raises(AssertionError, match=r"axis 0 of M has lengths \[3, 12\].*no candidate"):
        shapes.axis_truth(arrays, "M", 0)
    with pytest.raises(AssertionError, match="3-dimensional array, not a matrix"):
        shapes.axis_truth(_arrays(lambda s: np.zeros((2, 2, 2))), "M", 0)


def test_the_points_are_the_briefs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert [brief.points(q) for q in range(1, 7)] == [15, 15, 15, 15, 20, 20]
    copy = tmp_path / "hw2-brief.md"
    copy.write_text("Six questions: Q1 15 points, Q2 15,\nQ3 10, Q4 15, Q5 20, Q6 25.\n", "utf-8")
    monkeypatch.setattr(brief, "BRIEF", copy)
    assert brief.points(3) == 10 and brief.points(6) == 25
    copy.write_text("Six questions: Q1 15 points, Q2 15.\n", "utf-8")
    with pytest.raises(AssertionError, match=r"lists points for questions \[1, 2\], not 1 to 6"):
        brief.points(1)
    copy.write_text("The points are in the syllabus.\n", "utf-8")
    with pytest.raises(AssertionError, match="no longer lists"):
        brief.points(1)


def test_the_sheets_one_step_count_drops_for_a_wrong_transcription_and_refuses_a_partial_one() -> None:
    from solutions.hw2.common import gradient_cases as gc
    from solutions.hw2.common import sheet_steps
    from solutions.hw2.q3 import q3_claims as q3

    cases = [gc.rnn_case(*c)[0] for c in q3.SHEET_CASES]
    asked = set(q3.STEP) - {"dA"}
    assert sheet_steps.count_right(q3._sheet_step, q3._true_step, asked, cases) == 5

    def tanh_at_the_wrong_step(v: dict) -> dict:  # the sheet's through-time slip, planted in one step
        return q3._sheet_step(v) | {"db": v["G"][1] * (1 - v["H"][0] ** 2)}

    assert sheet_steps.count_right(tanh_at_the_wrong_step, q3._true_step, asked, cases) == 4
    with pytest.raises(AssertionError, match="not the asked"):
        sheet_steps.count_right(lambda v: {"dx": q3._sheet_step(v)["dx"]}, q3._true_step, asked, cases)
