"""Claim coverage: every number and formula a reader sees outside a claim is found, and must be declared.

The scanner reads what the reader receives: the page's final HTML, after Markdown, every extension,
snippets and notebooks (the plugin calls it from ``on_page_content``), parsed by a WHATWG-conforming
HTML5 parser (selectolax's Lexbor: the tokenizer a browser uses, so ``<!-->36``, ``<!--->``, ``&#51;&#54;``
or a number past a regular expression's length limit read as a browser reads them; measured 37 times faster
than html5lib on the real pages).  Nothing here models Markdown.

What is read, as the reader sees it:

* **visible text**: every text node, except inside ``script``, ``style``, ``template``, comments, an element
  with the ``hidden`` attribute, code (``pre``, ``code``: examples, not statements), and the elements the
  engine renders for a claim (classes in :data:`CLAIM_CLASSES`: what is inside is checked by the engine);
* **attribute values a reader sees** (:data:`SHOWN_ATTRIBUTES`: a tooltip, an alternative text, a field's
  value or label, a list's start), each as a text of its own;
* **math**: the TeX of an ``arithmatex`` element (``\\(...\\)``, ``\\[...\\]``), which KaTeX renders in the
  browser; on a notebook page, the ``$...$``, ``$$...$$``, ``\\(...\\)``, ``\\[...\\]`` spans of its rendered
  Markdown, which KaTeX's auto-render renders there.

Two kinds of item are found in it:

* a **number**: digits standing on their own (``25,000``, ``0.5``, ``70/30``, ``100-dimensional``);
  digits inside a word (``HW2``, ``Q6``, ``6B``, ``f_1``) are names, not numbers; a character that reads as
  a number (``²``, ``½``, ``３``) is a number too;
* a **formula**: a math span that holds a number or an operator once its subscripts are set aside.
  ``$f_a$``, ``$L^t$``, ``$L^1$`` and a lone symbol (``$\\odot$``) are names; ``$z_t > 0$`` and ``$6^3$`` are
  formulas.

Notebook pages (mkdocs-jupyter): the rendered Markdown cells are the page's own text; a code cell's source
is code, like a code block on a Markdown page, and its prompts (``In [3]:``) are the toolchain's; every
output a reader sees (printed text, results, rendered HTML, raw cells) is text and is scanned, since a cell
can print any number it likes.

Each item is either inside text the page **declares as context** (front matter ``context:`` list; a
notebook's metadata ``"context"`` list), or it is an unchecked result and the build fails::

    ---
    context:               # text on this page whose numbers and formulas are not results
      - name: Winter 2021  # the course's term
      - statement: question 6 (20 points)
      - quote a2-sheet-B: 5 choices for the anchor
    ---

Each declaration says what it is (:data:`KINDS`): the question's own words or values, notation, a name, a
citation, or a quote of a source, which must be found (white space aside) in its copy ``sources/NAME.md``.

A declaration quotes a piece of the page; it is rendered like the page (on a Markdown page, with the site's
Markdown extensions: ``**Step 1.**`` reads as the reader's "Step 1.") and matches only text a reader sees,
whole words, contiguous, within one block (a paragraph, a heading, a table row written ``| a | b |``, one
attribute's value), spaces matching any run of white space.  A comment, a hidden element, code or another
attribute never completes a match.  A declaration that matches nothing is an error, and so is a bare number.

Matching is linear in the page: every declaration goes into one Aho-Corasick automaton (pyahocorasick) that
reads the page's visible text once.
"""

from __future__ import annotations

import bisect
import json
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import ahocorasick
import yaml
from selectolax.lexbor import LexborHTMLParser, LexborNode

from .pages import FRONT_MATTER_RE

