"""The answers of Assignment II, Part II (triplet loss), as claims.

Each function returns the truth behind one answer on ``docs/a2/part2.md`` or
``docs/a2/worked-example.md``; the mathematics is in :mod:`solutions.a2.part2.triplet`.
Where an answer has a second, independent route to it (autograd, PyTorch's own
loss, enumeration), the function takes that route too and raises if the
routes disagree, so a wrong derivation cannot be marked verified.
"""

from __future__ import annotations

import functools
import itertools
import math
import re

import sympy
import torch

from solutions.a2.part2 import triplet as tl
from solutions.common import paths
from solutions.engine import (
    Decimal,
    Formula,
    Generated,
    Gradient,
    GradientCase,
    GradientTruth,
    Integer,
    Shown,
    claim,
    mistake,
)

ROLE_VECTORS = ("f_a", "f_p", "f_n")
SAMPLE_VECTORS = tuple(f"f_{i}" for i in range(1, 7))
_z = sympy.Symbol("z")


def _hinge_slope(z: int) -> sympy.Expr:
    """d/dz max(0, z) at a point z != 0, by sympy (Heaviside of z)."""
    return sympy.diff(sympy.Max(0, _z), _z).subs(_z, z)


@functools.cache  # one set of random points serves the three roles
def _autograd_roles(active: bool, dims: tuple[int, ...] = (1, 2, 3, 7)) -> dict[str, list[torch.Tensor]]:
    """Gradients of one triplet's loss at random points where the hinge is active (or not), float64."""
    gen = torch.Generator().manual_seed(5900)
    out: dict[str, list[torch.Tensor]] = {r: [] for r in tl.ROLES}
    for d in dims:
        for _ in range(20):
            f = torch.randn(3, d, generator=gen, dtype=torch.float64, requires_grad=True)
            alpha = 0.5
            g = float((tl.half_sq(f[0], f[1]) + alpha - tl.half_sq(f[0], f[2])).detach())
            if (g > 0) != active or abs(g) < 1e-6:
                continue
            tl.triplet_loss(f, [(1, 2, 3)], alpha).backward()
            mine = f.grad.clone()
            f.grad = None
            tl.pytorch_triplet_loss(f, [(1, 2, 3)], alpha).backward()
            if not torch.allclose(mine, f.grad, atol=1e-12):
                raise AssertionError("our loss and nn.TripletMarginWithDistanceLoss disagree on the gradient")
            for k, r in enumerate(tl.ROLES):
                out[r].append((f.detach(), mine[k]))
    return out


def _role_claim(role: str, active: bool) -> sympy.Expr:
    truth = tl.role_gradients()[role] * _hinge_slope(1 if active else -1)
    checked = 0
    for f, grad in _autograd_roles(active)[role]:
        numbered = {sympy.Symbol(v): sympy.Symbol(f"f_{k + 1}") for k, v in enumerate(ROLE_VECTORS)}
        expected = tl.evaluate(truth.subs(numbered), f)
        if not torch.allclose(grad, expected, atol=1e-12):
            raise AssertionError(
                f"autograd gives {grad.tolist()} for dL/df_{role}, the formula {truth} gives {expected.tolist()}"
            )
        checked += 1
    if checked < 20:
        raise AssertionError(f"only {checked} random points tested for dL/df_{role}")
    return truth


_HOW_ROLE = (
    "sympy matrix calculus on d-dimensional vectors (d symbolic), times the hinge's slope; "
    "float64 autograd and nn.TripletMarginWithDistanceLoss agree at 80 random points, d = 1, 2, 3, 7"
)


def _lhs(t: str, wrt: str) -> str:
    return rf"\frac{{\partial L^{{{t}}}}}{{\partial f_{{{wrt}}}}}"


# ------------------------------------------------------------------ Q2: hinge inactive

for _role in tl.ROLES:
    claim(f"a2.q2.dL_df{_role}", Formula(lhs=_lhs("t", _role), vectors=ROLE_VECTORS), _HOW_ROLE)(
        lambda role=_role: _role_claim(role, active=False)
    )


