"""The claim engine as a MkDocs plugin: check every claim while the site builds, show the verdicts.

Enabled in ``mkdocs.yml`` as ``plugins: - claims: {packages: [...]}`` (the entry point
``claims`` under ``mkdocs.plugins`` in pyproject.toml); its options are :class:`.config.ClaimsConfig`.

* ``on_config``: start checking every claim of the docs folder in a separate process
  (:mod:`.background`), so the checks run while MkDocs does its own work.
* ``on_files``: add the generated Verification page and one check listing per claims
  module, and put the pages that show no claim first: MkDocs builds them (executing a
  notebook is the slow part) while the checks run.
* ``on_page_read_source`` / ``on_page_markdown``: wait for the verdicts at the first page
  that needs them; fill in the generated pages; replace each claim marker by its value and
  status mark.
* ``on_page_content``: the page's HTML must pass the allow-list sanitizer (:mod:`.sanitize`); the
  nonce on the engine's own elements is checked, then removed.
* ``on_env``: every page is rendered and none written yet: scan each one's HTML for numbers and
  formulas that are neither claims nor declared context (:mod:`.coverage`), list them, and fill in
  the summary and coverage tables.
* ``on_post_build``: stop the build for unchecked numbers or failed claims (after MkDocs has checked
  links and anchors), else write what the in-page answer checker loads (:mod:`.answers`) into the site.
* A failing claim is logged as an error and aborts the build (``--strict`` or not): a site
  never ships a page the code contradicts.  Under ``mkdocs serve`` it is printed and shown
  on the page instead, so the live preview keeps working while a contributor fixes it.

Every piece of state lives on the plugin instance and is reset by ``on_config``, once per
build.  This process never imports a course's code: it finds the claims modules by their file
names, and the checking process imports them.
"""

from __future__ import annotations

import html
import importlib
import importlib.util
import json
import logging
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files

from .config import ClaimsConfig, ConfigError, Settings, settings_from

log = logging.getLogger(f"mkdocs.plugins.{__name__}")
ANSWERS_DIR = "assets/answers"  # in the built site: claims.json and engine.zip, for the in-page answer checker


def _locations(package: str) -> list[str]:
    spec = importlib.util.find_spec(package)
    return list(spec.submodule_search_locations or []) if spec else []


@dataclass
class _Build:
    """One build's state: the engine's modules as they are on disk now, and the checking process."""

    settings: Settings
    background: ModuleType
    render: ModuleType
    pages: ModuleType
    running: Any  # background.Running
    generated: set[str]
    check: Any = None  # background.SiteCheck, once the checking process has answered
    marks: dict[str, int] = field(default_factory=dict)  # page -> how many marks the engine rendered on it
    coverage: dict[str, Any] = field(default_factory=dict)  # page -> coverage.PageCoverage of its rendered HTML
    unchecked: int = 0  # how many numbers and formulas the pages show unchecked


def coverage_problems(coverage: ModuleType, b: _Build, file: File, content: str, where: str, render: Any) -> list[str]:
    """One page's claim coverage from its rendered HTML (kept in ``b.coverage``): one message per problem."""
    try:
        if file.src_uri.endswith(".ipynb"):
            cov = coverage.notebook_coverage(content, file.content_string, where)
        else:
            cov = coverage.page_coverage(content, file.content_string, where, b.marks.get(file.src_uri, 0), render)
    except coverage.CoverageError as err:
        return [str(err)]
    b.coverage[file.src_uri] = cov
    return [coverage.unchecked_message(cov, item) for item in cov.unchecked]


def _failure_banner(messages: list[str]) -> str:
    """What ``mkdocs serve`` shows above a page whose numbers are not all checked."""
    body = html.escape("\n".join(messages))
    return (
        f'<div class="admonition failure"><p class="admonition-title">{len(messages)} number(s) or formula(s) on '
        f"this page are not checked</p><pre><code>{body}</code></pre></div>\n"
    )


