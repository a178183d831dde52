"""Compare what a page says with what the code computes.

One function, :func:`compare`, answers "is this text equal to this claim's
truth?" for every kind of claim; :func:`judge` turns that answer into the
status a reader sees (verified, refuted, pending) or a failure a contributor
must fix.  The command line, the tests and the site build all call these, so
the three can never disagree.

Every comparison runs under a time limit, and page text only ever reaches
sympy through the parser in :mod:`latex`.
"""

from __future__ import annotations

import contextlib
import re
import signal
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import sympy

from solutions.engine import latex, matrix_latex
from solutions.engine.registry import (
    Claim,
    Decimal,
    Formula,
    Generated,
    Gradient,
    GradientTruth,
    Integer,
    Pending,
    Shown,
)
from solutions.engine.verdicts import FAILED, PENDING, REFUTED, VERIFIED, Result

TIME_LIMIT_S = 5.0

EQUAL, DIFFERENT, UNPARSABLE = "equivalent", "different", "cannot parse"

_INT_RE = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d{1,30})$")
_DEC_RE = re.compile(r"^[+-]?\d{1,30}(\.\d{1,30})?$")


class CheckTimeout(Exception):
    """A check ran past its time limit."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Interrupt the block after ``seconds`` (main thread only, where signals work).

    The site build and ``mkdocs serve`` judge in a checking process of their own, on its
    main thread (:mod:`background`); elsewhere off the main thread, the parser's own limits
    on length, depth, exponents and digits are what bound the work.
    """
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def on_alarm(signum: int, frame: Any) -> None:
        raise CheckTimeout(f"the check took longer than its limit of {seconds:g} s")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


@dataclass
class Comparison:
    outcome: str  # EQUAL, DIFFERENT or UNPARSABLE
    page: str = ""  # the page's value as the engine understood it
    truth: str = ""  # what the code computes
    difference: str = ""  # page - truth, simplified (formulas and numbers)
    detail: str = ""  # one sentence on what differs, or why it cannot be parsed
    difference_latex: str = ""


def _plain(e: Any) -> str:
    if isinstance(e, float):
        return f"{e:.6g}"
    return str(e).replace("**", "^").replace("*", "·")


def _parse_int(text: str) -> int:
    t = text.strip().strip("$").strip().replace("\\,", ",").replace("{,}", ",")
    if not _INT_RE.match(t):
        raise ValueError(f"{text!r} is not a whole number (digits, optionally grouped by commas: 1,446,400)")
    return int(t.replace(",", ""))


def _parse_decimal(text: str) -> Fraction:
    t = text.strip().strip("$").strip()
    if not _DEC_RE.match(t):
        raise ValueError(f"{text!r} is not a decimal number such as 0.865")
    return Fraction(t)


def _compare_formula(kind: Formula, text: str, truth: sympy.Expr) -> Comparison:
    truth = sympy.Integer(truth) if isinstance(truth, int) else truth
    try:
        segments = latex.parse_chain(text)
    except latex.LatexError as err:
        return Comparison(UNPARSABLE, text, _plain(truth), detail=str(err))
    if kind.lhs is not None:
        expected_lhs = latex.parse_expr(kind.lhs)
        if len(segments) > 1:
            if sympy.expand(segments[0] - expected_lhs) != 0:
                return Comparison(
                    DIFFERENT, text, _plain(truth),
                    detail=f"the left-hand side is {_plain(segments[0])}, but this claim is about {_plain(expected_lhs)}",
                )
            segments = segments[1:]
    vectors = [sympy.Symbol(v) for v in kind.vectors]
    for i, seg in enumerate(segments):
        if vectors:
            bad = _nonlinear_term(seg, vectors)
            if bad is not None:
                return Comparison(
                    DIFFERENT, text, _plain(truth),
                    detail=f"{_plain(bad)} multiplies vectors together; the answer must be a linear combination of {', '.join(kind.vectors)}",
                )
        diff = sympy.simplify(sympy.expand(seg - truth))
        if diff != 0:
            step = f" (step {i + 1} of the chain)" if len(segments) > 1 else ""
            return Comparison(
                DIFFERENT, _plain(seg), _plain(truth), _plain(diff),
                detail=f"page - truth = {_plain(diff)}{step}", difference_latex=sympy.latex(diff),
            )
    return Comparison(EQUAL, _plain(segments[-1]), _plain(truth))


GRAD_RTOL, GRAD_ATOL = 1e-3, 1e-5  # torch.autograd.gradcheck's defaults
LARGEST_RELATIVE_ERROR: dict[str, float] = {}  # claim text -> the largest error of a formula that passed