# A number: digits not preceded by a letter, digit or underscore (HW2, Q6, f_1 are names), whole with its
# thousands separators and decimals; digits followed by letters are a number still (87k, 3x, 5GB, 6B).
NUMBER_RE = re.compile(
    r"(?<![^\W_])(?<![^\W_]_)(?<![0-9][.,\u202f\u2009])(?:[0-9]+(?:[,\u202f\u2009][0-9]{3})*(?:\.[0-9]+)?|\.[0-9]+)"
    r"(?![0-9])"
)
# Subscripts name things (f_a, x_{c,i+1,j}, W_{ih}, F_\ell); one holding anything else is part of the formula.
SUBSCRIPT_RE = re.compile(r"(?<=[^\s{$(])(?<!\{\})_(?:\{(?:[A-Za-z0-9,+\-'\s]|\\[A-Za-z]+)*\}|\\[A-Za-z]+|[A-Za-z0-9])")
# A lone capital with an index written above it, such as $L^1$ (the loss of triplet 1), names a thing
# ($x^2$ is a square).
INDEXED_NAME_RE = re.compile(r"\s*[A-Z]\^(?:[0-9]|\{[0-9]+\})\s*")
# Superscripts that name (θ^*, W^{(1)}, f^{-1}, W^\top) rather than compute.
SUPERSCRIPT_NAME_RE = re.compile(r"\^(?:\*|\{\*\}|\{\([0-9]+\)\}|\{-1\}|\\top|\{\\top\}|\\prime|\{\\prime\})")
OPERATOR_RE = re.compile(
    r"\d|[=<>+\-*/!≤≥−≈×÷≠±·⋅∙∑∏√∞]|\\(?:cdot|times|frac|tfrac|dfrac|sum|prod|int|le|leq|leqslant|ge|geq|geqslant|lt|gt|ll|gg"
    r"|ne|neq|approx|simeq|cong|equiv|propto|coloneqq|in|sim|to|odot|pm|mp|div|over|circ|sqrt|log|exp|max|min|lVert"
    r"|Vert|mid|Rightarrow|rightarrow|Leftrightarrow|otimes|oplus|binom|infty|nabla|cap|cup|subset|subseteq)(?![A-Za-z])"
)
HINT = "make it a claim ([[id: value]]) or declare the text around it as context in the page's front matter"
NOTEBOOK_HINT = (
    'make it a claim on a Markdown page, or declare the text around it in the notebook\'s metadata, "context": [...]'
)

# The elements the engine renders for a claim (render.py); what is inside them is checked by the engine.
# (A guard of the plugin forbids page-authored HTML from using these classes.)
CLAIM_CLASSES = frozenset(
    {"claim-value", "claim-mark", "claim-display", "claim-figure", "answer-slot", "claim-tail", "claim-difference"}
    | {"answer-cli"}
)
SKIPPED_TAGS = frozenset({"script", "style", "template", "pre", "code", "head"})
# Attributes whose value a reader sees (a tooltip, an alternative text, what a field or button shows, the
# first number of a list, what a screen reader reads).  data-* are shown by no style sheet a page can bring.
SHOWN_ATTRIBUTES = ("alt", "title", "value", "placeholder", "aria-label", "label", "summary", "start", "srcdoc")
BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "caption",
        "details",
        "dialog",
        "dd",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "section",
        "summary",
        "table",
        "tbody",
        "tfoot",
        "thead",
        "ul",
    ]
)
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
SEP = "\n"  # between blocks: no declaration matches across it
# Notebook parts that are the toolchain's (prompts) or code (a cell's source); outputs are text.
NOTEBOOK_SKIPPED = frozenset({"jp-InputPrompt", "jp-OutputPrompt", "jp-InputArea-editor", "jp-Collapser"})
NOTEBOOK_OUTPUT = "jp-OutputArea-output"  # its <pre> is printed text, not code
NOTEBOOK_MATH = frozenset({"jp-RenderedMarkdown", "jp-MarkdownOutput"})  # where KaTeX's auto-render looks
# KaTeX auto-render's delimiters on notebook pages (docs/javascripts/katex-init.js), longest first.
DELIMITERS = (("$$", "$$", True), ("\\[", "\\]", True), ("\\(", "\\)", False), ("$", "$", False))


class CoverageError(ValueError):
    """A page's context declarations that cannot be read (bad front matter, a declaration matching nothing)."""

    def __init__(self, path: str, line: int, reason: str) -> None:
        super().__init__(f"{path}:{line}: {reason}")
        self.path, self.line, self.reason = path, line, reason


@dataclass
class Item:
    """One number or formula a reader sees, outside every claim."""

    kind: str  # "number" or "formula"
    text: str
    start: int  # offsets in the page's visible text (:class:`Visible`)
    end: int
    line: int = 0  # in the page's source file; see note
    note: str = ""  # how the line was found, when not from the item's own text


@dataclass
class PageCoverage:
    """What one page states: its claims, its declared context, and what is neither."""

    path: str
    claims: int = 0
    context: list[Item] = field(default_factory=list)
    unchecked: list[Item] = field(default_factory=list)
    declared: list[Declaration] = field(default_factory=list)  # the page's context declarations
    notebook: bool = False

    @property
    def derived(self) -> int:
        """Declared ``derived`` facts: results that no code checks yet, so they count against the coverage."""
        return sum(d.kind == "derived" for d in self.declared)

    @property
    def results(self) -> int:
        return self.claims + len(self.unchecked) + self.derived

    @property
    def percent(self) -> float:
        return 100.0 if not self.results else 100.0 * self.claims / self.results


