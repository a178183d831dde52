"""Judge a claim: compare what a page says with what the code computes, under a time limit.

:func:`compare` answers "is this text equal to this claim's truth?" by asking the
claim's kind (:mod:`.kinds`: each kind compares for itself); :func:`judge` turns
that answer into the status a reader sees (verified, refuted, pending) or a failure
a contributor must fix.  The command line, the tests and the site build all call
these, so the three can never disagree.

Every comparison runs under a time limit (the plugin's ``time_limit``), and page
text only ever reaches sympy through the parser in :mod:`.latex`.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from typing import Any

from .kinds import Pending, Shown, plain
from .registry import Claim
from .verdicts import Comparison, Outcome, Result, Status

DEFAULT_TIME_LIMIT_S = 5.0  # the plugin's default time limit for comparing a page value with its truth
TRUTH_FACTOR = 6  # a claim's own computation (a forward pass, an enumeration) may take this many times as long
EQUAL, DIFFERENT, UNPARSABLE = Outcome
VERIFIED, REFUTED, PENDING, FAILED = Status

__all__ = [
    "DEFAULT_TIME_LIMIT_S",
    "DIFFERENT",
    "EQUAL",
    "FAILED",
    "PENDING",
    "REFUTED",
    "UNPARSABLE",
    "VERIFIED",
    "CheckTimeout",
    "Comparison",
    "Pending",
    "Result",
    "compare",
    "compare_within",
    "compute_truth",
    "judge",
    "remember_truth",
    "remembered_truth",
    "reused_truths",
    "time_limit",
]


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


def compare(claim: Claim, text: str | None, truth: Any) -> Comparison:
    """Is ``text`` (what a page or a student wrote) equal to ``truth``?  The claim's kind decides."""
    return claim.kind.compare(claim, text, truth)


def compare_within(claim: Claim, text: str | None, truth: Any, seconds: float = DEFAULT_TIME_LIMIT_S) -> Comparison:
    """:func:`compare` under a time limit: a comparison that runs past it cannot be parsed."""
    try:
        with time_limit(seconds):
            return compare(claim, text, truth)
    except CheckTimeout as err:
        return Comparison(UNPARSABLE, text or "", detail=str(err), timed_out=True)
    except RecursionError:
        detail = f"{excerpt(text)} nests too deeply to read; write it with fewer nested parts"
        return Comparison(UNPARSABLE, excerpt(text), detail=detail)
    except ValueError as err:  # a character or number the parsers let through but cannot use (e.g. ²)
        return Comparison(UNPARSABLE, excerpt(text), detail=f"cannot read {excerpt(text)}: {excerpt(str(err))}")


def excerpt(text: str | None, width: int = 60) -> str:
    """Untrusted text as it may appear in a message: control characters shown as \\x.., at most ``width``."""
    shown = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in (text or "")[: width + 1])
    return repr(shown[:width] + ("…" if len(shown) > width else ""))


# Off except inside ``reused_truths()``: a test that judges many copies of the same pages with the same
# code may reuse each claim's truth.  A build never does; ``mkdocs serve`` seeds it only with truths computed
# under the same inputs digest (:func:`.background.inputs_digest`), so no truth can go stale.
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


def remembered_truth(claim: Claim) -> tuple[bool, Any] | None:
    """Inside :func:`reused_truths`: whether the claim's function returned, and its value or exception, once
    it has run; None before."""
    hit = _truths.get(id(claim.compute)) if _truths is not None else None
    return (hit[1], hit[2]) if hit is not None and hit[0] is claim.compute else None


def remember_truth(claim: Claim, truth: Any) -> None:
    """Inside :func:`reused_truths`: ``truth`` is what the claim's function returns (computed before, under the
    same inputs); its function does not run."""
    if _truths is not None:
        _truths[id(claim.compute)] = (claim.compute, True, truth)


def compute_truth(claim: Claim, seconds: float = DEFAULT_TIME_LIMIT_S * TRUTH_FACTOR) -> Any:
    """The claim's truth, computed within ``seconds`` (or reused inside :func:`reused_truths`)."""
    if _truths is not None and (hit := _truths.get(id(claim.compute))) and hit[0] is claim.compute:
        if hit[1]:
            return hit[2]
        raise hit[2]
    try:
        with time_limit(seconds):
            truth = claim.compute()
    except Exception as err:
        if _truths is not None:
            _truths[id(claim.compute)] = (claim.compute, False, err)
        raise
    if _truths is not None:
        _truths[id(claim.compute)] = (claim.compute, True, truth)
    return truth


def _raised(r: Result, t0: float, what: str, err: Exception, detail: str) -> Result:
    """``r`` failed because ``what`` raised ``err``: the message names the error and the line that raised it."""
    r.seconds = time.perf_counter() - t0
    tb = traceback.extract_tb(err.__traceback__)[-1]
    r.message = f"{what} raised {type(err).__name__}: {detail} [at {tb.filename}:{tb.lineno}]"
    return r


