"""MkDocs hook: this site's own wiring, beside the claim engine (the ``claims`` plugin).

* ``on_config``: stop with the fix when the self-hosted KaTeX, which renders the site's
  math (and the claims' formulas), has not been fetched.
* ``on_post_page``: drop the CDN MathJax and Mermaid scripts that mkdocs-jupyter writes
  into notebook pages (KaTeX, served by the site itself, renders their math), so no page
  loads anything from another host; and put a Content-Security-Policy first in every page's
  ``<head>`` (:func:`content_security_policy`), so that a reader's browser runs only the
  site's own scripts even if something slipped past the build's checks.

The policy is injected here, not in the claims engine: it is about this site's theme (which
inline scripts Material writes) and notebooks, not about claims.  The engine's own guard on
page HTML is :mod:`solutions.engine.sanitize`.

Checking claims is not here: that is the engine's plugin (:mod:`solutions.engine.plugin`).
"""

from __future__ import annotations

import base64
import hashlib
import mimetypes
import re
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError

# What nbconvert's template puts into a notebook page that would load code from a CDN:
# MathJax 2 with its configuration, and a module script that imports Mermaid.
_NOTEBOOK_CDN = re.compile(
    r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->"
    r"|<script type=\"module\">(?:(?!</script>).)*?mermaid(?:(?!</script>).)*</script>"
    r"|<script src=\"\"\s*>\s*</script>",
    re.DOTALL,
)


def on_config(config: Any) -> Any:
    katex = Path(config["docs_dir"]) / "assets" / "katex" / "katex.min.js"
    if not katex.exists():
        raise PluginError(
            f"{katex} is missing: run `make env` (it fetches the pinned KaTeX that renders the site's math)"
        )
    pyodide = Path(config["docs_dir"]) / "assets" / "pyodide" / "VERSION"
    if not pyodide.exists():
        raise PluginError(
            f"{pyodide.parent} is missing: run `make env` (it fetches Pyodide, sympy and mpmath, which run the "
            "in-page answer checker)"
        )
    # Pyodide hangs without an error when its WebAssembly comes with another type: `mkdocs serve` serves by
    # the mimetypes table, which may lack .wasm where /etc/mime.types does.
    mimetypes.add_type("application/wasm", ".wasm")
    return config


_SITE = {"notebooks": False}


def on_files(files: Any, config: Any) -> Any:
    _SITE["notebooks"] = any(f.src_uri.endswith(".ipynb") for f in files)
    return files


def on_post_page(output: str, page: Any, config: Any) -> str:
    notebook = page.file.src_uri.endswith(".ipynb")
    scripts = _template_scripts(output, page.content or "", page.file.src_uri, notebook)
    if _SITE["notebooks"] and not notebook:
        # Instant navigation keeps the first page's policy for the whole visit and runs the inline scripts of each
        # page it swaps in: a page that can lead to a notebook page allows that template's scripts too (nbconvert's
        # own, the same on every notebook page: never a notebook's content).
        from solutions.engine.sanitize import notebook_template_parts

        scripts += sorted(notebook_template_parts())
    policy = content_security_policy(scripts)
    if notebook:
        output = _NOTEBOOK_CDN.sub("", output)
    return _with_policy(output, policy, page.file.src_uri)


def _with_policy(output: str, policy: str, where: str) -> str:
    head = re.search(r"<head\b[^>]*>", output, re.IGNORECASE)
    if head is None:
        raise PluginError(f"{where}: the theme wrote no <head>: nowhere to put the page's security policy")
    meta = f'\n    <meta http-equiv="Content-Security-Policy" content="{policy}">'
    return output[: head.end()] + meta + output[head.end() :]


def on_post_template(output: str, template_name: str, config: Any) -> str:
    """The theme's own pages (404.html): all template, so every inline script of theirs is the theme's."""
    if not template_name.endswith(".html"):
        return output
    return _with_policy(output, content_security_policy(_INLINE_SCRIPT.findall(output)), template_name)


# Executable inline scripts (no type, or a JavaScript one); JSON such as Material's __config runs nothing.
_INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\bsrc=)(?:\s+type=\"(?:text/javascript|module|application/javascript)\")?\s*>(.*?)</script>",
    re.DOTALL | re.IGNORECASE,
)


def _template_scripts(output: str, content: str, where: str, notebook: bool) -> list[str]:
    """The inline scripts of the theme's template around a page, never the page's own: the page's content
    (which the claims plugin refused any script in) is cut out of the output before looking.  A notebook
    page adds the scripts of nbconvert's template, as rendered for an empty notebook."""
    if content and content not in output:
        raise PluginError(
            f"{where}: the page's content is not in its HTML as rendered: cannot tell the theme's scripts"
        )
    template = output.replace(content, "", 1) if content else output
    scripts = _INLINE_SCRIPT.findall(template)
    if notebook:
        from solutions.engine.sanitize import notebook_template_parts

        scripts += sorted(p for p in notebook_template_parts() if f"<script>{p}</script>" in content)
    return scripts


def content_security_policy(inline_scripts: list[str]) -> str:
    """The page's policy: only the site's own scripts and the theme's inline ones (by their sha256);
    no 'unsafe-inline' or 'unsafe-eval' for scripts, so an event handler or a planted <script> never runs.

    * ``worker-src 'self'``: the search index and the answer checker (Pyodide in answer-worker.js) run in
      workers from the site; a worker from the site is governed by its own response, not this page's
      policy, so Pyodide's WebAssembly needs no 'wasm-unsafe-eval' here.
    * ``style-src 'unsafe-inline'``: KaTeX positions what it renders with style attributes, and Material
      and nbconvert write inline style sheets; a style cannot run code (and pages may write no styles:
      the build refuses them).
    * ``img-src 'self' data:``: the site's images and the data: images of figures and notebook outputs.
    * ``form-action 'none'``: the answer checker's form is never submitted (its script answers in place).
    """
    hashes = sorted(
        {"'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'" for s in inline_scripts}
    )
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self' " + " ".join(hashes),
            "worker-src 'self'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'none'",
        ]
    )
