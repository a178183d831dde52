"""The numbers a gradient formula on the Q3 and Q4 pages is checked against.

Shared by Q3 (the vanilla RNN), Q4 (the LSTM) and the layer checks of both
(:mod:`.layer_checks`).  ``q3_claims`` and ``q4_claims`` give their tables of
gradients to :func:`gradient_claims`, which declares each row as a claim of the
calling module, its truth computed by :func:`truth`.  Each case is a real forward
pass in float64 PyTorch at small random shapes (always including N = 1 and
T = 1), with the loss

    L = sum_t <G_t, H_t>  (+ <S_t, C_t> for the one-step LSTM),

so that G_t is exactly the gradient that arrives at H_t from above (``dh`` in
the code) and S_t the one that arrives at C_t from the next step (``dnext_c``).
Autograd gives every gradient, including those with respect to the hidden
states and the gate pre-activations (``retain_grad``); the gradients with
respect to the inputs and weights are checked against centred finite
differences entry by entry before any case is used.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable

import numpy as np
import sympy
import torch

from solutions.engine import Gradient, GradientCase, GradientNotation, GradientTruth, Integer, claim

FD_EPS = 1e-6
GATES = ("f", "i", "c", "o")  # the homework's block order in W_x, W_h and b

STEP_SHAPES = ((1, 1, 1), (1, 3, 2), (2, 3, 4), (4, 2, 3))  # (N, D, H), T = 1
TIME_SHAPES = ((1, 2, 3, 1), (2, 3, 2, 3), (3, 2, 4, 4), (1, 1, 2, 5))  # (N, D, H, T)

Build = Callable[..., tuple[dict, str]]  # a case: (N, D, H, T, seed, **kw) -> (values, label), as rnn_case
Shapes = tuple[tuple[int, ...], ...]


def _fd_check(
    loss_of: Callable[[], torch.Tensor], leaves: dict[str, torch.Tensor], grads: dict[str, torch.Tensor], label: str
) -> None:
    """Every entry of every leaf: centred difference against autograd, gradcheck's tolerances."""
    for name, leaf in leaves.items():
        flat, g = leaf.data.view(-1), grads[name].reshape(-1)
        for k in range(flat.numel()):
            old = flat[k].item()
            flat[k] = old + FD_EPS
            up = loss_of().item()
            flat[k] = old - FD_EPS
            down = loss_of().item()
            flat[k] = old
            numeric = (up - down) / (2 * FD_EPS)
            err = abs(numeric - g[k].item())
            if err > 1e-5 + 1e-3 * abs(numeric):
                raise AssertionError(
                    f"{label}: autograd and finite differences disagree for d{name}[{k}]: "
                    f"{g[k].item():.6g} vs {numeric:.6g}"
                )


def _np(x: torch.Tensor) -> np.ndarray:
    return x.detach().numpy().copy()


def _over_time(seq: dict[int, torch.Tensor], grad: bool = False) -> dict[int, np.ndarray]:
    """A state at every time it has (or, with ``grad``, the gradient that reached it there)."""
    return {t: _np(v.grad if grad else v) for t, v in seq.items()}


def _shared_values(
    x: torch.Tensor, g: torch.Tensor, wx: torch.Tensor, wh: torch.Tensor, b: torch.Tensor, hidden: dict
) -> dict:
    """The values both cells have, after the backward pass: the inputs X_t, the upstream G_t, the weights
    (b as a row), a column of ones, and the gradients with respect to X_t, H_t (H_0 included) and the weights."""
    steps = range(1, x.shape[0] + 1)
    return {
        "X": {t: _np(x[t - 1]) for t in steps},
        "G": {t: _np(g[t - 1]) for t in steps},
        "W_x": _np(wx),
        "W_h": _np(wh),
        "b": _np(b)[None, :],
        "_ones": torch.ones(x.shape[1], 1, dtype=torch.float64).numpy(),
        "dL/dX": {t: _np(x.grad[t - 1]) for t in steps},
        "dL/dH": _over_time(hidden, grad=True),
        "dL/dW_x": _np(wx.grad),
        "dL/dW_h": _np(wh.grad),
        "dL/db": _np(b.grad)[None, :],
    }


