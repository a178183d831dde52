"""The HW2 answer sheet's one-step gradients, transcribed and checked on real forward passes.

The sheet writes one example in the question's column-vector form, but reads each gradient as a row vector
(it says so of its gradient with respect to x_t).  On this site's batched rows with one example (N = 1) its
vectors are then our rows as they are, and its matrices (its W is our W transposed) are our weight gradients
transposed.  A transcription is a function of a case's values (:func:`gradient_cases.rnn_case` and
``lstm_case`` keys) giving, for each gradient the question asks, the sheet's formula evaluated there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

Values = dict
Formulas = Callable[[Values], dict[str, np.ndarray]]

HOW = (
    "each of the sheet's one-step formulas, transcribed (its row vectors as our rows, its W as our W transposed) "
    "and evaluated in NumPy on float64 forward passes of one example, against autograd; the count of those equal "
    "at every case"
)


def count_right(sheet: Formulas, truth: Formulas, asked: Iterable[str], cases: Iterable[Values]) -> int:
    """How many of the asked gradients the sheet's formulas get right at every case.  The transcription must
    give exactly the asked gradients, so that "all N" on a page means all of them."""
    asked = set(asked)
    right = set(asked)
    for values in cases:
        theirs, ours = sheet(values), truth(values)
        if set(theirs) != asked or set(ours) != asked:
            raise AssertionError(f"transcribed {sorted(theirs)} against {sorted(ours)}, not the asked {sorted(asked)}")
        for name in asked:
            a, b = theirs[name], ours[name]
            if a.shape != b.shape or not np.allclose(a, b, rtol=1e-9, atol=1e-12):
                right.discard(name)
    return len(right)
