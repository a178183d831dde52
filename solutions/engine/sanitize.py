"""No active content from pages: every page's HTML must pass an allow-list sanitizer unchanged.

A page is input from strangers, and the site promises that a mark beside a value means code computed that
value.  So what a page's Markdown (and its extensions) produces is run through :func:`nh3.clean` (Ammonia, a
kept Rust library) with the tags and attributes this site's extensions legitimately write; if the sanitizer
would change anything, the build stops with the page's file, line and why.  "Would change" is decided on
parsed trees (html5lib, a standards-conforming HTML5 parser, reads both the page's HTML and the sanitized
copy), never on serialized strings, so ``<img src=x /onerror=...>``, ``ONLOAD``, tabs or slashes between
attributes and character references are read the way a browser reads them.

Refused: scripts, event handlers, embedded documents (iframe, object, embed), forms, style sheets and style
attributes, ``javascript:`` URLs, ``data:`` URLs except images, ``srcdoc``, ``<base>``, ``<meta>``, SVG and
MathML (and so their script vectors), anything that loads a resource from another host (only relative URLs
to the site, or ``data:`` images), and the engine's reserved names: classes ``claim-*`` and ``answer-*``,
ids ``claim-*`` and the theme's ``__*`` (but tabbed's and highlight's), attributes ``data-answer-for``,
``data-verdict``, ``data-claim``, ``data-kind``, ``data-tol``, ``data-lhs``, ``data-notations``,
``data-practice*`` and :data:`ENGINE_ATTR`.

Trusted, and so not checked:

* an element carrying :data:`ENGINE_ATTR` with this build's random nonce (:mod:`.render` writes it on the
  marks, answer fields and claim displays it renders; a page cannot know it): its own tag and attributes.
  Its children are checked like the rest of the page, except the children of a ``claim-figure`` (a chart
  the claims code drew, not page text);
* in a notebook page, the ``<style>`` and ``<script>`` elements of nbconvert's template, recognised by
  being character for character those of the same template rendered for an empty notebook
  (:func:`notebook_template_parts`).  Everything the cells contribute (markdown cells' HTML, outputs of
  any type, prompts, highlighted code) is checked like a Markdown page.

Pages the engine generates from the claims code (the Verification page, the check listings) are not
checked here: they are no page input.
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

import html5lib
import nh3

ENGINE_ATTR = "data-claims-engine"
SVG, MATHML = "{http://www.w3.org/2000/svg}", "{http://www.w3.org/1998/Math/MathML}"

RESERVED_CLASS_RE = re.compile(r"^(?:claim|answer)-")
# claim-*: the marks' anchors; __*: Material's own elements (a page's id="__config" would come first in the
# document and be read as the theme's configuration), but for those the extensions write: tabbed's radio
# buttons and highlight's line anchors.
RESERVED_ID_RE = re.compile(r"^(?:claim-|__(?!tabbed_\d+(?:_\d+)?$|codelineno-[\d-]+$))")
RESERVED_ATTR_RE = re.compile(
    r"^(?:data-answer-for|data-verdict|data-claim|data-kind|data-tol|data-lhs|data-notations|data-practice.*)$"
)

# No `hidden`: the theme's CSS shows some hidden elements anyway (admonitions, details, figures).
_GLOBAL = {"class", "id", "title", "lang", "dir", "aria-label", "aria-hidden", "aria-describedby", "role"}
_PLAIN_TAGS = (
    "p br hr h1 h2 h3 h4 h5 h6 em strong b i u s del ins mark small sub sup code kbd samp var pre "
    "blockquote ul ol li dl dt dd table thead tbody tfoot tr caption colgroup col figure figcaption "
    "div span details summary abbr dfn cite q time wbr"
)
# What this site's Markdown extensions write (abbr, admonition, attr_list, md_in_html, tables, footnotes, toc,
# arithmatex, details, superfences, tabbed, highlight, inlinehilite, snippets) and plain Markdown.
MARKDOWN_TAGS: dict[str, frozenset[str] | set[str]] = {
    **dict.fromkeys(_PLAIN_TAGS.split(), frozenset()),
    "a": {"href", "name", "rel"},
    "img": {"src", "alt", "width", "height", "loading"},
    "ol": {"start", "type", "reversed"},
    "li": {"value"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "details": {"open"},
    "input": {"type", "id", "name", "checked"},  # tabbed: the radio buttons of a tab set
    "label": {"for"},
    "div": {"data-tabs"},  # tabbed: how many tabs a set has
    "abbr": {"title"},
}
# What nbconvert's template writes around the cells of a notebook page.
NOTEBOOK_EXTRA: dict[str, set[str]] = {
    "div": {"data-mime-type", "data-type", "tabindex", "data-jp-theme-light", "data-jp-theme-name"},
    "clipboard-copy": {"for", "aria-label", ","},
    # the copy button's icon: a path, nothing that links or runs
    "svg": {"xmlns", "viewBox", "viewbox", "version", "width", "height", "data-view-component"},
    "path": {"d", "fill-rule", "fill"},
    "span": {"hidden"},  # the copy button's "Copied!" notice (a hidden span stays hidden under the theme's CSS)
}
_URL_ATTRS = {"href", "src", "srcset", "poster", "data", "action", "formaction", "background", "cite", "xlink:href"}
_LOADS = {("img", "src")}  # the only attribute here that makes a browser load something
_DATA_IMAGE_RE = re.compile(r"^data:image/(?:png|jpeg|gif|webp|svg\+xml)[;,]", re.IGNORECASE)
_SCHEME_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):")


_C0_AND_SPACE = "".join(map(chr, range(0x21)))


def _url(value: str) -> str:
    """A URL as a browser reads it: without leading/trailing whitespace and controls, tabs or newlines."""
    return re.sub(r"[\t\n\r]", "", value).strip(_C0_AND_SPACE)


def _url_problem(tag: str, attr: str, value: str) -> str | None:
    url = _url(value)
    scheme = (m.group(1).lower() if (m := _SCHEME_RE.match(url)) else "") or ""
    if (tag, attr) in _LOADS:
        if scheme == "data":
            return None if _DATA_IMAGE_RE.match(url) else "a data: URL that is not an image"
        if scheme or url.startswith(("//", "\\\\", "/\\", "\\/")):
            return "it loads a resource from another host (a page may load only the site's own files or data: images)"
        return None
    if scheme in ("", "http", "https", "mailto"):  # a link: followed only when clicked, in a new document
        return None
    return f"a {scheme}: URL could run code or load a document when followed"


def _attribute_problem(tag: str, attr: str, value: str) -> str | None:
    """Why an attribute that the allow-list names may still not be on a page (None: it may)."""
    if attr == "class" and (bad := [c for c in value.split() if RESERVED_CLASS_RE.match(c)]):
        return f"class {bad[0]} belongs to the marks the engine renders; a page may not write it " + _MARKER
    if attr in ("id", "name", "for") and RESERVED_ID_RE.match(value.strip()):
        return f"{attr} {value.strip()} names an element of the engine or the theme; a page may not write it " + _MARKER
    if attr in _URL_ATTRS:
        return _url_problem(tag, attr, value)
    if tag == "input" and attr == "type" and value.strip().lower() not in ("radio", "checkbox"):
        return "an input other than a tab's radio button"
    return None


_MARKER = "(show a value with a claim marker, [[id: value]])"


def _filter(tag: str, attr: str, value: str) -> str | None:
    return None if _attribute_problem(tag, attr, value) else value


def _allowed(notebook: bool) -> dict[str, set[str]]:
    tags = {t: set(a) | _GLOBAL for t, a in MARKDOWN_TAGS.items()}
    if notebook:
        for t, a in NOTEBOOK_EXTRA.items():
            tags[t] = tags.get(t, set(_GLOBAL)) | a
    return tags


@dataclass(frozen=True)
class Offence:
    """One construct the sanitizer would remove: what it is, why, and what to look for in the source."""

    what: str
    why: str
    needles: tuple[str, ...]

    def message(self, where: str, source: str) -> str:
        line = locate(source, self.needles)
        return f"{where}{f':{line}' if line else ''}: {self.what}: {self.why}"


def locate(source: str, needles: tuple[str, ...]) -> int | None:
    """The first line of ``source`` holding a needle (case-insensitive; also after decoding character
    references, as a browser decodes them), trying the needles in order; None where none occurs."""
    lines = source.split("\n")
    for needle in needles:
        n = needle.lower()
        for number, text in enumerate(lines, 1):
            if n in text.lower() or n in html.unescape(text).lower():
                return number
    return None


def _name(tag: str) -> str:
    for ns, prefix in ((SVG, "svg:"), (MATHML, "math:")):
        if tag.startswith(ns):
            return prefix + tag[len(ns) :]
    return tag.rsplit("}", 1)[-1]


def _attr_name(key: Any) -> str:
    return _name(key[1] if isinstance(key, tuple) else key) if not isinstance(key, str) else _name(key)


def _parse(fragment: str) -> Any:
    return html5lib.parseFragment(fragment, treebuilder="etree", namespaceHTMLElements=False)


def _events(root: Any) -> list[tuple]:
    """A tree in document order: ("start", tag, attributes), ("text", text), ("end", tag); comments skipped.
    Iterative, so a deeply nested page cannot exhaust the stack."""
    out: list[tuple] = []

    def text(t: str | None) -> None:
        if t:
            if out and out[-1][0] == "text":
                out[-1] = ("text", out[-1][1] + t)
            else:
                out.append(("text", t))

    text(root.text)
    stack: list[tuple[Any, bool]] = [(c, False) for c in reversed(list(root))]
    while stack:
        el, closing = stack.pop()
        if not isinstance(el.tag, str):  # a comment
            text(el.tail)
            continue
        if closing:
            out.append(("end", _name(el.tag)))
            text(el.tail)
            continue
        attrs = tuple(sorted((_attr_name(k), v) for k, v in el.attrib.items()))
        out.append(("start", _name(el.tag), attrs))
        text(el.text)
        stack.append((el, True))
        stack.extend((c, False) for c in reversed(list(el)))
    return out


def _element_why(tag: str) -> str:
    if tag in ("script", "svg:script", "noscript"):
        return "a script runs code in the reader's browser"
    if tag in ("style", "link", "svg:style"):
        return "a style sheet could make unchecked text look checked"
    if tag in ("iframe", "frame", "frameset", "object", "embed", "applet", "portal"):
        return "it embeds another document"
    if tag in ("form", "button", "select", "textarea", "input", "output"):
        return "a form or control (the answer fields are the engine's)"
    if tag in ("base", "meta"):
        return "it changes where the page loads from or what it does"
    if tag.startswith(("svg:", "math:")) or tag in ("svg", "math"):
        return "SVG and MathML may carry scripts and links: draw figures with the claims code or use an image file"
    return "it is not an element this site's Markdown produces"


def _attr_why(tag: str, attr: str, value: str) -> str:
    if problem := _attribute_problem(tag, attr, value):
        return problem
    if attr.startswith("on"):
        return "an event handler runs code in the reader's browser"
    if attr == "style":
        return "an inline style could make unchecked text look checked"
    if attr == "srcdoc":
        return "srcdoc embeds a document"
    if attr == ENGINE_ATTR or RESERVED_ATTR_RE.match(attr):
        return f"{attr} belongs to the marks and answer fields the engine renders; a page may not write it {_MARKER}"
    return f"<{tag}> does not take {attr} on this site"


def _difference(before: list[tuple], after: list[tuple]) -> Offence | None:
    for i, ev in enumerate(before):
        other = after[i] if i < len(after) else None
        if ev == other:
            continue
        if ev[0] == "text" and other is not None and other[0] == "text" and other[1].startswith(ev[1]):
            continue  # an element after this text was removed and the texts around it merged: report it
        if ev[0] == "start":
            tag = ev[1]
            if other is not None and other[0] == "start" and other[1] == tag:
                kept = dict(other[2])
                attr, value = next((k, v) for k, v in ev[2] if kept.get(k) != v)
                shown = html.escape(value[:60], quote=True)
                needles = tuple(n for n in (f"{attr}={value}"[:60], value[:40], attr) if n)
                if attr == "class":
                    needles = tuple(c for c in value.split() if RESERVED_CLASS_RE.match(c)) + needles
                return Offence(f'<{tag} {attr}="{shown}">', _attr_why(tag, attr, value), needles)
            local = tag.split(":")[-1]
            return Offence(f"<{tag}>", _element_why(tag), (f"<{local}", local))
        if ev[0] == "text":
            return Offence(f"the text {ev[1][:40]!r}", "the sanitizer would change it", (ev[1][:40].strip(),))
        return Offence(f"</{ev[1]}>", "the sanitizer would change what this element holds", (f"</{ev[1]}",))
    return None


def _serialize(root: Any) -> str:
    return html5lib.serialize(
        root, tree="etree", quote_attr_values="always", omit_optional_tags=False, resolve_entities=False
    )


MAX_DEPTH = 400  # Markdown's HTML nests a few dozen deep; html5lib's tree building slows with the square of it
_VOID = frozenset(
    ["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"]
)


class _Depth(HTMLParser):
    """How deep a page's elements nest (opened and not yet closed; a linear scan, before any tree is built)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.depth = self.deepest = 0
        self.where = ""

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag not in _VOID:
            self.depth += 1
            if self.depth > self.deepest:
                self.deepest, self.where = self.depth, tag

    def handle_endtag(self, tag: str) -> None:
        self.depth -= tag not in _VOID and self.depth > 0


