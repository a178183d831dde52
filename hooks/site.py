"""MkDocs hook: this site's own wiring, beside the claim engine (the ``claims`` plugin).

* ``on_config``: stop with the fix when the self-hosted KaTeX, which renders the site's
  math (and the claims' formulas), has not been fetched.
* ``on_post_page``: drop the CDN MathJax and Mermaid scripts that mkdocs-jupyter writes
  into notebook pages (KaTeX, served by the site itself, renders their math), so no page
  loads anything from another host.

Checking claims is not here: that is the engine's plugin (:mod:`solutions.engine.plugin`).
"""

from __future__ import annotations

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


def on_post_page(output: str, page: Any, config: Any) -> str:
    if page.file.src_uri.endswith(".ipynb"):
        output = _NOTEBOOK_CDN.sub("", output)
    return output
