"""What a claims module's truths depend on, as one key per module: how ``mkdocs serve`` reuses a truth only while
nothing it was computed from has changed (:mod:`.background`).

A claim's truth is what its function returns.  It can depend on

1. the code: its claims module and every module of the project that module imports, directly or not (read from
   their ``import`` statements with :mod:`ast`, nothing imported; a module's folder's other files count too);
2. the installed distributions those modules import by name, and every distribution those require (name and
   version, from :mod:`importlib.metadata`);
3. the interpreter (its version and path);
4. the files the code reads and the folders it lists while the module is imported or its claims are judged.

1-3 are known before anything runs.  4 is recorded while the checking process runs (:func:`watch_reads`): an
audit hook (``sys.addaudithook``) sees every ``open``, ``os.listdir`` and ``os.scandir`` and charges it to the
*reader*, the innermost module of the project on the call stack.  A module's key covers every read whose reader
is a module it imports (or itself), whichever claim made the read: a helper that caches what it read can hand
it on only to modules that import it, and each of those has the read in its key.  A read with no project module
on the stack (a library's own thread) is charged to every module.  A file is keyed by its bytes (by size and
modification time above 4 MiB), a folder by its sorted names, a missing one as missing.  Reads of the
interpreter's and the installed packages' own files are not keyed: 2 and 3 cover them.

So editing a helper re-checks exactly the claims modules that import it; editing a results file, those whose
code (or an imported helper's) read it; a new version of a distribution, those that import it or a distribution
that requires it.  A claims module is the unit: its claims share module state (cached helpers), so they are kept
or computed again together.

What this cannot see, and so must not be relied on (the strict build keeps nothing and checks from cold): a read
in native code that bypasses Python's ``open``; a distribution imported only under a computed name
(``importlib.import_module(name)``) that no module imports by name; environment variables, the clock and
randomness; data one claims module stores in a module that a second one imports without importing the reader.

Hand-written, not a library: the import graph is :mod:`.changed`'s; the rest is ``hashlib`` over what this
docstring lists, and its exact coverage is the point.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
from dataclasses import dataclass, field
from functools import cache
from importlib import metadata
from pathlib import Path

from .changed import package_modules, reached_by

BIG = 4 << 20  # files larger than this are keyed by size and modification time, not read
ANYONE = "*"  # the reader of a read with no project module on the call stack: charged to every module
_NOT_INPUTS = ("/dev/", "/proc/", "/sys/")  # the machine's state, not files a truth is computed from
_READ_EVENTS = {"open": "file", "os.listdir": "dir", "os.scandir": "dir"}

Read = tuple[str, str, str]  # (reader module or ANYONE, "file" or "dir", absolute real path)


@cache
def _top_level_imports(file: Path) -> frozenset[str]:
    """The top-level names of the absolute imports in ``file`` (anywhere in it, a function's body included).
    Read once per process: the checking process keys what it imported, as it was when it started."""
    import ast

    try:
        tree = ast.parse(file.read_text(encoding="utf-8"), str(file))
    except (SyntaxError, UnicodeDecodeError, OSError):
        return frozenset()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            names.add(node.module.split(".")[0])
    return frozenset(names)


def _canonical(name: str) -> str:
    from packaging.utils import canonicalize_name

    return str(canonicalize_name(name))


@cache
def _installed() -> dict[str, tuple[str, list[str]]]:
    """Every installed distribution by canonical name: its version and requirements (the first on the path wins,
    as for an import)."""
    out: dict[str, tuple[str, list[str]]] = {}
    for dist in metadata.distributions():
        meta = dist.metadata
        if meta["Name"]:
            out.setdefault(_canonical(meta["Name"]), (meta["Version"] or "", meta.get_all("Requires-Dist") or []))
    return out


@cache
def _by_import_name() -> dict[str, list[str]]:
    return metadata.packages_distributions()


@cache
def _requires(name: str) -> frozenset[str]:
    """The distributions ``name`` requires in this environment (markers evaluated, no extras)."""
    from packaging.requirements import InvalidRequirement, Requirement

    out: set[str] = set()
    for line in _installed().get(name, ("", []))[1]:
        try:
            req = Requirement(line)
        except InvalidRequirement:
            continue
        if req.marker is None or req.marker.evaluate({"extra": ""}):
            out.add(_canonical(req.name))
    return frozenset(out)


def _distribution_closure(names: set[str]) -> set[str]:
    seen, todo = set(names), list(names)
    while todo:
        for nxt in _requires(todo.pop()) - seen:
            seen.add(nxt)
            todo.append(nxt)
    return {n for n in seen if n in _installed()}


@dataclass
class Graph:
    """The project's modules that the claims packages reach, and what each one's key covers but its reads."""

    root: Path
    modules: dict[str, Path]  # module name -> file
    closure: dict[str, set[str]]  # module -> the project modules it imports, directly or not (itself included)
    _dists: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, root: Path, packages: list[str] | tuple[str, ...]) -> Graph:
        """Start from the top-level packages of ``packages``; add any top-level module or package that a module
        imports and that lives under ``root`` (importable from the project's folder) until none is new."""
        root = root.resolve()
        tops = sorted({p.split(".")[0] for p in packages})
        modules = package_modules(tops)
        prefixes = tuple(os.path.realpath(p) + os.sep for p in {sys.prefix, sys.base_prefix, sys.exec_prefix})
        checked: set[str] = set(tops)
        while True:
            wanted = set().union(*(_top_level_imports(f) for f in modules.values())) - checked
            checked |= wanted
            found = {}
            for name in sorted(wanted):
                try:
                    spec = importlib.util.find_spec(name)
                except (ImportError, ValueError):
                    continue
                origin = os.path.realpath(spec.origin) if spec is not None and spec.origin else ""
                if origin.startswith(str(root) + os.sep) and not origin.startswith(prefixes):
                    found.update(package_modules([name]))
            if not found:
                break
            modules.update(found)
        return cls(root, modules, reached_by(modules))

    def files(self, module: str) -> list[Path]:
        """The source files of ``module``'s closure and every other file in their folders (sorted)."""
        out: set[Path] = set()
        for name in self.closure.get(module, {module}):
            file = self.modules.get(name)
            if file is None:
                continue
            out.add(file)
            out.update(
                p for p in file.parent.iterdir() if p.is_file() and p.suffix not in (".py", ".pyc", ".pyo")
            )  # data beside the code (the .py files there are modules of their own)
        return sorted(out)

    def distributions(self, module: str) -> set[str]:
        """The installed distributions that ``module``'s closure imports by name, and all they require."""
        if module not in self._dists:
            names = set().union(*(_top_level_imports(self.modules[m]) for m in self.closure.get(module, {module})))
            names -= {m.split(".")[0] for m in self.modules}
            by_name = _by_import_name()
            dists = {_canonical(d) for n in names for d in by_name.get(n, [])}
            self._dists[module] = _distribution_closure(dists)
        return self._dists[module]

    def reads_of(self, module: str, reads: set[Read]) -> list[tuple[str, str]]:
        """The reads that ``module``'s key covers: those of a reader it imports, and those of no project module."""
        mine = self.closure.get(module, {module}) | {ANYONE}
        return sorted({(kind, path) for reader, kind, path in reads if reader in mine})

    def key(self, module: str, reads: list[tuple[str, str]]) -> str:
        """The SHA-256 of everything ``module``'s truths depend on (this module's docstring), reads as listed."""
        h = hashlib.sha256(f"{sys.version}\0{sys.executable}\0".encode())
        for file in self.files(module):
            h.update(b"code\0" + _state("file", str(file)))
        for name in sorted(self.distributions(module)):
            h.update(f"dist\0{name}=={_installed()[name][0]}\0".encode())
        for kind, path in reads:
            h.update(f"{kind}\0".encode() + _state(kind, path))
        return h.hexdigest()


def _state(kind: str, path: str) -> bytes:
    """What a read saw, as bytes for a hash: a file's path and bytes (size and time when large), a folder's
    sorted names, or "missing"."""
    try:
        if kind == "dir":
            body = "\0".join(sorted(os.listdir(path))).encode("utf-8", "surrogateescape")
        else:
            st = os.stat(path)
            body = f"{st.st_size}:{st.st_mtime_ns}".encode() if st.st_size > BIG else Path(path).read_bytes()
    except OSError:
        body = b"\0missing"
    return f"{path}\0{len(body)}\0".encode("utf-8", "surrogateescape") + body


# The recorder's state (one per process; forked workers inherit a copy and hand theirs back).
READS: set[Read] = set()
_FILES: dict[str, str] = {}  # real path of a project module's file -> its module name
_SKIP: list[str] = []  # real paths of folders whose files are not keyed as reads (the interpreter, the packages)
_ON = [False]
_IMPORT_SYSTEM = "<frozen importlib._bootstrap_external>"
# The engine's own reads while it looks for the claims modules (their folders): not what a truth is computed from.
_BOOKKEEPING = {f"{__package__}.registry"}


def _reader() -> str:
    frame = sys._getframe(2)
    while frame is not None:
        name = _FILES.get(frame.f_code.co_filename)
        if name is not None:
            return name
        frame = frame.f_back  # type: ignore[assignment]
    return ANYONE


def _audit(event: str, args: tuple) -> None:
    kind = _READ_EVENTS.get(event)
    if kind is None or not _ON[0] or not args or args[0] is None or isinstance(args[0], int):
        return
    if sys._getframe(1).f_code.co_filename == _IMPORT_SYSTEM:
        return  # the import system listing a folder for modules: what it finds is keyed as code and versions
    try:
        path = os.path.realpath(os.fsdecode(args[0]))
    except (TypeError, ValueError, OSError):
        return
    if (
        path.startswith(_NOT_INPUTS)
        or path in _FILES
        or "/__pycache__/" in path
        or any(path == s or path.startswith(s + os.sep) for s in _SKIP)
    ):
        return
    reader = _reader()
    if reader not in _BOOKKEEPING:
        READS.add((reader, kind, path))


def watch_reads(graph: Graph) -> None:
    """Record, from now on while :data:`_ON`, every file this process opens and folder it lists, with its reader
    (this module's docstring).  Once per process: an audit hook cannot be removed."""
    _FILES.clear()
    for name, file in graph.modules.items():
        _FILES[str(file)] = name
        _FILES[os.path.realpath(file)] = name
    _SKIP[:] = sorted({os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)})
    sys.addaudithook(_audit)


class recording:
    """``with recording():`` turns the recorder on for the block (the claims' imports and judgements; not the
    page scan, which reads the docs for the build's own sake)."""

    def __enter__(self) -> None:
        _ON[0] = True

    def __exit__(self, *exc: object) -> None:
        _ON[0] = False


__all__ = ["ANYONE", "READS", "Graph", "Read", "recording", "watch_reads"]
