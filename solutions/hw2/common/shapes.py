"""The shapes a page states for derived quantities (a pre-activation, a step's output), read off the NumPy
arrays that the course's own functions (or the page's formula, evaluated in NumPy) produce.

A shape claim is one axis of one array: its page value is a symbol such as $N$ or $4H$, and its truth is the
one expression in :data:`CANDIDATES` whose value equals that axis's length at every size in :data:`SIZES`
(distinct primes, so no two candidates agree by chance).  A one-dimensional array (NumPy's bias ``b``) counts as
one row, as NumPy broadcasts it.  Shapes the page defines (the inputs' conventions) stay notation: only the
ones that follow from them are claims.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import sympy

from solutions.engine import Formula, claim

N, D, H, T = sympy.symbols("N D H T")
CANDIDATES = (sympy.Integer(1), N, D, H, T, 4 * H)
SIZES = ({N: 2, D: 3, H: 5, T: 7}, {N: 11, D: 13, H: 17, T: 19})
AXES = ("rows", "cols")

Arrays = Callable[[dict[sympy.Symbol, int]], dict[str, np.ndarray]]


def how(source: str) -> str:
    return f"the axis's length in {source}, matched to one of 1, N, D, H, T, 4H at two sizes of distinct primes"


def axis_truth(arrays: Arrays, key: str, axis: int) -> sympy.Expr:
    """The one candidate expression that gives the length of axis ``axis`` of array ``key`` at every size."""
    lengths = []
    for size in SIZES:
        array = arrays(size)[key]
        shape = (1, *array.shape) if array.ndim == 1 else array.shape
        if len(shape) != 2:
            raise AssertionError(f"{key} is a {len(shape)}-dimensional array, not a matrix: shape {array.shape}")
        lengths.append(shape[axis])
    found = [c for c in CANDIDATES if all(int(c.subs(s)) == n for s, n in zip(SIZES, lengths, strict=True))]
    if len(found) != 1:
        sizes = "; ".join(", ".join(f"{k}={v}" for k, v in s.items()) for s in SIZES)
        raise AssertionError(f"axis {axis} of {key} has lengths {lengths} at {sizes}: {found or 'no candidate'}")
    return found[0]


def shape_claims(prefix: str, arrays: Arrays, keys: dict[str, str], axes: tuple[str, ...] = AXES) -> None:
    """Declare ``<prefix>.<key>.rows`` and/or ``<prefix>.<key>.cols`` (Formula claims, as ``axes`` says) for each
    ``key: source`` of ``keys``; ``source`` says in words where the array comes from.  The claims belong to the
    caller's module."""
    for key, source in keys.items():
        for name in axes:
            axis = AXES.index(name)
            claim(f"{prefix}.{key}.{name}", Formula(), how(source), caller=1)(
                lambda key=key, axis=axis: axis_truth(arrays, key, axis)
            )


def random_inputs(size: dict[sympy.Symbol, int], blocks: int) -> dict[str, np.ndarray]:
    """Inputs in the course's conventions (time-major ``x`` (T, N, D), ``h0`` (N, H), ``Wx`` (D, bH), ``Wh``
    (H, bH), ``b`` (bH,) for ``blocks`` = b blocks of gates)."""
    rng = np.random.default_rng(0)
    n, d, h, t = (size[s] for s in (N, D, H, T))
    return {
        "x": rng.standard_normal((t, n, d)),
        "h0": rng.standard_normal((n, h)),
        "Wx": rng.standard_normal((d, blocks * h)),
        "Wh": rng.standard_normal((h, blocks * h)),
        "b": rng.standard_normal(blocks * h),
    }