# ------------------------------------------------------------------ declarations


def front_matter(text: str, path: str) -> tuple[dict, int]:
    """The page's front matter as a mapping, and the line where its Markdown starts."""
    m = FRONT_MATTER_RE.match(text)
    if not m:
        return {}, 1
    try:
        meta = yaml.safe_load(m.group(1))
    except RecursionError:
        raise CoverageError(path, 1, "the front matter nests too deeply to read") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 2 if mark else 1
        raise CoverageError(path, line, f"the front matter is not valid YAML: {' '.join(str(err).split())}") from None
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise CoverageError(path, 2, "the front matter must be a mapping (key: value lines)")
    return meta, m.group(0).count("\n") + 1


# What a declaration may be: context holds only these.  A result, a derived formula or rule, a shape or a
# restated measurement is none of them: it is a claim, checked by code.
KINDS = {
    "statement": "the question's own words or values (what the assignment gives)",
    "notation": "notation or a definition this page introduces",
    "name": "a name (a model, a data set, a course, a published set of vectors)",
    "citation": "a citation (authors, venue, year)",
    "quote": "words of a source, found in its copy under the sources folder (`quote NAME:`)",
    # Not context at all: a derived fact that no code checks yet.  Allowed so that the gap is declared and
    # counted (the Verification page's coverage table shows it per page), never hidden under another kind.
    "derived": "a derived fact no code checks yet (to be made a claim; counted on the Verification page)",
}
KIND_RE = re.compile(r"(statement|notation|name|citation|quote|derived)(?:\s+([A-Za-z0-9][A-Za-z0-9_.-]*))?")
KIND_HINT = (
    "write `- KIND: text`, KIND one of statement (the question's own words or values), notation, name, citation, "
    "`quote NAME` (words of sources/NAME.md), or derived (a derived fact not yet checked: make it a claim)"
)


class Declaration(NamedTuple):
    """One context declaration: what it is (:data:`KINDS`), the piece of the page it quotes, and for a quote
    the source it comes from."""

    kind: str
    text: str
    source: str = ""


def _normal_space(text: str) -> str:
    return " ".join(text.split())


def _source_text(sources: Path | None, name: str, path: str, line: int) -> str:
    """The whitespace-normalised text of ``sources/NAME.md`` (searched in the folder and below it)."""
    if sources is None or not sources.is_dir():
        raise CoverageError(path, line, f"context quotes {name!r}, but there is no sources folder {sources}")
    found = sorted(p for p in sources.rglob(f"{name}.md") if p.is_file())
    if len(found) != 1:
        what = "no file" if not found else f"{len(found)} files"
        raise CoverageError(path, line, f"context quotes {name!r}: {what} named {name}.md under {sources}")
    return _normal_space(found[0].read_text(encoding="utf-8"))


def declarations(meta: dict, text: str, path: str, sources: Path | None = None) -> list[Declaration]:
    """The page's ``context:`` list, checked: each item a one-key mapping ``KIND: piece of one line`` (the
    piece a number would be), and each quote found in its source (``sources``: the folder of the copies)."""
    value = meta.get("context", [])
    if value is None:
        value = []
    if not isinstance(value, list):
        raise CoverageError(
            path,
            _meta_line(text, "context"),
            f"context must be a list of declarations, one '- KIND: text' line each ({KIND_HINT})",
        )
    out: list[Declaration] = []
    cache: dict[str, str] = {}
    for item in value:
        if not (isinstance(item, dict) and len(item) == 1):
            shown = item if isinstance(item, str) else repr(item)
            raise CoverageError(
                path,
                _meta_line(text, shown) if isinstance(item, str) and item.strip() else _meta_line(text, "context"),
                f"context {shown!r}: say what it is: {KIND_HINT}",
            )
        ((key, v),) = item.items()
        if isinstance(v, int | float) and not isinstance(v, bool):  # YAML reads `- name: 2021` as a number
            v = str(v)
        m = KIND_RE.fullmatch(str(key).strip()) if isinstance(key, str) else None
        if m is None or (m.group(1) == "quote") != bool(m.group(2)):
            raise CoverageError(
                path,
                _meta_line(text, str(v)) if isinstance(v, str) and v.strip() else _meta_line(text, "context"),
                f"context {key!r}: not a kind of declaration ({KIND_HINT})",
            )
        if not isinstance(v, str) or not v.strip():
            raise CoverageError(path, _meta_line(text, "context"), f"context {key}: needs a piece of the page's text")
        if not re.search(r"[^\W\d_]{3}", v):
            raise CoverageError(
                path,
                _meta_line(text, v),
                f"context {v!r}: quote the words around a number, not the bare number (a declaration needs a "
                "word of three letters or more, so that it cannot excuse other copies of the number)",
            )
        if "\n" in v:
            raise CoverageError(
                path, _meta_line(text, v), f"context {v!r}: a declaration is a non-empty piece of one line"
            )
        kind, source = m.group(1), m.group(2) or ""
        if kind == "quote":
            if source not in cache:
                cache[source] = _source_text(sources, source, path, _meta_line(text, v))
            if _normal_space(v) not in cache[source]:
                raise CoverageError(
                    path,
                    _meta_line(text, v),
                    f"context {v!r} is declared a quote of {source}, but {source}.md does not say it "
                    "(white space aside): quote its words exactly, or say it in the page's own words and declare "
                    "what kind of text it is",
                )
        out.append(Declaration(kind, v, source))
    return out


