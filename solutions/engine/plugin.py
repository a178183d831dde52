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
* ``on_serve``: under ``mkdocs serve``, a build that MkDocs stops for its own warnings (``--strict``) is
  served anyway, its warnings listed on the home page: MkDocs would otherwise hold every request until
  the page is fixed.
* Under ``mkdocs serve`` a rebuild reuses what did not change (:class:`_ServeMemo`, keyed by
  :func:`.background.inputs_digest`): the verdicts after a prose edit, the claims' truths and unchanged values'
  verdicts after a claim value edit, a notebook's execution while neither it nor the code changed, and MkDocs'
  own rendering and search entries of each page whose inputs are unchanged (:mod:`.rebuild`).  After each
  rebuild the next checking process starts at once and imports the code (:func:`.background.standby`); the next
  rebuild uses it only if no file of the project changed since.  ``mkdocs build`` checks from cold.
* A failing claim is logged as an error and aborts the build (``--strict`` or not): a site
  never ships a page the code contradicts.  Under ``mkdocs serve`` every problem the build would stop
  on (a failing claim, an unchecked number, a page the engine cannot read or would refuse, a page saved
  while it was being checked, a checking process that stopped) is printed and shown instead, as a banner
  at the top of its page with the message the log prints, and summed up on the home page; the build goes
  on, so the live preview keeps answering while a contributor fixes it.  A page whose HTML the engine
  refuses (active content) or cannot read (a malformed marker) is shown as its banner only.

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
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from mkdocs.exceptions import Abort, PluginError
from mkdocs.plugins import BasePlugin
from mkdocs.structure.files import File, Files

from .config import ClaimsConfig, ConfigError, Settings, settings_from

log = logging.getLogger(f"mkdocs.plugins.{__name__}")
ANSWERS_DIR = "assets/answers"  # in the built site: claims.json and engine.zip, for the in-page answer checker


def _locations(package: str) -> list[str]:
    spec = importlib.util.find_spec(package)
    return list(spec.submodule_search_locations or []) if spec else []


@dataclass
class ServeProblems:
    """What ``mkdocs serve`` shows instead of stopping: each page's messages (its banner), the site's (the home
    page's summary), and the pages shown as their banner only.  Each message is logged once, as shown."""

    pages: dict[str, list[str]] = field(default_factory=dict)  # page (docs-relative) -> its messages, in order
    site: list[str] = field(default_factory=list)  # messages of no one page
    hidden: set[str] = field(default_factory=set)  # pages whose HTML is not shown, only their banner
    logged: set[str] = field(default_factory=set)

    def add(self, page: str | None, label: str, message: str) -> None:
        shown = self.pages.setdefault(page, []) if page is not None else self.site
        if message not in shown:
            shown.append(message)
        if message not in self.logged:  # (the checking process's failure is on every page, logged once)
            self.logged.add(message)
            logging.getLogger("claims").warning("%s: %s", label, message)

    def count(self) -> int:
        return len(self.site) + sum(len(m) for m in self.pages.values())


class _MkDocsWarnings(logging.Handler):
    """MkDocs' own warnings during one ``mkdocs serve`` build (a broken link, an anchor), for the home page:
    already printed by MkDocs, they are only collected here."""

    def __init__(self, problems: ServeProblems) -> None:
        super().__init__(logging.WARNING)
        self.problems = problems

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message not in self.problems.site:
            self.problems.site.append(message)


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
    docs_name: str = "docs"  # the docs folder's name, as results name their pages ("docs/a2/p.md")
    # Under `mkdocs serve` only: what the build would stop on, shown instead (ServeProblems).
    problems: ServeProblems = field(default_factory=ServeProblems)
    checker_failed: str = ""  # why the checking process gave no verdicts (serve only; a build stops there)
    # pages.find_claims's answers in this build, by its arguments (a pure function): on_files asks it of each page,
    # on_page_markdown again of the same text when the page has no front matter.
    found: dict[tuple[str, str, int], list[Any]] = field(default_factory=dict)
    files_signature: str = ""  # serve: every file of the site with its URL (rebuild.files_signature), once per build

    def find_claims(self, text: str, where: str, first_line: int = 1) -> list[Any]:
        import copy

        key = (text, where, first_line)
        if key not in self.found:
            self.found[key] = self.pages.find_claims(text, where, first_line)  # (an error is raised, not kept)
        return copy.deepcopy(self.found[key])  # the caller's own occurrences