_HOW_TORCH = (
    "measured: backward() through the expression at exactly 0 in float64, PyTorch " + torch.__version__.split("+")[0]
)

for _way in ("relu", "clamp_min", "maximum", "TripletMarginWithDistanceLoss"):
    claim(f"a2.q2.torch_at_zero.{_way}", Decimal(tol=0.0), _HOW_TORCH)(
        lambda way=_way: tl.hinge_gradient_at_zero()[way]
    )


@claim(
    "a2.q2.torch_at_zero.triplet_z",
    Decimal(tol=0.0),
    "z_t as the statement defines it, at the triplet where PyTorch's TripletMarginWithDistanceLoss is measured",
)
def torch_at_zero_triplet_z() -> float:
    return tl.at_zero_triplet_z()


# ------------------------------------------------------------------ Q2: at exactly z = 0 (the kink)

_theta = sympy.Symbol("theta")


@claim("a2.q2.loss_below_zero", Integer(), "sympy: max(0, z) for a negative symbol z")
def loss_below_zero() -> int:
    return int(sympy.Max(0, sympy.Symbol("z", negative=True)))


@claim("a2.q2.kink.left_slope", Integer(), "sympy: d/dz max(0, z) left of 0; equal to the difference quotient at -1e-9")
def kink_left_slope() -> int:
    return _one_sided_slope(-1)


@claim(
    "a2.q2.kink.right_slope", Integer(), "sympy: d/dz max(0, z) right of 0; equal to the difference quotient at 1e-9"
)
def kink_right_slope() -> int:
    return _one_sided_slope(1)


def _one_sided_slope(side: int) -> int:
    slope = _hinge_slope(side)
    h = side * 1e-9
    quotient = (max(0.0, h) - max(0.0, 0.0)) / h
    if abs(float(slope) - quotient) > 1e-12:
        raise AssertionError(f"sympy's slope {slope} and the difference quotient {quotient} disagree")
    return int(slope)


def _kink_member(role: str) -> sympy.Expr:
    """theta times the active hinge's gradient: at the two one-sided slopes it must be Q2's and Q3's answers."""
    member = _theta * tl.role_gradients()[role]
    for side, active in ((-1, False), (1, True)):
        if sympy.expand(member.subs(_theta, _one_sided_slope(side)) - _role_claim(role, active)) != 0:
            raise AssertionError(
                f"theta = {_one_sided_slope(side)} does not give the {'Q3' if active else 'Q2'} answer"
            )
    return member


_HOW_KINK = (
    "sympy: theta times the active hinge's gradient (Clarke's chain rule, max(0, .) convex), equal to Q2's answer "
    "at theta = 0 and to Q3's at theta = 1, each checked by autograd"
)
for _role in tl.ROLES:
    claim(f"a2.q2.kink.dL_df{_role}", Formula(lhs=_lhs("t", _role), vectors=(*ROLE_VECTORS,)), _HOW_KINK)(
        lambda role=_role: _kink_member(role)
    )


@claim("a2.q2.kink.theta_for_q2", Integer(), "sympy: the theta for which every member of the set is the zero vector")
def kink_theta_for_q2() -> int:
    (theta,) = sympy.solve(_theta * sympy.Symbol("g", nonzero=True), _theta)  # theta g = 0 for a vector g != 0
    if any(sympy.expand(_kink_member(r).subs(_theta, theta)) != 0 for r in tl.ROLES):
        raise AssertionError(f"theta = {theta} does not make every member zero")
    return int(theta)


# ------------------------------------------------------------------ the half squared distance's gradients


def _half_sq_gradient(wrt: str) -> sympy.Expr:
    u, v = tl._vec("u"), tl._vec("v")
    return tl.gradient((u - v).T * (u - v) / 2, u if wrt == "u" else v)


_HOW_HALF_SQ = "sympy matrix calculus on d-dimensional vectors u, v (d symbolic)"
for _wrt in ("u", "v"):
    claim(
        f"a2.q3.half_sq_gradient.{_wrt}",
        Formula(vectors=("u", "v")),
        _HOW_HALF_SQ,
    )(lambda wrt=_wrt: _half_sq_gradient(wrt))