def _too_deep(fragment: str) -> Offence | None:
    scan = _Depth()
    scan.feed(fragment)
    scan.close()
    if scan.deepest <= MAX_DEPTH:
        return None
    return Offence(
        f"<{scan.where}> nested {scan.deepest} elements deep",
        f"HTML on a page may nest (or leave open) at most {MAX_DEPTH} elements",
        (f"<{scan.where}",),
    )


def check_html(fragment: str, nonce: str, trusted_parts: frozenset[str] = frozenset()) -> Offence | None:
    """The first construct of a page's HTML that the allow-list sanitizer would remove, or None.

    ``nonce``: this build's :data:`ENGINE_ATTR` value.  ``trusted_parts``: for a notebook page, the texts of
    its template's ``<style>``/``<script>`` elements (:func:`notebook_template_parts`); a notebook page also
    gets the template's few extra attributes."""
    notebook = bool(trusted_parts)
    if deep := _too_deep(fragment):
        return deep
    root = _parse(fragment)
    for parent in [root, *root.iter()]:
        for el in list(parent):
            if not isinstance(el.tag, str):
                continue
            if el.get(ENGINE_ATTR) == nonce and nonce:
                figure = el.tag == "figure" and "claim-figure" in el.get("class", "").split()
                el.attrib.clear()
                if figure:
                    for child in list(el):
                        el.remove(child)
                    el.text = None
            elif el.tag in ("style", "script") and notebook and (el.text or "") in trusted_parts:
                parent.remove(el)  # its tail (whitespace between template parts) goes too: no text to compare
    flat = _serialize(root)
    before = _events(_parse(flat))
    cleaned = nh3.clean(
        flat,
        tags=set(_allowed(notebook)),
        attributes=_allowed(notebook),
        attribute_filter=_filter,
        url_schemes={"http", "https", "mailto", "data"},
        link_rel=None,
        strip_comments=False,
    )
    return _difference(before, _events(_parse(cleaned)))