class _Reused:
    """Stands in for a checking process under ``mkdocs serve`` when nothing the verdicts depend on changed."""

    def __init__(self, check: Any) -> None:
        self.check = check

    def result(self) -> Any:
        return self.check

    def cancel(self) -> None:
        pass


@dataclass
class _ServeMemo:
    """What ``mkdocs serve`` keeps from one rebuild to the next (the plugin instance lives as long as the server).

    * ``check``: the last verdicts, reused whole while ``digest`` (:func:`.background.inputs_digest`: the
      project's files but the docs, the interpreter, the installed packages) and every page's claims as
      written (``written``) are unchanged: a prose edit checks nothing again.
    * ``kept``: each claim's truth, with its claims module's key (:class:`.background.Kept`, :mod:`.inputs`): the
      next checking process compares the pages with every truth whose module's key still holds, and computes the
      others again (a helper edited: the modules that import it; a results file: those whose code read it).
    * ``notebooks``: each notebook page as rendered, keyed by its bytes, ``digest`` and mkdocs-jupyter's
      options: it is executed again only when one of them changed.

    A build keeps none of this: ``mkdocs build`` checks from cold."""

    digest: str = ""
    written: dict[str, list[tuple[Any, ...]]] | None = None
    check: Any = None
    kept: tuple[Any, ...] | None = None  # background.Kept's fields, as plain data
    notebooks: dict[str, tuple[str, Any, Any, Any]] = field(default_factory=dict)


def _claims_of_site(pages: ModuleType, docs: Path) -> dict[str, list[tuple[Any, ...]]] | None:
    """Every Markdown page's claims as written (what the verdicts depend on of the docs); None when one
    cannot be read (the checking process reports it)."""
    out = {}
    for page in sorted(p for p in docs.rglob("*.md") if p.is_file()):
        rel = page.relative_to(docs).as_posix()
        try:
            out[rel] = _claims_as_written(pages.find_claims(page.read_text(encoding="utf-8"), f"{docs.name}/{rel}"))
        except (pages.PageSyntaxError, OSError, UnicodeDecodeError):
            return None
    return out


def coverage_problems(coverage: ModuleType, b: _Build, file: File, content: str, where: str, render: Any) -> list[str]:
    """One page's claim coverage from its rendered HTML (kept in ``b.coverage``): one message per problem."""
    sources = b.settings.root / b.settings.sources
    try:
        if file.src_uri.endswith(".ipynb"):
            cov = coverage.notebook_coverage(content, file.content_string, where, sources)
        else:
            marks = b.marks.get(file.src_uri, 0)
            cov = coverage.page_coverage(content, file.content_string, where, marks, render, sources)
    except coverage.CoverageError as err:
        return [str(err)]
    b.coverage[file.src_uri] = cov
    return [coverage.unchecked_message(cov, item) for item in cov.unchecked]


def _failure_banner(messages: list[str], hidden: bool = False) -> str:
    """What ``mkdocs serve`` shows at the top of a page with problems: every message, as the log prints it
    (``hidden``: the page itself is not shown).  Added to the finished HTML, after every check of the page."""
    title = f"{len(messages)} problem(s) on this page: <code>mkdocs build --strict</code> stops here"
    if hidden:
        title += "; the page is not shown until it is fixed"
    body = html.escape("\n\n".join(messages))
    return (
        f'<div class="admonition failure claims-serve-banner"><p class="admonition-title">{title}</p>'
        f"<pre><code>{body}</code></pre></div>\n"
    )


_ARTICLE = re.compile(r"<article\b[^>]*>", re.IGNORECASE)
_BODY = re.compile(r"<body\b[^>]*>", re.IGNORECASE)


def _with_banner(output: str, banner: str) -> str:
    """``banner`` first in the page's content (the theme's ``<article>``; else first in ``<body>``)."""
    found = _ARTICLE.search(output) or _BODY.search(output)
    at = found.end() if found else 0
    return output[:at] + banner + output[at:]


def _unchecked_result(occ: Any, why: str) -> Any:
    """The mark of a claim that this build has no verdict for (under ``mkdocs serve``): failed, saying why."""
    from .verdicts import FAILED, Result

    message = f"{occ.where}: claim {occ.id} was not checked in this build: {why}"
    return Result(occ.id, FAILED, "page", occ.path, occ.line, occ.in_table, page=occ.value or "", message=message)