class ClaimsPlugin(BasePlugin[ClaimsConfig]):
    """Checks the claims of the docs folder against the ``*_claims`` modules of ``packages``."""

    def __init__(self) -> None:
        super().__init__()
        self.command = "build"
        self.build: _Build | None = None
        self.files: Files | None = None

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.command = command

    def _engine(self) -> tuple[ModuleType, ModuleType, ModuleType]:
        """The engine's light modules, imported afresh on each ``mkdocs serve`` rebuild.

        The server rebuilds when anything it watches changes; without a fresh import it would
        render with the old code.  (The checks themselves always run in a new process, with the
        code as it is on disk.)  This module itself is the one MkDocs loaded; it only wires.
        """
        package = __spec__.parent
        if self.command == "serve":
            for name in [m for m in sys.modules if m.startswith(package + ".") and m != __name__]:
                del sys.modules[name]
        modules = tuple(importlib.import_module(f"{package}.{m}") for m in ("background", "render", "pages"))
        return modules  # type: ignore[return-value]

    def on_config(self, config: Any) -> Any:
        self._cancel()
        try:
            settings = settings_from(self.config, Path(config["config_file_path"]).parent, config["config_file_path"])
        except ConfigError as err:
            raise PluginError(str(err)) from None
        docs = Path(config["docs_dir"])
        folders = [docs, *(Path(f) for p in settings.packages for f in _locations(p))]  # what pages may include
        if link := next((f for folder in folders for f in sorted(folder.rglob("*")) if f.is_symlink()), None):
            raise PluginError(
                f"{link}: a symbolic link where pages are built from could publish any file of the machine; "
                "copy the file in instead"
            )
        background, render, pages = self._engine()
        try:
            generated = set(background.generated_pages(settings))
        except ValueError as err:
            raise PluginError(f"{config['config_file_path']}: {err}") from None
        self.build = _Build(settings, background, render, pages, background.start(docs, settings), generated)
        return config

    def _check(self) -> Any:
        """The verdicts, waiting for the checking process the first time; failures are reported once, here."""
        b = self._state()
        if b.check is None:
            try:
                check = b.running.result()
            except b.background.CheckerFailed as err:
                raise PluginError(str(err)) from None
            for r in check.report.failures:
                if self.command == "serve":
                    # Shown in the terminal and on the page, but it does not freeze the live server.
                    logging.getLogger("claims").warning("CLAIM FAILED: %s", r.message)
                else:
                    log.error(r.message)
            b.check = check
        return b.check

    def _state(self) -> _Build:
        if self.build is None:
            raise PluginError("the claims plugin was not configured (on_config did not run)")
        return self.build

    def _cancel(self) -> None:
        if self.build is not None:
            self.build.running.cancel()

    def _shows_claims(self, file: File, docs: Path) -> bool:
        """Whether building this page needs the verdicts (a generated page, a claim marker, the summary)."""
        b = self._state()
        if file.generated_by:
            return True
        if not file.src_uri.endswith(".md"):
            return False  # notebooks: the checks read Markdown pages only
        text = file.content_string
        if b.render.SUMMARY_MARKER in text or b.render.COVERAGE_MARKER in text:
            return True
        try:
            return bool(b.pages.find_claims(text, f"{docs.name}/{file.src_uri}"))
        except b.pages.PageSyntaxError:
            return True  # its error is reported with the verdicts

    def on_files(self, files: Files, *, config: Any) -> Files:
        b = self._state()
        self.files = files
        for path in sorted(b.generated):
            # Its text comes from the checking process (on_page_read_source).
            files.append(File.generated(config, path, content=""))
        # Pages that show no claim first: MkDocs builds them while the checks run.  The navigation
        # follows mkdocs.yml, not this order.
        docs = Path(config["docs_dir"])
        return Files(sorted(files, key=lambda f: f.is_documentation_page() and self._shows_claims(f, docs)))

    def on_page_read_source(self, *, page: Any, config: Any) -> str | None:
        if page.file.generated_by and page.file.src_uri in self._state().generated:
            return self._check().pages[page.file.src_uri]
        return None

    def on_page_markdown(self, markdown: str, *, page: Any, config: Any, files: Files) -> str:
        b = self._state()
        render, pages = b.render, b.pages
        src = page.file.src_uri
        if not page.file.generated_by and not src.endswith(".md"):
            return markdown
        check = self._check()
        report = check.report
        # The summary and coverage markers stay comments here: on_env fills them in, once every page is scanned.
        if page.file.generated_by:
            return markdown
        shown = f"{Path(config['docs_dir']).name}/{src}"
        failed_here = [r.message for r in report.failures if r.path == shown]
        banner = ""
        if failed_here:  # only reachable under `mkdocs serve`: a build stops on the first failure
            body = "\n".join("    " + ln for m in failed_here for ln in ("```text", *m.splitlines(), "```", ""))
            banner = f'!!! failure "{len(failed_here)} claim(s) on this page fail their checks"\n\n{body}\n'
        # MkDocs hands the page over without its front matter: count lines as the file does.
        raw = page.file.content_string
        first_line = raw[: len(raw) - len(markdown)].count("\n") + 1 if raw.endswith(markdown) else 1
        try:
            occurrences = pages.find_claims(markdown, shown, first_line)
        except pages.PageSyntaxError as err:  # the checking process reports it too; never a traceback
            raise PluginError(str(err)) from None
        results = {(r.claim_id, r.path, r.line): r for r in report.results}

        def url(from_page: str, to_page: str, frag: str) -> str:
            target = files.get_file_from_path(to_page)
            if target is None:
                raise PluginError(f"{src}: a status mark links to {to_page}, which is not part of the site")
            return target.url_relative_to(page.file) + (f"#{frag}" if frag else "")

        def rendered(occ: Any) -> str:
            result = results[occ.id, occ.path, occ.line]
            return render.render_occurrence(occ, result, check.listings.get(occ.id), src, url, b.settings.command)

        b.marks[src] = len(occurrences)
        return banner + pages.replace_claims(markdown, occurrences, rendered)

    def on_page_content(self, html: str, *, page: Any, config: Any, files: Files) -> str:
        """No active content from a page: its HTML passes the allow-list sanitizer unchanged (:mod:`.sanitize`),
        or the build stops at the page's line; then the engine's nonce comes off its marks."""
        if self.build is None or page.file.generated_by:  # the engine's own pages, from the claims code
            return html
        sanitize = importlib.import_module(f"{__spec__.parent}.sanitize")
        nonce = self.build.render.NONCE
        notebook = page.file.src_uri.endswith(".ipynb")
        offence = sanitize.check_html(html, nonce, sanitize.notebook_template_parts() if notebook else frozenset())
        if offence is not None:
            where = f"{Path(config['docs_dir']).name}/{page.file.src_uri}"
            raise PluginError(offence.message(where, page.file.content_string))
        return sanitize.strip_nonce(html, nonce)

    def on_env(self, env: Any, *, config: Any, files: Files) -> Any:
        """Claim coverage, once every page is rendered (MkDocs renders them all before writing any): each
        page's HTML is scanned (:mod:`.coverage`); every unchecked number is listed here and stops the
        build in ``on_post_build`` (under ``mkdocs serve`` they are shown on their page instead); then the
        summary and the coverage tables are filled in, after the scan (they are the engine's own numbers)."""
        if self.build is None:
            return env
        b = self.build
        started = time.perf_counter()
        coverage = importlib.import_module(f"{__spec__.parent}.coverage")
        render = coverage.markdown_renderer(config["markdown_extensions"], config["mdx_configs"])
        docs = Path(config["docs_dir"]).name
        problems: list[str] = []
        b.coverage = {}
        for file in files.documentation_pages():
            page = file.page
            if page is None or page.content is None or file.generated_by:
                continue
            here = coverage_problems(coverage, b, file, page.content, f"{docs}/{file.src_uri}", render)
            if here and self.command == "serve":
                page.content = _failure_banner(here) + page.content
            problems += here
        log.info("claim coverage: %d pages scanned in %.2f s", len(b.coverage), time.perf_counter() - started)
        for message in problems:
            if self.command == "serve":
                logging.getLogger("claims").warning("UNCHECKED: %s", message)
            else:
                log.error(message)
        b.unchecked = len(problems)  # the build stops in on_post_build, after MkDocs has checked links and anchors
        self._fill_markers(files)
        return env

    def _fill_markers(self, files: Files) -> None:
        """The summary (home page) and the coverage table (home and Verification pages), as HTML."""
        import markdown as python_markdown

        b = self._state()
        report = self._check().report
        for file in files.documentation_pages():
            page = file.page
            if page is None or page.content is None:
                continue
            if b.render.SUMMARY_MARKER in page.content:
                target = files.get_file_from_path("verification.md")
                link = target.url_relative_to(file) if target is not None else ""
                summary = python_markdown.markdown(b.render.summary(report.counts(), link))
                page.content = page.content.replace(b.render.SUMMARY_MARKER, summary)
            if b.render.COVERAGE_MARKER in page.content:

                def href(rel: str, file: File = file) -> str:
                    target = files.get_file_from_path(rel)
                    return target.url_relative_to(file) if target is not None else ""

                page.content = page.content.replace(b.render.COVERAGE_MARKER, b.render.coverage_table(b.coverage, href))

    def on_post_page(self, output: str, *, page: Any, config: Any) -> str:
        """A page shows exactly the marks the engine rendered: one more came from elsewhere (a snippet
        whose raw HTML imitates a mark), and would look checked; and no claim marker outside code is left
        as typed (one in an included file would be published unchecked)."""
        if self.build is None or page.file.generated_by:
            return output
        seen = importlib.import_module(f"{__spec__.parent}.sanitize").rendered(output)  # as a browser parses it
        where = f"{Path(config['docs_dir']).name}/{page.file.src_uri}"
        if seen.stray:
            raise PluginError(
                f"{where}: {seen.stray!r} reached the page as text: a claim marker there was never checked "
                "(from an included file, or written with escapes?); markers belong on the page, well formed"
            )
        rendered = self.build.marks.get(page.file.src_uri, 0)
        if seen.marks != rendered:
            raise PluginError(
                f"{where}: the page shows {seen.marks} claim marks but the engine rendered {rendered}; only the "
                "engine may write an element of class claim-mark (is one hand-written, or in an included file?)"
            )
        return output

    def on_post_build(self, *, config: Any) -> None:
        if self.build is None:
            return
        failed = self._check().report.failures  # judged even where no page showed a claim
        if self.build.unchecked and self.command != "serve":
            raise PluginError(
                f"{self.build.unchecked} number(s) or formula(s) on the pages are not checked (see the errors "
                "above); the site was not published as correct"
            )
        if failed and self.command != "serve":
            raise PluginError(
                f"{len(failed)} claim(s) failed their checks (see the errors above); "
                "the site was not published as correct"
            )
        self._write_answers(self._check(), config)

    def _write_answers(self, check: Any, config: Any) -> None:
        """What the in-page answer checker loads when a reader opens it (:mod:`.answers`): the catalog of
        claims a reader can answer, with their truths and known mistakes, and the engine's own code."""
        if not config.get("site_dir"):
            return
        answers = importlib.import_module(f"{__spec__.parent}.answers")
        results = check.report.by_id()
        docs_name = Path(config.get("docs_dir") or "docs").name

        def href(claim_id: str) -> str:
            r = results.get(claim_id)
            shown = r.path.removeprefix(f"{docs_name}/") if r is not None and r.path else None
            target = self.files.get_file_from_path(shown) if self.files is not None and shown else None
            return f"{target.url}#{self.build.render.anchor(claim_id)}" if target is not None else ""

        out = Path(config["site_dir"]) / ANSWERS_DIR
        out.mkdir(parents=True, exist_ok=True)
        catalog = answers.catalog(check.report.results, href, self._state().settings.time_limit)
        (out / "claims.json").write_text(json.dumps(catalog, ensure_ascii=False), encoding="utf-8")
        (out / "engine.zip").write_bytes(answers.bundle())

    def on_build_error(self, *, error: Exception) -> None:
        self._cancel()

    def on_shutdown(self) -> None:
        self._cancel()