@claim("a2.q3.loss_above_zero", Formula(), "sympy: max(0, z_t) for a positive symbol z_t")
def loss_above_zero() -> sympy.Expr:
    z = sympy.Symbol("z_t", positive=True)
    return sympy.Max(0, z).subs(z, sympy.Symbol("z_t"))


# ------------------------------------------------------------------ Q3: hinge active

for _role in tl.ROLES:
    claim(f"a2.q3.dL_df{_role}", Formula(lhs=_lhs("t", _role), vectors=ROLE_VECTORS), _HOW_ROLE)(
        lambda role=_role: _role_claim(role, active=True)
    )


@claim("a2.q3.sum_is_zero", Formula(vectors=ROLE_VECTORS), "sympy: the sum of the three Q3 gradients, expanded")
def q3_sum_is_zero() -> sympy.Expr:
    return sympy.expand(sum((_role_claim(role, active=True) for role in tl.ROLES), sympy.Integer(0)))


# ------------------------------------------------------------------ Q4: counting triplets


@claim("a2.q4.valid_triplets", Integer(), "enumeration of all 6^3 index triples of the data set")
def valid_triplets() -> int:
    return len(tl.valid_triplets(tl.LABELS))


_C, _n = sympy.symbols("C n")
LARGEST = 5  # the general count is checked by enumeration for C classes of n samples, C and n up to this


@claim("a2.q4.general_formula", Formula(), "sympy; equal to the enumerated count for every C, n from 1 to 5")
def general_formula() -> sympy.Expr:
    formula = tl.valid_triplet_formula(_C, _n)
    for c in range(1, LARGEST + 1):
        for n in range(1, LARGEST + 1):
            labels = [k for k in range(c) for _ in range(n)]
            if formula.subs({_C: c, _n: n}) != len(tl.valid_triplets(labels)):
                raise AssertionError(f"formula and enumeration disagree at C={c}, n={n}")
    return formula


_OTHER_COUNTS = {
    "ordered_distinct": ("enumeration (itertools.permutations)", lambda: tl.ordered_distinct_triples(len(tl.LABELS))),
    "with_repetition": ("enumeration (itertools.product)", lambda: tl.triples_with_repetition(len(tl.LABELS))),
    "unordered_pairs": (
        "enumeration, counting {anchor, positive} as a set",
        lambda: tl.unordered_anchor_positive(tl.LABELS),
    ),
    "label_patterns": ("enumeration of the distinct label triples", lambda: tl.label_patterns(tl.LABELS)),
}
# Why a student who gives one of these counts as Q4's answer is wrong: the in-page checker says it for that value
# (sheet C's label patterns are a mistake claim of their own, a2.mistake.q4_label_patterns).
_WHY_NOT_Q4 = {
    "ordered_distinct": (
        "That counts every ordered choice of three different samples, whatever their classes: in many of them the "
        '"positive" is of the other class, or the "negative" of the anchor\'s own class.'
    ),
    "with_repetition": (
        "That counts ordered triples with repetition allowed and classes ignored: a sample could even be its own "
        "positive or negative."
    ),
    "unordered_pairs": (
        "That counts {anchor, positive} as an unordered pair, but the two roles differ (the negative's distance is "
        "measured from the anchor), so each such pair makes two triplets."
    ),
}
for _name, (_how, _count) in _OTHER_COUNTS.items():
    _why = _WHY_NOT_Q4.get(_name, "")
    claim(f"a2.q4.other.{_name}", Integer(), _how, wrong_answer_to="a2.q4.valid_triplets" if _why else None, why=_why)(
        _count
    )
    # The product written beside each count must equal the enumerated count too.
    claim(f"a2.q4.other.{_name}.product", Formula(), f"{_how}: the product equals the count")(
        lambda count=_count: sympy.Integer(count())
    )


@claim(
    "a2.q4.other.wrong_positive",
    Integer(),
    "enumeration (itertools.permutations): ordered triples of different samples whose second is of another class",
)
def wrong_positive() -> int:
    labels = tl.LABELS
    return sum(labels[a] != labels[p] for a, p, _ in itertools.permutations(range(len(labels)), 3))