@functools.cache
def rnn_case(N: int, D: int, H: int, T: int, seed: int) -> tuple[dict, str]:
    """One forward/backward of the vanilla RNN; values keyed as on the page (cached: many claims share it)."""
    gen = torch.Generator().manual_seed(seed)

    def rand(*shape: int, scale: float = 1.0) -> torch.Tensor:
        return (scale * torch.randn(*shape, generator=gen, dtype=torch.float64)).requires_grad_(True)

    x, h0 = rand(T, N, D), rand(N, H)
    wx, wh, b = rand(D, H, scale=0.7), rand(H, H, scale=0.7), rand(H, scale=0.5)
    g = torch.randn(T, N, H, generator=gen, dtype=torch.float64)
    leaves = {"X": x, "H_0": h0, "W_x": wx, "W_h": wh, "b": b}
    states: dict[str, dict[int, torch.Tensor]] = {"H": {0: h0}, "A": {}}

    def forward() -> torch.Tensor:
        h, loss = h0, torch.zeros((), dtype=torch.float64)
        for t in range(1, T + 1):
            a = x[t - 1] @ wx + h @ wh + b
            h = torch.tanh(a)
            states["A"][t], states["H"][t] = a, h
            loss = loss + (g[t - 1] * h).sum()
        return loss

    loss = forward()
    for t in range(1, T + 1):
        states["A"][t].retain_grad()
        states["H"][t].retain_grad()
    loss.backward()
    label = f"N={N}, D={D}, H={H}, T={T}"
    values = _shared_values(x, g, wx, wh, b, states["H"])
    values |= {"H": _over_time(states["H"]), "A": _over_time(states["A"]), "dL/dA": _over_time(states["A"], grad=True)}
    _fd_check(forward, leaves, {k: v.grad for k, v in leaves.items()}, label)  # forward() again: values taken first
    return values, label