def _matrix_text(a: Any) -> str:
    """A small matrix on one line, rows separated by semicolons: (0.12, -3.4; 5.6, 0.78)."""
    if np.ndim(a) == 0:
        return f"{float(a):.4g}"
    rows = np.atleast_2d(np.asarray(a, dtype=float))
    return "(" + "; ".join(", ".join(f"{v:.4g}" for v in row) for row in rows) + ")"


def _compare_gradient(kind: Gradient, text: str, truth: GradientTruth) -> Comparison:
    if not isinstance(truth, GradientTruth):
        raise TypeError(f"a gradient claim must return GradientTruth, not {type(truth).__name__}")
    try:
        segments = matrix_latex.parse_chain(text)
        target = matrix_latex.quantity_key(kind.lhs)
    except matrix_latex.MatrixLatexError as err:
        return Comparison(UNPARSABLE, text, truth.how, detail=str(err))
    shown_target = target.text().replace("dL/d", "∂L/∂")
    if len(segments) > 1:
        first = segments[0]
        if first.op not in ("grad", "name") or first.args[0] != target:
            return Comparison(DIFFERENT, text, truth.how, detail=f"the left-hand side should be {shown_target} ({kind.lhs})")
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
            if value.shape != want.shape:
                value = value * np.ones_like(want) if value.ndim == 0 else value
            if value.shape != want.shape:
                return Comparison(DIFFERENT, text, truth.how, detail=(
                    f"at {case.label}{step}: the formula gives a {' x '.join(map(str, value.shape))} matrix, "
                    f"but {shown_target} is {' x '.join(map(str, want.shape))}"))
            err_abs = np.abs(value - want)
            if not np.all(err_abs <= GRAD_ATOL + GRAD_RTOL * np.abs(want)):
                at = np.unravel_index(int(np.argmax(err_abs - GRAD_RTOL * np.abs(want))), want.shape)
                return Comparison(
                    DIFFERENT, _matrix_text(value), _matrix_text(want), f"{float(err_abs[at]):.3g}",
                    detail=(f"at {case.label}{step} the formula gives {_matrix_text(value)} but autograd gives "
                            f"{_matrix_text(want)}: they differ by {float(err_abs[at]):.3g} at entry "
                            f"{tuple(int(k) + 1 for k in at)} (row, column from 1)"),
                )
            worst = max(worst, float(err_abs.max() / max(np.abs(want).max(), 1e-12)))
    LARGEST_RELATIVE_ERROR[text] = worst
    return Comparison(EQUAL, text, f"{truth.how}; largest relative error {worst:.1g} over {len(truth.cases)} cases")


def _nonlinear_term(expr: sympy.Expr, vectors: list[sympy.Symbol]) -> sympy.Expr | None:
    for term in sympy.Add.make_args(sympy.expand(expr)):
        degree = sum(sympy.degree(term, v) if term.has(v) else 0 for v in vectors)
        if degree > 1 or (term.free_symbols & set(vectors) and not term.is_polynomial(*vectors)):
            return term
    return None


def compare(claim: Claim, text: str | None, truth: Any) -> Comparison:
    """Is ``text`` (what a page or a student wrote) equal to ``truth``?"""
    kind = claim.kind
    if isinstance(kind, Generated):
        if not isinstance(truth, Shown):
            raise TypeError(f"{claim.location}: generated claim {claim.id} must return Shown, not {type(truth).__name__}")
        if text is not None:
            return Comparison(DIFFERENT, text, truth.latex, detail="this claim's value is generated from the code: write [[" + claim.id + "]] with no value")
        return Comparison(EQUAL, truth.latex, truth.latex)
    if text is None:
        return Comparison(UNPARSABLE, "", _plain(truth), detail=f"claim {claim.id} needs a value on the page: [[{claim.id}: ...]]")
    if isinstance(kind, Formula):
        return _compare_formula(kind, text, truth)
    if isinstance(kind, Gradient):
        return _compare_gradient(kind, text, truth)
    try:
        value: Any = _parse_int(text) if isinstance(kind, Integer) else _parse_decimal(text)
    except ValueError as err:
        return Comparison(UNPARSABLE, text, _plain(truth), detail=str(err))
    if isinstance(kind, Integer):
        if not isinstance(truth, int):
            raise TypeError(f"{claim.location}: integer claim {claim.id} must return an int, not {type(truth).__name__}")
        if value == truth:
            return Comparison(EQUAL, f"{value:,}", f"{truth:,}")
        return Comparison(DIFFERENT, f"{value:,}", f"{truth:,}", f"{value - truth:+,}", detail=f"page - truth = {value - truth:+,}")
    assert isinstance(kind, Decimal)
    diff = float(value) - float(truth)
    page, exact = str(text).strip(), f"{float(truth):.6g}"
    if abs(diff) <= kind.tol:
        return Comparison(EQUAL, page, exact)
    return Comparison(
        DIFFERENT, page, exact, f"{diff:+.3g}",
        detail=f"page - truth = {diff:+.3g}, beyond the tolerance of {kind.tol:g} this claim declares",
    )


