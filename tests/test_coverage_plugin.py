"""The plugin's coverage wiring (``on_env``): every page's rendered HTML scanned once all are rendered; a build
stops after listing every unchecked item, ``mkdocs serve`` shows them on the page; the summary and the coverage
table are filled in after the scan."""

from __future__ import annotations

import logging
from pathlib import Path
from types import SimpleNamespace

import pytest
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File, Files

from tests.test_plugin import _checked, _Finished, _plugin

EXTENSIONS = {"markdown_extensions": ["attr_list", "pymdownx.arithmatex"], "mdx_configs": {}}


def _files(tmp_path: Path, pages: dict[str, tuple[str, str]]) -> Files:
    """Pages as MkDocs leaves them after rendering: name -> (source, content HTML)."""
    docs = tmp_path / "docs"
    docs.mkdir()
    out = []
    for name, (source, content) in pages.items():
        (docs / name).write_text(source, encoding="utf-8")
        f = File(name, str(docs), str(tmp_path / "site"), True)
        f.page = SimpleNamespace(content=content, file=f)
        out.append(f)
    return Files(out)


PAGES = {
    "index.md": (
        "# Home\n\n<!-- claims:summary -->\n\n<!-- claims:coverage -->\n",
        "<h1>Home</h1>\n<!-- claims:summary -->\n<!-- claims:coverage -->",
    ),
    "a.md": ("# A\n\nIt took 17 minutes.\n\nAnd 18.\n", "<h1>A</h1><p>It took 17 minutes.</p><p>And 18.</p>"),
    "b.md": ("# B\n\nNo number.\n", "<h1>B</h1><p>No number.</p>"),
}


def test_a_build_lists_every_unchecked_item_then_stops(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    plugin = _plugin("build", _Finished(_checked()))
    files = _files(tmp_path, PAGES)
    with caplog.at_level(logging.ERROR):
        plugin.on_env(None, config={**EXTENSIONS, "docs_dir": str(tmp_path / "docs")}, files=files)
    # Listed as the pages are scanned; the build stops at its end, after MkDocs has checked links and anchors.
    with pytest.raises(PluginError, match="2 number"):
        plugin.on_post_build(config={"site_dir": ""})
    assert [r.getMessage().split(": the")[0] for r in caplog.records if r.levelno == logging.ERROR] == [
        "docs/a.md:3",
        "docs/a.md:5",
    ]


def test_serve_shows_them_on_the_page_and_fills_the_tables(tmp_path: Path) -> None:
    plugin = _plugin("serve", _Finished(_checked()))
    files = _files(tmp_path, PAGES)
    plugin.on_env(None, config={**EXTENSIONS, "docs_dir": str(tmp_path / "docs")}, files=files)
    a = files.get_file_from_path("a.md")
    assert "docs/a.md:3: the number" in plugin.build.problems.pages["a.md"][0]
    # The banner goes on the finished page, after its checks (its own numbers are not the page's).
    out = plugin.on_post_page(
        f"<html><body><article>{a.page.content}</article></body></html>", page=a.page, config={"docs_dir": "docs"}
    )
    assert "2 problem(s) on this page" in out and "docs/a.md:3: the number &#x27;17&#x27; is not checked" in out
    assert out.index("2 problem(s)") < out.index("<h1>A</h1>")
    home = files.get_file_from_path("index.md").page.content
    assert "claims:summary" not in home and "claims:coverage" not in home
    assert "<strong>0</strong> claims" in home
    assert (
        '<td><a href="a/">a.md</a></td><td>2</td><td>0</td><td>2</td><td>0</td><td>0</td><td>none</td>'
        "<td><strong>0 %</strong></td>" in home
    )
