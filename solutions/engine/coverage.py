"""Claim coverage: every number and formula a page states outside a claim is found, and must be declared.

A page's prose, tables and math are scanned (code, claim markers, comments, link targets are not prose,
see :func:`.pages.prose`).  Two kinds of item are found:

* a **number**: digits standing on their own (``25,000``, ``0.5``, ``70/30``, ``100-dimensional``);
  digits inside a word (``HW2``, ``Q6``, ``6B``, ``f_1``) are names, not numbers;
* a **formula**: a span of math (``$...$``, ``$$...$$``) that holds a number or an operator once its
  subscripts are set aside.  ``$f_a$``, ``$L^t$``, ``$L^1$`` and a lone symbol (``$\\odot$``) are
  names; ``$z_t > 0$`` and ``$6^3$`` are formulas.

Each item is either inside text the page **declares as context** in its front matter, or it is an
unchecked result and the build fails::

    ---
    context:               # text on this page whose numbers and formulas are not results
      - Winter 2021        # the course's term
      - question 6 (20 points)
    ---

A declaration is a piece of the page's text, matched exactly (a space in it also matches a line break):
change the text and it no longer matches, so a number cannot be slipped into declared context unnoticed;
a declaration that matches nothing is an error too, and so is a bare number.  Why text and not a marker
around the number: a marker travels with a wrong number, a quoted piece of text does not.
"""

from __future__ import annotations

import bisect
import html
import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

import yaml

from .pages import FRONT_MATTER_RE, TAG_RE, PageSyntaxError, prose

# Display math first, then inline; a dollar escaped with a backslash is a dollar sign.  No span crosses a
# blank line (Markdown ends a paragraph there), which also keeps an unclosed \[ from scanning the page.
_NO_BLANK_LINE = r"(?:(?!\n[ \t]*\n).){1,4000}?"  # bounded: an unclosed \[ costs no more than this
MATH_RE = re.compile(
    rf"(?<!\\)\$\$(?P<display>{_NO_BLANK_LINE})(?<!\\)\$\$"
    rf"|\\\[(?P<bracket>{_NO_BLANK_LINE})\\\]"
    rf"|\\\((?P<paren>{_NO_BLANK_LINE})\\\)"
    rf"|\\begin\{{(?P<env>[A-Za-z]+\*?)\}}(?P<envbody>{_NO_BLANK_LINE})\\end\{{(?P=env)\}}"
    r"|(?<![\\$])\$(?!\$)(?P<inline>(?:[^$\n]|\n(?![ \t]*\n))+?)(?<![\\\s])\$(?![\d$])",
    re.DOTALL,
)
# A number: digits not preceded by a letter, digit or underscore (HW2, Q6, f_1 are names), whole with its
# thousands separators and decimals; digits followed by letters are a number still (87k, 3x, 5GB, 6B).
NUMBER_RE = re.compile(
    r"(?<![^\W_])(?<![^\W_]_)(?<![0-9][.,\u202f\u2009])(?:[0-9]+(?:[,\u202f\u2009][0-9]{3})*(?:\.[0-9]+)?|\.[0-9]+)"
    r"(?![0-9])"
)
# A character reference (&#56; &#x38; &frac12;) that a browser shows as a digit or a fraction.
ENTITY_RE = re.compile(r"&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")
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
SNIPPET_RE = re.compile(r"^[ \t]*-+8<-+", re.MULTILINE)
SHOWN_ATTRIBUTE_RE = re.compile(
    r"""\b(?:title|alt|value|placeholder|aria-label|label|srcdoc|content|start|data-[\w-]+)\s*=\s*"""
    r"""(?:(?P<q>["'])(?P<value>.*?)(?P=q)|(?P<bare>[^\s"'>]+))""",
    re.IGNORECASE,
)
HINT = "make it a claim ([[id: value]]) or declare the text around it as context in the page's front matter"


