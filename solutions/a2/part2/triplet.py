"""Triplet loss (Assignment II, Part II): the mathematics, computed three independent ways.

* symbolically, with sympy's matrix calculus on vectors of unknown dimension d,
  so no answer depends on a particular size;
* numerically, with float64 autograd in PyTorch, and against PyTorch's own
  ``nn.TripletMarginWithDistanceLoss``;
* by enumeration, for the counting question.

This module knows nothing about pages; ``part2_claims`` ties its results to
the answers the site shows.  Samples are numbered 1..6 as in the statement.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Sequence

import sympy
import torch

# The toy data set of the statement: the class label of x_1 .. x_6.
LABELS: tuple[int, ...] = (1, 1, 1, 2, 2, 2)
# The eight triplets (anchor, positive, negative) the statement says are active.
TRIPLETS: tuple[tuple[int, int, int], ...] = (
    (1, 2, 5),
    (1, 3, 4),
    (2, 1, 6),
    (2, 3, 4),
    (3, 1, 5),
    (5, 6, 2),
    (6, 4, 3),
    (6, 4, 2),
)
ROLES = ("a", "p", "n")

D = sympy.Symbol("d", integer=True, positive=True)  # the embedding dimension, left unknown


# ---------------------------------------------------------------- counting (Q4)


def valid_triplets(labels: Sequence[int]) -> list[tuple[int, int, int]]:
    """Every (anchor, positive, negative), 1-based: positive is another sample of the anchor's class,
    negative is a sample of another class.  The roles are ordered: (x1, x2, .) and (x2, x1, .) differ,
    as the statement's own list shows (it has both t1 = (x1, x2, x5) and t3 = (x2, x1, x6))."""
    idx = range(1, len(labels) + 1)
    return [
        (a, p, n)
        for a, p, n in itertools.product(idx, idx, idx)
        if a != p and labels[a - 1] == labels[p - 1] and labels[n - 1] != labels[a - 1]
    ]


def valid_triplet_formula(classes: sympy.Expr, per_class: sympy.Expr) -> sympy.Expr:
    """C classes of n samples: C*n anchors, n - 1 positives each, (C - 1)*n negatives each."""
    return classes * per_class * (per_class - 1) * (classes - 1) * per_class


def ordered_distinct_triples(n_samples: int) -> int:
    """Ordered triples of three different samples, labels ignored."""
    return sum(1 for _ in itertools.permutations(range(n_samples), 3))


def label_patterns(labels: Sequence[int]) -> int:
    """Distinct (label, label, label) patterns: what a count of 'combinations of classes' gives."""
    return len({(labels[a], labels[b], labels[c]) for a, b, c in itertools.product(range(len(labels)), repeat=3)})


def triples_with_repetition(n_samples: int) -> int:
    return sum(1 for _ in itertools.product(range(n_samples), repeat=3))


def unordered_anchor_positive(labels: Sequence[int]) -> int:
    """Valid triplets if {anchor, positive} were an unordered pair."""
    return len({(frozenset((a, p)), n) for a, p, n in valid_triplets(labels)})


def hinge_terms(triplet: tuple[int, int, int]) -> dict[str, int]:
    """The hinge argument z = d(a, p) + alpha - d(a, n) of a triplet as a linear form: coefficient of each
    distance ``d_ij`` (i < j, whatever the embedding's distance is) and of ``alpha``."""
    a, p, n = triplet

    def d(i: int, j: int) -> str:
        return f"d_{min(i, j)}{max(i, j)}"

    return {d(a, p): 1, "alpha": 1, d(a, n): -1}


def exclusivity_certificate(
    chosen: Sequence[tuple[int, int, int]], labels: Sequence[int]
) -> tuple[tuple[tuple[int, int, int], ...], tuple[tuple[int, int, int], ...]] | None:
    """Two chosen and two other valid triplets whose hinge arguments satisfy
    z(c1) + z(c2) = z(o1) + z(o2) identically, in the distances and the margin; or None.

    Such an identity proves that no embedding and no margin make exactly ``chosen`` the active triplets:
    that would need z(c1), z(c2) > 0 and z(o1), z(o2) <= 0, so the left side would be positive and the
    right side not, for every distance function.  Found by trying every pair against every pair (a few
    thousand linear forms, exact integers)."""
    others = [t for t in valid_triplets(labels) if t not in set(chosen)]

    def total(ts: Sequence[tuple[int, int, int]], sign: int, into: dict[str, int]) -> None:
        for t in ts:
            for k, v in hinge_terms(t).items():
                into[k] = into.get(k, 0) + sign * v

    for c in itertools.combinations_with_replacement(chosen, 2):
        for o in itertools.combinations_with_replacement(others, 2):
            form: dict[str, int] = {}
            total(c, 1, form)
            total(o, -1, form)
            if not any(form.values()):
                return c, o
    return None


