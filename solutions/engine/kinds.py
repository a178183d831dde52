"""The kinds of claim, and how each compares a page's text with the code's truth.

Each kind owns its comparison (:meth:`Kind.compare`), so adding a kind means adding one
class here and nothing in :mod:`.checks`.  The comparisons import sympy, NumPy and the
parsers when first used: the site build's own process imports this module (through
:mod:`.registry`) to render verdicts, and must not pay for what only the checking process
needs.  Page text reaches sympy only through :mod:`.latex` and :mod:`.matrix_latex`,
parsers that never evaluate it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any, ClassVar

from .verdicts import Comparison, Outcome

if TYPE_CHECKING:
    import sympy

    from .registry import Claim

EQUAL, DIFFERENT, UNPARSABLE = Outcome
GRAD_RTOL, GRAD_ATOL = 1e-3, 1e-5  # torch.autograd.gradcheck's defaults
# ASCII digits only (``\d`` would accept any script's digits, which a reader may misread); a grouped number
# starts with a non-zero group, so 0,036 is not read as 36.
_INT_RE = re.compile(r"^[+-]?([1-9][0-9]{0,2}(,[0-9]{3})+|[0-9]{1,30})$")
_DEC_RE = re.compile(r"^[+-]?[0-9]{1,30}(\.[0-9]{1,30})?$")


def _quoted(text: str, width: int = 40) -> str:
    """Untrusted text in a message: quoted, at most ``width`` characters, control characters shown as \\x.."""
    shown = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in text[: width + 1])
    return f"'{shown[:width]}…'" if len(shown) > width else f"'{shown}'"


class Pending(Exception):
    """Raised by a claim's function when the truth is not known yet (no recorded run)."""


def plain(e: Any) -> str:
    """A value as one line of plain text: 0.865, 2·f_1 - f_2."""
    if isinstance(e, float):
        return f"{e:.6g}"
    return str(e).replace("**", "^").replace("*", "·")


@dataclass(frozen=True)
class Shown:
    """A value whose page text is generated from the code (a matrix, a vector).

    The function that returns it must itself verify the value by an
    independent route (autograd, enumeration) and raise if the routes disagree;
    ``how`` says which route.  Page and check cannot drift apart because the
    page shows ``latex`` and nothing typed by hand.
    """

    latex: str
    how: str
    display: bool = True
    html: str = ""  # a figure (an SVG chart) shown instead of the LaTeX


@dataclass
class GradientCase:
    values: dict[str, Any]  # name -> array, or time -> array for quantities that change with time
    bindings: dict[str, int]  # t, T
    truth: Any  # autograd's gradient (float64)
    label: str  # the shapes, for messages: "N=2, D=3, H=4, T=3, t=2"


@dataclass
class GradientNotation:
    """Another way to write the same gradients: its own names and shapes for the same forward passes (the
    question's column vectors beside the page's batched rows).  A reader's answer is accepted in any notation
    of its claim (:mod:`.matrix_eval`); a claim ``Gradient(lhs, notation=name)`` is a page formula in it."""

    name: str  # e.g. "columns"
    note: str  # how the verdict names it: "the question's column vectors (one example; x_t is D x 1)"
    lhs: str  # the claim's left-hand side in these names, e.g. \frac{\partial L}{\partial x_t}
    cases: list[GradientCase]


@dataclass
class GradientTruth:
    cases: list[GradientCase]
    how: str  # how the truth was established (autograd, and finite differences agreeing to ...)
    notations: list[GradientNotation] = field(default_factory=list)  # other notations of the same gradient
    note: str = "the page's notation"  # how a verdict names the notation of ``cases``
    lhs: str = ""  # the left-hand side in the notation of ``cases`` (where a claim in another notation needs it)

    def notation(self, name: str) -> GradientNotation:
        found = next((n for n in self.notations if n.name == name), None)
        if found is None:
            raise ValueError(f"this gradient has no notation {name!r} (it has {[n.name for n in self.notations]})")
        return found


class _Valued:
    """A kind whose page text is typed by hand: a claim without a value cannot be checked."""

    name: ClassVar[str]

    def compare(self, claim: Claim, text: str | None, truth: Any) -> Comparison:
        if text is None:
            return Comparison(
                UNPARSABLE, "", plain(truth), detail=f"claim {claim.id} needs a value on the page: [[{claim.id}: ...]]"
            )
        return self.compare_text(claim, text, truth)

    def compare_text(self, claim: Claim, text: str, truth: Any) -> Comparison:
        raise NotImplementedError


