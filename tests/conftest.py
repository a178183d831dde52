"""Shared fixtures: the strict site build (once per session), and a private copy of the docs to plant errors in."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from solutions.engine import registry
from solutions.engine.checks import reused_truths
from solutions.engine.config import Settings, from_mkdocs_yml

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
# The engine's settings as the site build reads them (the `claims` entry of mkdocs.yml).
SETTINGS: Settings = from_mkdocs_yml(ROOT / "mkdocs.yml")


def load_claims() -> dict[str, registry.Claim]:
    """Every claim of the course, as the checking process loads them."""
    return registry.load_all(SETTINGS.packages, SETTINGS.root)


@pytest.fixture(scope="session", autouse=True)
def _reused_truths() -> Iterator[None]:
    """The tests judge many copies of the same pages with the same code: compute each claim's truth once.
    (A test that swaps a claim's function gets a fresh truth: the reuse is keyed on the function.)"""
    with reused_truths():
        yield


@pytest.fixture
def docs_copy(tmp_path: Path) -> Path:
    """A copy of docs/ (without the fetched KaTeX files) that a test may edit."""
    dest = tmp_path / "docs"
    shutil.copytree(DOCS, dest, ignore=shutil.ignore_patterns("katex", "katex.tmp"))
    return dest


def plant(page: Path, old: str, new: str) -> int:
    """Replace exactly one occurrence of ``old`` in ``page``; return its 1-based line."""
    text = page.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {page}"
    line = text[: text.index(old)].count("\n") + 1
    page.write_text(text.replace(old, new), encoding="utf-8")
    return line


def mkdocs_build(project: Path, site: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(project / "mkdocs.yml"), "-d", str(site)],
        check=False,
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
        env={"NO_MKDOCS_2_WARNING": "1", "PATH": str(Path(sys.executable).parent)},
    )


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real site, built once with ``mkdocs build --strict`` as CI and contributors build it."""
    site = tmp_path_factory.mktemp("site")
    run = mkdocs_build(ROOT, site)
    assert run.returncode == 0, run.stderr[-4000:]
    return site
