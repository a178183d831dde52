"""MkDocs hook: check every claim while the site builds, and show the verdicts on the pages.

Wiring only; the engine is :mod:`solutions.engine` (tested on its own in tests/).

* ``on_files``: check all claims of the docs folder once, add the generated
  Verification page and one check listing per claims module.
* ``on_page_markdown``: replace each claim marker by its value and status mark.
* ``on_post_page``: drop the CDN MathJax and Mermaid scripts that mkdocs-jupyter
  writes into notebook pages (KaTeX, served by the site itself, renders their math).
* A failing claim is logged as an error (``--strict`` stops on it) and, outside
  ``mkdocs serve``, aborts the build: a site never ships a page the code contradicts.
"""

from __future__ import annotations

import logging
import re
import time
from collections import defaultdict
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

from solutions.engine import registry, render
from solutions.engine.checks import FAILED
from solutions.engine.pages import find_claims, replace_claims
from solutions.engine.site import Report, verify_docs

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


def on_files(files: Files, config) -> Files:
    docs = Path(config["docs_dir"])
    t0 = time.perf_counter()
    report = verify_docs(docs)
    seconds = time.perf_counter() - t0
    claims = registry.load_all()
    _state.update(report=report, claims=claims)
    for r in report.failures:
        log.error(r.message)
    results = report.by_id()
    modules: dict[str, list[registry.Claim]] = defaultdict(list)
    for c in claims.values():
        modules[c.module].append(c)
    for module, group in sorted(modules.items()):
        files.append(File.generated(config, render.checks_page_path(module), content=render.checks_page(module, group, results)))
    files.append(File.generated(config, "verification.md", content=render.verification_page(report.results, claims, report.counts(), seconds)))
    return files


def on_page_markdown(markdown: str, page, config, files) -> str:
    report: Report = _state["report"]  # type: ignore[assignment]
    claims: dict[str, registry.Claim] = _state["claims"]  # type: ignore[assignment]
    src = page.file.src_uri
    if render.SUMMARY_MARKER in markdown:
        markdown = markdown.replace(render.SUMMARY_MARKER, render.summary(report.counts(), render.rel_link(src, "verification.md")))
    if page.file.generated_by:
        return markdown
    occurrences = find_claims(markdown, f"{Path(config['docs_dir']).name}/{src}")
    results = {(r.claim_id, r.path, r.line): r for r in report.results}

    def url(from_page: str, to_page: str, frag: str) -> str:
        target = files.get_file_from_path(to_page)
        if target is None:
            raise PluginError(f"{src}: a status mark links to {to_page}, which is not part of the site")
        return target.url_relative_to(page.file) + (f"#{frag}" if frag else "")

    return replace_claims(
        markdown, occurrences,
        lambda occ: render.render_occurrence(occ, results[occ.id, occ.path, occ.line], claims.get(occ.id), src, url),
    )


def on_post_page(output: str, page, config) -> str:
    if page.file.src_uri.endswith(".ipynb"):
        output = _NOTEBOOK_CDN.sub("", output)
    return output


def on_post_build(config) -> None:
    report: Report | None = _state.get("report")  # type: ignore[assignment]
    if report is None or _state["command"] == "serve":
        return
    failed = [r for r in report.results if r.status == FAILED]
    if failed:
        raise PluginError(f"{len(failed)} claim(s) failed their checks (see the errors above); the site was not published as correct")