def _claims_as_written(occurrences: list[Any]) -> list[tuple[Any, ...]]:
    """What a verdict depends on of a page: each claim's id, value, line and form (offsets aside)."""
    return [(o.id, o.value, o.line, o.display, o.in_table) for o in occurrences]


def _compiled_templates() -> Any:
    """Jinja's bytecode cache in memory, for ``mkdocs serve`` (MkDocs makes a new Jinja environment each rebuild,
    which compiles every template again).  Jinja itself checks an entry against the sha1 of the template's source
    and its own version before using it; the key here is the template's name and file and every option of the
    environment that compiling reads, so a changed template or setting compiles afresh."""
    import jinja2

    options = [
        "block_start_string",
        "block_end_string",
        "variable_start_string",
        "variable_end_string",
        "comment_start_string",
        "comment_end_string",
        "line_statement_prefix",
        "line_comment_prefix",
        "trim_blocks",
        "lstrip_blocks",
        "newline_sequence",
        "keep_trailing_newline",
        "optimized",
        "autoescape",
    ]

    class Compiled(jinja2.BytecodeCache):
        def __init__(self) -> None:
            self.store: dict[str, bytes] = {}

        def get_bucket(self, environment: Any, name: str, filename: str | None, source: str) -> Any:
            settings = [(o, getattr(environment, o, None)) for o in options] + [sorted(environment.extensions)]
            key = self.get_cache_key(f"{name}\0{settings!r}", filename)
            bucket = jinja2.bccache.Bucket(environment, key, self.get_source_checksum(source))
            self.load_bytecode(bucket)
            return bucket

        def load_bytecode(self, bucket: Any) -> None:
            if (code := self.store.get(bucket.key)) is not None:
                bucket.bytecode_from_string(code)

        def dump_bytecode(self, bucket: Any) -> None:
            self.store[bucket.key] = bucket.bytecode_to_string()

    return Compiled()


def _engine_state() -> str:
    """The SHA-256 of every file of the engine's folder (names and bytes)."""
    import hashlib

    h = hashlib.sha256()
    for path in sorted(Path(__file__).resolve().parent.glob("*.py")):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


