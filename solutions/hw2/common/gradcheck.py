"""Checking gradients: centred finite differences and a relative error that remembers its worst case.

Shared by the HW2 questions that check a gradient (Q2-Q5) and by the tests.
:func:`rel_error` records the largest value it has returned (and where), so a
test run can report the worst agreement any check saw:
:func:`largest_relative_error` and :func:`worst_checks`.  :func:`sci` writes a
relative error as LaTeX for the pages' tables.  What is compared with what (and
at which tolerance) is decided by the callers.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

_worst: dict[str, float] = {}  # label -> largest relative error recorded under that label


def numeric_gradient(
    f: Callable[[np.ndarray], np.ndarray | float], x: np.ndarray, df: np.ndarray | float = 1.0, h: float = 1e-6
) -> np.ndarray:
    """Centred finite differences of ``sum(f(x) * df)`` with respect to ``x``.

    ``f`` is called with ``x`` itself after one of its entries has been moved
    by ``+h`` or ``-h`` (in place, restored afterwards), so ``f`` must read
    ``x`` each time it is called.  For a scalar ``f`` leave ``df = 1``.
    Each entry costs two calls of ``f``: use small arrays.
    """
    if x.dtype != np.float64:
        raise TypeError(f"finite differences need float64 (got {x.dtype}): float32 round-off swamps h = {h}")
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        ix = it.multi_index
        old = x[ix]
        x[ix] = old + h
        plus = np.array(f(x), dtype=np.float64, copy=True)
        x[ix] = old - h
        minus = np.array(f(x), dtype=np.float64, copy=True)
        x[ix] = old
        grad[ix] = np.sum((plus - minus) * df) / (2 * h)
    return grad


def rel_error(a: np.ndarray | float, b: np.ndarray | float, label: str = "unlabelled", record: bool = True) -> float:
    """Normwise relative error ``max|a - b| / max(max|a|, max|b|)`` (0 when both are 0), recorded under ``label``.

    Normwise rather than entrywise: an entry that should be 0 but comes out as
    1e-11 from finite differences is agreement, not a 100 % error.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"{label}: shapes differ, {a.shape} vs {b.shape}")
    scale = max(np.max(np.abs(a), initial=0.0), np.max(np.abs(b), initial=0.0))
    err = 0.0 if scale == 0 else float(np.max(np.abs(a - b), initial=0.0) / scale)
    if record:
        _worst[label] = max(_worst.get(label, 0.0), err)
    return err


def largest_relative_error() -> float:
    """The largest relative error :func:`rel_error` has recorded since the process started."""
    return max(_worst.values(), default=0.0)


def worst_checks() -> dict[str, float]:
    """The largest relative error per label, worst first."""
    return dict(sorted(_worst.items(), key=lambda kv: -kv[1]))


def sci(x: float) -> str:
    """A relative error as LaTeX: 2.5 \\times 10^{-9}."""
    if x == 0:
        return "0"
    mantissa, exponent = f"{x:.1e}".split("e")
    return rf"{mantissa} \times 10^{{{int(exponent)}}}"