def judge(
    claim: Claim,
    text: str | None,
    path: str | None = None,
    line: int | None = None,
    in_table: bool = False,
    seconds: float = DEFAULT_TIME_LIMIT_S,
) -> Result:
    """Check one claim as written on a page (or typed on the command line) and say what a reader should see.

    ``seconds`` bounds the comparison; the claim's own computation may take :data:`TRUTH_FACTOR` times as long.
    """
    t0 = time.perf_counter()
    kind_name = claim.kind.name + (" (table cell)" if in_table else "")
    r = Result(claim.id, FAILED, kind_name, path, line, in_table, page=text or "", how=claim.how, source=claim.location)
    where = f"{path}:{line}" if path else "(command line)"
    try:
        truth = compute_truth(claim, seconds * TRUTH_FACTOR)
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
        return _raised(r, t0, f"{where}: the check of claim {claim.id} ({claim.location})", err, str(err))
    if text is not None and text.strip().lower() == "pending":
        r.truth = plain(truth.latex if isinstance(truth, Shown) else truth)
        r.message = (
            f"{where}: claim {claim.id} says 'pending', but its check now gives {r.truth}: write that value on the page"
        )
        r.seconds = time.perf_counter() - t0
        return r
    try:
        cmp = compare_within(claim, text, truth, seconds)
    except Exception as err:  # noqa: BLE001 - a broken check fails its own claim, never the whole build's checking
        return _raised(r, t0, f"{where}: comparing claim {claim.id} with the page", err, excerpt(str(err), 200))
    r.seconds = time.perf_counter() - t0
    r.page, r.truth, r.difference, r.difference_latex = (
        cmp.page or (text or ""),
        cmp.truth,
        cmp.difference,
        cmp.difference_latex,
    )
    r.detail = cmp.detail
    if isinstance(truth, Shown):
        r.shown_latex, r.shown_html, r.how = truth.latex, truth.html, f"{claim.how}; {truth.how}"
    _for_readers(r, claim, text, truth)
    head = f"{where}: claim {claim.id}"
    facts = f"\n    page says:     {cmp.page or text}\n    code computes: {cmp.truth}   ({claim.location})"
    if cmp.outcome == UNPARSABLE:
        r.message = f"{head}: cannot check the page's value: {cmp.detail}"
    elif claim.is_mistake:
        if cmp.outcome == DIFFERENT:
            r.status = REFUTED
            r.message = f"{head} is shown as a mistake and is indeed wrong: {cmp.detail}. {claim.why}"
        else:
            r.message = (
                f"{head} is listed as a mistake, but the page's value is correct.{facts}\n"
                "    Show the wrong value, or move this claim out of the mistakes."
            )
    elif cmp.outcome == EQUAL:
        r.status = VERIFIED
    else:
        r.message = f"{head} is wrong.{facts}\n    {cmp.detail}"
    if r.status == VERIFIED and claim.wrong_answer_to:
        _wrong_answer(r, claim, text, seconds, head)
    if r.status != VERIFIED:
        r.answer = None
    return r


def _wrong_answer(r: Result, claim: Claim, text: str | None, seconds: float, head: str) -> None:
    """A verified claim declared a common wrong answer to another claim (``wrong_answer_to``): its page value must
    differ from that claim's truth, as that claim's kind reads it; then the in-page checker gets it as a known
    mistake of that claim (``r.extra``).  A pending claim answered nothing yet: nothing to explain."""
    from .registry import get

    other_id = claim.wrong_answer_to or ""
    try:
        other = get(other_id)
        truth = compute_truth(other, seconds * TRUTH_FACTOR)
        cmp = compare_within(other, text, truth, seconds)
    except Pending:
        return
    except Exception as err:  # noqa: BLE001 - reported as this claim failing, with what raised
        r.status = FAILED
        r.message = f"{head} is declared a wrong answer to {other_id}, which cannot be judged: {type(err).__name__}: "
        r.message += excerpt(str(err), 200)
        return
    if cmp.outcome == UNPARSABLE:
        r.status = FAILED
        r.message = f"{head} is declared a wrong answer to {other_id}, but reads as no answer to it: {cmp.detail}"
    elif cmp.outcome == EQUAL:
        r.status = FAILED
        r.message = (
            f"{head} is declared a common wrong answer to {other_id}, but its value {text} equals that claim's "
            f"truth ({cmp.truth}).\n    Drop wrong_answer_to where it is written "
            f"({claim.wrong_answer_at or claim.location}), or fix the value."
        )
    else:
        r.extra.update(wrong_answer_to=other_id, why=claim.why, mistake_text=text or "")


def _for_readers(r: Result, claim: Claim, text: str | None, truth: Any) -> None:
    """What the in-page checker needs of this claim (:mod:`.answers`): a mistake's page text and why, or the
    truth of a claim a reader may answer (kept only if the claim is verified)."""
    from . import answers

    if claim.is_mistake:
        r.extra.update(refutes=claim.refutes or "", why=claim.why, mistake_text=text or "")
    elif claim.kind.name in answers.ANSWERABLE:
        try:
            r.answer = answers.spec(claim, truth)
        except answers.Unsupported as err:
            r.answer = {"unsupported": str(err)}