class CoverageError(ValueError):
    """A page's context declarations that cannot be read (bad front matter, a declaration matching nothing)."""

    def __init__(self, path: str, line: int, reason: str) -> None:
        super().__init__(f"{path}:{line}: {reason}")
        self.path, self.line, self.reason = path, line, reason


@dataclass(frozen=True)
class Item:
    """One number or formula found in a page's prose, outside every claim."""

    kind: str  # "number" or "formula"
    text: str
    line: int
    start: int  # offsets in the page's text
    end: int


@dataclass
class PageCoverage:
    """What one page states: its claims, its declared context, and what is neither."""

    path: str
    claims: int = 0
    context: list[Item] = field(default_factory=list)
    unchecked: list[Item] = field(default_factory=list)
    declared: list[str] = field(default_factory=list)  # the page's context declarations
    cells: dict[int, tuple[int, int]] = field(default_factory=dict)  # notebooks: line -> (cell, line in cell)

    @property
    def results(self) -> int:
        return self.claims + len(self.unchecked)

    @property
    def percent(self) -> float:
        return 100.0 if not self.results else 100.0 * self.claims / self.results


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


def declarations(meta: dict, text: str, path: str) -> list[str]:
    """The page's ``context:`` list, checked: a list of non-empty one-line strings."""
    value = meta.get("context", [])
    if value is None:
        value = []
    if isinstance(value, list):  # YAML reads `- 2021` as a number: the same mistake as '2021'
        value = [str(v) if isinstance(v, int | float) and not isinstance(v, bool) else v for v in value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CoverageError(
            path,
            _meta_line(text, "context"),
            "context must be a list of pieces of the page's text "
            "(one '- text' line each; quote a piece that holds ': ' or starts with | or #)",
        )
    for v in value:
        if not re.search(r"[^\W\d_]{3}", v):
            raise CoverageError(
                path,
                _meta_line(text, v) if v.strip() else _meta_line(text, "context"),
                f"context {v!r}: quote the words around a number, not the bare number (a declaration needs a "
                "word of three letters or more, so that it cannot excuse other copies of the number)",
            )
        if "\n" in v:
            raise CoverageError(
                path, _meta_line(text, "context"), f"context {v!r}: a declaration is a non-empty piece of one line"
            )
    return value


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


def _line_finder(text: str) -> Callable[[int], int]:
    starts = [m.start() for m in re.finditer(r"^", text, re.MULTILINE)]
    return lambda offset: bisect.bisect_right(starts, offset)


def _numeric(ch: str) -> bool:
    """A character that reads as a number but is no ASCII digit: ², ½, ３, ৩ ..."""
    return not ch.isascii() and unicodedata.numeric(ch, None) is not None


def _numbers_in(text: str, offset: int, line_of: Callable[[int], int]) -> list[Item]:
    """The numbers of a piece of plain text (an attribute's value): digits, number characters, references."""
    found = [
        Item("number", m.group(0), line_of(offset + m.start()), offset + m.start(), offset + m.end())
        for m in NUMBER_RE.finditer(text)
    ]
    for m in ENTITY_RE.finditer(text):
        if any(ch.isdigit() or _numeric(ch) for ch in html.unescape(m.group(0))):
            found.append(Item("number", m.group(0), line_of(offset + m.start()), offset + m.start(), offset + m.end()))
    for k, ch in enumerate(text):
        if _numeric(ch):
            found.append(Item("number", ch, line_of(offset + k), offset + k, offset + k + 1))
    return found


def items(text: str, path: str, shown: str | None = None, list_numbers: bool = True) -> list[Item]:
    """Every number and formula of the page's prose outside claims, in order (front matter excluded).
    ``shown``: the page's :func:`.pages.prose`, when the caller has it already."""
    line_of = _line_finder(text)
    shown = prose(text, path, list_numbers) if shown is None else shown
    visible = list(shown)
    if m := SNIPPET_RE.search(shown):
        raise CoverageError(
            path, line_of(m.start()), "a file included as prose (--8<--) is not scanned: include code in a fence"
        )
    # A display opened with $$ and never closed within its paragraph is published as raw text.
    marks = [m.start() for m in re.finditer(r"(?<!\\)\$\$", shown)]
    for k in range(0, len(marks), 2):
        opening, closing = marks[k], marks[k + 1] if k + 1 < len(marks) else None
        if closing is None or re.search(r"\n[ \t]*\n", shown[opening:closing]):
            raise CoverageError(
                path, line_of(opening), "display math opened with $$ is not closed by $$ before the paragraph ends"
            )
    found: list[Item] = []
    for m in MATH_RE.finditer(shown):  # math first: in $a<b$ the < is no tag
        body = next(m.group(k) for k in ("display", "bracket", "paren", "envbody", "inline") if m.group(k) is not None)
        for k in range(m.start(), m.end()):
            if visible[k] not in "\r\n":
                visible[k] = " "
        named = INDEXED_NAME_RE.fullmatch(body) or re.fullmatch(r"\s*(?:\\[A-Za-z]+|[=<>+\-])\s*", body)
        bare = SUPERSCRIPT_NAME_RE.sub("", SUBSCRIPT_RE.sub("", body))
        if (OPERATOR_RE.search(bare) or any(_numeric(ch) for ch in body)) and not named:
            found.append(Item("formula", " ".join(m.group(0).split()), line_of(m.start()), m.start(), m.end()))
    rest = "".join(visible)
    for tag in TAG_RE.finditer(rest):  # what a reader sees of a tag: its tooltip, its alternative text, a value
        for attr in SHOWN_ATTRIBUTE_RE.finditer(tag.group(0)):
            group = "value" if attr.group("value") is not None else "bare"
            found += _numbers_in(attr.group(group), tag.start() + attr.start(group), line_of)
    rest = TAG_RE.sub(lambda m: re.sub(r"[^\r\n]", " ", m.group(0)), rest)
    for m in ENTITY_RE.finditer(rest):
        decoded = html.unescape(m.group(0))
        if decoded != m.group(0) and any(ch.isdigit() or _numeric(ch) for ch in decoded):
            found.append(Item("number", m.group(0), line_of(m.start()), m.start(), m.end()))
    rest = ENTITY_RE.sub(lambda m: " " * len(m.group(0)), rest)
    for m in NUMBER_RE.finditer(rest):
        found.append(Item("number", m.group(0), line_of(m.start()), m.start(), m.end()))
    for m in re.finditer(r"[^\x00-\x7f]+", rest):
        for run in re.finditer(r"(?:(?!\s).)+", m.group(0)):
            if any(_numeric(ch) for ch in run.group(0)):
                a = m.start() + run.start()
                found.append(Item("number", run.group(0), line_of(a), a, a + len(run.group(0))))
    return sorted(found, key=lambda it: it.start)


def page_coverage(text: str, path: str, claims: int) -> PageCoverage:
    """Classify every item of a page; raises CoverageError for declarations that cannot be used."""
    meta, _ = front_matter(text, path)
    head = FRONT_MATTER_RE.match(text)
    cov = classify(text, path, claims, declarations(meta, text, path), head.end() if head else 0)
    title = str(meta.get("title", ""))  # the browser tab and the navigation show it
    if NUMBER_RE.search(title) or "$" in title or any(_numeric(ch) for ch in title):
        cov.unchecked.append(Item("number", title, _meta_line(text, "title"), 0, 0))
    return cov


def classify(
    text: str, path: str, claims: int, declared: list[str], body_start: int = 0, list_numbers: bool = True
) -> PageCoverage:
    """Each item of ``text`` (after ``body_start``) as context, when a declaration covers it, or unchecked."""
    shown = prose(text, path, list_numbers)  # a declaration must match text a reader sees, not a comment or code
    spans: list[tuple[int, int]] = []
    for piece in declared:
        # Spaces in a declaration match any run of spaces, or one line break: Markdown wraps its paragraphs.
        # It matches whole words: "n 87" does not excuse "then 87".
        pattern = r"(?:[ \t]+|[ \t]*\r?\n[ \t]*)".join(re.escape(word) for word in piece.split())
        pattern = ("(?<!\\w)" if piece.strip()[0].isalnum() else "") + pattern
        pattern += "(?!\\w)" if piece.strip()[-1].isalnum() else ""
        hits = [
            (a + body_start, b + body_start)
            for a, b in (m.span() for m in re.finditer(pattern, text[body_start:]))
            if shown[a + body_start : b + body_start].strip()
        ]
        if not hits:
            raise CoverageError(
                path,
                _meta_line(text, piece),
                f"context {piece!r} is not on the page (was the text changed? a declaration quotes the page "
                "exactly, within one paragraph)",
            )
        spans.extend(hits)
    merged: list[list[int]] = []
    for a, b in sorted(spans):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    starts = [a for a, _ in merged]
    cov = PageCoverage(path, claims, declared=declared)
    for it in items(text, path, shown):
        k = bisect.bisect_right(starts, it.start) - 1
        if k >= 0 and merged[k][0] <= it.start and it.end <= merged[k][1]:
            cov.context.append(it)
        else:
            cov.unchecked.append(it)
    return cov


def notebook_coverage(raw: str, path: str) -> PageCoverage:
    """The same for a notebook page: the text of its Markdown cells (code and outputs are computed), with
    the declarations of its metadata's ``context`` list.  An item's line is "cell K, line M" in messages."""
    try:
        nb = json.loads(raw)
    except json.JSONDecodeError as err:
        raise CoverageError(path, err.lineno, f"not a valid notebook: {err.msg}") from None
    except RecursionError:
        raise CoverageError(path, 1, "not a valid notebook: nested too deeply") from None
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        raise CoverageError(path, 1, "not a valid notebook: no list of cells")
    texts, where = [], {}
    line = 1
    for number, cell in enumerate(cells, 1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "markdown":
            continue
        source = cell.get("source", "")
        if not isinstance(source, str) and not (isinstance(source, list) and all(isinstance(x, str) for x in source)):
            raise CoverageError(path, 1, f"Markdown cell {number}: its source must be text or a list of lines")
        text = "".join(source) if isinstance(source, list) else source
        if "[[" in text:
            raise CoverageError(
                path, 1, f"Markdown cell {number}: claim markers belong on Markdown pages, not in notebooks"
            )
        for k in range(text.count("\n") + 1):
            where[line + k] = (number, k + 1)
        texts.append(text)
        line += text.count("\n") + 2
    meta = nb.get("metadata", {})
    declared = declarations(meta if isinstance(meta, dict) else {}, "", path)
    try:  # a notebook renders lists as CommonMark does: an item's number is shown
        cov = classify("\n\n".join(texts), path, 0, declared, list_numbers=False)
    except (CoverageError, PageSyntaxError) as err:
        cell, line = where.get(err.line, (0, err.line))
        raise CoverageError(path, 1, f"Markdown cell {cell}, line {line}: {err.reason}") from None
    cov.cells = where
    return cov


def unchecked_message(cov: PageCoverage, item: Item) -> str:
    if cov.cells:  # a notebook: say which Markdown cell, and where to declare context
        cell, line = cov.cells.get(item.line, (0, item.line))
        return (
            f"{cov.path}: Markdown cell {cell}, line {line}: the {item.kind} {item.text!r} is not checked: "
            "make it a claim on a Markdown page or declare the text around it in the notebook's metadata, "
            '"context": [...]'
        )
    return f"{cov.path}:{item.line}: the {item.kind} {item.text!r} is not checked: {HINT}"


__all__ = ["CoverageError", "Item", "PageCoverage", "PageSyntaxError", "items", "notebook_coverage", "page_coverage"]