# Off except inside ``reused_truths()``: a test that judges many copies of the same pages with the same
# code may reuse each claim's truth.  Builds and ``mkdocs serve`` never do, so no truth can go stale.
_truths: dict[int, tuple[Callable[[], Any], bool, Any]] | None = None


@contextlib.contextmanager
def reused_truths() -> Iterator[None]:
    """Within this block, each claim's function runs once; its value or exception is reused."""
    global _truths
    outer = _truths
    _truths = {} if outer is None else outer
    try:
        yield
    finally:
        _truths = outer


def compute_truth(claim: Claim) -> Any:
    if _truths is not None and (hit := _truths.get(id(claim.compute))) and hit[0] is claim.compute:
        if hit[1]:
            return hit[2]
        raise hit[2]
    try:
        with time_limit(TIME_LIMIT_S * 6):
            truth = claim.compute()
    except Exception as err:
        if _truths is not None:
            _truths[id(claim.compute)] = (claim.compute, False, err)
        raise
    if _truths is not None:
        _truths[id(claim.compute)] = (claim.compute, True, truth)
    return truth


def judge(claim: Claim, text: str | None, path: str | None = None, line: int | None = None, in_table: bool = False) -> Result:
    """Check one claim as written on a page and say what a reader should see."""
    t0 = time.perf_counter()
    kind_name = claim.kind.name + (" (table cell)" if in_table else "")
    r = Result(claim.id, FAILED, kind_name, path, line, in_table, page=text or "", how=claim.how, source=claim.location)
    where = f"{path}:{line}" if path else "(command line)"
    try:
        truth = compute_truth(claim)
    except Pending as p:
        r.seconds = time.perf_counter() - t0
        if text is None or text.strip().lower() == "pending":
            r.status, r.message = PENDING, str(p)
        else:
            r.message = (
                f"{where}: claim {claim.id} shows {text.strip()!r}, but no recorded result supports it ({p}). "
                "Write 'pending' until a run is recorded."
            )
        return r
    except Exception as err:  # noqa: BLE001 - any error in a check is reported as that claim failing, with where
        r.seconds = time.perf_counter() - t0
        tb = traceback.extract_tb(err.__traceback__)[-1]
        r.message = f"{where}: the check of claim {claim.id} ({claim.location}) raised {type(err).__name__}: {err} [at {tb.filename}:{tb.lineno}]"
        return r
    if text is not None and text.strip().lower() == "pending":
        r.truth = _plain(truth.latex if isinstance(truth, Shown) else truth)
        r.message = f"{where}: claim {claim.id} says 'pending', but its check now gives {r.truth}: write that value on the page"
        r.seconds = time.perf_counter() - t0
        return r
    try:
        with time_limit(TIME_LIMIT_S):
            cmp = compare(claim, text, truth)
    except CheckTimeout as err:
        cmp = Comparison(UNPARSABLE, text or "", detail=str(err))
    r.seconds = time.perf_counter() - t0
    r.page, r.truth, r.difference, r.difference_latex = cmp.page or (text or ""), cmp.truth, cmp.difference, cmp.difference_latex
    r.detail = cmp.detail
    if isinstance(truth, Shown):
        r.shown_latex, r.shown_html, r.how = truth.latex, truth.html, f"{claim.how}; {truth.how}"
    head = f"{where}: claim {claim.id}"
    facts = f"\n    page says:     {cmp.page or text}\n    code computes: {cmp.truth}   ({claim.location})"
    if cmp.outcome == UNPARSABLE:
        r.message = f"{head}: cannot check the page's value: {cmp.detail}"
    elif claim.is_mistake:
        if cmp.outcome == DIFFERENT:
            r.status = REFUTED
            r.message = f"{head} is shown as a mistake and is indeed wrong: {cmp.detail}. {claim.why}"
        else:
            r.message = f"{head} is listed as a mistake, but the page's value is correct.{facts}\n    Show the wrong value, or move this claim out of the mistakes."
    elif cmp.outcome == EQUAL:
        r.status = VERIFIED
    else:
        r.message = f"{head} is wrong.{facts}\n    {cmp.detail}"
    return r
