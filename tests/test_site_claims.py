"""One test per claim on the real site, so a failing run names the claim and says what is wrong."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import pytest

from solutions.engine.checks import FAILED
from solutions.engine.site import Report, scan
from tests.conftest import DOCS, load_claims, site_report


def claim_ids() -> list[str]:
    """Every id a page shows or a check declares (collected without running any check)."""
    found = Report()
    scan(DOCS, found)
    ids = {o.id for occs in found.occurrences.values() for o in occs} | set(load_claims())
    return sorted(ids) + ["(marker)"]  # "(marker)": claim markers that cannot be read at all


@functools.cache
def report() -> Report:
    return site_report()


def to_job_summary(claim_id: str, problems: list[str]) -> None:
    """On GitHub Actions, each failing claim and its whole message go to the job's summary page."""
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as f:
            f.write(f"### Failing claim `{claim_id}`\n\n```\n" + "\n".join(problems) + "\n```\n\n")


@pytest.mark.parametrize("claim_id", claim_ids())
def test_claim(claim_id: str) -> None:
    problems = [r.message for r in report().results if r.claim_id == claim_id and r.status == FAILED]
    if problems:
        to_job_summary(claim_id, problems)
    assert not problems, "\n".join(problems)


def test_a_failing_claim_reaches_the_job_summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    to_job_summary(
        "a2.q4.valid_triplets", ["docs/a2/part2.md:9: claim a2.q4.valid_triplets is wrong.\n    page says:     37"]
    )
    text = summary.read_text()
    assert "### Failing claim `a2.q4.valid_triplets`" in text and "page says:     37" in text


def test_every_claim_was_judged() -> None:
    judged = {r.claim_id for r in report().results}
    assert set(claim_ids()) - {"(marker)"} <= judged
