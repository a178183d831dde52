"""The MkDocs hook's own logic (the full build is tested in test_site_build.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import SimpleNamespace

import pytest
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

from solutions.engine import background, pages, render
from solutions.engine.verdicts import FAILED, Report, Result
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


class _Finished:
    """Stands in for a checking process that has finished."""

    def __init__(self, check: background.SiteCheck) -> None:
        self.check = check

    def result(self) -> background.SiteCheck:
        return self.check

    def cancel(self) -> None:
        pass


def _checked(*results: Result) -> background.SiteCheck:
    return background.SiteCheck(Report(list(results)), {}, {}, 0.0)


def test_a_failed_claim_aborts_even_a_non_strict_build() -> None:
    failed = Result("a.b.c", FAILED, "integer", "docs/p.md", 3, message="docs/p.md:3: claim a.b.c is wrong.")
    hook._state.update(command="build", background=background, running=_Finished(_checked(failed)), check=None)
    with pytest.raises(PluginError, match="1 claim"):
        hook.on_post_build({})
    hook._state.update(command="serve", check=None)  # while serving, the page shows the failure instead
    hook.on_post_build({})


def test_a_build_whose_pages_show_no_claim_still_waits_for_the_verdicts() -> None:
    """on_post_build asks for the verdicts itself: no page may skip judging (a check whose claim vanished fails)."""
    vanished = Result("a.b.gone", FAILED, "integer", message="solutions/x_claims.py:3: the check for claim a.b.gone exists, ...")
    hook._state.update(command="build", background=background, running=_Finished(_checked(vanished)), check=None)
    with pytest.raises(PluginError, match="1 claim"):
        hook.on_post_build({})


def test_a_checking_process_that_stops_fails_the_build_with_its_reason(tmp_path: Path) -> None:
    running = background.start(tmp_path / "no-such-docs")
    hook._state.update(command="build", background=background, running=running, check=None)
    with pytest.raises(PluginError, match=r"no-such-docs: not a folder") as err:
        hook.on_post_build({})
    assert "exit status 2" in str(err.value)


class _Notebook(File):
    """What mkdocs-jupyter makes of a notebook: a documentation page."""

    def is_documentation_page(self) -> bool:
        return True


class _Config(dict):
    """The two faces of a MkDocs config (items and attributes), enough for on_files."""

    __getattr__ = dict.__getitem__


def test_pages_that_show_no_claim_are_built_first(tmp_path: Path) -> None:
    """MkDocs executes the notebook while the checks run; the pages that need the verdicts come after."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("<!-- claims:summary -->\n", encoding="utf-8")
    (docs / "a.md").write_text("there are [[a.b.c: 36]] triplets\n", encoding="utf-8")
    (docs / "b.md").write_text("no claim here\n", encoding="utf-8")
    (docs / "n.ipynb").write_text("{}", encoding="utf-8")
    (docs / "broken.md").write_text("[[a.b.d: ]]\n", encoding="utf-8")
    config = _Config(docs_dir=str(docs), use_directory_urls=True, site_dir=str(tmp_path / "site"),
                     plugins=SimpleNamespace(_current_plugin="claims"))
    files = Files([(_Notebook if p.endswith(".ipynb") else File)(p, str(docs), str(tmp_path / "site"), True)
                   for p in ("index.md", "a.md", "b.md", "n.ipynb", "broken.md")])
    hook._state.update(command="build", background=background, render=render, pages=pages)
    out = hook.on_files(files, config)
    order = [f.src_uri for f in out.documentation_pages()]
    assert order[:2] == ["b.md", "n.ipynb"]
    assert set(order[2:5]) == {"index.md", "a.md", "broken.md"}
    assert order[5:] == background.generated_pages()
