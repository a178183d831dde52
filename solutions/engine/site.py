"""Check every claim of a docs folder: the one routine behind ``verify``, pytest and the site build.

Besides judging each claim, it finds the ways a page and the code can drift
apart: a claim on a page that no code checks, a check whose claim no page
shows any more, the same claim shown twice, a claim marker that cannot be read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NamedTuple

from . import registry
from .checks import judge
from .config import Settings
from .coverage import (
    CoverageError,
    PageCoverage,
    markdown_renderer,
    notebook_coverage,
    page_coverage,
    unchecked_message,
)
from .pages import FRONT_MATTER_RE, Occurrence, PageSyntaxError, find_claims, replace_claims
from .verdicts import FAILED, Report, Result


def markdown_pages(docs_dir: Path) -> list[Path]:
    return sorted(p for p in docs_dir.rglob("*.md") if p.is_file())


def scan(docs_dir: Path, report: Report, settings: Settings | None = None, pages: set[str] | None = None) -> None:
    """Every page's claim markers; with ``settings``, also every page's claim coverage (of the pages in
    ``pages`` only, paths relative to ``docs_dir``, where given), read from the page rendered as the site
    renders it (:func:`render_pages`).  The site build passes none: its plugin scans the pages MkDocs itself
    rendered."""
    for page in markdown_pages(docs_dir):
        rel = page.relative_to(docs_dir).as_posix()
        shown = f"{docs_dir.name}/{rel}"
        try:
            report.occurrences[rel] = find_claims(page.read_text(encoding="utf-8"), shown)
        except PageSyntaxError as err:
            report.results.append(Result("(marker)", FAILED, "page", shown, err.line, message=str(err)))
    if settings is None:
        return
    for rel, cov in render_pages(docs_dir, settings, report.occurrences, pages):
        shown = f"{docs_dir.name}/{rel}"
        if isinstance(cov, CoverageError):
            report.results.append(Result("(context)", FAILED, "page", shown, cov.line, message=str(cov)))
            continue
        report.coverage[rel] = cov
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


def render_pages(
    docs_dir: Path, settings: Settings, occurrences: dict[str, list[Occurrence]], pages: set[str] | None = None
) -> Iterator[tuple[str, PageCoverage | CoverageError]]:
    """Each page's coverage, outside a site build: a Markdown page is rendered by Python-Markdown with the
    extensions and settings of the project's mkdocs.yml, as MkDocs loads them (each claim marker becomes a
    claim element, as the engine renders it); a notebook by mkdocs-jupyter's converter, not executed (its
    outputs exist once the site build runs it, and that build scans them).  Simpler than a whole MkDocs
    build (which would run this checking again, and the notebook), and the same HTML for every page."""
    render = site_markdown(settings.root / "mkdocs.yml")
    for page in markdown_pages(docs_dir):
        rel = page.relative_to(docs_dir).as_posix()
        if rel not in occurrences or (pages is not None and rel not in pages):
            continue  # its markers cannot be read (reported already), or not asked for
        shown = f"{docs_dir.name}/{rel}"
        text = page.read_text(encoding="utf-8")
        try:
            yield (
                rel,
                page_coverage(
                    page_html(text, occurrences[rel], render),
                    text,
                    shown,
                    len(occurrences[rel]),
                    render,
                    settings.root / settings.sources,
                ),
            )
        except CoverageError as err:
            yield rel, err
    for notebook in sorted(p for p in docs_dir.rglob("*.ipynb") if p.is_file()):
        from mkdocs_jupyter.nbconvert2 import nb2html

        rel = notebook.relative_to(docs_dir).as_posix()
        if pages is not None and rel not in pages:
            continue
        try:
            html = nb2html(str(notebook))
            raw = notebook.read_text(encoding="utf-8")
            yield rel, notebook_coverage(html, raw, f"{docs_dir.name}/{rel}", settings.root / settings.sources)
        except CoverageError as err:
            yield rel, err


def site_markdown(mkdocs_yml: Path) -> Callable[[str], str]:
    """Python-Markdown with the extensions and settings of ``mkdocs_yml``, as MkDocs loads them."""
    from mkdocs.config import load_config

    config = load_config(str(mkdocs_yml))
    configs = {k: dict(v) for k, v in config["mdx_configs"].items()}
    snippets = configs.get("pymdownx.snippets", {})
    if "base_path" in snippets:  # relative to the project, as `mkdocs build` run there reads them
        paths = snippets["base_path"] if isinstance(snippets["base_path"], list) else [snippets["base_path"]]
        snippets["base_path"] = [str(mkdocs_yml.parent / p) for p in paths]
    return markdown_renderer(config["markdown_extensions"], configs)


def page_html(text: str, occurrences: list[Occurrence], render: Callable[[str], str]) -> str:
    """A Markdown page's HTML as the site renders it, but for its claims: each becomes an empty claim element
    (what the engine renders there is checked, and skipped by the coverage scan); lines do not move."""

    def claim(occ: Occurrence) -> str:
        shown = f'{occ.indent}<div class="claim-display"></div>' if occ.display else '<span class="claim-mark"></span>'
        return shown + "\n" * text.count("\n", occ.start, occ.end)

    body = replace_claims(text, occurrences, claim)
    head = FRONT_MATTER_RE.match(body)
    return render("\n" * head.group(0).count("\n") + body[head.end() :] if head else body)


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
    coverage: bool = True,
    pages: set[str] | None = None,
) -> Report:
    """Judge every claim in ``docs_dir`` (or only the ids in ``only``) against the claims of ``settings.packages``.

    ``judge_all`` judges the claims the pages show, returning one result per job in order
    (:func:`.background.judge_in_parallel` spreads them over processes).  ``coverage``: also scan each page's
    claim coverage, rendering the pages (:func:`render_pages`); the site build's checking process does not,
    since the plugin scans the pages MkDocs rendered.  ``pages``: scan the coverage of these pages only
    (paths relative to ``docs_dir``; ``verify --changed`` passes the changed ones).
    """
    claims = registry.load_all(settings.packages, settings.root, settings.import_limit)
    report = Report()
    scan(docs_dir, report, settings if coverage else None, pages)
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