@claim("a2.q4.valid_product", Formula(), "enumeration: the product equals the count of valid triplets")
def valid_product() -> sympy.Expr:
    return sympy.Integer(len(tl.valid_triplets(tl.LABELS)))


def _per_anchor(role: str) -> int:
    """How many positives (or negatives) each anchor of the data set has; every anchor must have the same."""
    labels = tl.LABELS
    counts = {
        sum(1 for j, y in enumerate(labels) if j != a and (y == labels[a]) == (role == "positive"))
        for a in range(len(labels))
    }
    if len(counts) != 1:
        raise AssertionError(f"anchors differ in their number of {role}s: {sorted(counts)}")
    return counts.pop()


@claim("a2.q4.anchors", Integer(), "the number of samples of the data set, each a possible anchor")
def anchors() -> int:
    return len(tl.LABELS)


for _role in ("positive", "negative"):
    claim(f"a2.q4.{_role}s_per_anchor", Integer(), f"counted for every anchor of the data set (all alike): {_role}s")(
        lambda role=_role: _per_anchor(role)
    )


def _factor(which: str) -> sympy.Expr:
    """One factor of the general count, checked by enumeration on C classes of n samples (C, n from 1 to 5)."""
    factor = {"anchors": _C * _n, "positives": _n - 1, "negatives": (_C - 1) * _n}[which]
    for c in range(1, LARGEST + 1):
        for n in range(1, LARGEST + 1):
            labels = [k for k in range(c) for _ in range(n)]
            values = {
                "anchors": len(labels),
                "positives": sum(1 for j in range(len(labels)) if j != 0 and labels[j] == labels[0]),
                "negatives": sum(1 for y in labels if y != labels[0]),
            }
            if factor.subs({_C: c, _n: n}) != values[which]:
                raise AssertionError(f"the {which} factor is wrong at C={c}, n={n}")
    return factor


for _which in ("anchors", "positives", "negatives"):
    claim(f"a2.q4.general.{_which}", Formula(), "enumerated on C classes of n samples, for C, n from 1 to 5")(
        lambda which=_which: _factor(which)
    )


@claim("a2.q4.general.largest", Integer(), "the largest C and n the general formula's check enumerates")
def general_largest() -> int:
    return LARGEST


@claim(
    "a2.q4.sheet_product_value",
    Integer(),
    "the product of the three choices sheet B counts for all permutations, read from its kept copy",
)
def sheet_product_value() -> int:
    found = re.search(
        r"all permutations then we have (\d+) choices for the anchor, (\d+) choices for the positive and "
        r"(\d+) choices for the negative",
        SHEET_B.read_text(encoding="utf-8"),
    )
    if found is None:
        raise AssertionError(f"{SHEET_B.name} no longer counts the choices for all permutations")
    return math.prod(int(n) for n in found.groups())


@claim("a2.q2.slopes_in_range", Integer(), "how many of the measured PyTorch slopes at the kink lie in [0, 1]")
def slopes_in_range() -> int:
    return sum(0 <= v <= 1 for v in tl.hinge_gradient_at_zero().values())


@claim("a2.q2.slopes_measured", Integer(), "how many ways of writing max(0, z) were measured")
def slopes_measured() -> int:
    return len(tl.hinge_gradient_at_zero())


# ------------------------------------------------------------------ Q5 and Q6: the eight triplets

_HOW_SAMPLES = (
    "Q3's gradients with the triplet's samples put in for its roles (the chain rule); float64 autograd "
    "agrees at random points; sympy's matrix calculus on the triplet's loss agrees (tests/test_triplet.py)"
)


def _autograd_samples(expr_for: dict[int, sympy.Expr], t: int | None) -> None:
    """Compare formulas for dL^t/df_i (or dL/df_i when t is None) with autograd at random active points."""
    gen = torch.Generator().manual_seed(5902)
    for d in (1, 4):
        f = torch.randn(6, d, generator=gen, dtype=torch.float64, requires_grad=True)
        triplets = tl.TRIPLETS if t is None else [tl.TRIPLETS[t - 1]]
        loss = tl.triplet_loss(f, triplets, alpha=1e3)  # a margin this large makes every hinge active
        loss.backward()
        for i, expr in expr_for.items():
            if not torch.allclose(f.grad[i - 1], tl.evaluate(expr, f.detach()), atol=1e-9):
                raise AssertionError(f"autograd disagrees with the formula for sample {i}, triplet {t}: {expr}")