@functools.cache
def lstm_case(
    N: int, D: int, H: int, T: int, seed: int, cell_upstream: bool = False, zero_c0: bool = False
) -> tuple[dict, str]:
    """One forward/backward of the LSTM (blocks [f, i, c~, o]); ``cell_upstream`` adds <S_T, C_T> to the loss,
    ``zero_c0`` starts from C_0 = 0 as ``lstm_forward`` does."""
    gen = torch.Generator().manual_seed(seed)

    def rand(*shape: int, scale: float = 1.0) -> torch.Tensor:
        return (scale * torch.randn(*shape, generator=gen, dtype=torch.float64)).requires_grad_(True)

    x, h0, c0 = rand(T, N, D), rand(N, H), rand(N, H)
    if zero_c0:
        c0 = torch.zeros(N, H, dtype=torch.float64, requires_grad=True)
    wx, wh, b = rand(D, 4 * H, scale=0.7), rand(H, 4 * H, scale=0.7), rand(4 * H, scale=0.5)
    g = torch.randn(T, N, H, generator=gen, dtype=torch.float64)
    s = torch.randn(N, H, generator=gen, dtype=torch.float64) if cell_upstream else None
    leaves = {"X": x, "H_0": h0, "C_0": c0, "W_x": wx, "W_h": wh, "b": b}
    names = ("H", "C", "F", "I", "~C", "O", "A^f", "A^i", "A^c", "A^o")
    st: dict[str, dict[int, torch.Tensor]] = {k: {} for k in names}
    st["H"][0], st["C"][0] = h0, c0

    def forward() -> torch.Tensor:
        h, c, loss = h0, c0, torch.zeros((), dtype=torch.float64)
        for t in range(1, T + 1):
            a = x[t - 1] @ wx + h @ wh + b
            blocks = dict(zip(GATES, a.split(H, dim=1), strict=True))
            f, i, o = torch.sigmoid(blocks["f"]), torch.sigmoid(blocks["i"]), torch.sigmoid(blocks["o"])
            cand = torch.tanh(blocks["c"])
            c = f * c + i * cand
            h = o * torch.tanh(c)
            for k, v in blocks.items():
                st["A^" + k][t] = v
            st["F"][t], st["I"][t], st["~C"][t], st["O"][t], st["C"][t], st["H"][t] = f, i, cand, o, c, h
            loss = loss + (g[t - 1] * h).sum()
        if s is not None:
            loss = loss + (s * c).sum()
        return loss

    loss = forward()
    for key in ("H", "C", "A^f", "A^i", "A^c", "A^o"):
        for t, v in st[key].items():
            if t > 0:
                v.retain_grad()
    loss.backward()
    label = f"N={N}, D={D}, H={H}, T={T}"
    values = {k: _over_time(d) for k, d in st.items()} | _shared_values(x, g, wx, wh, b, st["H"])
    if s is not None:
        values["S"] = {T: s.numpy().copy()}
    for k, gate in enumerate(GATES):
        cols = slice(k * H, (k + 1) * H)
        values[f"W_x^{gate}"], values[f"W_h^{gate}"] = values["W_x"][:, cols], values["W_h"][:, cols]
        values[f"b^{gate}"] = values["b"][:, cols]
        values[f"dL/dW_x^{gate}"], values[f"dL/dW_h^{gate}"] = values["dL/dW_x"][:, cols], values["dL/dW_h"][:, cols]
        values[f"dL/db^{gate}"] = values["dL/db"][:, cols]
        values[f"dL/dA^{gate}"] = _over_time(st["A^" + gate], grad=True)
    values["dL/dC"] = _over_time(st["C"], grad=True)
    _fd_check(forward, leaves, {k: v.grad for k, v in leaves.items()}, label)  # forward() again: values taken first
    return values, label


def cases(
    build: Build,
    target: str,
    shapes: Iterable[tuple[int, ...]],
    times: str = "all",
    seed_offset: int = 0,
    **kw: object,
) -> list[GradientCase]:
    """One case per shape and time step t; ``times``: "all" (1..T), "before_last" (1..T-1), "last" (T) or "none".

    ``target`` names the true gradient: a key of the values ("dL/dW_x"), at time t for quantities that
    change with time, or "key@k" for time t + k, or "key#k" for the fixed time k."""
    out = []
    for seed, shape in enumerate(shapes):
        n, d, h, *rest = shape
        big_t = rest[0] if rest else 1
        values, label = build(n, d, h, big_t, seed + seed_offset, **kw)
        ts = {"all": range(1, big_t + 1), "before_last": range(1, big_t), "last": [big_t], "none": [None]}[times]
        for t in ts:
            truth = values[target.split("@")[0].split("#")[0]]
            if "@" in target:  # relative to t: "dL/dH@-1" is the gradient at H_{t-1}
                truth = truth[t + int(target.split("@")[1])]
            elif "#" in target:  # an absolute time: "dL/dH#0"
                truth = truth[int(target.split("#")[1])]
            elif isinstance(truth, dict):
                truth = truth[t]
            bindings = {"T": big_t} | ({"t": t} if t is not None else {})
            out.append(GradientCase(values, bindings, truth, label + (f", t={t}" if t is not None else "")))
    return out


HOW = (
    "evaluated on float64 forward passes at {shapes}, against autograd (gradcheck tolerances); "
    "autograd's input and weight gradients agree with centred finite differences"
)


def dl(name: str) -> str:
    """The LaTeX of dL/d(name)."""
    return r"\frac{\partial L}{\partial " + name + "}"


def how(shapes: Shapes) -> str:
    """How a gradient claim evaluated at ``shapes`` is known, in one sentence for the Verification page."""
    label = ("T = 1, (N, D, H) in " if shapes is STEP_SHAPES else "(N, D, H, T) in ") + str(list(shapes))
    return HOW.format(shapes=label)


