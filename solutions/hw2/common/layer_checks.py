"""The from-scratch NumPy layers of HW2, checked against the same autograd cases as the pages' formulas.

Used by the Q3 (vanilla RNN) and Q4 (LSTM) claims: each function of
:mod:`.rnn_layers` is run on the inputs of :mod:`.gradient_cases`, and every
output is compared with float64 autograd and, for the backward functions, with
centred finite differences of the NumPy forward pass itself; the weights mapped
from PyTorch's own cells must give PyTorch's results.  A check that fails raises.

Returns plain data (rows of relative errors, LaTeX text); the claims modules show
it.  :func:`fd_worst` and :func:`rows_latex` also serve Q5's captioning checks.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from solutions.hw2.common import gradient_cases as gc
from solutions.hw2.common import rnn_layers as L
from solutions.hw2.common.gradcheck import numeric_gradient, rel_error, sci

AUTOGRAD_TOL, FD_TOL = 1e-9, 1e-6  # float64 against float64; finite differences with h = 1e-6
HOW = (
    "every output against float64 autograd, every backward also against centred finite differences of the "
    "NumPy forward pass; a check fails above 1e-9 or 1e-6"
)  # what a table of :func:`layer_rows` shows

Row = tuple[str, int, float, float | None]  # function, arrays compared, worst vs autograd (nan: none), vs differences
Pairs = list[tuple[np.ndarray, np.ndarray]]


def _stack(seq: dict[int, np.ndarray], lo: int, hi: int) -> np.ndarray:
    return np.stack([seq[t] for t in range(lo, hi + 1)])


def worst(pairs: Pairs, what: str) -> float:
    """The largest relative error over (ours, autograd's) pairs; raises above :data:`AUTOGRAD_TOL`."""
    largest = max(rel_error(a, b, what) for a, b in pairs)
    if largest > AUTOGRAD_TOL:
        raise AssertionError(f"{what} disagrees with autograd: relative error {largest:.3g}")
    return largest


def fd_worst(
    forward: Callable[[dict[str, np.ndarray]], np.ndarray],
    inputs: dict[str, np.ndarray],
    upstream: np.ndarray | float,
    analytic: dict[str, np.ndarray],
    what: str,
) -> float:
    """Centred differences of sum(forward(inputs) * upstream) for every input, against the backward's answer;
    raises above :data:`FD_TOL`."""
    largest = 0.0
    for name, grad in analytic.items():
        numeric = numeric_gradient(lambda _x: forward(inputs), inputs[name], upstream)
        largest = max(largest, rel_error(grad, numeric, f"{what} d{name}"))
    if largest > FD_TOL:
        raise AssertionError(f"{what} disagrees with finite differences: relative error {largest:.3g}")
    return largest


@dataclass(frozen=True)
class _Cell:
    """One recurrent cell's layer functions and the autograd cases they are checked on."""

    case: Callable[..., tuple[dict, str]]
    states: tuple[str, ...]  # what a step returns before its cache: ("H",) or ("H", "C")
    step_forward: Callable
    step_backward: Callable
    forward: Callable
    backward: Callable
    step_case: dict[str, bool] = field(default_factory=dict)  # keywords of the one-step cases
    sequence_case: dict[str, bool] = field(default_factory=dict)


CELLS = {
    "rnn": _Cell(gc.rnn_case, ("H",), L.rnn_step_forward, L.rnn_step_backward, L.rnn_forward, L.rnn_backward),
    "lstm": _Cell(
        gc.lstm_case,
        ("H", "C"),
        L.lstm_step_forward,
        L.lstm_step_backward,
        L.lstm_forward,
        L.lstm_backward,
        {"cell_upstream": True},
        {"zero_c0": True},
    ),
}


def _step_checks(kind: str) -> tuple[Pairs, Pairs, float]:
    """One step at every shape of gc.STEP_SHAPES: (outputs, gradients) against autograd, and the worst difference
    of each backward from finite differences (one output's upstream at a time)."""
    cell = CELLS[kind]
    outputs: Pairs = []
    gradients: Pairs = []
    fd = 0.0
    for seed, (n, d, h) in enumerate(gc.STEP_SHAPES):
        v, _ = cell.case(n, d, h, 1, seed, **cell.step_case)
        previous = {f"prev_{s.lower()}": v[s][0].copy() for s in cell.states}
        args = {"x": v["X"][1].copy(), **previous, "Wx": v["W_x"].copy(), "Wh": v["W_h"].copy(), "b": v["b"][0].copy()}
        *out, cache = cell.step_forward(**args)
        outputs += [(o, v[s][1]) for o, s in zip(out, cell.states, strict=True)]
        upstream = [v["G" if s == "H" else "S"][1] for s in cell.states]  # G reaches next_h, S next_c
        truths = (v["dL/dX"][1], *(v[f"dL/d{s}"][0] for s in cell.states), v["dL/dW_x"], v["dL/dW_h"], v["dL/db"][0])
        gradients += list(zip(cell.step_backward(*upstream, cache), truths, strict=True))
        for k, state in enumerate(cell.states):  # each output on its own: the others' upstream zero
            alone = [u if j == k else np.zeros_like(u) for j, u in enumerate(upstream)]
            analytic = dict(zip(args, cell.step_backward(*alone, cache), strict=True))
            what = f"{kind}_step_backward" + (f" (next_{state.lower()})" if len(cell.states) > 1 else "")
            fd = max(fd, fd_worst(lambda a, k=k: cell.step_forward(**a)[k], args, upstream[k], analytic, what))
    return outputs, gradients, fd


def _sequence_checks(kind: str) -> tuple[Pairs, Pairs, float]:
    """The whole sequence at every shape of gc.TIME_SHAPES, as :func:`_step_checks`."""
    cell = CELLS[kind]
    outputs: Pairs = []
    gradients: Pairs = []
    fd = 0.0
    for seed, (n, d, h, t) in enumerate(gc.TIME_SHAPES):
        v, _ = cell.case(n, d, h, t, seed, **cell.sequence_case)
        args = {
            "x": _stack(v["X"], 1, t),
            "h0": v["H"][0].copy(),
            "Wx": v["W_x"].copy(),
            "Wh": v["W_h"].copy(),
            "b": v["b"][0].copy(),
        }
        hs, cache = cell.forward(**args)
        outputs.append((hs, _stack(v["H"], 1, t)))
        dh = _stack(v["G"], 1, t)
        grads = cell.backward(dh, cache)
        truths = (_stack(v["dL/dX"], 1, t), v["dL/dH"][0], v["dL/dW_x"], v["dL/dW_h"], v["dL/db"][0])
        gradients += list(zip(grads, truths, strict=True))
        fd = max(
            fd,
            fd_worst(lambda a: cell.forward(**a)[0], args, dh, dict(zip(args, grads, strict=True)), f"{kind}_backward"),
        )
    return outputs, gradients, fd


def layer_rows(kind: str) -> list[Row]:
    """The four functions of one cell (``"rnn"`` or ``"lstm"``): step and sequence, forward and backward."""
    step_out, step_grads, step_fd = _step_checks(kind)
    seq_out, seq_grads, seq_fd = _sequence_checks(kind)
    return [
        (f"{kind}_step_forward", len(step_out), worst(step_out, f"{kind}_step_forward"), None),
        (f"{kind}_step_backward", len(step_grads), worst(step_grads, f"{kind}_step_backward"), step_fd),
        (f"{kind}_forward", len(seq_out), worst(seq_out, f"{kind}_forward"), None),
        (f"{kind}_backward", len(seq_grads), worst(seq_grads, f"{kind}_backward"), seq_fd),
    ]


def rows_latex(rows: list[Row]) -> str:
    """A LaTeX table of rows: each function, how many arrays it was compared on, and its worst relative errors."""
    dash = r"\text{--}"
    cells = []
    for name, count, auto, fd in rows:
        texname = name.replace("_", r"\_")
        cells.append(
            rf"\texttt{{{texname}}} & {count} & "
            + (dash if math.isnan(auto) else sci(auto))
            + " & "
            + (dash if fd is None else sci(fd))
        )
    head = r"\text{function} & \text{arrays compared} & \text{vs autograd} & \text{vs finite differences}"
    return r"\begin{array}{lrrr}" + head + r" \\ \hline " + r" \\ ".join(cells) + r"\end{array}"


def _block_order(mapper: Callable, cell: object, rows_per_block: int, blocks: int) -> list[int]:
    """Which PyTorch row block lands in each of our column blocks: fill torch block k with k + 1 and look."""
    import torch

    with torch.no_grad():
        for k in range(blocks):
            cell.weight_ih[k * rows_per_block : (k + 1) * rows_per_block] = k + 1
    wx = mapper(cell)[0]
    return [round(float(wx[0, j * rows_per_block])) - 1 for j in range(blocks)]


def cell_mapping(kind: str) -> str:
    """Our step equals PyTorch's cell (``"rnn"``: RNNCell, ``"lstm"``: LSTMCell) once its weights are mapped:
    the mapping that was verified, as LaTeX; raises when the results differ."""
    import torch

    torch.manual_seed(0)
    n, d, h = 3, 5, 4
    cell = (torch.nn.LSTMCell if kind == "lstm" else torch.nn.RNNCell)(d, h).double()
    x, h0, c0 = (
        torch.randn(n, d, dtype=torch.float64),
        torch.randn(n, h, dtype=torch.float64),
        torch.randn(n, h, dtype=torch.float64),
    )
    with torch.no_grad():
        if kind == "lstm":
            wx, wh, b = L.lstm_weights_from_torch(cell)
            theirs_h, theirs_c = cell(x, (h0, c0))
            ours_h, ours_c, _ = L.lstm_step_forward(x.numpy(), h0.numpy(), c0.numpy(), wx, wh, b)
            largest = max(
                rel_error(ours_h, theirs_h.numpy(), "LSTMCell h"), rel_error(ours_c, theirs_c.numpy(), "LSTMCell c")
            )
        else:
            wx, wh, b = L.rnn_weights_from_torch(cell)
            ours_h, _ = L.rnn_step_forward(x.numpy(), h0.numpy(), wx, wh, b)
            largest = rel_error(ours_h, cell(x, h0).numpy(), "RNNCell h")
    if largest > AUTOGRAD_TOL:
        raise AssertionError(f"our {kind} step differs from PyTorch's cell by {largest:.3g} after mapping the weights")
    if kind == "rnn":
        return (
            r"W_x = W_{ih}^\top,\quad W_h = W_{hh}^\top,\quad b = b_{ih} + b_{hh}"
            rf"\qquad (\text{{largest relative difference }} {sci(largest)})"
        )
    order = _block_order(L.lstm_weights_from_torch, torch.nn.LSTMCell(d, h).double(), h, 4)
    torch_names = "ifgo"  # PyTorch's row blocks, in its order
    rows = [("0" if k == 0 else "H" if k == 1 else f"{k}H") + "{:}" + ("H" if k == 0 else f"{k + 1}H") for k in order]
    parts = r" \;\; ".join(rf"W_{{ih}}[{r}]^\top" for r in rows)
    gates = ", ".join(
        f"{ours} \\leftarrow {torch_names[k]}" for ours, k in zip(("f", "i", r"\tilde c", "o"), order, strict=True)
    )
    return (
        rf"\begin{{gathered}} W_x = \left[\; {parts} \;\right] \\ "
        rf"\text{{our gate}} \leftarrow \text{{PyTorch's}}: \; {gates}" + r" \\ "
        r"W_h \text{ likewise from } W_{hh}, \quad b \text{ from } b_{ih} + b_{hh} \text{ in the same order} \\ "
        rf"\text{{largest relative difference to LSTMCell: }} {sci(largest)} \end{{gathered}}"
    )
