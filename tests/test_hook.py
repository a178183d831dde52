"""The MkDocs hook's own logic (the full build is tested in test_site_build.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import SimpleNamespace

import pytest
from mkdocs.exceptions import PluginError

from tests.conftest import ROOT

spec = importlib.util.spec_from_file_location("claims_hook", ROOT / "hooks" / "claims.py")
hook = importlib.util.module_from_spec(spec)
spec.loader.exec_module(hook)  # type: ignore[union-attr]

NOTEBOOK_HTML = """<div>before</div>
<!-- Load mathjax -->
    <script src="https://cdnjs.cloudflare.com/ajax/libs/mathjax/2.7.7/latest.js?config=TeX-AMS_CHTML-full,Safe"> </script>
    <script type="text/x-mathjax-config">init_mathjax = function() {};</script>
    <!-- End of mathjax configuration -->
<script type="module">
  document.addEventListener("DOMContentLoaded", async () => {
    const mermaid = (await import("https://cdnjs.cloudflare.com/ajax/libs/mermaid/11/mermaid.esm.min.mjs")).default;
  });
</script>
<script>keep_me()</script>
<div>after $x$</div>"""


def test_cdn_scripts_are_removed_from_notebook_pages_only() -> None:
    nb = SimpleNamespace(file=SimpleNamespace(src_uri="a2/n.ipynb"))
    out = hook.on_post_page(NOTEBOOK_HTML, nb, {})
    assert "cdnjs" not in out and "mathjax" not in out
    assert "<script>keep_me()</script>" in out and "before" in out and "after $x$" in out
    md = SimpleNamespace(file=SimpleNamespace(src_uri="a2/p.md"))
    assert hook.on_post_page(NOTEBOOK_HTML, md, {}) == NOTEBOOK_HTML


def test_missing_katex_stops_the_build_with_the_fix(tmp_path: Path) -> None:
    with pytest.raises(PluginError, match="make env"):
        hook.on_config({"docs_dir": str(tmp_path)})


def test_a_failed_claim_aborts_even_a_non_strict_build() -> None:
    failed = SimpleNamespace(results=[SimpleNamespace(status="failed")])
    hook._state.update(report=failed, command="build")
    with pytest.raises(PluginError, match="1 claim"):
        hook.on_post_build({})
    hook._state.update(command="serve")  # while serving, the page shows the failure instead
    hook.on_post_build({})
