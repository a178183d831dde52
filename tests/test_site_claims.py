"""One test per claim on the real site, so a failing run names the claim and says what is wrong."""

from __future__ import annotations

import functools

import pytest

from solutions.engine import registry
from solutions.engine.checks import FAILED
from solutions.engine.site import Report, scan, verify_docs
from tests.conftest import DOCS


def claim_ids() -> list[str]:
    """Every id a page shows or a check declares (collected without running any check)."""
    found = Report()
    scan(DOCS, found)
    ids = {o.id for occs in found.occurrences.values() for o in occs} | set(registry.load_all())
    return sorted(ids) + ["(marker)"]  # "(marker)": claim markers that cannot be read at all


@functools.cache
def report() -> Report:
    return verify_docs(DOCS)


@pytest.mark.parametrize("claim_id", claim_ids())
def test_claim(claim_id: str) -> None:
    problems = [r.message for r in report().results if r.claim_id == claim_id and r.status == FAILED]
    assert not problems, "\n".join(problems)


def test_every_claim_was_judged() -> None:
    judged = {r.claim_id for r in report().results}
    assert set(claim_ids()) - {"(marker)"} <= judged
