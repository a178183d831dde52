"""Checking in a separate process (solutions.engine.background): the same verdicts as in one process."""

from __future__ import annotations

import os
import pickle
from dataclasses import replace
from pathlib import Path

import pytest

from solutions.engine import background
from tests.conftest import DOCS, SETTINGS, site_report


def _rows(results: list) -> list[tuple]:
    return [(r.claim_id, r.status, r.path, r.line, r.page, r.truth, r.message, r.shown_latex) for r in results]


def test_judging_in_forked_workers_gives_the_verdicts_of_one_process() -> None:
    one = site_report()
    check = background.check_site(DOCS, replace(SETTINGS, workers=2))
    assert _rows(check.report.results) == _rows(one.results)
    assert check.report.occurrences == one.occurrences


def test_a_planted_error_is_caught_by_a_worker(docs_copy: Path) -> None:
    page = docs_copy / "a2/part2.md"
    page.write_text(page.read_text().replace("[[?a2.q4.valid_triplets: 36]]", "[[?a2.q4.valid_triplets: 18]]"))
    failed = background.check_site(docs_copy, replace(SETTINGS, workers=2)).report.failures
    assert [r.claim_id for r in failed] == ["a2.q4.valid_triplets"]
    assert "page says:     18" in failed[0].message and "code computes: 36" in failed[0].message


def test_the_result_travels_as_plain_data_with_every_generated_page() -> None:
    check = background.check_site(DOCS, replace(SETTINGS, workers=1))
    assert sorted(check.pages) == sorted(background.generated_pages(SETTINGS))
    assert set(check.listings) >= {r.claim_id for r in check.report.results if r.status != "failed"}
    again = pickle.loads(pickle.dumps(check))
    assert _rows(again.report.results) == _rows(check.report.results)


def test_the_checking_process_names_a_missing_docs_folder(tmp_path: Path) -> None:
    with pytest.raises(background.CheckerFailed, match="not a folder"):
        background.start(tmp_path / "missing", SETTINGS).result()


def test_a_worker_that_dies_fails_the_check_instead_of_hanging() -> None:
    """A crash in native code kills a worker; the build must stop with an error, not wait for ever."""
    from concurrent.futures.process import BrokenProcessPool

    from solutions.engine import Integer
    from solutions.engine.registry import Claim
    from solutions.engine.site import Job

    dies = Claim("x.dies", Integer(), lambda: os._exit(3), "exits", "x/x_claims.py", 1, "x.x_claims")
    fine = Claim("y.fine", Integer(), lambda: 1, "one", "y/y_claims.py", 1, "y.y_claims")
    jobs = [Job(dies, "1", "docs/p.md", 1, False, 5.0), Job(fine, "1", "docs/q.md", 1, False, 5.0)]
    with pytest.raises(BrokenProcessPool):
        background.judge_in_parallel(jobs, workers=2)