@dataclass(frozen=True)
class Integer(_Valued):
    """An exact whole number.  The page may group digits with commas (1,446,400)."""

    name: ClassVar[str] = "integer"

    @staticmethod
    def read(text: str) -> int | None:
        """The whole number a text writes (``$1{,}446{,}400$``, ``36``), or None."""
        t = text.strip().strip("$").strip().replace("\\,", ",").replace("{,}", ",")
        return int(t.replace(",", "")) if _INT_RE.match(t) else None

    def compare_text(self, claim: Claim, text: str, truth: Any) -> Comparison:
        if not isinstance(truth, int):
            raise TypeError(
                f"{claim.location}: integer claim {claim.id} must return an int, not {type(truth).__name__}"
            )
        value = self.read(text)
        if value is None:
            detail = f"{_quoted(text)} is not a whole number (up to 30 digits, optionally grouped by commas: 1,446,400)"
            return Comparison(UNPARSABLE, text, plain(truth), detail=detail)
        if value == truth:
            return Comparison(EQUAL, f"{value:,}", f"{truth:,}")
        return Comparison(
            DIFFERENT, f"{value:,}", f"{truth:,}", f"{value - truth:+,}", detail=f"page - truth = {value - truth:+,}"
        )


def exact(x: Any) -> Fraction | None:
    """A number as the exact rational it stands for, or None for one that is not finite.

    A float (NumPy's too) is taken at its shortest repr, the decimal that Python prints and that a
    page would copy (0.1 is 1/10, not the binary double nearest it); an int, a Fraction or a sympy
    Rational exactly; anything else through its float."""
    if isinstance(x, int | Fraction):
        return Fraction(x)
    p, q = getattr(x, "p", None), getattr(x, "q", None)  # a sympy Rational (or Integer)
    if isinstance(p, int) and isinstance(q, int) and getattr(x, "is_Rational", False):
        return Fraction(p, q)
    f = float(x)
    return Fraction(repr(f)) if math.isfinite(f) else None