def _meta_line(text: str, needle: str) -> int:
    """The line of the front matter that holds ``needle`` (a key, or one declaration), else its first line."""
    m = FRONT_MATTER_RE.match(text)
    head = m.group(0).splitlines() if m else []
    key = next((n for n, line in enumerate(head, 1) if line.startswith("context:")), 1)
    for number, line in enumerate(head, 1):
        if line.startswith(f"{needle}:"):
            return number
    for number, line in enumerate(head, 1):
        if number > key and needle in line:  # a declaration: among the lines of the context list
            return number
    return key


# ------------------------------------------------------------------ what a reader sees


def _numeric(ch: str) -> bool:
    """A character that reads as a number but is no ASCII digit: ², ½, ３, ৩ ..."""
    return not ch.isascii() and unicodedata.numeric(ch, None) is not None


def is_formula(tex: str) -> bool:
    """Whether the TeX of a math span states something (a number, an operator) rather than names it."""
    named = INDEXED_NAME_RE.fullmatch(tex) or re.fullmatch(r"\s*(?:\\[A-Za-z]+|[=<>+\-])\s*", tex)
    bare = SUPERSCRIPT_NAME_RE.sub("", SUBSCRIPT_RE.sub("", tex))
    return bool((OPERATOR_RE.search(bare) or any(_numeric(ch) for ch in tex)) and not named)


@dataclass
class Visible:
    """The text a reader sees on a page, in reading order, white space runs made one space and blocks
    separated by :data:`SEP`; the math spans in it, written ``$tex$`` / ``$$tex$$``; its headings."""

    text: str
    math: list[tuple[int, int, str]]  # start, end, TeX
    headings: list[tuple[int, str]]  # offset, heading text


_SPACE = " \t\n\r\f"
_SPACES_RE = re.compile(r"[ \t\n\r\f]+")


def _normal(text: str) -> str:
    """White space as HTML reads it (ASCII spaces, tabs, line breaks): each run one space, none at the ends."""
    return _SPACES_RE.sub(" ", text).strip(_SPACE)


class _Writer:
    def __init__(self) -> None:
        self.parts: list[str] = []
        self.length = 0
        self.last = SEP
        self.math: list[tuple[int, int, str]] = []
        self.headings: list[tuple[int, str]] = []

    def text(self, s: str) -> None:
        core = _normal(s)  # HTML's white space only: a no-break space is part of a number (1\u202f446)
        s = (" " if s[:1] in _SPACE else "") + core + (" " if core and s[-1:] in _SPACE else "")
        if s[:1] == " " and self.last in (" ", SEP):
            s = s[1:]
        if s:
            self.parts.append(s)
            self.length += len(s)
            self.last = s[-1]

    def block(self) -> None:
        if self.last != SEP:
            self.parts.append(SEP)
            self.length += 1
            self.last = SEP

    def formula(self, tex: str, display: bool) -> None:
        tex = _normal(tex)
        shown = f"$${tex}$$" if display else f"${tex}$"
        self.math.append((self.length, self.length + len(shown), tex))
        self.parts.append(shown)
        self.length += len(shown)
        self.last = "$"

    def done(self) -> Visible:
        return Visible("".join(self.parts), self.math, self.headings)


