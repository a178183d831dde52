"""What a working-tree change touches: the claims and pages that ``verify --changed`` checks again.

A contributor who edits one page or one module wants the build's verdicts on what the edit can change, in
seconds, without the whole build.  The changed files are the working tree's differences from ``HEAD`` (staged
or not, and new files git does not ignore), as ``git status`` lists them; each maps to claims:

* a page (``.md``, ``.ipynb`` under the docs folder): every claim it shows, and every claim it showed at
  ``HEAD`` (a marker removed from the page leaves a check that no page shows: the build says so); and the
  page checks the build makes on it, where they run without a build: its markers, its claim coverage (the
  page rendered by :func:`.site.render_pages`) and, for a Markdown page, the allow-list sanitizer
  (:mod:`.sanitize`);
* a Python module under the claims packages: the claims of every ``*_claims`` module that imports it,
  directly or through other modules of those packages (read from their ``import`` statements, nothing is
  imported); another file in a package's folder counts as a change to the modules beside it;
* any other file (a recorded run such as ``results/imdb/x.json``): the claims of the ``*_claims`` modules
  whose own source holds the name of the file's folder as a string (``runs.recorded("imdb", ...)``), the
  way the course's claims name the runs they read; a file that maps to nothing is listed as such;
* and every known mistake that refutes one of those claims.

What this cannot see (a file read under a computed name, a hook, the theme, ``mkdocs.yml``) the build and
``make test`` still check; ``mkdocs.yml`` itself changed means everything is checked.

Why not a library: the changed files are git's own answer (``git status --porcelain -z``); the import graph
of the claims packages is a walk over their ``import`` statements with :mod:`ast`: :mod:`modulefinder`
follows every import into the standard library and the installed packages (seconds, for a graph we need
only inside our packages), and the import-graph packages (grimp, pydeps) are a dependency for what is
thirty lines here.
"""

from __future__ import annotations

import ast
import importlib.util
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from . import registry
from .pages import PageSyntaxError, find_claims

PAGE_SUFFIXES = (".md", ".ipynb")


class ChangedError(ValueError):
    """The working tree's changes cannot be listed (not a git checkout, no git): one line, the reason."""


@dataclass
class Touched:
    """What a set of changed files touches."""

    pages: set[str] = field(default_factory=set)  # relative to the docs folder, existing pages only
    ids: set[str] = field(default_factory=set)  # claims to judge again
    modules: set[str] = field(default_factory=set)  # the *_claims modules whose claims those are
    everything: bool = False  # mkdocs.yml changed: the engine's settings themselves
    unread: list[str] = field(default_factory=list)  # changed files that map to no claim and no page


def changed_files(root: Path) -> list[str]:
    """The files that differ from ``HEAD`` in the working tree of ``root`` (staged or not, new ones that git
    does not ignore, deleted ones, both sides of a rename), relative to ``root``, as git lists them."""
    try:
        top = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--show-toplevel"], capture_output=True, text=True, check=False
        )
    except OSError as err:
        raise ChangedError(f"cannot run git to list the changed files: {err}") from None
    if top.returncode != 0:
        raise ChangedError(f"{root}: not a git checkout, so there are no changes to list ({top.stderr.strip()})")
    status = subprocess.run(
        ["git", "-C", str(root), "status", "--porcelain=v1", "-z", "--untracked-files=all", "--", "."],
        capture_output=True,
        check=False,
    )
    if status.returncode != 0:
        raise ChangedError(f"git status failed in {root}: {status.stderr.decode(errors='replace').strip()}")
    base = Path(top.stdout.strip()).resolve()
    here = root.resolve()
    entries = status.stdout.decode("utf-8", errors="surrogateescape").split("\0")
    found: list[str] = []
    i = 0
    while i < len(entries):
        entry = entries[i]
        i += 1
        if len(entry) < 4:
            continue
        code, path = entry[:2], entry[3:]
        paths = [path]
        if "R" in code or "C" in code:  # a rename or copy: the next entry is the old path
            paths.append(entries[i])
            i += 1
        for p in paths:
            try:  # git lists paths relative to the top of the checkout
                found.append((base / p).resolve().relative_to(here).as_posix())
            except ValueError:
                continue
    return sorted(set(found))


def _ids_on(text: str, shown: str) -> set[str]:
    try:
        return {o.id for o in find_claims(text, shown)}
    except PageSyntaxError:
        return set()  # the page check reports it


