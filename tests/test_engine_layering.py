"""Dependencies point one way: the engine knows no course; the course reaches the engine only through its API.

Read from the source with ``ast``, so a lazy import inside a function counts as much as one at the top.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import solutions.engine
from tests.conftest import ROOT

ENGINE = Path(solutions.engine.__file__).parent
COURSE_PACKAGE = "solutions"  # the course's top package, as mkdocs.yml names it
ENGINE_PACKAGE = solutions.engine.__name__


def _imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, absolute module, imported names) of every import in a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
            module = (f"{base}.{node.module}" if node.module else base) if node.level else node.module or ""
            out.append((node.lineno, module, [a.name for a in node.names]))
    return out


@pytest.mark.parametrize("path", sorted(ENGINE.glob("*.py")), ids=lambda p: p.name)
def test_the_engine_imports_no_course_code(path: Path) -> None:
    for line, module, _ in _imports(path):
        top = module.split(".")[0]
        if top == COURSE_PACKAGE:
            assert module == ENGINE_PACKAGE or module.startswith(ENGINE_PACKAGE + "."), (
                f"{path.name}:{line} imports {module}: the engine may import only itself"
            )


@pytest.mark.parametrize("path", sorted(ENGINE.glob("*.py")), ids=lambda p: p.name)
def test_the_engine_names_no_course_package(path: Path) -> None:
    """Its packages come from the plugin's configuration, never from a name written in its code (docstrings
    may use the course as an example)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef))
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            assert COURSE_PACKAGE not in node.value, (
                f"{path.name}:{node.lineno} names the course in {node.value[:60]!r}"
            )


def _course_modules() -> list[Path]:
    return sorted(p for p in (ROOT / COURSE_PACKAGE).rglob("*.py") if ENGINE not in p.parents and p.parent != ENGINE)


def _declares_for_its_caller(path: Path) -> bool:
    """Whether every ``claim(...)`` call in a module passes ``caller=``: a helper that declares claims on behalf
    of the ``*_claims`` module that calls it (the claim is listed at that module's line)."""
    calls = [
        n
        for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "claim"
    ]
    return bool(calls) and all(any(k.arg == "caller" for k in c.keywords) for c in calls)


@pytest.mark.parametrize("path", _course_modules(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_the_course_uses_only_the_engines_public_api(path: Path) -> None:
    """Only *_claims modules declare claims of their own and build Shown values; a helper whose every claim() call
    declares for its caller (``caller=``) may name the kinds it declares; the rest may raise Pending and build the
    gradient cases a claim is checked on."""
    allowed = set(solutions.engine.__all__)
    data_only = {"Pending", "GradientCase", "GradientNotation", "GradientTruth", "add_commands"}
    if path.stem.endswith("_claims"):
        may_use = allowed
    elif _declares_for_its_caller(path):
        may_use = data_only | {"claim", "Gradient", "Formula", "Integer", "Decimal"}
    else:
        may_use = data_only
    for line, module, names in _imports(path):
        if module == ENGINE_PACKAGE:
            assert set(names) <= allowed, (
                f"{path.name}:{line} imports {set(names) - allowed} from the engine's internals"
            )
            assert set(names) <= may_use, (
                f"{path.name}:{line}: only *_claims modules declare claims or build Shown ({names})"
            )
        else:
            assert not module.startswith(ENGINE_PACKAGE + "."), (
                f"{path.name}:{line} imports {module}: use `from {ENGINE_PACKAGE} import ...` (the public API)"
            )