def _classes(node: LexborNode) -> set[str]:
    return set((node.attributes.get("class") or "").split())


def _children(node: LexborNode) -> list[LexborNode]:
    out, child = [], node.child
    while child is not None:
        out.append(child)
        child = child.next
    return out


def _footnote_numbers(root: LexborNode) -> dict[str, int]:
    """Each footnote of the footnotes extension (``div.footnote > ol > li``) by id, with the number shown."""
    out: dict[str, int] = {}
    for ol in root.css("div.footnote > ol"):
        for k, li in enumerate((c for c in _children(ol) if c.tag == "li"), 1):
            out[li.attributes.get("id") or ""] = k
    return out


def _toolchain(node: LexborNode, classes: set[str], footnotes: dict[str, int]) -> bool:
    """An element the footnotes extension writes: a reference shows the footnote's number, the link back
    says it in its tooltip.  Accepted only when the number is the footnote's own."""
    if "footnote-ref" in classes:
        k = footnotes.get((node.attributes.get("href") or "").lstrip("#"))
        return k is not None and node.text(deep=True).strip() == str(k)
    if "footnote-backref" in classes:
        k = footnotes.get((node.attributes.get("href") or "").lstrip("#").replace("fnref", "fn", 1))
        parent = node.parent
        while parent is not None and parent.tag != "li":
            parent = parent.parent
        own = footnotes.get(parent.attributes.get("id") or "") if parent is not None else None
        title = node.attributes.get("title") or ""
        return (
            own is not None
            and k == own
            and re.fullmatch(rf"Jump back to footnote {own} in the text", title) is not None
            and not any(ch.isdigit() or _numeric(ch) for ch in node.text(deep=True))
        )
    return False


def _engine_rendered(node: LexborNode, classes: set[str]) -> bool:
    """A claim element as the engine renders it: a value (``claim-value``) is followed at once by its mark
    (whose count the plugin checks), so a hand-written one around an unchecked number is read as text."""
    if "claim-value" not in classes or len(classes & CLAIM_CLASSES) > 1:
        return True
    after = node.next
    return after is not None and after.is_element_node and bool(_classes(after) & {"claim-mark", "claim-tail"})


def _split_math(text: str) -> Iterator[tuple[str, bool | None]]:
    """A text node of a notebook's rendered Markdown cut as KaTeX's auto-render cuts it: (text, None) for
    text, (TeX, display) for math.  Linear: each closing delimiter is found by bisection in its list."""
    closers = {right: [m.start() for m in re.finditer(re.escape(right), text)] for _, right, _ in DELIMITERS}
    pos = k = 0
    while k < len(text):
        for left, right, display in DELIMITERS:
            if text.startswith(left, k):
                ends = closers[right]
                j = bisect.bisect_left(ends, k + len(left))
                if j < len(ends):
                    if k > pos:
                        yield text[pos:k], None
                    yield text[k + len(left) : ends[j]], display
                    pos = k = ends[j] + len(right)
                    break
        else:
            k += 1
            continue
    if pos < len(text):
        yield text[pos:], None


# Unicode's default-ignorable code points: a browser draws nothing for them, yet some count as letters (the Hangul
# fillers U+115F, U+3164, U+FFA0), which would make a number after one read as a name (like HW2).  Read as spaces.
_INVISIBLE = dict.fromkeys(
    [0x00AD, 0x034F, 0x061C, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x3164, 0xFEFF, 0xFFA0]
    + [*range(0x180B, 0x1810), *range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2060, 0x2070)]
    + [*range(0xFE00, 0xFE10), *range(0xFFF0, 0xFFF9), *range(0x1BCA0, 0x1BCA4), *range(0x1D173, 0x1D17B)]
    + [*range(0xE0000, 0xE1000)],
    " ",
)


