"""HW2 Q3: the vanilla RNN's gradients, for one step and through time.

Every formula on docs/hw2/q3.md is evaluated on real forward passes and compared
with float64 autograd (see :mod:`solutions.hw2.common.gradient_cases`).  One step is
the case T = 1, with G_1 = dL/dH_1 arriving from above.  The NumPy layers are
checked on the same passes (:mod:`solutions.hw2.common.layer_checks`).
"""

from __future__ import annotations

import numpy as np
import sympy

from solutions.engine import Formula, Generated, Integer, Shown, claim, mistake
from solutions.hw2.common import brief, derivatives, rnn_layers, shapes, sheet_steps
from solutions.hw2.common import gradient_cases as gc
from solutions.hw2.common import layer_checks as lc
from solutions.hw2.common.gradient_cases import dl

STEP = {  # one step: id -> (left-hand side, true gradient)
    "dA": (dl("A_t"), "dL/dA"),
    "dx": (dl("X_t"), "dL/dX"),
    "dWx": (dl("W_x"), "dL/dW_x"),
    "dprev_h": (dl("H_{t-1}"), "dL/dH@-1"),
    "dWh": (dl("W_h"), "dL/dW_h"),
    "db": (dl("b"), "dL/db"),
}
gc.gradient_claims("hw2.q3.step", STEP, gc.rnn_case, gc.STEP_SHAPES)

TIME = {  # through time: id -> (left-hand side, true gradient, which t)
    "dh_recurrence": (dl("H_t"), "dL/dH", "before_last"),
    "dh_last": (dl("H_T"), "dL/dH", "last"),
    "dA": (dl("A_t"), "dL/dA", "all"),
    "dx": (dl("X_t"), "dL/dX", "all"),
    "dWx": (dl("W_x"), "dL/dW_x", "none"),
    "dWh": (dl("W_h"), "dL/dW_h", "none"),
    "db": (dl("b"), "dL/db", "none"),
    "dh0": (dl("H_0"), "dL/dH#0", "none"),
}
gc.gradient_claims("hw2.q3.bptt", TIME, gc.rnn_case, gc.TIME_SHAPES)


@mistake(
    "hw2.mistake.q3_bptt_recurrence",
    refutes="hw2.q3.bptt.dh_recurrence",
    why="The sheet differentiates tanh at step t instead of t + 1 (the step that H_t feeds), and multiplies "
    "elementwise after the matrix product instead of before it.",
)
def q3_bptt_recurrence() -> None:
    """The answer sheet's recurrence for the total gradient at H_t, transcribed into the page's notation."""


@claim(
    "hw2.q3.implementation",
    Generated(),
    "solutions/hw2/common/rnn_layers.py run on the same forward passes as the formulas",
)
def implementation() -> Shown:
    return Shown(lc.rows_latex(lc.layer_rows("rnn")), lc.HOW)


@claim("hw2.q3.torch_cell", Generated(), "torch.nn.RNNCell against rnn_step_forward after mapping the weights")
def torch_cell() -> Shown:
    return Shown(lc.cell_mapping("rnn"), "RNNCell(5, 4) in float64 against rnn_step_forward on 3 examples")


_HOW_DERIVATIVE = "sympy: a quadratic in the function's value, proved for all z; autograd agrees at 101 points"


@claim("hw2.q3.dtanh", Formula(), _HOW_DERIVATIVE)
def dtanh() -> sympy.Expr:
    return derivatives.tanh_derivative()


@claim("hw2.q3.points", Integer(), brief.HOW_POINTS)
def points() -> int:
    return brief.points(3)


def _step_arrays(size: dict[sympy.Symbol, int]) -> dict[str, np.ndarray]:
    """One step's pre-activation (the page's formula, in NumPy) and output (the course's rnn_step_forward)."""
    i = shapes.random_inputs(size, blocks=1)
    x_t, prev_h = i["x"][0], i["h0"]
    return {
        "A": x_t @ i["Wx"] + prev_h @ i["Wh"] + i["b"],
        "H": rnn_layers.rnn_step_forward(x_t, prev_h, i["Wx"], i["Wh"], i["b"])[0],
    }


shapes.shape_claims(
    "hw2.q3.shape",
    _step_arrays,
    {"A": "X_t @ W_x + H_{t-1} @ W_h + b in NumPy", "H": "rnn_step_forward's next_h"},
)


SHEET_CASES = ((1, 1, 1, 1, 0), (1, 3, 2, 1, 1), (1, 2, 4, 1, 2))  # (N, D, H, T, seed): one example, one step


def _sheet_step(v: dict) -> dict[str, np.ndarray]:
    """The sheet's one-step answers, with u = dL/dh_t * (1 - h_t^2) as a row."""
    u = v["G"][1] * (1 - v["H"][1] ** 2)
    return {"dx": u @ v["W_x"].T, "dWx": u.T @ v["X"][1], "dprev_h": u @ v["W_h"].T, "dWh": u.T @ v["H"][0], "db": u}


def _true_step(v: dict) -> dict[str, np.ndarray]:
    return {
        "dx": v["dL/dX"][1],
        "dWx": v["dL/dW_x"].T,
        "dprev_h": v["dL/dH"][0],
        "dWh": v["dL/dW_h"].T,
        "db": v["dL/db"],
    }


@claim("hw2.q3.sheet.step_right", Integer(), sheet_steps.HOW)
def sheet_step_right() -> int:
    asked = set(STEP) - {"dA"}  # the five gradients the question asks for
    return sheet_steps.count_right(_sheet_step, _true_step, asked, (gc.rnn_case(*c)[0] for c in SHEET_CASES))


gc.case_claims("q3")


@claim(
    "hw2.q3.sheet_fix.tanh_step",
    Formula(),
    "the correct recurrence with the tanh factor taken at step t - 1, t or t + 1, each judged against autograd as "
    "the page's own formula is: the one step that fits",
)
def sheet_fix_tanh_step() -> sympy.Expr:
    template = (
        r"\frac{\partial L}{\partial H_t} = G_t + \left(\frac{\partial L}{\partial H_{t+1}} \odot (1 - H_{@}^2)\right)"
        r" W_h^\top"
    )
    return gc.step_that_fits("hw2.q3.bptt.dh_recurrence", template)
