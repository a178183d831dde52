"""The figures quoted in solutions/a2/part1/references.py are the ones the sources wrote, and all of them.

The sources are read from their byte-exact copies in the repository (``sources/``, checked against their
checksums by tests/test_sources.py), so every machine checks the quotes.
"""

from __future__ import annotations

import re

import pytest

from solutions.a2.part1 import references
from solutions.a2.part1.part1_claims import LABELS
from solutions.common.paths import REPO_ROOT

SOURCES = REPO_ROOT / "sources"


def _sheet_rows(file: str) -> dict[str, str]:
    """A sheet's results table: model label -> test accuracy as written (without %)."""
    rows = {}
    for line in (SOURCES / file).read_text(encoding="utf-8").splitlines():
        fields = [f.strip() for f in line.split("\t")]
        if len(fields) == 3 and fields[0] in LABELS.values() and re.fullmatch(r"[\d,]+", fields[1]):
            rows[fields[0]] = fields[2].removesuffix("%")
    return rows


@pytest.mark.parametrize("sheet", sorted(references.SHEETS))
def test_every_figure_of_a_sheet_is_quoted_as_written(sheet: str) -> None:
    file = references.SHEETS[sheet]
    written = _sheet_rows(file)
    assert len(written) >= 4, f"{file}: found only {written}"  # the four asked models at least
    quoted = {r.line: r.percent for r in references.REPORTED if r.file == file}
    assert quoted == written


@pytest.mark.parametrize("r", [r for r in references.REPORTED if r.file == references.TUTORIAL], ids=str)
def test_tutorial_figures_are_quoted_as_written(r: references.Reported) -> None:
    text = (SOURCES / r.file).read_text(encoding="utf-8")
    assert re.search(re.escape(f"{r.percent}% test ({r.line})"), text), f"{r.file} does not say {r.percent}% ({r.line})"


def test_every_quote_names_a_model_of_the_answer_table() -> None:
    for r in references.REPORTED:
        assert LABELS[r.model] == r.line or r.file == references.TUTORIAL, r
