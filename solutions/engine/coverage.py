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

import re
from dataclasses import dataclass, field

import yaml

from .pages import PageSyntaxError, prose

# MkDocs' own reading of front matter (mkdocs.utils.meta): a YAML block between --- lines at the top.
FRONT_MATTER_RE = re.compile(r"\A-{3}[ \t]*\r?\n(.*?\r?\n)(?:\.{3}|-{3})[ \t]*\r?\n", re.DOTALL)

# Display math first, then inline; a dollar escaped with a backslash is a dollar sign.
MATH_RE = re.compile(
    r"(?<!\\)\$\$(?P<display>.+?)(?<!\\)\$\$"
    r"|\\\[(?P<bracket>.+?)\\\]"
    r"|\\\((?P<paren>.+?)\\\)"
    r"|(?<![\\$])\$(?!\$)(?P<inline>(?:[^$\n]|\n(?![ \t]*\n))+?)(?<![\\\s])\$(?![\d$])",
    re.DOTALL,
)
# A number: digits not inside a word (thousands separated by commas or thin spaces, an optional decimal part).
NUMBER_RE = re.compile(r"(?<![\w.,\u202f\u2009])\d+(?:[,\u202f\u2009]\d{3})*(?:\.\d+)?(?![\w])")
SUBSCRIPT_RE = re.compile(r"_(?:\{[^{}]*\}|\\[A-Za-z]+|[A-Za-z0-9])")
# A lone symbol with an index written above it, such as $L^1$ (the loss of triplet 1), names a thing.
INDEXED_NAME_RE = re.compile(r"\s*[A-Za-z]\^(?:[0-9]|\{[0-9]+\})\s*")
OPERATOR_RE = re.compile(
    r"\d|[=<>+\-*/]|\\(?:cdot|times|frac|tfrac|dfrac|sum|prod|le|leq|ge|geq|ne|neq|approx|in|sim|to|odot|pm|mp"
    r"|circ|sqrt|log|exp|max|min|lVert|Vert|mid)\b"
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
        if re.fullmatch(r"[\d.,%\s]*", v):
            raise CoverageError(
                path,
                _meta_line(text, v) if v.strip() else _meta_line(text, "context"),
                f"context {v!r}: quote the words around a number, not the bare number "
                "(a bare number would excuse every copy of it on the page)",
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
    for number, line in enumerate(head, 1):
        if line.startswith(f"{needle}:") or (number > 1 and needle in line):
            return number
    return 1


def items(text: str, path: str) -> list[Item]:
    """Every number and formula of the page's prose outside claims, in order."""
    visible = prose(text, path)
    starts = [m.start() for m in re.finditer(r"^", text, re.MULTILINE)]

    def line_of(offset: int) -> int:
        lo, hi = 0, len(starts) - 1
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if starts[mid] <= offset:
                lo = mid
            else:
                hi = mid - 1
        return lo + 1

    # A display opened with $$ and never closed within its paragraph is published as raw text.
    marks = [m.start() for m in re.finditer(r"(?<!\\)\$\$", visible)]
    for k in range(0, len(marks), 2):
        opening, closing = marks[k], marks[k + 1] if k + 1 < len(marks) else None
        if closing is None or re.search(r"\n[ \t]*\n", visible[opening:closing]):
            raise CoverageError(
                path, line_of(opening), "display math opened with $$ is not closed by $$ before the paragraph ends"
            )
    found: list[Item] = []
    blanked = list(visible)
    for m in MATH_RE.finditer(visible):
        body = next(g for g in m.groups() if g is not None)
        for k in range(m.start(), m.end()):
            if blanked[k] not in "\r\n":
                blanked[k] = " "
        named = INDEXED_NAME_RE.fullmatch(body) or re.fullmatch(r"\s*(?:\\[A-Za-z]+|[=<>+\-])\s*", body)
        if OPERATOR_RE.search(SUBSCRIPT_RE.sub("", body)) and not named:
            found.append(Item("formula", " ".join(m.group(0).split()), line_of(m.start()), m.start(), m.end()))
    rest = "".join(blanked)
    for m in NUMBER_RE.finditer(rest):
        found.append(Item("number", m.group(0), line_of(m.start()), m.start(), m.end()))
    return sorted(found, key=lambda it: it.start)


def page_coverage(text: str, path: str, claims: int) -> PageCoverage:
    """Classify every item of a page; raises CoverageError for declarations that cannot be used."""
    meta, _ = front_matter(text, path)
    declared = declarations(meta, text, path)
    body_start = FRONT_MATTER_RE.match(text).end() if FRONT_MATTER_RE.match(text) else 0
    spans: list[tuple[int, int]] = []
    for piece in declared:
        # Spaces in a declaration match any run of spaces, or one line break: Markdown wraps its paragraphs.
        pattern = r"(?:[ \t]+|[ \t]*\r?\n[ \t]*)".join(re.escape(word) for word in piece.split())
        hits = [m.span() for m in re.finditer(pattern, text[body_start:])]
        if not hits:
            raise CoverageError(
                path,
                _meta_line(text, piece),
                f"context {piece!r} is not on the page (was the text changed? a declaration quotes the page "
                "exactly, within one paragraph)",
            )
        spans.extend((a + body_start, b + body_start) for a, b in hits)
    cov = PageCoverage(path, claims, declared=declared)
    for it in items(text, path):
        if it.start < body_start:
            continue
        if any(a <= it.start and it.end <= b for a, b in spans):
            cov.context.append(it)
        else:
            cov.unchecked.append(it)
    return cov


def unchecked_message(cov: PageCoverage, item: Item) -> str:
    return f"{cov.path}:{item.line}: the {item.kind} {item.text!r} is not checked: {HINT}"


__all__ = ["CoverageError", "Item", "PageCoverage", "PageSyntaxError", "items", "page_coverage"]