class ClaimsPlugin(BasePlugin[ClaimsConfig]):
    """Checks the claims of the docs folder against the ``*_claims`` modules of ``packages``."""

    def __init__(self) -> None:
        super().__init__()
        self.command = "build"
        self.build: _Build | None = None
        self.files: Files | None = None
        self.config_nav: list[Any] | None = None  # mkdocs.yml's nav, as written: the home page's practice sections
        self._warnings: _MkDocsWarnings | None = None
        self._memo = _ServeMemo()  # serve only: what a rebuild may reuse
        self._inputs: tuple[str, Any] = ("", None)  # serve: this build's inputs digest and claims as written
        self._digest_of: tuple[Path, list[Path]] = (Path(), [])  # serve: the digest's root and skipped folders
        self._templates = _compiled_templates()  # serve: the theme's compiled templates, by their source
        self._nonce = ""  # serve: the first build's nonce, kept for the server's life (render.keep_nonce)
        self._engine_code = ""  # serve: the engine's files when its modules were last imported (_engine_state)
        # serve: the sanitizer's answers (pure functions of the HTML) by a key of everything they read (_html_key):
        # the last build's, and this build's so far.  A page whose HTML did not change is not parsed again.
        self._html_checked: tuple[dict[str, Any], dict[str, Any]] = ({}, {})
        # serve: MkDocs' own work on a page (its rendering, its search entries) by a key of all it reads
        # (:mod:`.rebuild`): the last build's, and this build's so far.
        self._rendered: tuple[dict[str, Any], dict[str, Any]] = ({}, {})
        self._searched: tuple[dict[str, Any], dict[str, Any]] = ({}, {})
        self._opens: Any = None  # serve: rebuild.Opens, the files a page's rendering opens
        # serve: the next checking process, started after the last build (background.standby), with the inputs
        # digest, the time and the settings it started with; used only if no file changed since.
        self._standby: tuple[Any, str, int, str] | None = None
        self._settled: tuple[int, str] | None = None  # serve: when the last check ended, and the digest then

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.command = command
        if command == "serve" and self._opens is None:
            self._opens = importlib.import_module(f"{__spec__.parent}.rebuild").Opens().install()

    def _engine(self) -> tuple[ModuleType, ModuleType, ModuleType]:
        """The engine's light modules, imported afresh on a ``mkdocs serve`` rebuild when a file of the engine
        changed (:func:`_engine_state`).

        The server rebuilds when anything it watches changes; without a fresh import it would
        render with the old code.  (The checks themselves always run in a new process, with the
        code as it is on disk.)  This module itself is the one MkDocs loaded; it only wires.
        """
        package = __spec__.parent
        if self.command == "serve" and (state := _engine_state()) != self._engine_code:
            # Only when a file of the engine changed (it imports nothing of the project outside its folder): the
            # modules kept otherwise keep their caches (the notebook template's parts, the bundle) across rebuilds.
            for name in [m for m in sys.modules if m.startswith(package + ".") and m != __name__]:
                del sys.modules[name]
            self._engine_code = state
        modules = tuple(importlib.import_module(f"{package}.{m}") for m in ("background", "render", "pages"))
        if self.command == "serve":
            if self._nonce:
                modules[1].keep_nonce(self._nonce)
            self._nonce = modules[1].NONCE
        return modules  # type: ignore[return-value]

    def on_config(self, config: Any) -> Any:
        self._cancel()
        self._settled = None
        self._stop_collecting_warnings()
        last, now = self._html_checked
        self._html_checked = (now or last, {})  # the last (complete) build's answers
        self._rendered = ({**self._rendered[0], **self._rendered[1]}, {})  # by page: each entry checks its own key
        self._searched = (self._searched[1] or self._searched[0], {})
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
        self.build = _Build(
            settings, background, render, pages, self._start(background, pages, docs, settings, config), generated
        )
        self.build.docs_name = docs.name
        self.config_nav = config.get("nav")
        if self.command == "serve":
            self._warnings = _MkDocsWarnings(self.build.problems)
            logging.getLogger("mkdocs").addHandler(self._warnings)
        return config

    def _start(self, background: ModuleType, pages: ModuleType, docs: Path, settings: Settings, config: Any) -> Any:
        """The checking process for this build; under ``mkdocs serve``, the last verdicts when nothing they depend
        on changed, or a process handed the truths computed under the same inputs (:class:`_ServeMemo`)."""
        if not self._serving():
            return background.start(docs, settings)
        started = time.perf_counter()
        skip = [docs, Path(config["site_dir"])] if config.get("site_dir") else [docs]
        self._digest_of = (settings.root, skip)
        digest = background.inputs_digest(settings.root, skip)
        written = _claims_of_site(pages, docs)
        self._inputs = (digest, written)
        memo = self._memo
        took = time.perf_counter() - started
        if memo.digest != digest:  # an installed package may have changed: nbconvert's template too
            self._engine_module("sanitize").notebook_template_parts.cache_clear()
        if memo.check is not None and memo.digest == digest and written is not None and memo.written == written:
            log.info("claims: no code, result or claim changed (%.2f s to tell): the last verdicts stand", took)
            return _Reused(memo.check)
        # Rebuilt from plain data: a build after an edit of the engine imports it afresh (Kept is another class then).
        known = background.Kept(*memo.kept) if memo.kept is not None else background.Kept()  # none: hand back all
        log.info("claims: checking, %d truths handed over from the last build", len(known.truths))
        if (ready := self._take_standby(background, digest, settings, skip)) is not None:
            log.info("claims: checking in the process started after the last build (no file changed since)")
            return ready.go(known)
        return background.start(docs, settings, known)

    def _take_standby(self, background: ModuleType, digest: str, settings: Settings, skip: list[Path]) -> Any:
        """The standby checking process, if it imported exactly the files there are now: the same inputs digest
        and settings, and no file written since it started (:func:`.background.changed_since`); else None (and
        it is stopped)."""
        if self._standby is None:
            return None
        running, then, since, as_json = self._standby
        self._standby = None
        if (
            then == digest
            and as_json == settings.to_json()
            and not background.changed_since(settings.root, skip, since)
        ):
            return running
        running.cancel()
        return None

    def _start_standby(self, config: Any) -> None:
        """Under ``mkdocs serve``, after a build: start the next checking process now (:func:`.background.standby`)."""
        b = self._state()
        if self._standby is not None or not self._digest_of[1]:
            return
        root, skip = self._digest_of
        since, digest = self._settled or (time.time_ns(), "")
        digest = digest or b.background.inputs_digest(root, skip)
        log.info("claims: starting the next checking process now (standby: it imports the code before the next save)")
        running = b.background.standby(Path(config["docs_dir"]), b.settings)
        self._standby = (running, digest, since, b.settings.to_json())

    def _remember(self, check: Any) -> None:
        """Under ``mkdocs serve``: what the next rebuild may reuse of these verdicts (:class:`_ServeMemo`)."""
        digest, written = self._inputs
        memo = self._memo
        if check.reused or check.stale:
            stale = ", ".join(check.stale) or "none"
            log.info("claims: %d truths reused; computed again for the changed modules: %s", check.reused, stale)
        if check.judged_again >= 0:
            judged = check.judged_again
            log.info(
                "claims: %d page values judged, the verdicts of the other %d reused",
                judged,
                len(check.report.results) - judged,
            )
        kept: tuple[Any, ...] | None = (
            dict(check.kept.truths),
            dict(check.kept.keys),
            dict(check.kept.results),
            check.kept.engine,
        )
        since = time.time_ns()
        now = self._state().background.inputs_digest(*self._digest_of)
        self._settled = (since, now)  # the next standby's start (a file written since is seen by its time)
        if now != digest:
            # A file changed while the claims were judged: what was read may not be what is keyed now.
            log.info("claims: a file changed while checking; nothing is kept for the next rebuild")
            kept, digest = None, ""
        self._memo = _ServeMemo(digest, written, check, kept, memo.notebooks)

    def _serving(self) -> bool:
        return self.command == "serve"

    def _page_of(self, path: str | None) -> str | None:
        """The docs-relative page of a result's path (``docs/a2/p.md`` -> ``a2/p.md``); None for none."""
        prefix = f"{self._state().docs_name}/"
        return path.removeprefix(prefix) if path and path.startswith(prefix) else None

    def _check(self) -> Any:
        """The verdicts, waiting for the checking process the first time; failures are reported once, here."""
        b = self._state()
        if b.check is None:
            try:
                try:
                    check = b.running.result()
                except b.background.StandbyStale as err:
                    log.info("claims: %s; checking in a fresh process", err)
                    b.running = b.running.restart()
                    check = b.running.result()
            except b.background.CheckerFailed as err:
                if not self._serving():
                    raise PluginError(str(err)) from None
                # Served without verdicts: every claim's mark says why, the home page shows the message.
                b.checker_failed = str(err)
                b.problems.add(None, "NOT CHECKED", b.checker_failed)
                text = "# Not checked\n\nThe checking process stopped; the home page and the log say why.\n"
                check = b.background.SiteCheck(b.background.Report(), {}, dict.fromkeys(b.generated, text), 0.0)
            else:
                if self._serving() and not isinstance(b.running, _Reused):
                    self._remember(check)  # not a stand-in without verdicts, nor the last build's verdicts again
            for r in check.report.failures:
                if self._serving():
                    # Shown in the terminal and on the page, but it does not freeze the live server.
                    b.problems.add(self._page_of(r.path), "CLAIM FAILED", r.message)
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
            return bool(b.find_claims(text, f"{docs.name}/{file.src_uri}"))
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
        search = config["plugins"].get("material/search") if self._serving() else None
        if search is not None and hasattr(search, "search_index"):  # (none when it is disabled)
            self._engine_module("rebuild").reuse_search_entries(search.search_index, self._searched)
        return Files(sorted(files, key=lambda f: f.is_documentation_page() and self._shows_claims(f, docs)))

    def _engine_module(self, name: str) -> ModuleType:
        return importlib.import_module(f"{__spec__.parent}.{name}")

    def on_page_read_source(self, *, page: Any, config: Any) -> str | None:
        if page.file.generated_by and page.file.src_uri in self._state().generated:
            return self._check().pages[page.file.src_uri]
        return None

    def on_page_markdown(self, markdown: str, *, page: Any, config: Any, files: Files) -> str:
        b = self._state()
        render, pages = b.render, b.pages
        src = page.file.src_uri
        if self._serving() and src.endswith(".md") and self._opens is not None:
            rebuild = self._engine_module("rebuild")
            if not b.files_signature:
                b.files_signature = rebuild.files_signature(files, config)
            rebuild.reuse_rendering(page, self._rendered, self._opens, b.files_signature)
        # The summary and coverage markers stay comments here: on_env fills them in, once every page is scanned.
        if page.file.generated_by or not src.endswith(".md"):
            if self._serving() and src.endswith(".ipynb") and not page.file.generated_by:
                self._reuse_notebook(page, config)
            return markdown
        shown = f"{Path(config['docs_dir']).name}/{src}"
        # MkDocs hands the page over without its front matter: count lines as the file does.
        raw = page.file.content_string
        first_line = raw[: len(raw) - len(markdown)].count("\n") + 1 if raw.endswith(markdown) else 1
        try:
            occurrences = b.find_claims(markdown, shown, first_line)
            giveaways = pages.find_giveaways(markdown, shown, occurrences, first_line)
        except pages.PageSyntaxError as err:  # the checking process reports it too; never a traceback
            if not self._serving():
                raise PluginError(str(err)) from None
            b.problems.add(src, "PAGE ERROR", str(err))
            b.problems.hidden.add(src)  # its markers cannot be rendered, and must not reach the page as text
            b.marks[src] = 0
            return ""
        b.marks[src] = len(occurrences)
        if not occurrences:
            return markdown  # built while the checks run; it needs no verdict
        check = self._check()  # (a failing claim's message is logged there; on_post_page shows it under serve)
        report = check.report
        results = {(r.claim_id, r.path, r.line): r for r in report.results}
        # The verdicts are for the page as the checking process read it; a save since (during this build)
        # can move or change its claims.  The save also queued the next build, which checks them.
        why = b.checker_failed
        if why:
            b.problems.add(src, "NOT CHECKED", why)
        elif _claims_as_written(report.occurrences.get(src, [])) != _claims_as_written(occurrences):
            why = "the page changed while its claims were being checked (saved during the build?)"
            if not self._serving():
                raise PluginError(f"{shown}: {why}; build again")
            b.problems.add(src, "CHANGED", f"{shown}: {why}; the next build checks it")

        def url(from_page: str, to_page: str, frag: str) -> str:
            target = files.get_file_from_path(to_page)
            if target is None:
                raise PluginError(f"{src}: a status mark links to {to_page}, which is not part of the site")
            return target.url_relative_to(page.file) + (f"#{frag}" if frag else "")

        def rendered(occ: Any) -> str:
            result = None if why else results.get((occ.id, occ.path, occ.line))
            if result is None:
                if not self._serving():  # unreachable: every claim the checking process read has a verdict
                    raise PluginError(f"{occ.where}: claim {occ.id} has no verdict")
                result = _unchecked_result(occ, why or "no verdict came back for it")
            return render.render_occurrence(occ, result, check.listings.get(occ.id), src, url, b.settings.command)

        def either(marker: Any) -> str:  # a claim, or a giveaway's marker (practice mode hides its passage)
            return render.giveaway(marker) if isinstance(marker, pages.Giveaway) else rendered(marker)

        return pages.replace_claims(markdown, [*occurrences, *giveaways], either)

    def _reuse_notebook(self, page: Any, config: Any) -> None:
        """Under ``mkdocs serve``: a notebook page is executed again only when its bytes, the inputs digest (the
        code it imports, the packages) or mkdocs-jupyter's options changed; else its last rendering is reused.
        (mkdocs-jupyter's own cache is keyed on the notebook alone, so the site turns it off.)"""
        import hashlib

        render, src, memo = page.render, page.file.src_uri, self._memo
        jupyter = config["plugins"].get("mkdocs-jupyter")
        options = repr(sorted(dict(jupyter.config).items())) if jupyter is not None else ""
        key = hashlib.sha256(
            self._inputs[0].encode() + options.encode() + Path(page.file.abs_src_path).read_bytes()
        ).hexdigest()

        def reuse_or_render(config: Any, files: Files) -> None:
            hit = memo.notebooks.get(src)
            if hit is not None and hit[0] == key:
                log.info("claims: %s and what it imports are unchanged: not executed again", src)
                page.content, page.toc, page.title = hit[1:]
                return
            render(config, files)
            self._memo.notebooks[src] = (key, page.content, page.toc, page.title)

        page.render = reuse_or_render

    def on_page_content(self, html: str, *, page: Any, config: Any, files: Files) -> str:
        """No active content from a page: its HTML passes the allow-list sanitizer unchanged (:mod:`.sanitize`),
        or the build stops at the page's line; then the engine's nonce comes off its marks."""
        if self.build is None or page.file.generated_by:  # the engine's own pages, from the claims code
            return html
        sanitize = importlib.import_module(f"{__spec__.parent}.sanitize")
        nonce = self.build.render.NONCE
        notebook = page.file.src_uri.endswith(".ipynb")
        offence = self._html_memo(
            ("check_html", nonce, notebook, html),
            lambda: sanitize.check_html(html, nonce, sanitize.notebook_template_parts() if notebook else frozenset()),
        )
        if offence is not None:
            where = f"{Path(config['docs_dir']).name}/{page.file.src_uri}"
            message = offence.message(where, page.file.content_string)
            if not self._serving():
                raise PluginError(message)
            # Not even the preview shows it: only the banner (on_post_page).
            self.build.problems.add(page.file.src_uri, "PAGE REFUSED", message)
            self.build.problems.hidden.add(page.file.src_uri)
            self.build.marks[page.file.src_uri] = 0
            return ""
        return sanitize.strip_nonce(html, nonce)

    def _html_memo(self, args: tuple[Any, ...], compute: Any) -> Any:
        """``compute()``, a pure function of ``args`` and of the code and packages it runs (the sanitizer, nh3,
        html5lib); under ``mkdocs serve``, the last build's answer when the key is the same: ``args`` and the
        inputs digest (:func:`.background.inputs_digest`: the engine's code, every installed version).  A build
        computes every answer."""
        if not self._serving() or not self._inputs[0]:
            return compute()
        import hashlib

        key = hashlib.sha256(repr((self._inputs[0], *args)).encode("utf-8", "surrogatepass")).hexdigest()
        last, now = self._html_checked
        if key not in now:
            now[key] = last[key] if key in last else compute()
        return now[key]

    def on_env(self, env: Any, *, config: Any, files: Files) -> Any:
        """Claim coverage, once every page is rendered (MkDocs renders them all before writing any): each
        page's HTML is scanned (:mod:`.coverage`); every unchecked number is listed here and stops the
        build in ``on_post_build`` (under ``mkdocs serve`` they are shown on their page instead); then the
        summary and the coverage tables are filled in, after the scan (they are the engine's own numbers)."""
        if self.build is None:
            return env
        if self._serving() and env is not None:
            env.bytecode_cache = self._templates  # the theme's templates compiled once per server, not per rebuild
        b = self.build
        started = time.perf_counter()
        coverage = importlib.import_module(f"{__spec__.parent}.coverage")
        render = coverage.markdown_renderer(config["markdown_extensions"], config["mdx_configs"])
        docs = Path(config["docs_dir"]).name
        problems: list[str] = []
        b.coverage = {}
        for file in files.documentation_pages():
            page = file.page
            if page is None or page.content is None or file.generated_by or file.src_uri in b.problems.hidden:
                continue
            here = coverage_problems(coverage, b, file, page.content, f"{docs}/{file.src_uri}", render)
            for message in here:
                if self._serving():  # shown on the page by on_post_page, after its own checks
                    b.problems.add(file.src_uri, "UNCHECKED", message)
                else:
                    log.error(message)
            problems += here
        log.info("claim coverage: %d pages scanned in %.2f s", len(b.coverage), time.perf_counter() - started)
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
            if b.render.PRACTICE_MARKER in page.content:
                page.content = page.content.replace(b.render.PRACTICE_MARKER, self._practice_progress(report))
            if b.render.COVERAGE_MARKER in page.content:

                def href(rel: str, file: File = file) -> str:
                    target = files.get_file_from_path(rel)
                    return target.url_relative_to(file) if target is not None else ""

                page.content = page.content.replace(b.render.COVERAGE_MARKER, b.render.coverage_table(b.coverage, href))

    def _practice_progress(self, report: Any) -> str:
        """The home page's practice progress: the verified answers (``[[?id: value]]``) of each section of the
        navigation, by its title (a page outside any section is its own)."""
        verified = {r.claim_id for r in report.results if r.status == "verified"}
        answers = {
            rel: [o.id for o in occs if o.answer and o.id in verified] for rel, occs in report.occurrences.items()
        }

        def paths(item: Any) -> list[str]:
            if isinstance(item, str):
                return [item]
            if isinstance(item, dict):
                return [p for v in item.values() for p in paths(v)]
            if isinstance(item, list):
                return [p for v in item for p in paths(v)]
            return []

        sections = []
        for item in self.config_nav or []:
            title, value = next(iter(item.items())) if isinstance(item, dict) else (item, item)
            sections.append((str(title), [i for p in paths(value) for i in answers.get(p, [])]))
        return self.build.render.practice_progress(sections)

    def on_post_page(self, output: str, *, page: Any, config: Any) -> str:
        """A page shows exactly the marks the engine rendered: one more came from elsewhere (a snippet
        whose raw HTML imitates a mark), and would look checked; and no claim marker outside code is left
        as typed (one in an included file would be published unchecked)."""
        if self.build is None:
            return output
        b, src = self.build, page.file.src_uri
        if not page.file.generated_by:
            sanitize = importlib.import_module(f"{__spec__.parent}.sanitize")
            seen = self._html_memo(("rendered", output), lambda: sanitize.rendered(output))  # as a browser parses it
            where = f"{Path(config['docs_dir']).name}/{src}"
            wrong = []
            if seen.stray:
                wrong.append(
                    f"{where}: {seen.stray!r} reached the page as text: a claim marker there was never checked "
                    "(from an included file, or written with escapes?); markers belong on the page, well formed"
                )
            rendered = b.marks.get(src, 0)
            if seen.marks != rendered:
                wrong.append(
                    f"{where}: the page shows {seen.marks} claim marks but the engine rendered {rendered}; only the "
                    "engine may write an element of class claim-mark (is one hand-written, or in an included file?)"
                )
            if wrong and not self._serving():
                raise PluginError(wrong[0])
            for message in wrong:
                b.problems.add(src, "PAGE ERROR", message)
        if self._serving():
            if messages := b.problems.pages.get(src):
                output = _with_banner(output, _failure_banner(messages, src in b.problems.hidden))
            if b.checker_failed and page.file.generated_by:
                output = _with_banner(output, _failure_banner([b.checker_failed]))
        return output

    def on_post_build(self, *, config: Any) -> None:
        if self.build is None:
            return
        failed = self._check().report.failures  # judged even where no page showed a claim
        if self._serving():
            self._stop_collecting_warnings()
            rendered, searched = (
                sum(now[k] is last.get(k) for k in now) for last, now in (self._rendered, self._searched)
            )
            log.info("claims: MkDocs' rendering of %d pages and the search entries of %d reused", rendered, searched)
            self._write_home_summary(config)
            self._start_standby(config)
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

    def _write_home_summary(self, config: Any) -> None:
        """Under ``mkdocs serve``: every problem of the site, first on the home page (already written: a page
        after it may add to the list), each page's linked; the messages of no one page in full."""
        b = self._state()
        if not b.problems.count() or self.files is None or not config.get("site_dir"):
            return
        home = self.files.get_file_from_path("index.md")
        if home is None or not Path(home.abs_dest_path).is_file():
            return
        items = []
        for src, messages in sorted(b.problems.pages.items()):
            target = self.files.get_file_from_path(src)
            link = html.escape(target.url_relative_to(home) if target is not None else "")
            first = html.escape(messages[0].splitlines()[0])
            more = f" (and {len(messages) - 1} more)" if len(messages) > 1 else ""
            items.append(f'<li><a href="{link}">{html.escape(src)}</a>: <code>{first}</code>{more}</li>')
        body = f"<ul>{''.join(items)}</ul>" if items else ""
        if b.problems.site:
            body += f"<pre><code>{html.escape(chr(10).join(b.problems.site))}</code></pre>"
        title = (
            f"{b.problems.count()} problem(s) on this site: <code>mkdocs build --strict</code> stops on them "
            "(each page shows its own at its top)"
        )
        banner = (
            f'<div class="admonition failure claims-serve-summary"><p class="admonition-title">{title}</p>'
            f"{body}</div>\n"
        )
        out = Path(home.abs_dest_path)
        out.write_text(_with_banner(out.read_text(encoding="utf-8"), banner), encoding="utf-8")

    def on_serve(self, server: Any, *, config: Any, builder: Any) -> Any:
        """A rebuild that MkDocs stops for its own warnings (``--strict``: a broken link, a missing anchor) is
        served anyway: the site is written by then, the warnings are on the home page; MkDocs would hold every
        request until the page is fixed.  Any other error still stops the rebuild, as MkDocs does."""
        build = server.builder

        def build_and_serve() -> None:
            try:
                build()
            except Abort as err:
                if "in strict mode" not in str(err):
                    raise
                logging.getLogger("claims").warning(
                    "%s: served anyway (the warnings are listed on the home page); `mkdocs build --strict` stops",
                    err,
                )

        server.builder = build_and_serve
        return server

    def _stop_collecting_warnings(self) -> None:
        if self._warnings is not None:
            logging.getLogger("mkdocs").removeHandler(self._warnings)
            self._warnings = None

    def on_build_error(self, *, error: Exception) -> None:
        self._stop_collecting_warnings()
        self._cancel()

    def on_shutdown(self) -> None:
        self._stop_collecting_warnings()
        self._cancel()
        if self._standby is not None:
            self._standby[0].cancel()
            self._standby = None
