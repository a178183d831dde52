"""Shared fixtures: a private copy of the real docs folder to plant errors in."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


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