# The question's own notation: one example, column vectors.  The same forward passes (those with N = 1), each
# per-example quantity a column (x_t = X_t^T, h_t, a_t, g_t, c_t, f_t, i_t, ~c_t, o_t, s_t and the gate
# pre-activations a^g_t), each weight the transpose of the page's (W_x is H x D: the question's W_x x_t is the
# page's X_t W_x), the bias a column, and every gradient the transpose of the page's.
ROW_NOTE = "the page's batched rows (one row per example: X_t is N x D, W_x is D x H)"
COLUMN_NOTE = "the question's column vectors (one example: x_t is D x 1, W_x is the page's W_x^T)"
_PER_EXAMPLE = {"X", "H", "A", "G", "C", "F", "I", "O", "S", "~C"}


def column_name(key: str) -> str:
    """A quantity's name in the question's notation: the per-example ones in lower case (H -> h, A^f -> a^f,
    dL/dX -> dL/dx), the weights and biases as they are."""
    if key.startswith("dL/d"):
        return "dL/d" + column_name(key[4:])
    base, sep, label = key.partition("^")
    return (base.lower() if base in _PER_EXAMPLE else base) + sep + label


def column_lhs(lhs: str) -> str:
    """A left-hand side such as ``\\frac{\\partial L}{\\partial H_{t-1}}`` in the question's notation."""
    return re.sub(r"(\\partial )(X|H|A|C)(?=[_^])", lambda m: m.group(1) + m.group(2).lower(), lhs)


def _transposed(value: object) -> object:
    if isinstance(value, dict):
        return {t: a.T.copy() for t, a in value.items()}
    return value.T.copy() if isinstance(value, np.ndarray) else value


def column_cases(row_cases: list[GradientCase]) -> list[GradientCase]:
    """The cases of one example (N = 1) in the question's notation: every array transposed, renamed."""
    out, views = [], {}
    for case in row_cases:
        if np.asarray(case.truth).ndim != 2 or next(iter(case.values["X"].values())).shape[0] != 1:
            continue
        view = views.get(id(case.values))
        if view is None:
            view = {("_ones" if k == "_ones" else column_name(k)): _transposed(v) for k, v in case.values.items()}
            views[id(case.values)] = view
        out.append(GradientCase(view, case.bindings, case.truth.T.copy(), case.label))
    return out


def truth(
    build: Build, target: str, shapes: Shapes, times: str = "all", lhs: str = "", **kw: object
) -> Callable[[], GradientTruth]:
    """The function that computes autograd's ``target`` on these cases: the truth of one gradient claim, in
    the page's notation and (given the page's left-hand side ``lhs``) in the question's column vectors.

    It carries ``spec = (build, target, times, kw)`` so that the tests can evaluate the same claim at
    random shapes."""

    def compute() -> GradientTruth:
        rows = cases(build, target, shapes, times, **kw)
        columns = [GradientNotation("columns", COLUMN_NOTE, column_lhs(lhs), column_cases(rows))] if lhs else []
        return GradientTruth(rows, "float64 autograd, checked by finite differences", columns, ROW_NOTE, lhs)

    compute.spec = (build, target, times, kw)  # type: ignore[attr-defined]
    return compute


BY_ID: dict[str, tuple[str, Callable[[], GradientTruth]]] = {}  # claim id -> (left-hand side, truth)


def _truths(question: str) -> list[Callable[[], GradientTruth]]:
    """The truths of a question's gradient claims in the page's notation ("q3": hw2.q3.step.*, hw2.q3.bptt.*)."""
    return [compute for cid, (_, compute) in BY_ID.items() if cid.split(".")[1] == question]


