"""Where claims are declared: the ``claim`` and ``mistake`` decorators, and finding the claims modules.

A claim is an answer that a page shows.  The code side of a claim is a small
function that returns the truth (an ``int``, a ``float``, a sympy expression or
a :class:`Shown` value); the page side is what the page's author typed.  This
module only records the code side.  Comparing the two is the kind's job
(:mod:`.kinds`), judging is :mod:`.checks`', finding the page side is :mod:`.pages`'.

Claims live in modules named ``*_claims.py`` anywhere under the packages that
the plugin's configuration names (``packages:`` in mkdocs.yml);
:func:`load_all` imports every one of them, so a new module needs no
registration.  This module names no course: it is told where to look.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import io
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .kinds import Kind
from .pages import ID_PATTERN

_ID_RE = re.compile(rf"^{ID_PATTERN}$")
# Seconds to import one claims module: the course's largest (it imports torch) takes about 4 s on a busy
# 2-core machine with a warm disk cache; a cold one is slower.  The plugin's `import_limit` sets it.
DEFAULT_IMPORT_LIMIT_S = 60.0
# The limit is CPU time (an endless loop spends it); a blocking call spends none, so the clock bounds the import
# too, at WALL_FACTOR times the limit.  On a busy machine an import's clock time grows with the load (measured
# here: torch's 4 s of CPU took 81 s at a load of 10 on 2 cores), its CPU time does not.
WALL_FACTOR = 3.0


def wall_limit(seconds: float) -> float:
    """Clock seconds an import may take when its CPU-time limit is ``seconds``."""
    return seconds * WALL_FACTOR


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
    why: str = ""  # for a mistake: what went wrong; for a wrong answer to another claim: why it is wrong there
    source_fn: Callable[..., Any] | None = None  # what the check listing shows (defaults to compute)
    # A right value of something else that is a common wrong answer to the claim it names: the in-page checker
    # explains it as a known mistake of that claim (the build checks that the two values differ).
    wrong_answer_to: str | None = None
    wrong_answer_at: str = ""  # where wrong_answer_to is written (file:line of the claim() call)

    @property
    def is_mistake(self) -> bool:
        return self.refutes is not None

    @property
    def location(self) -> str:
        return f"{self.source_file}:{self.source_line}"


# Every claim this process has imported, by id: a process imports a course's claims once (the checking
# process of a build is new for every build).
_REGISTRY: dict[str, Claim] = {}
# Where sources are shown relative to: the project root, set by load_all before it imports anything.
_root: list[Path] = [Path.cwd().resolve()]


def _relative(path: Path) -> str:
    path = path.resolve()
    return path.relative_to(_root[0]).as_posix() if path.is_relative_to(_root[0]) else path.as_posix()


def _where(fn: Callable[..., Any]) -> tuple[str, int, str]:
    return _relative(Path(inspect.getsourcefile(fn) or "?")), inspect.getsourcelines(fn)[1], fn.__module__


def _register(c: Claim) -> None:
    if not _ID_RE.match(c.id):
        raise ValueError(f"{c.location}: claim id {c.id!r} is not of the form a2.q6.dL_df1")
    old = _REGISTRY.get(c.id)
    if old is not None and old.location != c.location:
        raise ValueError(f"{c.location}: claim id {c.id!r} is already declared at {old.location}")
    _REGISTRY[c.id] = c


def claim(
    claim_id: str,
    kind: Kind,
    how: str,
    caller: int = 0,
    *,
    wrong_answer_to: str | None = None,
    why: str = "",
) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
    """Declare that the decorated function computes the truth behind ``claim_id``.

    ``how`` is one sentence for the Verification page: how the truth was
    established (enumeration, symbolic differentiation, autograd, a recorded run).
    A helper that declares claims for its callers passes ``caller=1``, so that the
    claim belongs to (and is listed with) the module and line that called it.

    ``wrong_answer_to`` names another claim for which this claim's (right) value is a common wrong answer, and
    ``why`` says why, in a student's terms: a reader who types this value as that claim's answer is told ``why``
    instead of a bare "different" (a count of something else given as the count asked, for example).  The build
    fails if the two values are equal.
    """
    if (wrong_answer_to is None) != (not why.strip()):
        raise ValueError(f"claim {claim_id!r}: wrong_answer_to and why go together (why says why it is wrong)")
    # The caller's frame, read directly: inspect.stack() would resolve the module of every frame on the stack.
    call = sys._getframe(1 + caller)
    # Where the declaration is (its function may be a lambda defined elsewhere): what a wrong answer's failure names.
    declared_at = f"{_relative(Path(call.f_code.co_filename))}:{call.f_lineno}" if wrong_answer_to else ""
    frame = call if caller else None

    def deco(fn: Callable[[], Any]) -> Callable[[], Any]:
        if frame is None:
            rel, line, module = _where(fn)
        else:
            rel = _relative(Path(frame.f_code.co_filename))
            line, module = frame.f_lineno, frame.f_globals["__name__"]
        _register(
            Claim(
                claim_id,
                kind,
                fn,
                how,
                rel,
                line,
                module,
                why=why,
                wrong_answer_to=wrong_answer_to,
                wrong_answer_at=declared_at,
            )
        )
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

        _register(
            Claim(
                claim_id,
                _LazyKind(refutes),
                compute,
                f"shown wrong against {refutes}",
                rel,
                line,
                module,
                refutes,
                why,
                fn,
            )
        )
        return fn

    return deco


class _LazyKind:
    """A mistake has the kind of the claim it refutes, known once all modules are loaded."""

    def __init__(self, target: str) -> None:
        self.target = target

    def resolve(self) -> Kind:
        return get(self.target).kind


def claims_modules(packages: Sequence[str]) -> list[str]:
    """The names of the ``*_claims`` modules under ``packages``, found in their folders without importing
    anything (the site build lists their check pages before a separate process imports and checks them).

    Raises ``ValueError`` naming a package that cannot be found."""
    return sorted(claims_files(packages))


def claims_files(packages: Sequence[str]) -> dict[str, Path]:
    """:func:`claims_modules` with the file of each, found without importing anything."""
    found: dict[str, Path] = {}
    for package in packages:
        try:
            spec = importlib.util.find_spec(package)
        except (ImportError, ValueError) as err:
            spec, why = None, f" ({err})"
        else:
            why = ""
        if spec is None or not spec.submodule_search_locations:
            raise ValueError(
                f"claims package {package!r} (plugins: claims: packages: in mkdocs.yml) "
                f"is not an importable package{why}"
            )
        for folder in spec.submodule_search_locations:
            found.update(_claims_in(Path(folder), package))
    return found


def _claims_in(folder: Path, package: str) -> dict[str, Path]:
    """``*_claims`` modules in a package's folder and its subpackages' (folders with an ``__init__.py``)."""
    out: dict[str, Path] = {}
    for entry in sorted(folder.iterdir()):
        if entry.is_dir() and (entry / "__init__.py").is_file() and entry.name.isidentifier():
            out.update(_claims_in(entry, f"{package}.{entry.name}"))
        elif entry.suffix == ".py" and entry.stem.endswith("_claims") and entry.stem.isidentifier():
            out[f"{package}.{entry.stem}"] = entry
    return out


class ImportFailed(Exception):
    """A claims module could not be imported; the message is one line that names its file."""


class DeclarationError(ImportFailed, ValueError):
    """The claims were imported, but one declares something that does not hold together (a mistake that refutes no
    claim, a wrong answer to a claim of another module or kind); the message names the declaration's file and line.
    An :class:`ImportFailed`, so that every command reports it in one line."""


class _ImportTimeout(BaseException):
    """Raised in a module's import by the alarm: a BaseException, so that a module's ``except Exception``
    in its endless loop cannot swallow it."""


def _why_not(err: BaseException) -> str:
    if isinstance(err, SystemExit):
        return f"importing it called sys.exit({err.code!r})"
    text = " ".join(str(err).split())
    text = text if len(text) <= 200 else text[:199] + "…"
    return f"importing it raised {type(err).__name__}" + (f": {text}" if text else "")


def timeout_message(file: str, seconds: float) -> str:
    """The line for a module whose import outlived ``seconds`` (the checking process's parent says it too)."""
    return (
        f"{file}: importing it took longer than {seconds:g} s of CPU time or {wall_limit(seconds):g} s in all "
        "(an endless loop or a blocking call at import time?)"
    )


@contextmanager
def _bounded(seconds: float) -> Iterator[None]:
    """At most ``seconds`` of CPU time (``SIGPROF``) and :func:`wall_limit` seconds on the clock (``SIGALRM``) for
    the block, where the platform has these timers and this is the main thread (the checking process imports on
    its main thread, and its parent stops it if even that does not hold); and standard input empty, so that a
    module that reads it at import time gets end-of-file, not a wait."""
    import signal
    import threading

    stdin = sys.stdin
    sys.stdin = io.StringIO()
    timed = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    timers = ((signal.ITIMER_PROF, signal.SIGPROF, seconds), (signal.ITIMER_REAL, signal.SIGALRM, wall_limit(seconds)))
    old_handlers = []
    if timed:

        def ring(signum: int, frame: Any) -> None:
            raise _ImportTimeout

        for timer, sig, limit in timers:
            old_handlers.append(signal.signal(sig, ring))
            signal.setitimer(timer, limit)
    try:
        yield
    finally:
        if timed:
            for (timer, sig, _), old in zip(timers, old_handlers, strict=True):
                signal.setitimer(timer, 0)
                signal.signal(sig, old)
        sys.stdin = stdin


def import_claims(name: str, file: str, seconds: float) -> None:
    """Import one claims module within ``seconds``; :class:`ImportFailed` (one line naming ``file``) when it raises,
    exits or takes longer.  A process that the import kills outright (``os._exit``, a crash in native code)
    cannot report it: the checking process's parent names the module then (:mod:`.background`)."""
    try:
        with _bounded(seconds):
            importlib.import_module(name)
    except _ImportTimeout:
        raise ImportFailed(timeout_message(file, seconds)) from None
    except KeyboardInterrupt:
        raise
    except BaseException as err:  # noqa: BLE001 - whatever a module raises at import time becomes one line
        raise ImportFailed(f"{file}: {_why_not(err)}") from None


def load_all(
    packages: Sequence[str],
    root: Path | None = None,
    import_limit: float = DEFAULT_IMPORT_LIMIT_S,
    starting: Callable[[str, str], None] | None = None,
) -> dict[str, Claim]:
    """Import every ``*_claims`` module under ``packages`` and return the registry.

    ``root`` (the project root, default the working folder) is what claim sources are shown relative to.
    Each module's import has ``import_limit`` seconds (:func:`import_claims`); ``starting(module, file)`` is
    told before each import (the checking process tells its parent).  Raises :class:`ImportFailed` for a
    module that cannot be imported, :class:`DeclarationError` (one) for a mistake that refutes no claim or a
    wrong answer that does not answer a claim of its own module and kind.
    """
    if root is not None:
        _root[0] = Path(root).resolve()
    for name, path in sorted(claims_files(packages).items()):
        if name in sys.modules:
            continue
        file = _relative(path)
        if starting is not None:
            starting(name, file)
        import_claims(name, file, import_limit)
    for c in _REGISTRY.values():
        if isinstance(c.kind, _LazyKind):
            if c.kind.target not in _REGISTRY:
                raise DeclarationError(
                    f"{c.location}: mistake {c.id!r} refutes {c.kind.target!r}, which no module declares"
                )
            c.kind = c.kind.resolve()
    for c in _REGISTRY.values():
        if c.wrong_answer_to is not None:
            _check_wrong_answer(c)
    return dict(_REGISTRY)


def _check_wrong_answer(c: Claim) -> None:
    """A claim declared a wrong answer to another: that one exists, is in the same module (whose key, what a rebuild
    under serve reuses truths by, then covers both truths), is not a mistake, and is of the same kind, one a reader
    can answer (a count explains a count, never a formula)."""
    from .answers import ANSWERABLE  # the engine's reader side; imported here, once the claims are loaded

    other = _REGISTRY.get(c.wrong_answer_to or "")
    where = c.wrong_answer_at or c.location
    if other is None or other.module != c.module:
        said = "no module declares it" if other is None else f"it is declared in {other.location}"
        raise DeclarationError(
            f"{where}: claim {c.id!r} is a wrong answer to {c.wrong_answer_to!r}, but {said}; "
            "a wrong answer is declared in the module of the claim it answers"
        )
    if other.is_mistake or other.kind.name != c.kind.name or c.kind.name not in ANSWERABLE or other.id == c.id:
        raise DeclarationError(
            f"{where}: claim {c.id!r} ({c.kind.name}) is a wrong answer to {other.id!r} ({other.kind.name}"
            f"{', a mistake' if other.is_mistake else ''}); a wrong answer must be of the same kind as the claim it "
            f"answers, another claim, one a reader can answer ({', '.join(sorted(ANSWERABLE))})"
        )


def get(claim_id: str) -> Claim:
    try:
        return _REGISTRY[claim_id]
    except KeyError:
        raise KeyError(f"no check declares claim {claim_id!r}") from None