# ---------------------------------------------------------------- symbolic gradients (Q2, Q3, Q5, Q6)


def _vec(name: str) -> sympy.MatrixSymbol:
    return sympy.MatrixSymbol(name, D, 1)


def hinge_argument(fa: sympy.MatrixExpr, fp: sympy.MatrixExpr, fn: sympy.MatrixExpr) -> sympy.MatrixExpr:
    """1/2 ||fa - fp||^2 - 1/2 ||fa - fn||^2 as a 1x1 matrix expression.

    The margin alpha is a constant and drops out of every derivative, so it is left out here.
    """
    return (fa - fp).T * (fa - fp) / 2 - (fa - fn).T * (fa - fn) / 2


def to_scalar_symbols(expr: sympy.Basic) -> sympy.Expr:
    """Turn a linear combination of vector symbols (MatAdd of coefficient * MatrixSymbol)
    into the same combination of plain symbols, which the page's LaTeX parses to."""
    if isinstance(expr, sympy.ZeroMatrix) or expr == 0:
        return sympy.Integer(0)
    terms = expr.args if isinstance(expr, sympy.MatAdd) else (expr,)
    out = sympy.Integer(0)
    for term in terms:
        if isinstance(term, sympy.MatrixSymbol):
            out += sympy.Symbol(term.name)
            continue
        coeff, rest = term.as_coeff_mmul()
        factors = rest.args if isinstance(rest, sympy.MatMul) else (rest,)
        if len(factors) != 1 or not isinstance(factors[0], sympy.MatrixSymbol):
            raise ValueError(f"not a linear combination of vectors: {expr}")
        out += coeff * sympy.Symbol(factors[0].name)
    return sympy.expand(out)


def gradient(expr: sympy.MatrixExpr, wrt: sympy.MatrixSymbol) -> sympy.Expr:
    """d expr / d wrt for a 1x1 expr, as plain symbols (0 when expr does not involve wrt)."""
    if not expr.has(wrt):
        return sympy.Integer(0)
    return to_scalar_symbols(sympy.simplify(expr.diff(wrt)))


@functools.cache
def role_gradients() -> dict[str, sympy.Expr]:
    """Q3: the gradient of an active triplet's loss with respect to f_a, f_p and f_n."""
    fa, fp, fn = (_vec(f"f_{r}") for r in ROLES)
    arg = hinge_argument(fa, fp, fn)
    return {r: gradient(arg, v) for r, v in zip(ROLES, (fa, fp, fn), strict=True)}


SAMPLES = tuple(_vec(f"f_{i}") for i in range(1, 7))


@functools.cache
def triplet_gradient(t: int, sample: int) -> sympy.Expr:
    """Q5: d L^t / d f_sample for the statement's triplet t (1-based), all triplets active.

    The chain rule on L^t(f_1..f_6) = l(f_a, f_p, f_n): Q3's gradient for each role the sample
    plays in triplet t, with the triplet's vectors put in for f_a, f_p, f_n (0 if it plays none).
    :func:`triplet_gradient_direct` differentiates L^t itself; the tests compare the two.
    """
    members = TRIPLETS[t - 1]
    put = {sympy.Symbol(f"f_{r}"): sympy.Symbol(f"f_{i}") for r, i in zip(ROLES, members, strict=True)}
    roles = role_gradients()
    return sympy.expand(
        sum((roles[r].xreplace(put) for r, i in zip(ROLES, members, strict=True) if i == sample), sympy.Integer(0))
    )


@functools.cache
def total_gradient(sample: int) -> sympy.Expr:
    """Q6: d L / d f_sample, L the sum of the eight triplet losses: the sum of the Q5 gradients.

    :func:`total_gradient_direct` differentiates the whole sum instead; the tests compare the two.
    """
    return sympy.expand(sum((triplet_gradient(t, sample) for t in range(1, len(TRIPLETS) + 1)), sympy.Integer(0)))


def triplet_gradient_direct(t: int, sample: int) -> sympy.Expr:
    """d L^t / d f_sample by sympy's matrix calculus on L^t written out in f_1..f_6 (tens of ms each,
    which is why the site build takes the chain-rule route of :func:`triplet_gradient`)."""
    a, p, n = TRIPLETS[t - 1]
    return gradient(hinge_argument(SAMPLES[a - 1], SAMPLES[p - 1], SAMPLES[n - 1]), SAMPLES[sample - 1])