def _per_triplet(t: int, i: int) -> sympy.Expr:
    _autograd_samples({i: tl.triplet_gradient(t, i)}, t)
    return tl.triplet_gradient(t, i)


for _t in range(1, 9):
    for _i in range(1, 7):
        claim(f"a2.q5.t{_t}.dL_df{_i}", Formula(lhs=_lhs(str(_t), str(_i)), vectors=SAMPLE_VECTORS), _HOW_SAMPLES)(
            lambda t=_t, i=_i: _per_triplet(t, i)
        )


def _total(i: int) -> sympy.Expr:
    expr = tl.total_gradient(i)
    _autograd_samples({i: expr}, None)
    return expr


for _i in range(1, 7):
    claim(
        f"a2.q6.dL_df{_i}",
        Formula(lhs=rf"\frac{{\partial L}}{{\partial f_{_i}}}", vectors=SAMPLE_VECTORS),
        "the sum of the eight Q5 answers; float64 autograd on L = L^1 + ... + L^8 agrees; sympy's matrix calculus "
        "on the whole L agrees (tests/test_triplet.py)",
    )(lambda i=_i: _total(i))


@claim("a2.q6.sum_is_zero", Formula(vectors=SAMPLE_VECTORS), "sympy: the sum of the six Q6 gradients")
def sum_is_zero() -> sympy.Expr:
    return sympy.expand(sum((tl.total_gradient(i) for i in range(1, 7)), sympy.Integer(0)))


SHEET_B = paths.REPO_ROOT / "sources" / "answer-sheets" / "a2-sheet-B.md"  # the kept copy (tests pin its checksum)
_Q6_LINE = re.compile(r"^\$\$\\frac\{\\partial L\}\{\\partial f_(\d)\} = .*= ([^=$]+)\$\$$")
_TERM = re.compile(r"\s*([+-])?\s*(\d*)\s*f_(\d)\s*")


def _sum_of_terms(text: str, where: str) -> sympy.Expr:
    """``-2f_1 + f_4``: a sum of whole multiples of f_1..f_6, read term by term (never evaluated)."""
    total, pos = sympy.Integer(0), 0
    while pos < len(text):
        m = _TERM.match(text, pos)
        if m is None or (pos > 0 and not m.group(1)):
            raise AssertionError(f"{where}: cannot read {text[pos:]!r} as a multiple of some f_i")
        sign = -1 if m.group(1) == "-" else 1
        total += sign * int(m.group(2) or 1) * sympy.Symbol(f"f_{m.group(3)}")
        pos = m.end()
    return total


@functools.cache
def sheet_b_q6() -> dict[int, sympy.Expr]:
    """Sheet B's six Q6 answers, read from its kept copy: the last form of each ``dL/df_i = ... = ...`` line of
    its Question 6 section."""
    lines = SHEET_B.read_text(encoding="utf-8").split("Question 6", 1)[1].splitlines()
    found = {}
    for n, line in enumerate(lines):
        if m := _Q6_LINE.match(line.strip()):
            found[int(m.group(1))] = _sum_of_terms(m.group(2), f"{SHEET_B.name}, Question 6, line {n}")
    if sorted(found) != list(range(1, 7)):
        raise AssertionError(f"{SHEET_B.name}: found Q6 answers for f_{sorted(found)}, not f_1 .. f_6")
    return found


@claim(
    "a2.q6.sheet_b_sum",
    Formula(vectors=SAMPLE_VECTORS),
    "sympy: the sum of sheet B's six Q6 answers, as its kept copy writes them",
)
def sheet_b_sum() -> sympy.Expr:
    return sympy.expand(sum(sheet_b_q6().values(), sympy.Integer(0)))