def visible(
    html: str, *, notebook: bool = False, root_selector: str | None = None, footnotes_defined: int | None = None
) -> Visible:
    """What a reader sees of ``html`` (a page's content, or a whole page with ``root_selector``).
    ``footnotes_defined``: how many footnotes the page's source defines (a footnote number above it is text)."""
    tree = LexborHTMLParser(html.translate(_INVISIBLE))
    root = (tree.css_first(root_selector) if root_selector else None) or tree.body or tree.root
    w = _Writer()
    if root is None:
        return w.done()
    footnotes = _footnote_numbers(root)
    if footnotes_defined is not None:
        footnotes = {k: n for k, n in footnotes.items() if n <= footnotes_defined}
    # (node, leaving, in an output, in a notebook's Markdown); iterative: no recursion limit on deep HTML.
    stack: list[tuple[LexborNode, bool, bool, bool]] = [(root, False, False, False)]
    while stack:
        node, leaving, output, md = stack.pop()
        tag = node.tag
        if leaving:
            if tag in ("td", "th"):
                w.text(" |")
            elif tag in BLOCK_TAGS or tag == "tr":
                w.block()
            continue
        if node.is_text_node:
            data = node.text_content or ""
            if md:
                for piece, display in _split_math(data):
                    w.text(piece) if display is None else w.formula(piece, display)
            else:
                w.text(data)
            continue
        if not node.is_element_node:
            continue  # a comment, a doctype
        attrs = node.attributes
        classes = _classes(node)
        if (
            tag in SKIPPED_TAGS
            and not (output and tag in ("pre", "code"))
            or ("hidden" in attrs and (attrs["hidden"] or "").lower() != "until-found")
            or (tag == "input" and (attrs.get("type") or "").lower() == "hidden")
            or (classes & CLAIM_CLASSES and _engine_rendered(node, classes))
            or (notebook and classes & NOTEBOOK_SKIPPED)
            or _toolchain(node, classes, footnotes)
        ):
            continue
        if tag in HEADINGS:
            w.headings.append((w.length, " ".join(node.text(deep=True).replace("¶", " ").split())))
        if tag in BLOCK_TAGS:
            w.block()
        elif tag == "tr":
            w.block()
            w.text("|")
        elif tag in ("td", "th", "br"):
            w.text(" ")
        for name in SHOWN_ATTRIBUTES:
            value = attrs.get(name)
            if value and value.strip():
                w.block()
                w.text(value)
                w.block()
        if "arithmatex" in classes and not notebook and not any(c.is_element_node for c in _children(node)):
            tex = node.text(deep=True).strip()
            display = True
            if tex.startswith("\\(") and tex.endswith("\\)"):
                tex, display = tex[2:-2], False
            elif tex.startswith("\\[") and tex.endswith("\\]"):
                tex = tex[2:-2]
            if tag in BLOCK_TAGS:
                w.block()
            w.formula(tex, display)
            if tag in BLOCK_TAGS:
                w.block()
            continue
        stack.append((node, True, output, md))
        inside_output = output or (notebook and NOTEBOOK_OUTPUT in classes)
        inside_md = md or (notebook and bool(classes & NOTEBOOK_MATH))
        stack.extend((child, False, inside_output, inside_md) for child in reversed(_children(node)))
    return w.done()


def items(seen: Visible) -> list[Item]:
    """Every number and formula of what a reader sees, in reading order."""
    found = [
        Item("formula", f"${tex}$" if not seen.text.startswith("$$", a) else f"$${tex}$$", a, b)
        for a, b, tex in seen.math
        if is_formula(tex)
    ]
    chars = list(seen.text)
    for a, b, _ in seen.math:
        chars[a:b] = " " * (b - a)
    plain = "".join(chars)
    found += [Item("number", m.group(0), m.start(), m.end()) for m in NUMBER_RE.finditer(plain)]
    for m in re.finditer(r"[^\x00-\x7f]+", plain):
        for run in re.finditer(r"\S+", m.group(0)):
            if any(_numeric(ch) for ch in run.group(0)):
                a = m.start() + run.start()
                found.append(Item("number", run.group(0), a, a + len(run.group(0))))
    return sorted(found, key=lambda it: it.start)


# ------------------------------------------------------------------ declared context


def match_context(seen: Visible, pieces: list[str], shown: list[str], path: str, source: str) -> list[tuple[int, int]]:
    """The spans of ``seen`` that the declarations cover (``shown[k]``: what declaration ``pieces[k]`` reads as).

    One Aho-Corasick pass over the visible text: time linear in the text, the declarations and the number of
    matches; a match counts only at word boundaries.  Raises CoverageError for a declaration matching nothing."""
    automaton = ahocorasick.Automaton()
    wanted: dict[str, list[int]] = {}
    for k, piece in enumerate(shown):
        if not piece or SEP in piece:
            raise CoverageError(
                path,
                _meta_line(source, pieces[k]),
                f"context {pieces[k]!r} shows no text of one block once rendered (quote words a reader sees)",
            )
        wanted.setdefault(piece, []).append(k)
    for piece in wanted:
        automaton.add_word(piece, piece)
    matched: set[str] = set()
    spans: list[tuple[int, int]] = []
    text = seen.text
    if wanted:
        automaton.make_automaton()
        for end, piece in automaton.iter(text):
            a, b = end - len(piece) + 1, end + 1
            if piece[0].isalnum() and a > 0 and (text[a - 1].isalnum() or text[a - 1] == "_"):
                continue
            if piece[-1].isalnum() and b < len(text) and (text[b].isalnum() or text[b] == "_"):
                continue
            matched.add(piece)
            spans.append((a, b))
    for piece, ks in wanted.items():
        if piece not in matched:
            raise CoverageError(
                path,
                _meta_line(source, pieces[ks[0]]),
                f"context {pieces[ks[0]]!r} is not on the page (was the text changed? a declaration quotes text a "
                "reader sees, whole words within one paragraph; not a comment, hidden text, code or a claim)",
            )
    return spans