def strip_nonce(text: str, nonce: str) -> str:
    """The page without the engine's nonce attribute (it was for this check only)."""
    return re.sub(rf"""\s{re.escape(ENGINE_ATTR)}=(["']?){re.escape(nonce)}\1""", "", text) if nonce else text


@functools.cache
def notebook_template_parts() -> frozenset[str]:
    """The texts of the ``<style>`` and ``<script>`` elements that mkdocs-jupyter's nbconvert template writes
    into every notebook page, from rendering it for an empty notebook (no cell: nothing a notebook says)."""
    import json
    import tempfile
    from pathlib import Path

    from mkdocs_jupyter import convert

    with tempfile.TemporaryDirectory() as tmp:
        empty = Path(tmp) / "empty.ipynb"
        nb = {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
        empty.write_text(json.dumps(nb), encoding="utf-8")
        body = convert.nb2html(str(empty), execute=False, include_requirejs=False)
    root = _parse(body)
    return frozenset(el.text or "" for el in root.iter() if isinstance(el.tag, str) and el.tag in ("style", "script"))


@dataclass(frozen=True)
class Rendered:
    """What a browser will see in a built page: how many elements carry the class claim-mark, and the first
    ``[[``/``]]`` left in text outside code ("" if none)."""

    marks: int
    stray: str


_CODE = frozenset({"code", "pre", "script", "style", "textarea", "template"})


def rendered(page: str) -> Rendered:
    """Read a whole built page as a browser does (html5lib: character references decoded, misnested tags
    repaired) and count its marks."""
    root = html5lib.parse(page, treebuilder="etree", namespaceHTMLElements=False)
    marks, stray = 0, ""

    def look(text: str | None, in_code: bool) -> None:
        nonlocal stray
        if text and not in_code and not stray and (m := re.search(r"\[\[.{0,40}|.{0,40}\]\]", text)):
            stray = m.group(0)

    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        el, in_code = stack.pop()
        if isinstance(el.tag, str):
            marks += "claim-mark" in el.get("class", "").split()
            inner = in_code or _name(el.tag) in _CODE
            look(el.text, inner)
            stack.extend((c, inner) for c in reversed(list(el)))
        look(el.tail, in_code)
    return Rendered(marks, stray)
