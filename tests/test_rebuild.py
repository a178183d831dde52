"""What ``mkdocs serve`` reuses of MkDocs' own work (:mod:`solutions.engine.rebuild`): a page's rendering and its
search entries are reused exactly when nothing they read changed, and then equal a fresh rendering.

Each "rebuild" here does what MkDocs does on a save: a new configuration, new files, a new page object, then
``page.render``; the memo is carried over as the plugin carries it."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from mkdocs.config import load_config
from mkdocs.structure.files import get_files
from mkdocs.structure.pages import Page

from solutions.engine import rebuild

MKDOCS_YML = """\
site_name: Rebuild test
theme:
  name: material
plugins:
  - search
markdown_extensions:
  - toc:
      permalink: true
  - pymdownx.superfences
  - pymdownx.snippets:
      base_path: ["{first}", "{snippets}"]   # absolute: snippets resolves them from the working folder
      check_paths: true
"""

PAGE = """\
# A page

Some prose.

## A section

--8<-- "part.md"

See [the other page](b.md#{anchor}).
"""


@pytest.fixture(scope="module")
def opens() -> rebuild.Opens:
    return rebuild.Opens().install()  # once: an audit hook stays for the process


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "docs").mkdir()
    (tmp_path / "snippets").mkdir()
    yml = MKDOCS_YML.format(first=tmp_path / "first", snippets=tmp_path / "snippets")
    (tmp_path / "mkdocs.yml").write_text(yml, encoding="utf-8")
    (tmp_path / "first").mkdir()
    (tmp_path / "docs" / "a.md").write_text(PAGE.format(anchor="there"), encoding="utf-8")
    (tmp_path / "docs" / "b.md").write_text("# B\n\n## There\n\nText.\n", encoding="utf-8")
    (tmp_path / "snippets" / "part.md").write_text("An included line.\n", encoding="utf-8")
    return tmp_path


class Rebuilds:
    """Renders page ``a.md`` as successive serve rebuilds would, counting the renderings actually done."""

    def __init__(self, root: Path, opens: rebuild.Opens) -> None:
        self.root, self.opens = root, opens
        self.memo: tuple[dict[str, Any], dict[str, Any]] = ({}, {})
        self.rendered = 0
        self.moved = False  # as a plugin's on_files may move a page: b.md published at moved/

    def page(self, fresh: bool = False) -> Page:
        config = load_config(str(self.root / "mkdocs.yml"))
        files = get_files(config)
        if self.moved:
            b = files.get_file_from_path("b.md")
            b.dest_uri, b.url = "moved/index.html", "moved/"
        page = Page(None, files.get_file_from_path("a.md"), config)
        page.read_source(config)
        original = page.render

        def counted(config: Any, files: Any) -> None:
            self.rendered += 1
            original(config, files)

        page.render = counted  # type: ignore[method-assign]
        if not fresh:
            self.memo = ({**self.memo[0], **self.memo[1]}, {})
            rebuild.reuse_rendering(page, self.memo, self.opens, rebuild.files_signature(files, config))
        page.render(config, files)
        return page


def _shown(page: Page) -> tuple[Any, ...]:
    toc = [(t.title, t.id, [(c.title, c.id) for c in t.children]) for t in page.toc]
    links = {f.src_uri: a for f, a in (page.links_to_anchors or {}).items()}
    return page.content, toc, page._title_from_render, page.present_anchor_ids, links


def test_an_unchanged_page_is_reused_and_equals_a_fresh_rendering(project: Path, opens: rebuild.Opens) -> None:
    r = Rebuilds(project, opens)
    first = _shown(r.page())
    again = r.page()
    assert r.rendered == 1
    assert _shown(again) == first == _shown(Rebuilds(project, opens).page(fresh=True))
    assert "An included line." in again.content


@pytest.mark.parametrize(
    "change",
    [
        "the page's text",
        "an included snippet",
        "a snippet of the same name in an earlier folder (it now wins)",
        "another page's file name (a link's target)",
        "another page's address (a plugin moved it)",
        "a Markdown extension's option",
    ],
)
def test_a_change_to_anything_the_rendering_read_renders_again(
    project: Path, opens: rebuild.Opens, change: str
) -> None:
    r = Rebuilds(project, opens)
    r.page()
    r.page()
    assert r.rendered == 1
    if change == "the page's text":
        path = project / "docs" / "a.md"
        path.write_text(path.read_text(encoding="utf-8").replace("Some prose.", "Other prose."), encoding="utf-8")
        expected = "Other prose."
    elif change == "an included snippet":
        (project / "snippets" / "part.md").write_text("A changed line.\n", encoding="utf-8")
        expected = "A changed line."
    elif change == "a snippet of the same name in an earlier folder (it now wins)":
        (project / "first" / "part.md").write_text("An earlier line.\n", encoding="utf-8")
        expected = "An earlier line."
    elif change == "another page's file name (a link's target)":
        (project / "docs" / "b.md").rename(project / "docs" / "c.md")
        path = project / "docs" / "a.md"
        path.write_text(path.read_text(encoding="utf-8").replace("b.md", "c.md"), encoding="utf-8")
        expected = 'href="../c/#there"'
    elif change == "another page's address (a plugin moved it)":
        r.moved = True
        expected = 'href="../moved/#there"'
    else:
        yml = project / "mkdocs.yml"
        yml.write_text(yml.read_text(encoding="utf-8").replace("permalink: true", "permalink: '#'"), encoding="utf-8")
        expected = 'class="headerlink" href="#a-section" title="Permanent link">#</a>'
    page = r.page()
    assert r.rendered == 2, change
    assert expected in page.content
    fresh = Rebuilds(project, opens)
    fresh.moved = r.moved
    assert _shown(page) == _shown(fresh.page(fresh=True))


def test_a_rendering_that_warns_is_never_kept_so_its_warning_is_printed_each_time(
    project: Path, opens: rebuild.Opens, caplog: pytest.LogCaptureFixture
) -> None:
    (project / "docs" / "a.md").write_text(PAGE.format(anchor="there") + "\n[gone](missing.md)\n", encoding="utf-8")
    r = Rebuilds(project, opens)
    for n in (1, 2):
        caplog.clear()
        with caplog.at_level(logging.INFO):
            r.page()
        assert r.rendered == n
        assert any("missing.md" in m for m in caplog.messages), caplog.messages


def test_an_option_known_only_by_its_address_is_never_keyed(project: Path, opens: rebuild.Opens) -> None:
    """A function in the Markdown options has no text of its own: a new one could sit at a freed address."""
    r = Rebuilds(project, opens)
    config = load_config(str(project / "mkdocs.yml"))
    files = get_files(config)
    page = Page(None, files.get_file_from_path("a.md"), config)
    page.read_source(config)
    config["mdx_configs"]["pymdownx.superfences"] = {"custom_fences": [{"name": "x", "format": len}]}
    assert rebuild._render_key(page, config, "signature") is not None  # a builtin shows its name
    config["mdx_configs"]["pymdownx.superfences"] = {"custom_fences": [{"name": "x", "format": lambda *a: ""}]}
    assert rebuild._render_key(page, config, "signature") is None
    assert r.rendered == 0


class _Index:
    """Stands in for Material's SearchIndex: entries from the page's text, counting the parses."""

    def __init__(self) -> None:
        self.config = {"lang": ["en"], "separator": "[ ]+"}
        self.entries: list[dict[str, Any]] = []
        self.parsed = 0

    def add_entry_from_context(self, page: Any) -> None:
        self.parsed += 1
        self.entries.append({"location": page.url, "title": page.title, "text": page.content})


def test_search_entries_are_reused_only_for_the_same_page_as_the_index_reads_it(
    project: Path, opens: rebuild.Opens
) -> None:
    from material.plugins.search.plugin import SearchIndex

    page = Rebuilds(project, opens).page(fresh=True)
    page.meta = {}
    memo: tuple[dict[str, Any], dict[str, Any]] = ({}, {})
    real = SearchIndex(lang=["en"], separator="[ ]+", pipeline=[], fields={})
    fresh = SearchIndex(lang=["en"], separator="[ ]+", pipeline=[], fields={})
    fresh.add_entry_from_context(page)
    rebuild.reuse_search_entries(real, memo)
    real.add_entry_from_context(page)
    assert real.entries == fresh.entries and len(fresh.entries) == 2  # the page and its section

    seen = []
    for content in (page.content, page.content, page.content + "<p>More.</p>"):
        memo = (memo[1] or memo[0], {})
        index = _Index()
        rebuild.reuse_search_entries(index, memo)
        page.content = content
        index.add_entry_from_context(page)
        seen.append((index.parsed, index.entries))
    assert [s[0] for s in seen] == [1, 0, 1]  # the first _Index parses (its options differ from the real one's)
    assert seen[1][1] == seen[0][1] and seen[2][1][0]["text"].endswith("<p>More.</p>")
