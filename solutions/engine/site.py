"""Check every claim of a docs folder: the one routine behind ``verify``, pytest and the site build.

Besides judging each claim, it finds the ways a page and the code can drift
apart: a claim on a page that no code checks, a check whose claim no page
shows any more, the same claim shown twice, a claim marker that cannot be read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from solutions.engine import registry
from solutions.engine.checks import FAILED, PENDING, REFUTED, VERIFIED, Result, judge
from solutions.engine.pages import Occurrence, PageSyntaxError, find_claims


@dataclass
class Report:
    results: list[Result] = field(default_factory=list)
    occurrences: dict[str, list[Occurrence]] = field(default_factory=dict)  # page path -> claims

    @property
    def failures(self) -> list[Result]:
        return [r for r in self.results if r.status == FAILED]

    def counts(self) -> dict[str, int]:
        out = {s: 0 for s in (VERIFIED, REFUTED, PENDING, FAILED)}
        for r in self.results:
            out[r.status] += 1
        return out

    def by_id(self) -> dict[str, Result]:
        return {r.claim_id: r for r in self.results}


def markdown_pages(docs_dir: Path) -> list[Path]:
    return sorted(p for p in docs_dir.rglob("*.md") if p.is_file())


def scan(docs_dir: Path, report: Report) -> None:
    for page in markdown_pages(docs_dir):
        rel = page.relative_to(docs_dir).as_posix()
        shown = f"{docs_dir.name}/{rel}"
        try:
            report.occurrences[rel] = find_claims(page.read_text(encoding="utf-8"), shown)
        except PageSyntaxError as err:
            report.results.append(Result("(marker)", FAILED, "page", shown, err.line, message=str(err)))


def verify_docs(docs_dir: Path, only: set[str] | None = None) -> Report:
    """Judge every claim in ``docs_dir`` (or only the ids in ``only``)."""
    claims = registry.load_all()
    report = Report()
    scan(docs_dir, report)
    seen: dict[str, Occurrence] = {}
    for occs in report.occurrences.values():
        for occ in occs:
            if only is not None and occ.id not in only:
                continue
            first = seen.setdefault(occ.id, occ)
            if first is not occ:
                report.results.append(Result(
                    occ.id, FAILED, "page", occ.path, occ.line,
                    message=f"{occ.where}: claim {occ.id} is already shown at {first.where}; each claim appears once (link to it instead)",
                ))
                continue
            c = claims.get(occ.id)
            if c is None:
                report.results.append(Result(
                    occ.id, FAILED, "page", occ.path, occ.line, page=occ.value or "",
                    message=f"{occ.where}: the page claims {occ.id} = {occ.value!r}, but no check declares {occ.id} "
                    "(add @claim(...) in a solutions/**/*_claims.py module)",
                ))
                continue
            report.results.append(judge(c, occ.latex if occ.is_latex else occ.value, occ.path, occ.line, occ.in_table))
    for cid, c in sorted(claims.items()):
        if cid not in seen and (only is None or cid in only):
            report.results.append(Result(
                cid, FAILED, c.kind.name, source=c.location, how=c.how,
                message=f"{c.location}: the check for claim {cid} exists, but no page under {docs_dir.name}/ shows it "
                "(was it removed or renamed on the page?)",
            ))
    return report