def step_that_fits(claim_id: str, template: str, offsets: Iterable[int] = (-1, 0, 1)) -> sympy.Expr:
    """The one step, t + k for k in ``offsets``, at which ``template`` equals the gradient claim's truth.

    ``template`` is a page formula with ``@`` where a subscript names the step (``F_{@}``); each candidate
    replaces it (``t-1``, ``t``, ``t+1``) and is judged as the claim's own kind judges a page (every case, every
    entry).  An error unless exactly one fits, so a statement such as "the forget gate of step t + 1" is
    checked against autograd rather than written by hand."""
    lhs, compute = BY_ID[claim_id]
    truth, kind, t = compute(), Gradient(lhs), sympy.Symbol("t")
    fits = []
    for k in offsets:
        text = template.replace("@", "t" if k == 0 else f"t{k:+d}")
        if kind.compare_text(None, text, truth).outcome == "equivalent":  # type: ignore[arg-type]
            fits.append(t + k)
    if len(fits) != 1:
        raise AssertionError(f"{claim_id}: steps {fits or 'none'} of t{list(offsets)} fit {template!r}")
    return fits[0]


def _n(case: GradientCase) -> int:
    """The number of examples of a case (the rows of X_t, or its columns in the question's notation)."""
    x = next(iter(case.values["X" if "X" in case.values else "x"].values()))
    return x.shape[0] if "X" in case.values else x.shape[1]


@functools.cache  # the .n and .t claims of a question both read it: its truths are built once
def smallest_sizes(question: str) -> tuple[int, int]:
    """The largest, over the question's gradient claims, of each claim's smallest N (1 when every formula is
    evaluated on one example among its cases), and the smallest T of all their cases (a recurrence from step
    t + 1 has no case of one step, so T is not asked of every formula)."""
    truths = [compute() for compute in _truths(question)]
    n = max(min(_n(c) for c in t.cases) for t in truths)
    big_t = min(c.bindings["T"] for t in truths for c in t.cases)
    return n, big_t


def column_examples(question: str) -> int:
    """The number of examples in every case of the question's column-vector notation (one value, or an error)."""
    sizes = {_n(c) for compute in _truths(question) for n in compute().notations for c in n.cases}
    if len(sizes) != 1:
        raise AssertionError(f"the column-vector cases of {question} have {sorted(sizes)} examples, not one number")
    return sizes.pop()


CASES_HOW = "read off the arrays of every gradient claim's cases on this page"


def case_claims(question: str) -> None:
    """Declare ``hw2.<question>.cases.n``, ``.t`` and ``.column_n``: the sizes the page says its formulas are
    checked at (:func:`smallest_sizes`, :func:`column_examples`).  The claims belong to the caller's module."""
    for name, how_, compute in (
        ("n", "the largest of each formula's smallest N", lambda: smallest_sizes(question)[0]),
        ("t", "the smallest T of all of them", lambda: smallest_sizes(question)[1]),
        ("column_n", "the N of every case in the question's column vectors", lambda: column_examples(question)),
    ):
        claim(f"hw2.{question}.cases.{name}", Integer(), f"{CASES_HOW}: {how_}", caller=1)(compute)


def gradient_claims(prefix: str, table: dict[str, tuple[str, ...]], build: Build, shapes: Shapes) -> None:
    """Declare a claim ``<prefix>.<name>`` for each row ``name: (lhs, target)`` or ``(lhs, target, times)`` of
    ``table``: the page's formula for ``lhs`` equals autograd's ``target`` on these cases, at the times
    ``times`` ("all" when not given); and a claim ``<prefix>.col.<name>``: the page's formula in the question's
    column vectors equals it on the cases of one example.  The claims belong to the module and line that call
    this."""
    for name, (lhs, target, *times) in table.items():
        compute = truth(build, target, shapes, *times, lhs=lhs)
        BY_ID[f"{prefix}.{name}"] = (lhs, compute)
        claim(f"{prefix}.{name}", Gradient(lhs), how(shapes), caller=1)(compute)
        col_how = how(shapes) + "; in the question's column vectors on the cases with N = 1"
        claim(f"{prefix}.col.{name}", Gradient(column_lhs(lhs), notation="columns"), col_how, caller=1)(compute)
