"""HW2 Q4: the LSTM's gradients, for one step and through time.

Every formula on docs/hw2/q4.md is evaluated on real forward passes and compared
with float64 autograd (see :mod:`solutions.hw2.common.gradient_cases`).  One step is the
case T = 1 with the loss <G_1, H_1> + <S_1, C_1>: G is ``dnext_h`` and S is
``dnext_c``, the gradient that reaches C_t through C_{t+1}.  The NumPy layers are
checked on the same passes (:mod:`solutions.hw2.common.layer_checks`).
"""

from __future__ import annotations

from functools import partial

import numpy as np
import sympy
import torch

from solutions.engine import Formula, Generated, Integer, Shown, claim, mistake
from solutions.hw2.common import brief, derivatives, rnn_layers, shapes, sheet_steps
from solutions.hw2.common import gradient_cases as gc
from solutions.hw2.common import layer_checks as lc
from solutions.hw2.common.gradient_cases import GATES, dl

step = partial(gc.lstm_case, cell_upstream=True)
step.__name__ = "lstm_step_case"  # type: ignore[attr-defined]

STEP = {  # one step: id -> (left-hand side, true gradient)
    "dC": (dl("C_t"), "dL/dC"),
    "dprev_c": (dl("C_{t-1}"), "dL/dC@-1"),
    "dx": (dl("X_t"), "dL/dX"),
    "dprev_h": (dl("H_{t-1}"), "dL/dH@-1"),
}
for _g in GATES:
    STEP[f"dA{_g}"] = (dl(f"A^{_g}_t"), f"dL/dA^{_g}")
    STEP[f"dWx{_g}"] = (dl(f"W_x^{_g}"), f"dL/dW_x^{_g}")
    STEP[f"dWh{_g}"] = (dl(f"W_h^{_g}"), f"dL/dW_h^{_g}")
    STEP[f"db{_g}"] = (dl(f"b^{_g}"), f"dL/db^{_g}")
gc.gradient_claims("hw2.q4.step", STEP, step, gc.STEP_SHAPES)

TIME = {  # through time: id -> (left-hand side, true gradient, which t)
    "dh_recurrence": (dl("H_t"), "dL/dH", "before_last"),
    "dh_last": (dl("H_T"), "dL/dH", "last"),
    "dc_recurrence": (dl("C_t"), "dL/dC", "before_last"),
    "dc_last": (dl("C_T"), "dL/dC", "last"),
    "dx": (dl("X_t"), "dL/dX", "all"),
    "dh0": (dl("H_0"), "dL/dH#0", "none"),
}
for _g in GATES:
    TIME[f"dWx{_g}"] = (dl(f"W_x^{_g}"), f"dL/dW_x^{_g}", "none")
    TIME[f"dWh{_g}"] = (dl(f"W_h^{_g}"), f"dL/dW_h^{_g}", "none")
    TIME[f"db{_g}"] = (dl(f"b^{_g}"), f"dL/db^{_g}", "none")
gc.gradient_claims("hw2.q4.bptt", TIME, gc.lstm_case, gc.TIME_SHAPES)


@mistake(
    "hw2.mistake.q4_cell_recurrence",
    refutes="hw2.q4.bptt.dc_recurrence",
    why="The gradient that comes back from C_{t+1} is scaled by the forget gate of step t + 1 "
    "(C_{t+1} = F_{t+1} C_t + ...), not by F_t.",
)
def q4_cell_recurrence() -> None:
    """The answer sheet's recurrence for the total gradient at C_t, transcribed."""


@mistake(
    "hw2.mistake.q4_hidden_recurrence",
    refutes="hw2.q4.bptt.dh_recurrence",
    why="The sheet follows H_t into step t + 1 only through H_{t+1}: the gradient that reaches C_{t+1} from later "
    "steps is lost, and the entrywise factor is applied after the products with W_h instead of before.",
)
def q4_hidden_recurrence() -> None:
    """The answer sheet's recurrence for the total gradient at H_t, transcribed."""


@claim(
    "hw2.q4.implementation",
    Generated(),
    "solutions/hw2/common/rnn_layers.py run on the same forward passes as the formulas",
)
def implementation() -> Shown:
    return Shown(lc.rows_latex(lc.layer_rows("lstm")), lc.HOW)


@claim("hw2.q4.torch_cell", Generated(), "torch.nn.LSTMCell against lstm_step_forward after mapping the weights")
def torch_cell() -> Shown:
    return Shown(
        lc.cell_mapping("lstm"),
        "LSTMCell(5, 4) in float64 against lstm_step_forward on 3 examples; the block order read off the mapping",
    )


_HOW_DERIVATIVE = "sympy: a quadratic in the function's value, proved for all z; autograd agrees at 101 points"


@claim("hw2.q4.dsigma", Formula(), _HOW_DERIVATIVE)
def dsigma() -> sympy.Expr:
    return derivatives.sigmoid_derivative()


@claim("hw2.q4.dtanh", Formula(), _HOW_DERIVATIVE)
def dtanh() -> sympy.Expr:
    return derivatives.tanh_derivative()