def classify(seen: Visible, spans: list[tuple[int, int]], cov: PageCoverage) -> PageCoverage:
    """Each item of ``seen`` as context, when a declared span covers it, or unchecked."""
    merged: list[list[int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    starts = [a for a, _ in merged]
    for it in items(seen):
        k = bisect.bisect_right(starts, it.start) - 1
        if k >= 0 and merged[k][0] <= it.start and it.end <= merged[k][1]:
            cov.context.append(it)
        else:
            cov.unchecked.append(it)
    return cov


# ------------------------------------------------------------------ where in the source


def _word_before(text: str, offset: int) -> str:
    """The last word of three letters or more in the 80 characters of ``text`` before ``offset``."""
    words = re.findall(r"[^\W\d_]{3,}", text[max(0, offset - 80) : offset])
    return words[-1] if words else ""


def locate(found: list[Item], seen: Visible, source: str, first_line: int = 1) -> None:
    """Set each item's line in ``source`` (the page's file), reading the items and the source in order.

    An item whose text is not in the source as written (a character reference, a file included by a
    snippet, a notebook's output) gets the line of the nearest heading above it, and a note that says so.
    Linear: numbers are looked up in an index of the source's numbers; a formula's TeX is searched with
    ``str.find``, and after 50 failed searches the rest go straight to their heading."""
    starts = [m.start() for m in re.finditer("\n", source)]
    head = FRONT_MATTER_RE.match(source)
    body = head.end() if head else 0  # the front matter is never shown

    def line_of(offset: int) -> int:
        return bisect.bisect_right(starts, offset - 1) + first_line

    index: dict[str, list[int]] = {}
    for m in NUMBER_RE.finditer(source):
        index.setdefault(m.group(0), []).append(m.start())
    heading_lines: list[int | None] = []
    hpos = 0
    for _, title in seen.headings:
        k = source.find(title, hpos) if title else -1
        heading_lines.append(line_of(k) if k >= 0 else None)
        hpos = k if k >= 0 else hpos
    heading_at = [a for a, _ in seen.headings]
    cursor, failures = body, 0
    for it in found:
        pos = -1
        if it.kind == "number":
            where = index.get(it.text, [])
            j = bisect.bisect_left(where, cursor)
            # The first copy after the last item whose source shows the word read before it (at most 50 tried).
            word = _word_before(seen.text, it.start)
            near = [p for p in where[j : j + 50] if not word or word in source[max(0, p - 200) : p]]
            pos = near[0] if near else where[j] if j < len(where) else (where[0] if where else -1)
        elif failures < 50:
            tex = it.text.strip("$")
            key = tex[: min(len(tex), 40)]
            pos = source.find(key, cursor)
            if pos < 0:
                pos = source.find(key)
            failures += pos < 0
        if pos >= 0:
            it.line, cursor = line_of(pos), pos
            continue
        k = bisect.bisect_right(heading_at, it.start) - 1
        while k >= 0 and heading_lines[k] is None:
            k -= 1
        if k >= 0:
            it.line = heading_lines[k] or first_line
            it.note = "the line of the heading above it: its text is not in the page's source as written"
        else:
            it.line = first_line
            it.note = "its text is not in the page's source as written"


# ------------------------------------------------------------------ pages


Renderer = Callable[[str], str]


def _shown(pieces: list[str], render: Renderer | None) -> list[str]:
    """What each declaration reads as: rendered like the page when it holds Markdown, else as typed."""
    out = []
    for piece in pieces:
        if render is None or re.fullmatch(r"[A-Za-z0-9(][A-Za-z0-9\s.,;:()'\"/%+=-]*", piece):  # nothing Markdown reads
            out.append(_normal(piece))
        else:
            out.append(visible(render(piece)).text.strip(SEP + " "))
    return out


# Front-matter values the theme shows a reader: the title (tab, navigation), Material's subtitle (navigation)
# and the description (search engines' snippet).
SHOWN_META = ("title", "subtitle", "description")
# A footnote's definition in the page source ([^label]: text): a footnote number may not exceed their count.
FOOTNOTE_DEFINITION_RE = re.compile(r"^[ \t]{0,3}\[\^[^\]\n]+\]:", re.MULTILINE)
# attr_list's data-toc-label replaces a heading's text in the table of contents, which coverage does not read.
TOC_LABEL_RE = re.compile(r"data-toc-label", re.IGNORECASE)


def page_coverage(
    html: str, source: str, path: str, claims: int, render: Renderer | None = None, sources: Path | None = None
) -> PageCoverage:
    """Classify every item of a Markdown page's rendered ``html``; ``source`` is its file (with its front
    matter), ``render`` the site's Markdown (to read declarations as the page reads), ``sources`` the folder of
    the texts it may quote.  Raises CoverageError for declarations that cannot be used."""
    meta, _ = front_matter(source, path)
    declared = declarations(meta, source, path, sources)
    pieces = [d.text for d in declared]
    seen = visible(html, footnotes_defined=len(FOOTNOTE_DEFINITION_RE.findall(source)))
    cov = PageCoverage(path, claims, declared=declared)
    classify(seen, match_context(seen, pieces, _shown(pieces, render), path, source), cov)
    locate(sorted(cov.context + cov.unchecked, key=lambda it: it.start), seen, source)
    for key in SHOWN_META:  # the browser tab, the navigation, search results show them
        shown = str(meta.get(key, "")).translate(_INVISIBLE)
        if NUMBER_RE.search(shown) or "$" in shown or any(_numeric(ch) for ch in shown):
            cov.unchecked.append(Item("number", shown, 0, 0, _meta_line(source, key)))
    if m := TOC_LABEL_RE.search(source):
        raise CoverageError(
            path,
            source.count("\n", 0, m.start()) + 1,
            "data-toc-label: the table of contents would show text that the page does not (write the heading itself)",
        )
    return cov


def notebook_coverage(html: str, raw: str, path: str, sources: Path | None = None) -> PageCoverage:
    """The same for a notebook page's rendered ``html``, with the declarations of its metadata's ``context``
    list (matched as typed: a notebook's Markdown keeps ``$...$`` as text).  ``raw`` is the notebook file:
    an item's line is a line of it."""
    try:
        nb = json.loads(raw)
    except json.JSONDecodeError as err:
        raise CoverageError(path, err.lineno, f"not a valid notebook: {err.msg}") from None
    except RecursionError:
        raise CoverageError(path, 1, "not a valid notebook: nested too deeply") from None
    meta = nb.get("metadata", {}) if isinstance(nb, dict) else {}
    declared = declarations(meta if isinstance(meta, dict) else {}, "", path, sources)
    pieces = [d.text for d in declared]
    seen = visible(html, notebook=True)
    cov = PageCoverage(path, 0, declared=declared, notebook=True)
    classify(seen, match_context(seen, pieces, [_normal(p) for p in pieces], path, ""), cov)
    locate(sorted(cov.context + cov.unchecked, key=lambda it: it.start), seen, raw)
    return cov


def unchecked_message(cov: PageCoverage, item: Item) -> str:
    note = f" (line {item.line}: {item.note})" if item.note else ""
    hint = NOTEBOOK_HINT if cov.notebook else HINT
    return f"{cov.path}:{item.line}: the {item.kind} {item.text!r} is not checked: {hint}{note}"


# ------------------------------------------------------------------ the site's Markdown, outside a build


def markdown_renderer(extensions: list, configs: dict[str, dict]) -> Renderer:
    """Python-Markdown with the given extensions (as MkDocs reads ``markdown_extensions``): a page's HTML."""
    import markdown

    md = markdown.Markdown(extensions=extensions, extension_configs=configs)

    def render(text: str) -> str:
        return md.reset().convert(text)

    return render


__all__ = [
    "KINDS",
    "CoverageError",
    "Declaration",
    "Item",
    "PageCoverage",
    "Visible",
    "items",
    "markdown_renderer",
    "notebook_coverage",
    "page_coverage",
    "unchecked_message",
    "visible",
]
