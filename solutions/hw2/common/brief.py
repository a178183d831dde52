"""What the HW2 brief itself says, read from its kept copy (``sources/hw2-brief.md``, checksum pinned by
``tests/test_sources.py``), so a page that restates it is checked against the words, not typed in."""

from __future__ import annotations

import re

from solutions.common import paths

BRIEF = paths.REPO_ROOT / "sources" / "hw2-brief.md"
HOW_POINTS = "read from the kept copy of the HW2 brief (sources/hw2-brief.md), its list of the six questions' points"

# "Six questions: Q1 15 points, Q2 15, Q3 15, ..." (the line may wrap anywhere)
_LIST_RE = re.compile(r"Six questions:\s*(Q1\s+\d+\s+points(?:\s*,\s*Q\d\s+\d+)*)")
_ITEM_RE = re.compile(r"Q(\d)\s+(\d+)")


def points(question: int) -> int:
    """The points the brief gives question ``question`` (1 to 6)."""
    text = BRIEF.read_text(encoding="utf-8")
    found = _LIST_RE.search(text)
    if found is None:
        raise AssertionError(f"{BRIEF.name} no longer lists the questions' points as 'Six questions: Q1 N points, ...'")
    table = {int(q): int(n) for q, n in _ITEM_RE.findall(found[1])}
    if sorted(table) != list(range(1, 7)):
        raise AssertionError(f"{BRIEF.name} lists points for questions {sorted(table)}, not 1 to 6")
    return table[question]
