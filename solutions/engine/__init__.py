"""The claim engine: parse what a page says, compare it with what the code computes.

The engine knows nothing of any course.  A course declares its answers in ``*_claims.py``
modules, using only what this package exports (``from solutions.engine import claim, Integer``),
and names the packages that hold those modules in ``mkdocs.yml`` under ``plugins: - claims:``.

* :mod:`.registry`: the ``claim``/``mistake`` decorators; :mod:`.kinds`: the kinds of claim, each
  comparing a page value with the truth for itself.
* :mod:`.pages`: finding claim markers on a page; :mod:`.checks`: judging one claim under a time limit;
  :mod:`.verdicts`: statuses, outcomes and results as plain data;
  :mod:`.latex`, :mod:`.matrix_latex`: the parsers (page text is parsed, never evaluated).
* :mod:`.site`, :mod:`.background`: judging a whole docs folder, in a separate process.
* :mod:`.render`: marks, the Verification page, the check listings.
* :mod:`.plugin`, :mod:`.config`: the MkDocs plugin and its options; :mod:`.cli`: ``check`` and ``verify``.
"""

from .cli import add_commands
from .kinds import (
    Decimal,
    Formula,
    Generated,
    Gradient,
    GradientCase,
    GradientNotation,
    GradientTruth,
    Integer,
    Pending,
    Shown,
)
from .registry import claim, mistake

__all__ = [
    "Decimal",
    "Formula",
    "Generated",
    "Gradient",
    "GradientCase",
    "GradientNotation",
    "GradientTruth",
    "Integer",
    "Pending",
    "Shown",
    "add_commands",
    "claim",
    "mistake",
]
