"""MkDocs hook: check every claim while the site builds, and show the verdicts on the pages.

Wiring only; the engine is :mod:`solutions.engine` (tested on its own in tests/).

* ``on_files``: check all claims of the docs folder once, add the generated
  Verification page and one check listing per claims module.
* ``on_page_markdown``: replace each claim marker by its value and status mark.
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
import time
from collections import defaultdict
from pathlib import Path
from types import ModuleType

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

from solutions.engine.checks import FAILED

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


def on_config(config):
    katex = Path(config["docs_dir"]) / "assets" / "katex" / "katex.min.js"
    if not katex.exists():
        raise PluginError(f"{katex} is missing: run `make env` (it fetches the pinned KaTeX that renders the site's math)")
    return config


def _engine() -> tuple[ModuleType, ...]:
    """The engine's modules (site, render, registry, pages), imported afresh on each ``mkdocs serve`` rebuild.

    The server re-runs this hook when anything under solutions/ changes (``watch`` in
    mkdocs.yml); without a fresh import it would judge the pages with the old code.
    """
    if _state["command"] == "serve":
        for name in [m for m in sys.modules if m == "solutions" or m.startswith("solutions.")]:
            del sys.modules[name]
    return tuple(importlib.import_module(f"solutions.engine.{m}") for m in ("site", "render", "registry", "pages"))


def on_files(files: Files, config) -> Files:
    site, render, registry, pages = _engine()
    docs = Path(config["docs_dir"])
    t0 = time.perf_counter()
    report = site.verify_docs(docs)
    seconds = time.perf_counter() - t0
    claims = registry.load_all()
    _state.update(report=report, claims=claims, render=render, pages=pages)
    for r in report.failures:
        if _state["command"] == "serve":
            # Shown in the terminal and on the page, but it does not freeze the live server.
            logging.getLogger("claims").warning("CLAIM FAILED: %s", r.message)
        else:
            log.error(r.message)
    results = report.by_id()
    modules: dict[str, list] = defaultdict(list)
    for c in claims.values():
        modules[c.module].append(c)
    for module, group in sorted(modules.items()):
        files.append(File.generated(config, render.checks_page_path(module), content=render.checks_page(module, group, results)))
    files.append(File.generated(config, "verification.md", content=render.verification_page(report.results, claims, report.counts(), seconds)))
    return files


def on_page_markdown(markdown: str, page, config, files) -> str:
    report, claims, render, pages = (_state[k] for k in ("report", "claims", "render", "pages"))
    src = page.file.src_uri
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
        lambda occ: render.render_occurrence(occ, results[occ.id, occ.path, occ.line], claims.get(occ.id), src, url),
    )


def on_post_page(output: str, page, config) -> str:
    if page.file.src_uri.endswith(".ipynb"):
        output = _NOTEBOOK_CDN.sub("", output)
    return output


def on_post_build(config) -> None:
    report = _state.get("report")
    if report is None or _state["command"] == "serve":
        return
    failed = [r for r in report.results if r.status == FAILED]
    if failed:
        raise PluginError(f"{len(failed)} claim(s) failed their checks (see the errors above); the site was not published as correct")