def _sheet_b_right() -> list[bool]:
    return [sympy.expand(ans - tl.total_gradient(i)) == 0 for i, ans in sorted(sheet_b_q6().items())]


@claim("a2.q6.sheet_b_wrong", Integer(), "sympy: sheet B's Q6 answers (its kept copy) that differ from the right sums")
def sheet_b_wrong() -> int:
    return _sheet_b_right().count(False)


@claim("a2.q6.sheet_b_right", Integer(), "sympy: sheet B's Q6 answers (its kept copy) equal to the right sums")
def sheet_b_right() -> int:
    return _sheet_b_right().count(True)


# ------------------------------------------------------------------ the worked example

_EXAMPLE = tl.WorkedExample()
_HOW_EXAMPLE = "exact rational arithmetic with the Q6 formulas; float64 autograd on W agrees to 1e-12"


@functools.cache
def _checked_example() -> tl.WorkedExample:
    _EXAMPLE.autograd_agrees()
    return _EXAMPLE


def _matrix(name: str, m: sympy.Matrix) -> str:
    return rf"{name} = {sympy.latex(m, mat_delim='[', mat_str='matrix')}"


@claim("a2.example.data", Generated(), "the data of the example, printed from the code")
def example_data() -> Shown:
    e = _EXAMPLE
    xs = sympy.Matrix.hstack(*(e.X.row(i).T for i in range(e.X.rows)))
    parts = [
        _matrix("W", e.W),
        _matrix(r"\big[x_1 \; \cdots \; x_6\big]", xs),
        rf"\alpha = {sympy.latex(e.alpha)}",
        rf"\eta = {sympy.latex(e.eta)}",
    ]
    return Shown(
        r"\begin{gathered}"
        + r", \qquad ".join(parts[:2])
        + r" \\[4pt] "
        + r", \qquad ".join(parts[2:])
        + r"\end{gathered}",
        "",
    )


@claim("a2.example.embeddings", Generated(), _HOW_EXAMPLE)
def example_embeddings() -> Shown:
    e = _checked_example()
    return Shown(
        _matrix(r"\big[f_1 \; \cdots \; f_6\big]", sympy.Matrix.hstack(*e.embeddings())), "step 1: f_i = W x_i"
    )


@claim("a2.example.triplet_losses", Generated(), _HOW_EXAMPLE)
def example_triplet_losses() -> Shown:
    e = _checked_example()
    return Shown(
        _matrix(r"\big[L^1 \; \cdots \; L^8\big]", sympy.Matrix([e.triplet_losses()])),
        "step 2: equation (1) per triplet",
    )


@claim("a2.example.all_active", Integer(), "count of the eight triplets whose hinge argument is positive")
def example_all_active() -> int:
    return sum(1 for v in _EXAMPLE.triplet_losses() if v > 0)


@claim("a2.example.active_valid", Integer(), "valid triplets of the data set whose hinge argument is positive")
def example_active_valid() -> int:
    f, half = [None, *_EXAMPLE.embeddings()], sympy.Rational(1, 2)  # 1-based, as valid_triplets numbers samples
    return sum(
        1
        for a, p, n in tl.valid_triplets(tl.LABELS)
        if half * (f[a] - f[p]).dot(f[a] - f[p]) + _EXAMPLE.alpha - half * (f[a] - f[n]).dot(f[a] - f[n]) > 0
    )


@claim("a2.example.loss", Decimal(tol=1e-12), _HOW_EXAMPLE)
def example_loss() -> float:
    return float(_checked_example().loss())


@claim("a2.example.embedding_gradients", Generated(), _HOW_EXAMPLE)
def example_embedding_gradients() -> Shown:
    e = _checked_example()
    g = sympy.Matrix.hstack(*e.embedding_gradients())
    return Shown(
        _matrix(
            r"\Big[\tfrac{\partial L}{\partial f_1} \; \cdots \; "
            r"\tfrac{\partial L}{\partial f_6}\Big]",
            g,
        ),
        "step 3: the Q6 formulas evaluated at f_1..f_6",
    )