def _at_head(root: Path, rel: str) -> str | None:
    run = subprocess.run(["git", "-C", str(root), "show", f"HEAD:./{rel}"], capture_output=True, check=False)
    return run.stdout.decode("utf-8", errors="replace") if run.returncode == 0 else None


def package_modules(packages: list[str]) -> dict[str, Path]:
    """Every module of the claims packages (name -> file), found without importing them."""
    found: dict[str, Path] = {}
    for package in packages:
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            continue
        for folder in map(Path, spec.submodule_search_locations):
            for file in sorted(folder.rglob("*.py")):
                parts = file.relative_to(folder).with_suffix("").parts
                if parts[-1] == "__init__":
                    parts = parts[:-1]
                if all(p.isidentifier() for p in parts):
                    found[".".join((package, *parts))] = file
    return found


def imports_of(name: str, file: Path, known: dict[str, Path]) -> set[str]:
    """The modules of ``known`` that module ``name`` (in ``file``) imports, with the packages above them (whose
    ``__init__`` runs first)."""
    try:
        tree = ast.parse(file.read_text(encoding="utf-8"), str(file))
    except (SyntaxError, UnicodeDecodeError, OSError):
        return set()
    is_package = file.name == "__init__.py"
    out: set[str] = set()
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = name.split(".")
                keep = len(parts) - node.level + (1 if is_package else 0)
                base = ".".join(parts[:keep] + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            targets = [base] + [f"{base}.{a.name}" for a in node.names]
        for target in targets:
            parts = target.split(".")
            out.update(".".join(parts[:n]) for n in range(1, len(parts) + 1) if ".".join(parts[:n]) in known)
    out.discard(name)
    return out


def reached_by(modules: dict[str, Path]) -> dict[str, set[str]]:
    """For each module, every module of ``modules`` it imports, directly or not (itself included)."""
    direct = {name: imports_of(name, file, modules) for name, file in modules.items()}
    closure: dict[str, set[str]] = {}
    for start in modules:
        seen, todo = {start}, [start]
        while todo:
            for nxt in direct[todo.pop()] - seen:
                seen.add(nxt)
                todo.append(nxt)
        closure[start] = seen
    return closure


def _strings_in(file: Path) -> set[str]:
    try:
        tree = ast.parse(file.read_text(encoding="utf-8"), str(file))
    except (SyntaxError, UnicodeDecodeError, OSError):
        return set()
    return {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def touched(
    changed: list[str],
    root: Path,
    docs_dir: Path,
    packages: list[str],
    claims: dict[str, registry.Claim],
    config_name: str = "mkdocs.yml",
) -> Touched:
    """What the ``changed`` files (relative to ``root``) touch, by the rules of this module's docstring."""
    out = Touched()
    root = root.resolve()
    docs = docs_dir.resolve()
    modules = package_modules(packages)
    by_file = {file.resolve(): name for name, file in modules.items()}
    claims_files = registry.claims_files(packages)
    closure = reached_by(modules)
    hit: set[str] = set()  # changed modules of the packages
    for rel in changed:
        path = (root / rel).resolve()
        if rel == config_name:
            out.everything = True
            continue
        if path.is_relative_to(docs) and path.suffix in PAGE_SUFFIXES:
            page = path.relative_to(docs).as_posix()
            shown = f"{docs.name}/{page}"
            if path.is_file():
                out.pages.add(page)
                out.ids |= _ids_on(path.read_text(encoding="utf-8"), shown) if path.suffix == ".md" else set()
            old = _at_head(root, rel)
            if old is not None and path.suffix == ".md":
                out.ids |= _ids_on(old, shown)
            continue
        if path in by_file:
            hit.add(by_file[path])
            continue
        beside = [name for file, name in by_file.items() if file.parent == path.parent]
        if beside and path.suffix != ".pyc":
            hit.update(beside)
            continue
        folder = path.parent.name
        named = {name for name, file in claims_files.items() if folder and folder in _strings_in(file)}
        if named:
            out.modules |= named
        elif path.suffix != ".pyc":
            out.unread.append(rel)
    out.modules |= {name for name in claims_files if closure.get(name, {name}) & hit}
    out.ids |= {c.id for c in claims.values() if c.module in out.modules}
    out.ids |= {c.id for c in claims.values() if c.is_mistake and c.refutes in out.ids}
    return out