def total_gradient_direct(sample: int) -> sympy.Expr:
    """d L / d f_sample by sympy's matrix calculus on the whole sum L = L^1 + ... + L^8."""
    total = sympy.MatAdd(*(hinge_argument(SAMPLES[a - 1], SAMPLES[p - 1], SAMPLES[n - 1]) for a, p, n in TRIPLETS))
    return gradient(total, SAMPLES[sample - 1])


# ---------------------------------------------------------------- numbers: autograd and PyTorch


def half_sq(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return 0.5 * ((x - y) ** 2).sum(-1)


def triplet_loss(
    f: torch.Tensor,
    triplets: Sequence[tuple[int, int, int]],
    alpha: float,
    hinge: Callable[[torch.Tensor], torch.Tensor] = torch.relu,
) -> torch.Tensor:
    """L = sum_t max(0, 1/2||f_a - f_p||^2 + alpha - 1/2||f_a - f_n||^2); f holds f_1..f_N as rows."""
    idx = torch.tensor(triplets) - 1
    fa, fp, fn = f[idx[:, 0]], f[idx[:, 1]], f[idx[:, 2]]
    return hinge(half_sq(fa, fp) + alpha - half_sq(fa, fn)).sum()


def pytorch_triplet_loss(f: torch.Tensor, triplets: Sequence[tuple[int, int, int]], alpha: float) -> torch.Tensor:
    """The same loss through torch.nn.TripletMarginWithDistanceLoss with the half squared distance."""
    idx = torch.tensor(triplets) - 1
    loss = torch.nn.TripletMarginWithDistanceLoss(distance_function=half_sq, margin=alpha, reduction="sum")
    return loss(f[idx[:, 0]], f[idx[:, 1]], f[idx[:, 2]])


def evaluate(expr: sympy.Expr, f: torch.Tensor) -> torch.Tensor:
    """Evaluate a linear combination of f_1..f_N (or f_a, f_p, f_n bound by the caller) at rows of f."""
    out = torch.zeros(f.shape[1], dtype=f.dtype)
    for sym, coeff in sympy.expand(expr).as_coefficients_dict().items():
        if sym == 1:
            if coeff != 0:
                raise ValueError(f"{expr} has a constant term; a gradient here is a combination of vectors")
            continue
        out += float(coeff) * f[int(sym.name.split("_")[1]) - 1]
    return out


AT_ZERO_TRIPLET, AT_ZERO_MARGIN = (0.0, 1.0, 2.0), 1.5  # f_a, f_p, f_n (one dimension) and alpha


def at_zero_triplet_z() -> float:
    """The hinge's argument z_t at the triplet where :func:`hinge_gradient_at_zero` measures PyTorch's loss, as
    the statement defines it (1/2 ||f_a - f_p||^2 + alpha - 1/2 ||f_a - f_n||^2)."""
    fa, fp, fn = AT_ZERO_TRIPLET
    return 0.5 * (fa - fp) ** 2 + AT_ZERO_MARGIN - 0.5 * (fa - fn) ** 2


def hinge_gradient_at_zero() -> dict[str, float]:
    """What PyTorch returns as d/dz max(0, z) at exactly z = 0, for the usual ways of writing it."""
    ways: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
        "relu": torch.relu,
        "clamp_min": lambda z: torch.clamp(z, min=0),
        "maximum": lambda z: torch.maximum(z, torch.zeros_like(z)),
    }
    out: dict[str, float] = {}
    for name, fn in ways.items():
        z = torch.zeros((), dtype=torch.float64, requires_grad=True)
        fn(z).backward()
        out[name] = float(z.grad)
    # nn.TripletMarginWithDistanceLoss at a triplet whose hinge argument is exactly 0 (at_zero_triplet_z()).
    f = torch.tensor([[v] for v in AT_ZERO_TRIPLET], dtype=torch.float64, requires_grad=True)
    pytorch_triplet_loss(f, [(1, 2, 3)], AT_ZERO_MARGIN).backward()
    # dL/df_p = theta * (f_p - f_a) with theta the hinge's derivative; f_p - f_a = 1.
    out["TripletMarginWithDistanceLoss"] = float(f.grad[1, 0])
    return out


# ---------------------------------------------------------------- the worked example

# The data of the worked example: chosen by hand, small integers so every number is exact.
EXAMPLE_X = ((-1, 1, 2), (0, 2, 1), (-1, 0, 0), (1, 2, 2), (1, 0, 0), (-1, 2, 2))  # x_1 .. x_6
EXAMPLE_W = ((1, 0, 1), (0, 1, -1))
EXAMPLE_ALPHA = sympy.Integer(1)
EXAMPLE_ETA = sympy.Rational(1, 10)