@claim("a2.example.delta_sum", Generated(), _HOW_EXAMPLE)
def example_delta_sum() -> Shown:
    e = _checked_example()
    return Shown(
        _matrix(r"\sum_{i=1}^{6} \Delta_i", sum(e.deltas(), sympy.zeros(*e.W.shape))),
        "step 3: Delta_i = (dL/df_i) x_i^T; autograd's dL/dW equals the sum",
    )


def _delta_case(i: int) -> GradientCase:
    """Sample i's share of dL/dW: float64 autograd of the example's loss with respect to a copy of W that only
    f_i = W x_i uses (the other embeddings use W as a constant)."""
    X = torch.tensor([[float(v) for v in row] for row in tl.EXAMPLE_X], dtype=torch.float64)
    W = torch.tensor([[float(v) for v in row] for row in tl.EXAMPLE_W], dtype=torch.float64)
    W_i = W.clone().requires_grad_(True)
    f = torch.stack([(W_i if j == i else W) @ X[j] for j in range(X.shape[0])])
    f.retain_grad()
    tl.triplet_loss(f, tl.TRIPLETS, float(_EXAMPLE.alpha)).backward()
    values = {"dL/df_i": f.grad[i].reshape(-1, 1).numpy(), "x_i": X[i].reshape(-1, 1).numpy()}
    return GradientCase(values, {}, W_i.grad.numpy(), f"sample {i + 1}")


@claim(
    "a2.example.delta_formula",
    Gradient(r"\Delta_i"),
    "float64 autograd: each sample's share of dL/dW (W used by that sample's embedding only), all 6 samples",
)
def example_delta_formula() -> GradientTruth:
    cases = [_delta_case(i) for i in range(len(tl.EXAMPLE_X))]
    return GradientTruth(
        cases, f"float64 autograd of the example's loss, each sample's share of dL/dW, {len(cases)} samples"
    )


def _delta_shape(axis: int) -> int:
    e = _checked_example()
    shapes = {tuple(m.shape) for m in e.deltas()}
    if shapes != {tuple(e.W.shape)}:
        raise AssertionError(f"the Delta_i have shapes {shapes}, W has {tuple(e.W.shape)}")
    return int(e.W.shape[axis])


@claim("a2.example.delta_rows", Integer(), "rows of every Delta_i = (dL/df_i) x_i^T in the example; equal to W's")
def example_delta_rows() -> int:
    return _delta_shape(0)


@claim("a2.example.delta_cols", Integer(), "columns of every Delta_i in the example; equal to W's")
def example_delta_cols() -> int:
    return _delta_shape(1)


_HOW_DATA = "read off the example's data as the code uses it (solutions/a2/part2/triplet.py, EXAMPLE_X and EXAMPLE_W)"


@claim("a2.example.samples", Integer(), _HOW_DATA + ": the number of samples")
def example_samples() -> int:
    return len(tl.EXAMPLE_X)


def _common_length(rows: tuple[tuple[int, ...], ...], what: str) -> int:
    """The one length every row of the example's data has (an error naming ``what`` if they differ)."""
    lengths = {len(row) for row in rows}
    if len(lengths) != 1:
        raise AssertionError(f"{what} have lengths {sorted(lengths)}")
    return lengths.pop()


@claim("a2.example.sample_size", Integer(), _HOW_DATA + ": the length of every sample")
def example_sample_size() -> int:
    return _common_length(tl.EXAMPLE_X, "the samples")


@claim("a2.example.W_rows", Integer(), _HOW_DATA + ": the rows of W")
def example_w_rows() -> int:
    return len(tl.EXAMPLE_W)


@claim("a2.example.W_cols", Integer(), _HOW_DATA + ": the length of every row of W, which must be a sample's")
def example_w_cols() -> int:
    cols, size = _common_length(tl.EXAMPLE_W, "W's rows"), example_sample_size()
    if cols != size:
        raise AssertionError(f"W's rows have length {cols}; the samples, {size}")
    return cols


@claim("a2.example.W_new", Generated(), _HOW_EXAMPLE)
def example_W_new() -> Shown:
    e = _checked_example()
    return Shown(_matrix(r"W^{\mathrm{new}}", e.new_W()), "step 4: W - eta/6 * sum of Delta_i")