def _torch_weight_ih(axis: int) -> sympy.Expr:
    """nn.LSTMCell's weight_ih shape (4H x D) as symbols, checked on a grid of sizes."""
    D, H = sympy.symbols("D H")
    expr = (4 * H, D)[axis]
    for d, h in ((3, 2), (5, 7), (1, 1)):
        shape = torch.nn.LSTMCell(d, h).weight_ih.shape
        if int(expr.subs({D: d, H: h})) != shape[axis]:
            raise AssertionError(f"LSTMCell({d}, {h}).weight_ih has shape {tuple(shape)}")
    return expr


for _axis, _name in enumerate(("rows", "cols")):
    claim(f"hw2.q4.torch_weight_ih.{_name}", Formula(), "nn.LSTMCell(D, H).weight_ih's shape at three sizes")(
        lambda axis=_axis: _torch_weight_ih(axis)
    )


@claim("hw2.q4.points", Integer(), brief.HOW_POINTS)
def points() -> int:
    return brief.points(4)


def _step_arrays(size: dict[sympy.Symbol, int]) -> dict[str, np.ndarray]:
    """One step's pre-activation of all four gates (the page's formula, in NumPy) and the forget gate's block (the
    course's lstm_step_forward)."""
    i = shapes.random_inputs(size, blocks=4)
    x_t, prev_h = i["x"][0], i["h0"]
    _, _, cache = rnn_layers.lstm_step_forward(x_t, prev_h, np.zeros_like(prev_h), i["Wx"], i["Wh"], i["b"])
    return {"A": x_t @ i["Wx"] + prev_h @ i["Wh"] + i["b"], "gate": cache["f"]}


shapes.shape_claims("hw2.q4.shape", _step_arrays, {"A": "X_t @ W_x + H_{t-1} @ W_h + b in NumPy"})
shapes.shape_claims("hw2.q4.shape", _step_arrays, {"gate": "lstm_step_forward's forget gate"}, axes=("cols",))


SHEET_CASES = ((1, 1, 1, 1, 0), (1, 3, 2, 1, 1), (1, 2, 4, 1, 2))  # (N, D, H, T, seed): one example, one step


def _sheet_step(v: dict) -> dict[str, np.ndarray]:
    """The sheet's one-step answers.  Its dL/dc_t is dL/dh_t * o_t * (1 - tanh^2 c_t) plus what comes back from
    c_{t+1} (its dL/dc_{t+1} * f_{t+1}, which is S_t here); each gate's row u_g is that times the gate's factor."""
    c, c_prev, g = v["C"][1], v["C"][0], v["G"][1]
    f, i, cand, o = v["F"][1], v["I"][1], v["~C"][1], v["O"][1]
    dc = g * o * (1 - np.tanh(c) ** 2) + v["S"][1]
    u = {
        "f": dc * c_prev * f * (1 - f),
        "i": dc * cand * i * (1 - i),
        "c": dc * i * (1 - cand**2),
        "o": g * np.tanh(c) * o * (1 - o),
    }
    out = {
        "dx": sum(u[k] @ v[f"W_x^{k}"].T for k in GATES),
        "dprev_h": sum(u[k] @ v[f"W_h^{k}"].T for k in GATES),
        "dprev_c": dc * f,
    }
    for k in GATES:
        out |= {f"dWx{k}": u[k].T @ v["X"][1], f"dWh{k}": u[k].T @ v["H"][0], f"db{k}": u[k]}
    return out


def _true_step(v: dict) -> dict[str, np.ndarray]:
    out = {"dx": v["dL/dX"][1], "dprev_h": v["dL/dH"][0], "dprev_c": v["dL/dC"][0]}
    for k in GATES:
        out |= {f"dWx{k}": v[f"dL/dW_x^{k}"].T, f"dWh{k}": v[f"dL/dW_h^{k}"].T, f"db{k}": v[f"dL/db^{k}"]}
    return out


@claim("hw2.q4.sheet.step_right", Integer(), sheet_steps.HOW)
def sheet_step_right() -> int:
    asked = {k for k in STEP if not k.startswith(("dA", "dC"))}  # the gradients the question asks for
    return sheet_steps.count_right(_sheet_step, _true_step, asked, (step(*c)[0] for c in SHEET_CASES))


gc.case_claims("q4")


_HOW_STEP = (
    "the correct recurrence with that factor taken at step t - 1, t or t + 1, each judged against autograd as the "
    "page's own formula is: the one step that fits"
)


@claim("hw2.q4.sheet_fix.forget_step", Formula(), _HOW_STEP)
def sheet_fix_forget_step() -> sympy.Expr:
    template = (
        r"\frac{\partial L}{\partial C_t} = \frac{\partial L}{\partial H_t} \odot O_t \odot (1 - \tanh^2(C_t)) + "
        r"\frac{\partial L}{\partial C_{t+1}} \odot F_{@}"
    )
    return gc.step_that_fits("hw2.q4.bptt.dc_recurrence", template)


@claim("hw2.q4.gates_step", Formula(), _HOW_STEP)
def gates_step() -> sympy.Expr:
    template = r"\frac{\partial L}{\partial H_t} = G_t + " + " + ".join(
        rf"\frac{{\partial L}}{{\partial A^{g}_{{@}}}} (W_h^{g})^\top" for g in GATES
    )
    return gc.step_that_fits("hw2.q4.bptt.dh_recurrence", template)
