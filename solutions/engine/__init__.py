"""The claim engine: parse what a page says, compare it with what the code computes.

The engine knows nothing of any course.  A course declares its answers in ``*_claims.py``
modules, using only what this package exports (``from solutions.engine import claim, Integer``),
and names the packages that hold those modules in ``mkdocs.yml`` under ``plugins: - claims:``.

* :mod:`.registry`: the ``claim``/``mistake`` decorators and the kinds of claim.
* :mod:`.pages`: finding claim markers on a page; :mod:`.checks`: comparing and judging;
  :mod:`.latex`, :mod:`.matrix_latex`: the parsers (page text is parsed, never evaluated).
* :mod:`.site`, :mod:`.background`: judging a whole docs folder, in a separate process.
* :mod:`.render`: marks, the Verification page, the check listings; :mod:`.plugin`: the MkDocs plugin.
"""

from .kinds import Decimal, Formula, Generated, Gradient, GradientCase, GradientTruth, Integer, Pending, Shown
from .registry import claim, mistake

__all__ = [
    "Decimal",
    "Formula",
    "Generated",
    "Gradient",
    "GradientCase",
    "GradientTruth",
    "Integer",
    "Pending",
    "Shown",
    "claim",
    "mistake",
]
