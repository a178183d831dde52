"""Where claims are declared: the ``claim`` and ``mistake`` decorators and the kinds.

A claim is an answer that a page shows.  The code side of a claim is a small
function that returns the truth (an ``int``, a ``float``, a sympy expression or
a :class:`Shown` value); the page side is what the page's author typed.  This
module only records the code side.  Comparing the two is :mod:`checks`' job,
finding the page side is :mod:`pages`' job.

Claims live in modules named ``*_claims.py`` anywhere under ``solutions/``;
:func:`load_all` imports every one of them, so a new module needs no
registration.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import solutions

ID_PATTERN = r"[a-z0-9][A-Za-z0-9_.\-]*[A-Za-z0-9_]"
_ID_RE = re.compile(rf"^{ID_PATTERN}$")


class Pending(Exception):
    """Raised by a claim's function when the truth is not known yet (no recorded run)."""


@dataclass(frozen=True)
class Integer:
    """An exact whole number.  The page may group digits with commas (1,446,400)."""

    name = "integer"


@dataclass(frozen=True)
class Decimal:
    """A real number, right when ``|page - truth| <= tol``."""

    tol: float
    name = "decimal"


@dataclass(frozen=True)
class Formula:
    """A formula, right when it is symbolically equal to the truth.

    ``lhs`` is the left-hand side the page must write (for example
    ``\\frac{\\partial L}{\\partial f_1}``) when it writes ``lhs = ...``.
    ``vectors`` names symbols that stand for vectors: an answer must be a
    linear combination of them, since a product of two vectors means nothing here.
    """

    lhs: str | None = None
    vectors: tuple[str, ...] = ()
    name = "formula"


@dataclass(frozen=True)
class Gradient:
    """A matrix formula for a gradient, right when it evaluates to autograd's gradient.

    ``lhs`` is the quantity the formula gives, e.g. ``\\frac{\\partial L}{\\partial X_t}``.
    The claim's function returns a :class:`GradientTruth`: arrays from real forward
    passes (several shapes, including T = 1 and N = 1) and autograd's answer for each;
    the page's formula is evaluated on them by :mod:`matrix_latex`, never eval'd.
    """

    lhs: str
    name = "gradient"


@dataclass
class GradientCase:
    values: dict[str, Any]  # name -> array, or time -> array for quantities that change with time
    bindings: dict[str, int]  # t, T
    truth: Any  # autograd's gradient (float64)
    label: str  # the shapes, for messages: "N=2, D=3, H=4, T=3, t=2"


@dataclass
class GradientTruth:
    cases: list[GradientCase]
    how: str  # how the truth was established (autograd, and finite differences agreeing to ...)


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


@dataclass(frozen=True)
class Generated:
    """Kind of a claim whose page text is generated (see :class:`Shown`)."""

    name = "generated"


Kind = Integer | Decimal | Formula | Generated | Gradient


@dataclass
class Claim:
    id: str
    kind: Kind
    compute: Callable[[], Any]
    how: str
    source_file: str  # relative to the repository root
    source_line: int
    module: str
    refutes: str | None = None  # for a mistake: the claim whose truth it contradicts
    why: str = ""  # for a mistake: what went wrong
    source_fn: Callable[..., Any] | None = None  # what the check listing shows (defaults to compute)

    @property
    def is_mistake(self) -> bool:
        return self.refutes is not None

    @property
    def location(self) -> str:
        return f"{self.source_file}:{self.source_line}"


_REGISTRY: dict[str, Claim] = {}
REPO_ROOT = Path(solutions.__file__).resolve().parent.parent


def _where(fn: Callable[..., Any]) -> tuple[str, int, str]:
    path = Path(inspect.getsourcefile(fn) or "?").resolve()
    try:
        rel = path.relative_to(REPO_ROOT).as_posix()
    except ValueError:
        rel = path.as_posix()
    return rel, inspect.getsourcelines(fn)[1], fn.__module__


def _register(c: Claim) -> None:
    if not _ID_RE.match(c.id):
        raise ValueError(f"{c.location}: claim id {c.id!r} is not of the form a2.q6.dL_df1")
    old = _REGISTRY.get(c.id)
    if old is not None and old.location != c.location:
        raise ValueError(f"{c.location}: claim id {c.id!r} is already declared at {old.location}")
    _REGISTRY[c.id] = c


def claim(claim_id: str, kind: Kind, how: str, caller: int = 0) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
    """Declare that the decorated function computes the truth behind ``claim_id``.

    ``how`` is one sentence for the Verification page: how the truth was
    established (enumeration, symbolic differentiation, autograd, a recorded run).
    A helper that declares claims for its callers passes ``caller=1``, so that the
    claim belongs to (and is listed with) the module and line that called it.
    """
    # The caller's frame, read directly: inspect.stack() would resolve the module of every frame on the stack.
    frame = sys._getframe(1 + caller) if caller else None

    def deco(fn: Callable[[], Any]) -> Callable[[], Any]:
        if frame is None:
            rel, line, module = _where(fn)
        else:
            path = Path(frame.f_code.co_filename).resolve()
            rel = path.relative_to(REPO_ROOT).as_posix() if path.is_relative_to(REPO_ROOT) else path.as_posix()
            line, module = frame.f_lineno, frame.f_globals["__name__"]
        _register(Claim(claim_id, kind, fn, how, rel, line, module))
        return fn

    return deco


def mistake(claim_id: str, refutes: str, why: str) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
    """Declare a wrong answer, shown on a page so readers can learn from it.

    The decorated function documents the mistake (its docstring) and returns
    nothing; the truth is that of ``refutes``.  The check passes only when the
    page's value really is wrong, so a "mistake" that a later edit made right
    fails loudly instead of being shown as an error.
    """

    def deco(fn: Callable[[], Any]) -> Callable[[], Any]:
        rel, line, module = _where(fn)

        def compute() -> Any:
            return get(refutes).compute()

        _register(Claim(claim_id, _LazyKind(refutes), compute, f"shown wrong against {refutes}", rel, line, module, refutes, why, fn))
        return fn

    return deco


class _LazyKind:
    """A mistake has the kind of the claim it refutes, known once all modules are loaded."""

    def __init__(self, target: str) -> None:
        self.target = target

    def resolve(self) -> Kind:
        return get(self.target).kind


def claims_modules() -> list[str]:
    """The names of the ``*_claims`` modules under ``solutions``, found without importing them
    (the site build lists their check pages before a separate process has run the checks)."""
    return sorted(
        info.name for info in pkgutil.walk_packages(solutions.__path__, prefix="solutions.")
        if info.name.rsplit(".", 1)[-1].endswith("_claims")
    )


def load_all() -> dict[str, Claim]:
    """Import every ``*_claims`` module under ``solutions`` and return the registry."""
    for name in claims_modules():
        importlib.import_module(name)
    for c in _REGISTRY.values():
        if isinstance(c.kind, _LazyKind):
            if c.kind.target not in _REGISTRY:
                raise ValueError(f"{c.location}: mistake {c.id!r} refutes {c.kind.target!r}, which no module declares")
            c.kind = c.kind.resolve()
    return dict(_REGISTRY)


def get(claim_id: str) -> Claim:
    try:
        return _REGISTRY[claim_id]
    except KeyError:
        raise KeyError(f"no check declares claim {claim_id!r}") from None
