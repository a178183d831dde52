"""MkDocs hook: check every claim while the site builds, and show the verdicts on the pages.

Wiring only; the engine is :mod:`solutions.engine` (tested on its own in tests/).

* ``on_config``: start checking every claim of the docs folder in a separate
  process (:mod:`solutions.engine.background`), so the checks run while MkDocs
  does its own work.
* ``on_files``: add the generated Verification page and one check listing per
  claims module, and put the pages that show no claim first: MkDocs builds them
  (executing a notebook is the slow part) while the checks run.
* ``on_page_read_source`` / ``on_page_markdown``: wait for the verdicts at the
  first page that needs them; fill in the generated pages; replace each claim
  marker by its value and status mark.
* ``on_post_page``: drop the CDN MathJax and Mermaid scripts that mkdocs-jupyter
  writes into notebook pages (KaTeX, served by the site itself, renders their math).
* A failing claim is logged as an error and aborts the build (``--strict`` or not):
  a site never ships a page the code contradicts.  Under ``mkdocs serve`` it is
  printed and shown on the page instead, so the live preview keeps working while
  a contributor fixes it.
"""

from __future__ import annotations

import importlib
import logging
import re
import sys
from pathlib import Path
from types import ModuleType

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

log = logging.getLogger("mkdocs.hooks.claims")

_state: dict[str, object] = {"command": "build"}
# What nbconvert's template puts into a notebook page that would load code from a CDN:
# MathJax 2 with its configuration, and a module script that imports Mermaid.
_NOTEBOOK_CDN = re.compile(
    r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->"
    r"|<script type=\"module\">(?:(?!</script>).)*?mermaid(?:(?!</script>).)*</script>"
    r"|<script src=\"\"\s*>\s*</script>",
    re.DOTALL,
)


def on_startup(command: str, dirty: bool) -> None:
    _state["command"] = command


def _engine() -> tuple[ModuleType, ...]:
    """The engine's light modules, imported afresh on each ``mkdocs serve`` rebuild.

    The server re-runs this hook when anything under solutions/ changes (``watch`` in
    mkdocs.yml); without a fresh import it would render with the old code.  (The checks
    themselves always run in a new process, with the code as it is on disk.)
    """
    if _state["command"] == "serve":
        for name in [m for m in sys.modules if m == "solutions" or m.startswith("solutions.")]:
            del sys.modules[name]
    return tuple(importlib.import_module(f"solutions.engine.{m}") for m in ("background", "render", "pages"))


def on_config(config):
    katex = Path(config["docs_dir"]) / "assets" / "katex" / "katex.min.js"
    if not katex.exists():
        raise PluginError(f"{katex} is missing: run `make env` (it fetches the pinned KaTeX that renders the site's math)")
    background, render, pages = _engine()
    _cancel()
    _state.update(background=background, render=render, pages=pages, check=None,
                  running=background.start(Path(config["docs_dir"])))
    return config


def _check():
    """The verdicts, waiting for the checking process the first time; failures are reported once, here."""
    if _state.get("check") is None:
        try:
            check = _state["running"].result()
        except _state["background"].CheckerFailed as err:
            raise PluginError(str(err)) from None
        for r in check.report.failures:
            if _state["command"] == "serve":
                # Shown in the terminal and on the page, but it does not freeze the live server.
                logging.getLogger("claims").warning("CLAIM FAILED: %s", r.message)
            else:
                log.error(r.message)
        _state["check"] = check
    return _state["check"]


def _cancel() -> None:
    running = _state.get("running")
    if running is not None:
        running.cancel()


def _shows_claims(file: File, docs: Path) -> bool:
    """Whether building this page needs the verdicts (a generated page, a claim marker, the summary)."""
    if file.generated_by:
        return True
    if not file.src_uri.endswith(".md"):
        return False  # notebooks: the checks read Markdown pages only
    text = file.content_string
    if _state["render"].SUMMARY_MARKER in text:
        return True
    try:
        return bool(_state["pages"].find_claims(text, f"{docs.name}/{file.src_uri}"))
    except _state["pages"].PageSyntaxError:
        return True  # its error is reported with the verdicts


def on_files(files: Files, config) -> Files:
    generated = _state["background"].generated_pages()
    for path in generated:
        # Its text comes from the checking process (on_page_read_source).
        files.append(File.generated(config, path, content=""))
    _state["generated"] = set(generated)
    # Pages that show no claim first: MkDocs builds them while the checks run.  The navigation
    # follows mkdocs.yml, not this order.
    docs = Path(config["docs_dir"])
    return Files(sorted(files, key=lambda f: f.is_documentation_page() and _shows_claims(f, docs)))


def on_page_read_source(page, config) -> str | None:
    if page.file.generated_by and page.file.src_uri in _state["generated"]:
        return _check().pages[page.file.src_uri]
    return None


def on_page_markdown(markdown: str, page, config, files) -> str:
    render, pages = _state["render"], _state["pages"]
    src = page.file.src_uri
    if not page.file.generated_by and not src.endswith(".md"):
        return markdown
    check = _check()
    report = check.report
    if render.SUMMARY_MARKER in markdown:
        markdown = markdown.replace(render.SUMMARY_MARKER, render.summary(report.counts(), render.rel_link(src, "verification.md")))
    if page.file.generated_by:
        return markdown
    shown = f"{Path(config['docs_dir']).name}/{src}"
    failed_here = [r.message for r in report.failures if r.path == shown]
    banner = ""
    if failed_here:  # only reachable under `mkdocs serve`: a build stops on the first failure
        body = "\n".join("    " + ln for m in failed_here for ln in ("```text", *m.splitlines(), "```", ""))
        banner = f'!!! failure "{len(failed_here)} claim(s) on this page fail their checks"\n\n{body}\n'
    occurrences = pages.find_claims(markdown, shown)
    results = {(r.claim_id, r.path, r.line): r for r in report.results}

    def url(from_page: str, to_page: str, frag: str) -> str:
        target = files.get_file_from_path(to_page)
        if target is None:
            raise PluginError(f"{src}: a status mark links to {to_page}, which is not part of the site")
        return target.url_relative_to(page.file) + (f"#{frag}" if frag else "")

    return banner + pages.replace_claims(
        markdown, occurrences,
        lambda occ: render.render_occurrence(occ, results[occ.id, occ.path, occ.line], check.modules.get(occ.id), src, url),
    )


def on_post_page(output: str, page, config) -> str:
    if page.file.src_uri.endswith(".ipynb"):
        output = _NOTEBOOK_CDN.sub("", output)
    return output


def on_post_build(config) -> None:
    if _state.get("running") is None or _state["command"] == "serve":
        return
    failed = _check().report.failures  # judged even where no page showed a claim
    if failed:
        raise PluginError(f"{len(failed)} claim(s) failed their checks (see the errors above); the site was not published as correct")


def on_build_error(error) -> None:
    _cancel()


def on_shutdown() -> None:
    _cancel()
