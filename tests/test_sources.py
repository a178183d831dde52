"""The copies of the sources in ``sources/`` are the ones listed in its README, byte for byte, and a page's
quote of a source is checked against them (the engine's side: tests/test_coverage.py)."""

from __future__ import annotations

import hashlib
import re

import pytest

from solutions.common.paths import REPO_ROOT

SOURCES = REPO_ROOT / "sources"
LISTED = dict(
    re.findall(r"^\| `([^`]+)` \|[^|]*\| `([0-9a-f]{64})` \|$", (SOURCES / "README.md").read_text(), re.MULTILINE)
)
SHARED = REPO_ROOT.parent / "shared" / "sources"


def test_the_readme_lists_every_copy_and_nothing_else() -> None:
    on_disk = {p.relative_to(SOURCES).as_posix() for p in SOURCES.rglob("*.md") if p.name != "README.md"}
    assert len(LISTED) == 7 and set(LISTED) == on_disk


@pytest.mark.parametrize("name", sorted(LISTED))
def test_each_copy_has_its_listed_checksum(name: str) -> None:
    assert hashlib.sha256((SOURCES / name).read_bytes()).hexdigest() == LISTED[name]


@pytest.mark.parametrize("name", sorted(LISTED))
def test_each_copy_equals_the_shared_original_where_it_exists(name: str) -> None:
    original = SHARED / name
    if not original.is_file():
        pytest.skip(f"{original} is not on this machine (the checksum test still holds the copy)")
    assert (SOURCES / name).read_bytes() == original.read_bytes()


def test_no_copy_names_a_person_by_a_student_line() -> None:
    """The copies are anonymised: no line introduces a name or a student number."""
    for name in LISTED:
        text = (SOURCES / name).read_text(encoding="utf-8")
        assert not re.search(r"(?im)^\W*(name|student|author|submitted by)\b\s*[:#]", text), name
        assert not re.search(r"\b1\d{8}\b", text), name  # a nine-digit student number
