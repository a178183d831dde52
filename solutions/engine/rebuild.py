"""What ``mkdocs serve`` reuses of MkDocs' own work from one rebuild to the next: each Markdown page's rendering
and each page's search entries, both pure functions of what their keys hold.  A build (``mkdocs build``, CI)
reuses nothing.

MkDocs renders every page again on each save, and Material's search plugin parses every page's HTML again;
on this site that is about 5 of the 7 seconds a prose edit takes (profiled with py-spy).  MkDocs' own
``--dirty`` skips unchanged pages altogether, which leaves the search index and the claim coverage with
pages missing, so it is not used.

* A page's **rendering** (:func:`reuse_rendering`) is keyed on its Markdown as MkDocs hands it to the renderer
  (after every plugin's ``on_page_markdown``: the claims' marks and verdicts are in it), its place (source, URL,
  destination), every file of the site with its URL (links are resolved against them), the Markdown
  extensions and their options, the link validation settings, and the bytes of every file opened while it
  rendered (an included snippet), recorded by an audit hook and compared again before a reuse.  Options that
  hold an object whose text is only its address (a function) are never keyed: such a page is rendered every
  time.  A rendering that logged anything is not kept, so every warning is printed again on each rebuild.
* A page's **search entries** (:func:`reuse_search_entries`) are keyed on everything the search plugin reads
  of the page (URL, title, metadata, HTML, table of contents) and its options.

Only plain data is kept (tuples, strings): under ``mkdocs serve`` the engine's modules are imported afresh on
a rebuild after an edit of the engine, and a class of this module is another class then.
"""

from __future__ import annotations

import copy
import hashlib
import logging
import os
import sys
import threading
from typing import Any

_ADDRESS = " at 0x"  # how Python shows an object that has no text of its own (a function, a default object)


class Opens:
    """The files opened by one thread while it records (an audit hook, installed once per process: a hook
    cannot be removed).  Held by the plugin, which lives as long as the server."""

    def __init__(self) -> None:
        self.thread: int | None = None
        self.paths: list[str] = []

    def hook(self, event: str, args: tuple[Any, ...]) -> None:
        if event == "open" and self.thread == threading.get_ident() and args:
            target = args[0]
            if isinstance(target, (str, bytes, os.PathLike)):
                self.paths.append(os.path.abspath(os.fsdecode(target)))

    def install(self) -> Opens:
        sys.addaudithook(self.hook)
        return self


def _file_state(path: str) -> str:
    try:
        with open(path, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()
    except OSError as err:  # gone, a folder: its state is that error
        return f"unreadable: {type(err).__name__}"


def files_signature(files: Any, config: Any = None) -> str:
    """Every file of the site with where it goes (what a page's links are resolved against), and the name of every
    file under the folders pymdownx.snippets includes from (``config``'s ``base_path``): an include takes the first
    folder that has the file, so a file added in an earlier folder changes what a page shows without any file the
    rendering opened changing."""
    rows: list[Any] = sorted((f.src_uri, f.dest_uri, f.url, str(f.inclusion)) for f in files)
    enabled = "pymdownx.snippets" in ((config or {}).get("markdown_extensions") or [])
    snippets = ((config or {}).get("mdx_configs") or {}).get("pymdownx.snippets") or {}
    bases = snippets.get("base_path", ["."]) if enabled else []  # (the extension's own default is ".")
    for base in [bases] if isinstance(bases, str) else bases:
        root = os.path.abspath(str(base))
        for folder, dirs, names in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d not in ("__pycache__", ".git"))
            rows.append((os.path.relpath(folder, root), sorted(names), str(base)))
    return hashlib.sha256(repr(rows).encode("utf-8", "surrogatepass")).hexdigest()


def _render_key(page: Any, config: Any, signature: str) -> str | None:
    """The rendering's key, or None when an option cannot be keyed by its text (see the module docstring)."""
    options = repr(
        (
            config["markdown_extensions"],
            sorted((str(k), repr(v)) for k, v in (config["mdx_configs"] or {}).items()),
            repr(config["validation"]),
            config["use_directory_urls"],
            logging.getLogger("mkdocs.structure.pages").getEffectiveLevel() > logging.DEBUG,
        )
    )
    if _ADDRESS in options:
        return None
    place = (page.file.src_uri, page.file.dest_uri, page.file.url)
    return hashlib.sha256(repr((page.markdown, place, signature, options)).encode("utf-8", "surrogatepass")).hexdigest()


class _Logged(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.count += 1


def reuse_rendering(page: Any, memo: tuple[dict[str, Any], dict[str, Any]], opens: Opens, signature: str) -> None:
    """Under ``mkdocs serve``: ``page.render`` reuses the last rebuild's rendering of the page when its key and
    the bytes of every file it opened are unchanged.  ``memo`` is (the last rebuild's renderings, this one's),
    by source path."""
    original = page.render
    last, now = memo

    def render(config: Any, files: Any) -> None:
        key = _render_key(page, config, signature)
        src = page.file.src_uri
        hit = last.get(src)
        if key is not None and hit is not None and hit[0] == key and all(_file_state(p) == s for p, s in hit[1]):
            _, reads, content, toc, title, anchors, links = hit
            page.content, page.toc, page._title_from_render = content, copy.deepcopy(toc), title
            page.present_anchor_ids = set(anchors)
            if links is not None:
                page.links_to_anchors = {files.get_file_from_path(to): dict(a) for to, a in links}
            now[src] = hit
            return
        logged = _Logged()
        watched = [logging.getLogger(), logging.getLogger("mkdocs")]
        for logger in watched:
            logger.addHandler(logged)
        opens.thread, opens.paths = threading.get_ident(), []
        try:
            original(config, files)
        finally:
            opens.thread = None
            for logger in watched:
                logger.removeHandler(logged)
        if key is None or logged.count:
            return  # rendered again next time, its messages printed again
        reads = tuple((p, _file_state(p)) for p in sorted(set(opens.paths)))
        links = getattr(page, "links_to_anchors", None)
        kept_links = None if links is None else tuple((f.src_uri, dict(a)) for f, a in links.items())
        now[src] = (
            key,
            reads,
            page.content,
            copy.deepcopy(page.toc),
            page._title_from_render,
            frozenset(page.present_anchor_ids or ()),
            kept_links,
        )

    page.render = render


def _toc_rows(toc: Any) -> list[Any]:
    return [(t.title, t.id, t.url, t.level, _toc_rows(t.children)) for t in toc or []]


def reuse_search_entries(search: Any, memo: tuple[dict[str, Any], dict[str, Any]]) -> None:
    """Under ``mkdocs serve``: Material's search plugin adds the last rebuild's entries for a page when
    everything it reads of the page (and its options) is unchanged, instead of parsing the page's HTML again.
    ``search`` is the plugin's index (it is made anew each rebuild); ``memo`` as for :func:`reuse_rendering`."""
    original = search.add_entry_from_context
    last, now = memo
    options = repr(sorted((str(k), repr(v)) for k, v in search.config.items()))

    def add(page: Any) -> None:
        seen = repr((page.url, page.title, repr(page.meta), page.content, _toc_rows(page.toc), options))
        if _ADDRESS in options or _ADDRESS in repr(page.meta):
            original(page)
            return
        key = hashlib.sha256(seen.encode("utf-8", "surrogatepass")).hexdigest()
        if (hit := last.get(key)) is not None:
            search.entries.extend(copy.deepcopy(hit))
            now[key] = hit
            return
        before = len(search.entries)
        original(page)
        now[key] = copy.deepcopy(search.entries[before:])

    search.add_entry_from_context = add