@claim("a2.example.loss_after", Decimal(tol=5e-5), _HOW_EXAMPLE + "; lower than the loss before the step")
def example_loss_after() -> float:
    e = _checked_example()
    after = e.loss(e.new_W())
    if not after < e.loss():
        raise AssertionError(f"the step did not lower the loss: {e.loss()} -> {after}")
    return float(after)


# ------------------------------------------------------------------ mistakes found in submitted answer sheets

MISTAKES = {  # id: (the claim it refutes, why the sheet's answer is wrong)
    "a2.mistake.q4_label_patterns": (
        "a2.q4.valid_triplets",
        "It counts the patterns of class labels (2 labels in 3 slots, 2^3 = 8), not triplets of samples.",
    ),
    "a2.mistake.q4_product": (
        "a2.q4.other.ordered_distinct.product",
        (
            "Without any constraint there are 6 choices for the anchor, then 5, then 4: 6*5*4 = 120. "
            "The product 5*4*3 is 60, so the count 120 it was meant to justify is right for the wrong reason."
        ),
    ),
    "a2.mistake.q5_1_dL_df5": (
        "a2.q5.t1.dL_df5",
        "f_5 is the negative of t_1, so its gradient is f_a - f_n = f_1 - f_5: the anchor minus the negative itself.",
    ),
    "a2.mistake.q5_4_dL_df2": (
        "a2.q5.t4.dL_df2",
        (
            "f_2 is the anchor of t_4 = (x_2, x_3, x_4), whose gradient is f_n - f_p = f_4 - f_3; "
            "the anchor itself cancels."
        ),
    ),
    "a2.mistake.q5_4_wrt_x2": (
        "a2.q5.t4.dL_df2",
        (
            "The value is right but it is the derivative with respect to the embedding f_2, not the input x_2; "
            "by the chain rule dL/dx_2 = W^T dL/df_2."
        ),
    ),
    "a2.mistake.q6_dL_df2": (
        "a2.q6.dL_df2",
        "Summing a wrong Q5.4 answer (f_4 - f_2 instead of f_4 - f_3) carries the error into Q6.",
    ),
    "a2.mistake.q6_dL_df5": (
        "a2.q6.dL_df5",
        "Summing a wrong Q5.1 answer (f_1 - f_2 instead of f_1 - f_5) carries the error into Q6.",
    ),
}
for _id, (_refutes, _why) in MISTAKES.items():
    mistake(_id, refutes=_refutes, why=_why)(lambda: None)  # ``why`` says it all: nothing else to document


def _hinge_name(t: tuple[int, int, int]) -> str:
    return "z_{" + "".join(map(str, t)) + "}"


@claim(
    "a2.example.exclusive_identity",
    Generated(),
    "found by trying every pair of the eight triplets against every pair of the other valid triplets; the "
    "identity holds coefficient by coefficient in the distances and the margin",
)
def example_exclusive_identity() -> Shown:
    found = tl.exclusivity_certificate(tl.TRIPLETS, tl.LABELS)
    if found is None:
        raise AssertionError("no identity found: some data may make exactly the eight triplets active")
    chosen, others = found
    if not set(chosen) <= set(tl.TRIPLETS) or set(others) & set(tl.TRIPLETS):
        raise AssertionError(f"the identity mixes the sets: {chosen} {others}")

    def expand(t: tuple[int, int, int]) -> str:
        a, p, n = t
        return rf"(d_{{{min(a, p)}{max(a, p)}}} + \alpha - d_{{{min(a, n)}{max(a, n)}}})"

    lhs = " + ".join(_hinge_name(t) for t in chosen)
    rhs = " + ".join(_hinge_name(t) for t in others)
    return Shown(
        rf"\begin{{aligned}} {lhs} &= {' + '.join(expand(t) for t in chosen)} \\ "
        rf"&= {' + '.join(expand(t) for t in others)} \\ &= {rhs} \end{{aligned}}",
        "an identity in the distances: no data satisfies both sides' conditions",
    )
