"""Check every claim of a docs folder: the one routine behind ``verify``, pytest and the site build.

Besides judging each claim, it finds the ways a page and the code can drift
apart: a claim on a page that no code checks, a check whose claim no page
shows any more, the same claim shown twice, a claim marker that cannot be read.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from . import registry
from .checks import judge
from .config import Settings
from .coverage import CoverageError, notebook_coverage, page_coverage, unchecked_message
from .pages import Occurrence, PageSyntaxError, find_claims
from .verdicts import FAILED, Report, Result


def markdown_pages(docs_dir: Path) -> list[Path]:
    return sorted(p for p in docs_dir.rglob("*.md") if p.is_file())


def scan(docs_dir: Path, report: Report) -> None:
    for notebook in sorted(p for p in docs_dir.rglob("*.ipynb") if p.is_file()):
        rel = notebook.relative_to(docs_dir).as_posix()
        shown = f"{docs_dir.name}/{rel}"
        try:
            cov = report.coverage[rel] = notebook_coverage(notebook.read_text(encoding="utf-8"), shown)
        except (CoverageError, PageSyntaxError) as err:
            report.results.append(Result("(context)", FAILED, "page", shown, err.line, message=str(err)))
            continue
        for item in cov.unchecked:
            report.results.append(
                Result(
                    "(unchecked)", FAILED, item.kind, shown, None, page=item.text, message=unchecked_message(cov, item)
                )
            )
    for page in markdown_pages(docs_dir):
        rel = page.relative_to(docs_dir).as_posix()
        shown = f"{docs_dir.name}/{rel}"
        text = page.read_text(encoding="utf-8")
        try:
            report.occurrences[rel] = find_claims(text, shown)
        except PageSyntaxError as err:
            report.results.append(Result("(marker)", FAILED, "page", shown, err.line, message=str(err)))
            continue
        try:
            cov = report.coverage[rel] = page_coverage(text, shown, len(report.occurrences[rel]))
        except CoverageError as err:
            report.results.append(Result("(context)", FAILED, "page", shown, err.line, message=str(err)))
            continue
        for item in cov.unchecked:
            report.results.append(
                Result(
                    "(unchecked)",
                    FAILED,
                    item.kind,
                    shown,
                    item.line,
                    page=item.text,
                    message=unchecked_message(cov, item),
                )
            )


class Job(NamedTuple):
    """One claim to judge as a page shows it."""

    claim: registry.Claim
    text: str | None  # the page's value; None where the code generates what is shown
    path: str
    line: int
    in_table: bool
    seconds: float  # the comparison's time limit

    def judge(self) -> Result:
        return judge(self.claim, self.text, self.path, self.line, self.in_table, self.seconds)


def judge_each(jobs: list[Job]) -> list[Result]:
    """Judge the claims one after another, in this process."""
    return [job.judge() for job in jobs]


def verify_docs(
    docs_dir: Path,
    settings: Settings,
    only: set[str] | None = None,
    judge_all: Callable[[list[Job]], list[Result]] = judge_each,
) -> Report:
    """Judge every claim in ``docs_dir`` (or only the ids in ``only``) against the claims of ``settings.packages``.

    ``judge_all`` judges the claims the pages show, returning one result per job in order
    (:func:`.background.judge_in_parallel` spreads them over processes).
    """
    claims = registry.load_all(settings.packages, settings.root, settings.import_limit)
    report = Report()
    scan(docs_dir, report)
    seen: dict[str, Occurrence] = {}
    jobs: list[Job] = []
    slots: list[int] = []  # where each job's result goes in report.results
    for occs in report.occurrences.values():
        for occ in occs:
            if only is not None and occ.id not in only:
                continue
            first = seen.setdefault(occ.id, occ)
            c = claims.get(occ.id)
            if first is not occ:
                problem = f"claim {occ.id} is already shown at {first.where}; each claim appears once (link to it)"
            elif c is None:
                problem = (
                    f"the page claims {occ.id} = {occ.value!r}, but no check declares {occ.id} "
                    f"(add @claim(...) in a *_claims.py module of {', '.join(settings.packages)})"
                )
            else:
                problem = ""
            if problem:
                page_failure = Result(occ.id, FAILED, "page", occ.path, occ.line, page=occ.value or "")
                page_failure.message = f"{occ.where}: {problem}"
                report.results.append(page_failure)
                continue
            slots.append(len(report.results))
            report.results.append(None)  # type: ignore[arg-type]  # filled in below
            text = occ.latex if occ.is_latex else occ.value
            jobs.append(Job(c, text, occ.path, occ.line, occ.in_table, settings.time_limit))
    judged = judge_all(jobs)
    if len(judged) != len(jobs):
        raise RuntimeError(f"{len(jobs)} claims to judge, but {len(judged)} results came back")
    for slot, result in zip(slots, judged, strict=True):
        report.results[slot] = result
    for cid, c in sorted(claims.items()):
        if cid not in seen and (only is None or cid in only):
            report.results.append(
                Result(
                    cid,
                    FAILED,
                    c.kind.name,
                    source=c.location,
                    how=c.how,
                    message=f"{c.location}: the check for claim {cid} exists, "
                    f"but no page under {docs_dir.name}/ shows it "
                    "(was it removed or renamed on the page?)",
                )
            )
    return report