def _rows(m: Sequence[Sequence[int]]) -> sympy.Matrix:
    return sympy.Matrix([[sympy.Integer(v) for v in row] for row in m])


class WorkedExample:
    """One gradient-descent step of the statement's procedure, in exact rational arithmetic.

    Step 3 uses the Q6 formulas (``total_gradient``) for dL/df_i; :meth:`autograd_agrees`
    redoes everything in float64 PyTorch, which knows nothing of those formulas.
    """

    def __init__(self) -> None:
        self.X = _rows(EXAMPLE_X)
        self.W = _rows(EXAMPLE_W)
        self.alpha, self.eta = EXAMPLE_ALPHA, EXAMPLE_ETA

    def embeddings(self, W: sympy.Matrix | None = None) -> list[sympy.Matrix]:
        W = self.W if W is None else W
        return [W * self.X.row(i).T for i in range(self.X.rows)]

    def triplet_losses(self, W: sympy.Matrix | None = None) -> list[sympy.Rational]:
        f = self.embeddings(W)

        def half_sq(u: sympy.Matrix, v: sympy.Matrix) -> sympy.Rational:
            return (u - v).dot(u - v) / 2

        return [
            sympy.Max(0, half_sq(f[a - 1], f[p - 1]) + self.alpha - half_sq(f[a - 1], f[n - 1])) for a, p, n in TRIPLETS
        ]

    def loss(self, W: sympy.Matrix | None = None) -> sympy.Rational:
        return sum(self.triplet_losses(W), sympy.Integer(0))

    def all_active(self) -> bool:
        return all(v > 0 for v in self.triplet_losses())

    @functools.cache  # noqa: B019 - one example object per process; its data never changes
    def embedding_gradients(self) -> list[sympy.Matrix]:
        """dL/df_i from the Q6 formulas, valid because every triplet is active."""
        if not self.all_active():
            raise ValueError("the Q6 formulas assume all eight triplets are active")
        f = self.embeddings()
        out = []
        for i in range(1, 7):
            g = sympy.zeros(f[0].rows, 1)
            for sym, coeff in sympy.expand(total_gradient(i)).as_coefficients_dict().items():
                g += coeff * f[int(sym.name.split("_")[1]) - 1]
            out.append(g)
        return out

    def deltas(self) -> list[sympy.Matrix]:
        """Delta_i = (dL/df_i) x_i^T: the statement's 'dL/df_i times x_i', as the outer product that has W's shape."""
        return [g * self.X.row(i) for i, g in enumerate(self.embedding_gradients())]

    def new_W(self) -> sympy.Matrix:
        return self.W - self.eta * sum(self.deltas(), sympy.zeros(*self.W.shape)) / 6

    def autograd_agrees(self, tol: float = 1e-12) -> dict[str, float]:
        """Redo the step in float64 autograd; return the largest absolute disagreement of each quantity."""
        X = torch.tensor([[float(v) for v in row] for row in EXAMPLE_X], dtype=torch.float64)
        W = torch.tensor([[float(v) for v in row] for row in EXAMPLE_W], dtype=torch.float64, requires_grad=True)
        f = X @ W.T
        f.retain_grad()
        loss = triplet_loss(f, TRIPLETS, float(self.alpha))
        loss.backward()
        W_new = W.detach() - float(self.eta) * W.grad / 6
        loss_new = triplet_loss(X @ W_new.T, TRIPLETS, float(self.alpha))
        gaps = {
            "loss": abs(loss.item() - float(self.loss())),
            "dL/df": max(
                float(abs(f.grad[i, k] - float(g[k])))
                for i, g in enumerate(self.embedding_gradients())
                for k in range(g.rows)
            ),
            "sum of Delta_i": float(
                (W.grad - torch.tensor(_floats(sum(self.deltas(), sympy.zeros(*self.W.shape))), dtype=torch.float64))
                .abs()
                .max()
            ),
            "W_new": float((W_new - torch.tensor(_floats(self.new_W()), dtype=torch.float64)).abs().max()),
            "loss after": abs(loss_new.item() - float(self.loss(self.new_W()))),
        }
        bad = {k: v for k, v in gaps.items() if v > tol}
        if bad:
            raise AssertionError(f"exact arithmetic and float64 autograd disagree: {bad}")
        return gaps


def _floats(m: sympy.Matrix) -> list[list[float]]:
    return [[float(m[i, j]) for j in range(m.cols)] for i in range(m.rows)]