def _decimal_text(x: Fraction) -> str:
    """An exact rational as a decimal where it has a finite one (0.0005), else as p/q."""
    q, twos, fives = x.denominator, 0, 0
    while q % 2 == 0:
        q, twos = q // 2, twos + 1
    while q % 5 == 0:
        q, fives = q // 5, fives + 1
    if q != 1:
        return f"{x.numerator}/{x.denominator}"
    places = max(twos, fives)
    digits = str(abs(x.numerator) * 10**places // x.denominator).rjust(places + 1, "0")
    sign = "-" if x < 0 else ""
    return sign + (f"{digits[:-places]}.{digits[-places:]}" if places else digits)


@dataclass(frozen=True)
class Decimal(_Valued):
    """A real number, right when ``|page - truth| <= tol``, compared as exact rationals (:func:`exact`).

    The page's decimal text is read exactly (0.10 is 1/10), the truth and ``tol`` too (a float at its
    shortest repr), so a claim with ``tol=0`` is right only for the very number, not for one that rounds
    to the same double (0.1000000000000000000001 is not 0.1), and a value exactly ``tol`` away is right."""

    tol: float
    name: ClassVar[str] = "decimal"

    @staticmethod
    def read(text: str) -> Fraction | None:
        """The number a text writes (``0.865``, ``$-1.5$``), exactly, or None."""
        t = text.strip().strip("$").strip()
        return Fraction(t) if _DEC_RE.match(t) else None

    def within(self, a: Fraction, b: Fraction) -> bool:
        """Whether two exact numbers are at most the tolerance apart."""
        tol = exact(self.tol)
        return tol is not None and abs(a - b) <= tol

    def compare_text(self, claim: Claim, text: str, truth: Any) -> Comparison:
        value = self.read(text)
        if value is None:
            detail = f"{_quoted(text)} is not a decimal number such as 0.865 (up to 30 digits each side of the point)"
            return Comparison(UNPARSABLE, text, plain(truth), detail=detail)
        want = exact(truth)
        page = text.strip()
        if want is None:
            detail = f"the truth, {plain(truth)}, is not a finite number"
            return Comparison(DIFFERENT, page, plain(truth), detail=detail)
        # With no tolerance the truth is shown in full: six digits could show a different number as the same.
        shown = f"{float(want):.6g}" if self.tol else _decimal_text(want)
        if self.within(value, want):
            return Comparison(EQUAL, page, shown)
        diff = value - want
        diff_text = f"{float(diff):+.3g}"
        return Comparison(
            DIFFERENT,
            page,
            shown,
            diff_text,
            detail=f"page - truth = {diff_text}, beyond the tolerance of {self.tol:g} this claim declares",
        )


@dataclass(frozen=True)
class Formula(_Valued):
    """A formula, right when it is symbolically equal to the truth.

    ``lhs`` is the left-hand side the page must write (for example
    ``\\frac{\\partial L}{\\partial f_1}``) when it writes ``lhs = ...``.
    ``vectors`` names symbols that stand for vectors: an answer must be a
    linear combination of them, since a product of two vectors means nothing here.
    """

    lhs: str | None = None
    vectors: tuple[str, ...] = ()
    name: ClassVar[str] = "formula"

    def compare_text(self, claim: Claim, text: str, truth: Any) -> Comparison:
        import sympy

        from . import latex

        truth = sympy.Integer(truth) if isinstance(truth, int) else truth
        try:
            segments = latex.parse_chain(text)
        except latex.LatexError as err:
            return Comparison(UNPARSABLE, text, plain(truth), detail=str(err))
        if self.lhs is not None:
            expected_lhs = latex.parse_expr(self.lhs)
            if len(segments) > 1:
                if sympy.expand(segments[0] - expected_lhs) != 0:
                    return Comparison(
                        DIFFERENT,
                        text,
                        plain(truth),
                        detail=(
                            f"the left-hand side is {plain(segments[0])}, but this claim is about {plain(expected_lhs)}"
                        ),
                    )
                segments = segments[1:]
        vectors = [sympy.Symbol(v) for v in self.vectors]
        for i, seg in enumerate(segments):
            bad = _nonlinear_term(seg, vectors) if vectors else None
            if bad is not None:
                return Comparison(
                    DIFFERENT,
                    text,
                    plain(truth),
                    detail=(
                        f"{plain(bad)} multiplies vectors together (or divides by one, or takes a root or power of "
                        f"one); the answer must be a linear combination of {', '.join(self.vectors)}"
                    ),
                )
            diff = sympy.simplify(sympy.expand(seg - truth))
            if diff != 0:
                step = f" (step {i + 1} of the chain)" if len(segments) > 1 else ""
                return Comparison(
                    DIFFERENT,
                    plain(seg),
                    plain(truth),
                    plain(diff),
                    detail=f"page - truth = {plain(diff)}{step}",
                    difference_latex=sympy.latex(diff),
                )
        return Comparison(EQUAL, plain(segments[-1]), plain(truth))


def _nonlinear_term(expr: sympy.Expr, vectors: list[sympy.Symbol]) -> sympy.Expr | None:
    import sympy

    for term in sympy.Add.make_args(sympy.expand(expr)):
        if not term.free_symbols & set(vectors):
            continue
        if not term.is_polynomial(*vectors):  # 1/f_1, sqrt(f_1), 2^{f_1}: sympy.degree would raise on these
            return term
        if sum(sympy.degree(term, v) for v in vectors if term.has(v)) > 1:
            return term
    return None


def _matrix_text(a: Any) -> str:
    """A small matrix on one line, rows separated by semicolons: (0.12, -3.4; 5.6, 0.78)."""
    import numpy as np

    if np.ndim(a) == 0:
        return f"{float(a):.4g}"
    rows = np.atleast_2d(np.asarray(a, dtype=float))
    return "(" + "; ".join(", ".join(f"{v:.4g}" for v in row) for row in rows) + ")"


@dataclass(frozen=True)
class Gradient(_Valued):
    """A matrix formula for a gradient, right when it evaluates to autograd's gradient.

    ``lhs`` is the quantity the formula gives, e.g. ``\\frac{\\partial L}{\\partial X_t}``.
    The claim's function returns a :class:`GradientTruth`: arrays from real forward
    passes (several shapes, including T = 1 and N = 1) and autograd's answer for each;
    the page's formula is evaluated on them by :mod:`.matrix_latex`, never eval'd.
    """

    lhs: str
    notation: str = ""  # the page writes the formula in this notation of the truth (``GradientTruth.notations``)
    name: ClassVar[str] = "gradient"

    def compare_text(self, claim: Claim, text: str, truth: Any) -> Comparison:
        import numpy as np

        from . import matrix_latex

        if not isinstance(truth, GradientTruth):
            raise TypeError(f"a gradient claim must return GradientTruth, not {type(truth).__name__}")
        if self.notation:
            truth = GradientTruth(truth.notation(self.notation).cases, truth.how)  # its cases, in its names
        try:
            segments = matrix_latex.parse_chain(text)
            target = matrix_latex.quantity_key(self.lhs)
        except matrix_latex.MatrixLatexError as err:
            return Comparison(UNPARSABLE, text, truth.how, detail=str(err))
        shown_target = target.text().replace("dL/d", "∂L/∂")
        source = "autograd" if target.key.startswith("dL/d") else "the code"  # a loss's value: the course's code
        if len(segments) > 1:
            first = segments[0]
            if first.op not in ("grad", "name") or first.args[0] != target:
                return Comparison(
                    DIFFERENT, text, truth.how, detail=f"the left-hand side should be {shown_target} ({self.lhs})"
                )
            segments = segments[1:]
        worst = 0.0
        for i, seg in enumerate(segments):
            step = f" (step {i + 1} of the chain)" if len(segments) > 1 else ""
            for case in truth.cases:
                env = matrix_latex.Env(case.values, case.bindings, forbidden=target)
                try:
                    env.forbidden_at = env.index(target.index, text, 0) if target.index is not None else None
                    value = np.asarray(matrix_latex.evaluate(seg, env, text), dtype=float)
                except matrix_latex.MatrixLatexError as err:
                    return Comparison(DIFFERENT, text, truth.how, detail=f"at {case.label}{step}: {err}")
                want = np.asarray(case.truth, dtype=float)
                if value.shape != want.shape and value.ndim == 0:
                    value = value * np.ones_like(want)
                if value.shape != want.shape:
                    return Comparison(
                        DIFFERENT,
                        text,
                        truth.how,
                        detail=(
                            f"at {case.label}{step}: the formula gives a {' x '.join(map(str, value.shape))} matrix, "
                            f"but {shown_target} is {' x '.join(map(str, want.shape))}"
                        ),
                    )
                err_abs = np.abs(value - want)
                if not np.all(err_abs <= GRAD_ATOL + GRAD_RTOL * np.abs(want)):
                    at = np.unravel_index(int(np.argmax(err_abs - GRAD_RTOL * np.abs(want))), want.shape)
                    return Comparison(
                        DIFFERENT,
                        _matrix_text(value),
                        _matrix_text(want),
                        f"{float(err_abs[at]):.3g}",
                        detail=(
                            f"at {case.label}{step} the formula gives {_matrix_text(value)} but {source} gives "
                            f"{_matrix_text(want)}: they differ by {float(err_abs[at]):.3g} at entry "
                            f"{tuple(int(k) + 1 for k in at)} (row, column from 1)"
                        ),
                    )
                worst = max(worst, float(err_abs.max() / max(np.abs(want).max(), 1e-12)))
        return Comparison(EQUAL, text, f"{truth.how}; largest relative error {worst:.1g} over {len(truth.cases)} cases")


@dataclass(frozen=True)
class Generated:
    """Kind of a claim whose page text is generated (see :class:`Shown`): the page writes no value."""

    name: ClassVar[str] = "generated"

    def compare(self, claim: Claim, text: str | None, truth: Any) -> Comparison:
        if not isinstance(truth, Shown):
            raise TypeError(
                f"{claim.location}: generated claim {claim.id} must return Shown, not {type(truth).__name__}"
            )
        if text is not None:
            return Comparison(
                DIFFERENT,
                text,
                truth.latex,
                detail=(f"this claim's value is generated from the code: write [[{claim.id}]] with no value"),
            )
        return Comparison(EQUAL, truth.latex, truth.latex)


Kind = Integer | Decimal | Formula | Generated | Gradient
