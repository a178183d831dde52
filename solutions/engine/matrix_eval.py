"""A reader's matrix formula, evaluated in pure Python on small arrays: the in-page checker's gradient claims.

The site build checks a page's gradient formula with NumPy on real forward passes (:class:`.kinds.Gradient`).
A reader's own formula is checked by this module instead, in the browser (Pyodide, without NumPy) and on the
command line alike, so that both give the same verdict from the same data: the build writes each gradient
claim's cases as plain JSON numbers (:func:`dump`: the arrays of every quantity, the bindings of the time
indices and autograd's gradient, never code), this module reads them back (:func:`load`: validated, bounded),
parses the formula with :mod:`.matrix_latex` (never evaluated as code) and evaluates the tree on lists of
floats (:func:`evaluate`: matrix and elementwise products, transposes, sums, powers, tanh, sigma).

A claim may be checked in more than one *notation* (the page's batched rows, the question's column vectors):
each is a set of cases with its own names and shapes, and an answer is right when it matches every case of
one notation.  The verdict says which notation the answer was read in.

Work is bounded: the arrays' sizes when loaded, the parser's limits, the number of evaluation steps
(:data:`.matrix_latex.MAX_STEPS`) and of arithmetic operations (:data:`MAX_WORK`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

from . import matrix_latex as ml
from .verdicts import Comparison, Outcome

EQUAL, DIFFERENT, UNPARSABLE = Outcome
RTOL, ATOL = 1e-3, 1e-5  # the build's tolerances (kinds.GRAD_RTOL, kinds.GRAD_ATOL: torch's gradcheck defaults)
MAX_DIM = 64  # rows or columns of one array
MAX_NUMBERS = 200_000  # numbers in one claim's cases, all notations together
MAX_WORK = 2_000_000  # arithmetic operations in one evaluation of one formula on one case
MAX_TIMES = 64  # time steps of one time-indexed quantity


class Mat:
    """A small dense matrix: ``r`` rows of ``c`` floats (``v``, a list of rows)."""

    __slots__ = ("c", "r", "v")

    def __init__(self, v: list[list[float]], c: int | None = None) -> None:  # c: the width of a matrix of no rows
        self.v, self.r, self.c = v, len(v), len(v[0]) if v else (c or 0)

    @property
    def shape(self) -> str:
        return f"{self.r} x {self.c}"

    def text(self) -> str:
        """On one line, rows separated by semicolons: (0.12, -3.4; 5.6, 0.78)."""
        return "(" + "; ".join(", ".join(f"{x:.4g}" for x in row) for row in self.v) + ")"


Value = float | Mat


@dataclass
class Case:
    values: dict[str, Any]  # name -> float, Mat, or {time: Mat}
    bindings: dict[str, int]
    truth: Mat
    label: str


@dataclass
class Notation:
    name: str  # "rows", "columns"
    note: str  # how a reader is told the answer was read: "the page's batched rows (one row per example)"
    lhs: str  # the quantity the formula gives, in this notation's names
    cases: list[Case]


@dataclass(frozen=True)
class MatrixAnswer:
    """The kind of a gradient claim as the in-page checker judges it: the truth is a list of :class:`Notation`."""

    lhs: str
    name: ClassVar[str] = "gradient"

    def compare(self, claim: Any, text: str | None, truth: list[Notation]) -> Comparison:
        return compare((text or "").strip().strip("$").strip(), truth)  # as pasted from a page: $...$ too


# ------------------------------------------------------------------------------------------ data as JSON


def _array_json(a: Any) -> Any:
    """A NumPy array or number as JSON: a number as a float, a matrix as ``{"shape": [rows, columns], "data":
    [row after row]}`` (a vector as one row; a matrix may have no rows, as a difference matrix of one pixel)."""
    shape = tuple(getattr(a, "shape", ()))
    if not shape:
        return _short(float(a))
    rows, cols = (1, shape[0]) if len(shape) == 1 else shape
    return {"shape": [int(rows), int(cols)], "data": [_short(x) for x in a.reshape(-1).tolist()]}


def _short(x: float) -> float:
    """A number to 12 significant digits: a third fewer bytes, and a billion times finer than the tolerance."""
    return float(f"{x:.12g}")


def dump(notations: list[tuple[str, str, str, list[Any]]]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """``(name, note, lhs, cases)`` per notation (cases with ``values``, ``bindings``, ``truth``, ``label``, as
    :class:`.kinds.GradientCase`) as JSON: the notations, whose cases name their arrays by a key of the second
    result (cases of one forward pass share their arrays)."""
    import hashlib
    import json

    arrays: dict[str, Any] = {}
    seen: dict[int, str] = {}

    def put(data: Any) -> str:  # by content: the same arrays or cases, one entry in the site's table
        ref = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]
        arrays[ref] = data
        return ref

    out = []
    for name, note, lhs, cases in notations:
        rows = []
        for case in cases:
            ref = seen.get(id(case.values))
            if ref is None:
                ref = seen[id(case.values)] = put(
                    {
                        k: {"at": {str(t): _array_json(a) for t, a in v.items()}}
                        if isinstance(v, dict)
                        else _array_json(v)
                        for k, v in case.values.items()
                    }
                )
            rows.append(
                {"values": ref, "bindings": dict(case.bindings), "truth": _array_json(case.truth), "label": case.label}
            )
        out.append({"name": name, "note": note, "lhs": lhs, "cases": put(rows)})
    return out, arrays


class _Budget:
    def __init__(self) -> None:
        self.numbers = 0

    def mat(self, x: Any) -> Mat:
        shape, data = (x.get("shape"), x.get("data")) if isinstance(x, dict) and len(x) == 2 else (None, None)
        if (
            not isinstance(shape, list)
            or len(shape) != 2
            or not all(isinstance(n, int) and not isinstance(n, bool) and 0 <= n <= MAX_DIM for n in shape)
            or not isinstance(data, list)
            or len(data) != shape[0] * shape[1]
        ):
            raise ValueError(f'a matrix is {{"shape": [rows, columns], "data": [...]}}, at most {MAX_DIM} x {MAX_DIM}')
        r, c = shape
        flat = [self.number(n) for n in data]
        return Mat([flat[i * c : (i + 1) * c] for i in range(r)], c)

    def number(self, n: Any) -> float:
        self.numbers += 1
        if self.numbers > MAX_NUMBERS:
            raise ValueError(f"a claim's cases hold more than {MAX_NUMBERS} numbers")
        if isinstance(n, bool) or not isinstance(n, int | float) or not math.isfinite(n):
            raise ValueError("an array holds finite numbers only")
        return float(n)

    def value(self, x: Any) -> Any:
        if isinstance(x, dict) and "at" in x:
            at = x.get("at")
            if len(x) != 1 or not isinstance(at, dict) or not 1 <= len(at) <= MAX_TIMES:
                raise ValueError('a quantity that changes with time is {"at": {time: matrix}}')
            return {self.time(t): self.mat(m) for t, m in at.items()}
        if isinstance(x, dict):
            return self.mat(x)
        return self.number(x)

    @staticmethod
    def time(t: Any) -> int:
        if not isinstance(t, str) or not t.lstrip("-").isdigit() or len(t) > 4:
            raise ValueError("a time is a small whole number")
        return int(t)


def load(notations: Any, arrays: Any, cache: dict[str, Any] | None = None) -> list[Notation]:
    """Read :func:`dump`'s JSON back (plain numbers and names only; anything else is a ValueError).  ``cache``
    keeps the arrays read, by key, for the next claim of the same forward passes (the in-page checker's)."""
    budget = _Budget()
    if not isinstance(notations, list) or not notations or not isinstance(arrays, dict):
        raise ValueError("a gradient claim's data is a list of notations and a table of arrays")
    loaded: dict[str, dict[str, Any]] = {} if cache is None else cache
    out = []
    for n in notations:
        if not isinstance(n, dict) or not all(isinstance(n.get(k), str) for k in ("name", "note", "lhs")):
            raise ValueError("a notation has a name, a note and a left-hand side")
        cases = []
        listed = arrays.get(n.get("cases")) if isinstance(n.get("cases"), str) else None
        for c in listed if isinstance(listed, list) else []:
            ref = c.get("values") if isinstance(c, dict) else None
            if not isinstance(ref, str) or not isinstance(arrays.get(ref), dict):
                raise ValueError("a case names its arrays")  # noqa: TRY004 - bad data is a ValueError, as in load
            if ref not in loaded:
                loaded[ref] = {str(k): budget.value(v) for k, v in arrays[ref].items()}
            bindings = c.get("bindings")
            if not isinstance(bindings, dict) or not all(
                isinstance(k, str) and isinstance(v, int) and abs(v) < 10_000 for k, v in bindings.items()
            ):
                raise ValueError("a case's bindings are small whole numbers")
            cases.append(Case(loaded[ref], dict(bindings), budget.mat(c.get("truth")), str(c.get("label", ""))))
        if not cases:
            raise ValueError("a notation has at least one case")
        out.append(Notation(n["name"], n["note"], n["lhs"], cases))
    return out


# ------------------------------------------------------------------------------------------- evaluation


class Env(ml.Env):
    """:class:`.matrix_latex.Env` with a count of arithmetic operations."""

    work = 0

    def spend(self, n: int) -> None:
        self.work += n
        if self.work > MAX_WORK:
            raise ml.MatrixLatexError(f"evaluating this formula takes more than {MAX_WORK:,} operations")


def _shape(x: Value) -> str:
    return "scalar" if not isinstance(x, Mat) else x.shape


def _map(x: Value, f: Any, env: Env) -> Value:
    if not isinstance(x, Mat):
        return f(x)
    env.spend(x.r * x.c)
    return Mat([[f(a) for a in row] for row in x.v], x.c)


def _zip(x: Value, y: Value, f: Any, verb: str, env: Env, fail: Any) -> Value:
    """An elementwise operation with NumPy's broadcasting as the build allows it: a scalar against anything,
    equal shapes, or one row (a bias) against rows of the same width."""
    if not isinstance(x, Mat) and not isinstance(y, Mat):
        return f(x, y)
    if not isinstance(x, Mat):
        return _map(y, lambda b: f(x, b), env)
    if not isinstance(y, Mat):
        return _map(x, lambda a: f(a, y), env)
    if (x.r, x.c) != (y.r, y.c) and not (x.c == y.c and 1 in (x.r, y.r)):
        raise fail(f"cannot {verb} a {x.shape} matrix and a {y.shape} matrix")
    rows = max(x.r, y.r)
    env.spend(rows * x.c)
    xs = x.v if x.r == rows else x.v * rows
    ys = y.v if y.r == rows else y.v * rows
    return Mat([[f(a, b) for a, b in zip(ra, rb, strict=True)] for ra, rb in zip(xs, ys, strict=True)], x.c)


def _sigma(a: float) -> float:
    if a >= 0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


def _power(a: float, k: int) -> float:
    try:
        return a**k
    except OverflowError:
        return math.inf


def evaluate(node: ml.Node, env: Env, src: str = "") -> Value:
    """The value of a parsed formula, as :func:`.matrix_latex.evaluate` computes it with NumPy."""
    env.steps += 1
    if env.steps > ml.MAX_STEPS:
        raise ml.MatrixLatexError(f"evaluating this formula takes more than {ml.MAX_STEPS} steps")
    op, a = node.op, node.args

    def fail(reason: str) -> ml.MatrixLatexError:
        return ml.MatrixLatexError(reason, src, node.pos)

    if op in ("num", "name", "grad", "ones"):
        return ml.look_up(node, env, src)  # the same code and messages as the build's
    if op == "neg":
        return _map(evaluate(a[0], env, src), lambda u: -u, env)
    if op in ("add", "sub", "odot"):
        x, y = evaluate(a[0], env, src), evaluate(a[1], env, src)
        verb = {"add": "add", "sub": "subtract", "odot": "multiply elementwise (\\odot)"}[op]
        f = {"add": lambda u, v: u + v, "sub": lambda u, v: u - v, "odot": lambda u, v: u * v}[op]
        return _zip(x, y, f, verb, env, fail)
    if op == "matmul":
        x, y = evaluate(a[0], env, src), evaluate(a[1], env, src)
        if not isinstance(x, Mat) or not isinstance(y, Mat):
            return _zip(x, y, lambda u, v: u * v, "multiply", env, fail)
        if x.c != y.r:
            raise fail(f"cannot multiply a {x.shape} matrix by a {y.shape} matrix")
        env.spend(x.r * max(x.c, 1) * y.c)
        cols = [[y.v[k][j] for k in range(y.r)] for j in range(y.c)]
        return Mat([[math.fsum(p * q for p, q in zip(row, col, strict=True)) for col in cols] for row in x.v], y.c)
    if op == "div":
        x, y = evaluate(a[0], env, src), evaluate(a[1], env, src)
        if isinstance(y, Mat):
            raise fail(f"\\frac divides by a number only, and this denominator is a {y.shape} matrix")
        if y == 0:
            raise fail("\\frac divides by zero here")
        return _map(x, lambda u: u / y, env)
    if op == "T":
        x = evaluate(a[0], env, src)
        if not isinstance(x, Mat):
            return x
        env.spend(x.r * x.c)
        return Mat([[x.v[i][j] for i in range(x.r)] for j in range(x.c)], x.r)
    if op == "pow":
        k = a[1]
        return _map(evaluate(a[0], env, src), lambda u: _power(u, k), env)
    if op == "tanh":
        return _map(evaluate(a[0], env, src), math.tanh, env)
    if op == "sigma":
        return _map(evaluate(a[0], env, src), _sigma, env)
    if op == "sum":
        total: Value = 0.0
        with ml.summation(node, env, src) as terms:
            for body in terms:
                total = _zip(total, evaluate(body, env, src), lambda u, v: u + v, "add", env, fail)
        return total
    if op == "sqnorm":
        x = evaluate(a[0], env, src)
        if not isinstance(x, Mat):
            return x * x
        env.spend(x.r * x.c)
        return math.fsum(u * u for row in x.v for u in row)
    raise fail(f"unknown operation {op}")  # pragma: no cover - the parser makes no other nodes


# ---------------------------------------------------------------------------------------------- judging


@dataclass
class _Outcome:
    equal: bool
    detail: str = ""
    value: str = ""  # what the formula gives at the failing case
    truth: str = ""
    unknown_name: bool = False  # failed on a name this notation does not know


def _run(segments: list[ml.Node], text: str, notation: Notation) -> _Outcome:
    """Whether the parsed chain gives ``notation``'s truth in every case (and if not, where it differs)."""
    try:
        target = ml.quantity_key(notation.lhs)
    except ml.MatrixLatexError as err:  # pragma: no cover - the build checked the claim's left-hand side
        return _Outcome(False, str(err))
    shown = target.text().replace("dL/d", "∂L/∂")
    if len(segments) > 1:
        first = segments[0]
        if first.op not in ("grad", "name") or first.args[0] != target:
            return _Outcome(False, f"the left-hand side should be {shown} ({notation.lhs})", unknown_name=True)
        segments = segments[1:]
    for i, seg in enumerate(segments):
        step = f" (step {i + 1} of the chain)" if len(segments) > 1 else ""
        for case in notation.cases:
            env = Env(case.values, case.bindings, forbidden=target)
            try:
                env.forbidden_at = env.index(target.index, text, 0) if target.index is not None else None
                value = evaluate(seg, env, text)
            except ml.MatrixLatexError as err:
                unknown = "is not a quantity of this problem" in err.reason
                return _Outcome(False, f"at {case.label}{step}: {err}", unknown_name=unknown)
            want = case.truth
            if not isinstance(value, Mat):
                value = Mat([[value] * want.c for _ in range(want.r)], want.c)
            if (value.r, value.c) != (want.r, want.c):
                return _Outcome(
                    False,
                    f"at {case.label}{step}: the formula gives a {value.shape} matrix, but {shown} is {want.shape}",
                )
            worst, at = 0.0, None
            for r in range(want.r):
                for c in range(want.c):
                    got, exp = value.v[r][c], want.v[r][c]
                    err_abs = abs(got - exp) if math.isfinite(got) else math.inf
                    if not err_abs <= ATOL + RTOL * abs(exp) and (at is None or err_abs - RTOL * abs(exp) > worst):
                        worst, at = err_abs - RTOL * abs(exp), (r, c)
            if at is not None:
                r, c = at
                gap = abs(value.v[r][c] - want.v[r][c])
                return _Outcome(
                    False,
                    f"at {case.label}{step} the formula gives {value.text()} but {_source(target)} gives "
                    f"{want.text()}: they differ by {gap:.3g} at entry ({r + 1}, {c + 1}) (row, column from 1)",
                    value.text(),
                    want.text(),
                )
    return _Outcome(True)


def _source(target: ml.Quantity) -> str:
    """Who computed the truth: autograd for a gradient, the course's code for any other quantity (a loss)."""
    return "autograd" if target.key.startswith("dL/d") else "the code"


def compare(text: str, notations: list[Notation]) -> Comparison:
    """Is ``text`` the gradient in any of the notations?  The comparison names the notation it was read in
    (``page``) or, when none matches, the reason of the one that explains best (``detail``): the first whose
    names the formula uses, the page's own first."""
    try:
        segments = ml.parse_chain(text)
    except ml.MatrixLatexError as err:
        return Comparison(UNPARSABLE, text, detail=str(err))
    outcomes = []
    for n in notations:
        out = _run(segments, text, n)
        if out.equal:
            return Comparison(EQUAL, _read(text, n), f"{n.lhs}, in {n.note}")
        outcomes.append((n, out))
    n, out = next(((n, o) for n, o in outcomes if not o.unknown_name), outcomes[0])
    detail = out.detail
    if len(notations) > 1:
        detail = f"read in {n.note}: {detail}"
    return Comparison(DIFFERENT, _read(text, n), out.truth, out.value and "differs", detail=detail)


def _read(text: str, n: Notation) -> str:
    """How an answer was read: in which notation (the formula itself the page previews as typed)."""
    return n.note


def same_as(text: str, other: str, notations: list[Notation]) -> bool:
    """Whether two formulas give the same values in every case of some notation (a known mistake's test); a
    formula that cannot be read or evaluated is the same as nothing."""
    try:
        a, b = ml.parse_chain(text), ml.parse_chain(other)
    except ml.MatrixLatexError:
        return False
    for n in notations:
        try:
            target = ml.quantity_key(n.lhs)
        except ml.MatrixLatexError:  # pragma: no cover
            continue
        if not all(_gives(target, s) for s in (a, b)):
            continue
        if all(_close(_value(a[-1], text, c, target), _value(b[-1], other, c, target)) for c in n.cases):
            return True
    return False


def _gives(target: ml.Quantity, chain: list[ml.Node]) -> bool:
    return len(chain) == 1 or (chain[0].op in ("grad", "name") and chain[0].args[0] == target)


def _value(node: ml.Node, text: str, case: Case, target: ml.Quantity) -> Value | None:
    env = Env(case.values, case.bindings, forbidden=target)
    try:
        env.forbidden_at = env.index(target.index, text, 0) if target.index is not None else None
        return evaluate(node, env, text)
    except ml.MatrixLatexError:
        return None


def _close(x: Value | None, y: Value | None) -> bool:
    if x is None or y is None:
        return False
    if not isinstance(x, Mat) or not isinstance(y, Mat):
        return not isinstance(x, Mat) and not isinstance(y, Mat) and abs(x - y) <= ATOL + RTOL * abs(y)
    if (x.r, x.c) != (y.r, y.c):
        return False
    return all(
        abs(p - q) <= ATOL + RTOL * abs(q) for rp, rq in zip(x.v, y.v, strict=True) for p, q in zip(rp, rq, strict=True)
    )
