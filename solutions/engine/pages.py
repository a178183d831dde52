"""Find the claims that a Markdown page makes, and where.

Two forms, both readable as plain Markdown on a code host:

* inline, anywhere in a sentence or a table cell::

      there are [[a2.q4.valid_triplets: 36]] valid triplets
      the gradient is [[a2.q3.dL_dfa: $f_n - f_p$]]
      [[a2.example.W_new]]            (no value: the code generates what is shown)

* displayed, as a fenced block whose body is the LaTeX of an equation::

      ```claim a2.q6.dL_df1
      \\frac{\\partial L}{\\partial f_1} = 2f_1 - 2f_2 - 2f_3 + f_4 + f_5
      ```

Claims inside other code blocks and inline code are examples, not claims, and
are skipped.  Nothing here judges a value; that is :mod:`checks`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

# What a claim id looks like: a2.q6.dL_df1 (the registry refuses any other).
ID_PATTERN = r"[a-z0-9][A-Za-z0-9_.\-]*[A-Za-z0-9_]"

# A ``?`` before the id marks the claim as the answer to one of the assignment's questions (practice mode hides
# it until the reader has tried; only answers get a field): ``[[?a2.q4.valid_triplets: 36]]``, a block ``claim ?id``.
INLINE_RE = re.compile(rf"\[\[(?P<answer>\?)?(?P<id>{ID_PATTERN})(?::(?P<value>.*?))?\]\]")
# A passage that gives an answer away (the reasoning right before it: "6 · 2 · 3 choices"), hidden in practice mode
# while any of the answers it names is: ``[[giveaway ?a2.q4.valid_triplets]] ... [[/giveaway]]``, both markers on
# one line (a phrase), or each alone on its line between blank lines (paragraphs, boxes, code blocks).
GIVEAWAY_RE = re.compile(rf"\[\[giveaway(?P<ids>(?:[ \t]+\?{ID_PATTERN})+)[ \t]*\]\]|\[\[/giveaway\]\]")
FENCE_OPEN_RE = re.compile(rf"^(?P<indent>[ \t]*)```claim[ \t]+(?P<answer>\?)?(?P<id>{ID_PATTERN})[ \t]*$")
HEADING_RE = re.compile(r"^#{1,6}[ \t]+(?P<text>.*?)(?:[ \t]+#+)?(?:[ \t]*\{[^{}]*\})?[ \t]*$")
CLAIM_FENCE_RE = re.compile(r"^[ \t]*(?:`{3,}|~{3,})[ \t]*claim\b")  # any line that tries to open a claim block
ANY_FENCE_RE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})")
# What may follow a fence's opening characters (a language, options such as title="x", or {attributes}),
# as the fenced-code extension reads it; with other words after them the line is a paragraph.
_OPTION = r"[A-Za-z][\w-]*(?:=(?:\"[^\"]*\"|'[^']*'|[^\s\"']+))?"
FENCE_INFO_RE = re.compile(rf"[ \t]*(?:\{{[^{{}}]*\}}|[\w#.+-]*(?:[ \t]+{_OPTION})*)[ \t]*")
CODE_SPAN_RE = re.compile(r"(?<![`\\])(`+)(?!`).*?(?<!`)\1(?!`)")  # an escaped backtick opens nothing


class PageSyntaxError(ValueError):
    """A claim marker that cannot be read: an unclosed fence, an empty value."""

    def __init__(self, path: str, line: int, reason: str) -> None:
        super().__init__(f"{path}:{line}: {reason}")
        self.path, self.line, self.reason = path, line, reason


@dataclass
class Occurrence:
    """One claim as written on a page."""

    id: str
    value: str | None  # None: the page shows what the code generates
    path: str  # page path as given (relative to the docs folder)
    line: int  # 1-based line of the marker (of the opening fence for displays)
    start: int  # character offsets of the whole marker in the page text
    end: int
    display: bool
    in_table: bool
    indent: str = ""
    answer: bool = False  # written with a ``?``: the answer to one of the assignment's questions
    heading: str = ""  # the text of the last heading above it, as written (for labels in words)
    # An inline marker alone on its line: that line's indentation, which every further line of what replaces it
    # must repeat to stay inside its container (an admonition, a collapsible block, a list item).
    line_indent: str = ""

    @property
    def is_latex(self) -> bool:
        return self.display or (self.value is not None and self.value.strip().startswith("$"))

    @property
    def latex(self) -> str:
        """The value without the ``$`` delimiters of inline math."""
        v = (self.value or "").strip()
        if not self.display and v.startswith("$") and v.endswith("$") and len(v) >= 2:
            v = v.strip("$").strip()
        return v

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


def split_lines(text: str) -> list[str]:
    """The lines of a page, each with its newline, split where Markdown splits them: at ``\\n`` only
    (``str.splitlines`` also breaks at form feeds and other separators that Markdown keeps in a line)."""
    return re.findall(r"[^\n]*\n|[^\n]+$", text)


def _blank_code_spans(line: str) -> str:
    """Replace inline code by spaces of the same length, so offsets still match."""
    return CODE_SPAN_RE.sub(lambda m: " " * len(m.group(0)), line)


# Raw HTML on a page (scripts, event handlers, inline styles, the engine's reserved classes and ids) is not
# judged here, on the Markdown source, but on the HTML the page becomes: see :mod:`.sanitize`.


# A line that makes the indented lines after it part of an element (an admonition, a collapsible block,
# a content tab, a list item) rather than a code block.
CONTAINER_RE = re.compile(r"^(?:!!!|\?\?\?\+?|===|[-*+][ \t]|[0-9]+\.[ \t]|\[\^[^\]]+\]:)")


class _IndentedCode:
    """Tells, line by line, whether a line is in an indented code block as Markdown reads it: lines indented
    by four spaces or more that follow a blank line, where the last line at the left margin is an ordinary
    paragraph (not an admonition, tab, collapsible block or list item, whose content is indented)."""

    def __init__(self) -> None:
        self.blank_before, self.in_container, self.in_code = True, False, False

    def is_code(self, line: str) -> bool:
        if not line.strip():
            self.blank_before = True
            return self.in_code
        indent = len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip(" "))
        if indent < 4:
            starts = bool(CONTAINER_RE.match(line.lstrip()) if indent else CONTAINER_RE.match(line))
            # A line at the margin right after a container's text continues it (a lazy line).
            self.in_container = starts or (self.in_container and not self.blank_before)
            self.in_code = False
            if line.lstrip().startswith("#"):  # a heading ends its block: an indented line after it is code
                self.blank_before = True
                return False
        elif self.blank_before and not self.in_container:
            self.in_code = True
        self.blank_before = False
        return self.in_code


class _Line(NamedTuple):
    """One stretch of a page as Markdown reads it: a prose line, a claim block, or any other code."""

    kind: str  # "prose", "claim" (a ```claim block) or "code" (a fenced or indented code block)
    first: int  # 0-based index of its first line
    last: int  # 0-based index of its last line
    fence: re.Match[str] | None = None  # the opening line of a claim block


FRONT_MATTER_RE = re.compile(r"\A\ufeff?-{3}[ \t]*\r?\n(.*?\r?\n)(?:\.{3}|-{3})[ \t]*\r?\n", re.DOTALL)


def front_matter_lines(text: str) -> int:
    """How many lines of ``text`` are YAML front matter (MkDocs' own reading), which is never rendered."""
    m = FRONT_MATTER_RE.match(text)
    return m.group(0).count("\n") if m else 0


def _stretches(lines: list[str], path: str, start: int = 0) -> Iterator[_Line]:
    """Walk the lines of a page: which are prose, which a claim block, which code (shown, never read).
    The first ``start`` lines (the front matter) are neither: they are skipped."""
    if start:
        yield _Line("meta", 0, start - 1)
    i = start
    indented = _IndentedCode()
    while i < len(lines):
        raw = lines[i].rstrip("\r\n")
        if indented.is_code(raw):  # shown as code, like a fenced block: a marker there is an example
            yield _Line("code", i, i)
            i += 1
            continue
        m = FENCE_OPEN_RE.match(raw)
        if m:
            j = i + 1
            while j < len(lines) and lines[j].rstrip("\r\n").strip() != "```":
                j += 1
            if j == len(lines):
                raise PageSyntaxError(path, i + 1, f"claim block {m.group('id')!r} is never closed by ```")
            yield _Line("claim", i, j, m)
            i = j + 1
            continue
        if CLAIM_FENCE_RE.match(raw):
            raise PageSyntaxError(
                path, i + 1, "a claim block opens with ```claim and one claim id, nothing else (```claim a2.q6.dL_df1)"
            )
        f = ANY_FENCE_RE.match(raw)
        # As CommonMark reads it: a backtick fence's info string holds no backtick (```x``` is inline code),
        # and only a line of at least as many of the same characters, and nothing else, closes it.
        if f and not (f.group("fence")[0] == "`" and "`" in raw[f.end() :]) and FENCE_INFO_RE.fullmatch(raw[f.end() :]):
            fence = f.group("fence")
            closing = re.compile(rf"[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*")
            j = i + 1
            while j < len(lines) and not closing.fullmatch(lines[j].rstrip("\r\n")):
                j += 1
            if j == len(lines):  # the renderer would print the fence and everything after it as text
                raise PageSyntaxError(path, i + 1, f"the code block opened with {fence} is never closed")
            yield _Line("code", i, j)
            i = j + 1
            continue
        yield _Line("prose", i, i)
        i += 1


def find_claims(text: str, path: str, first_line: int = 1) -> list[Occurrence]:
    """Every claim marker of a page, in order.  Raises PageSyntaxError on broken markers.

    ``first_line``: the line of the file where ``text`` starts (MkDocs hands a page over without its
    front matter)."""
    costly_markdown(text, path, first_line)
    out: list[Occurrence] = []
    lines = split_lines(text)
    offsets = [0]
    for ln in lines:
        offsets.append(offsets[-1] + len(ln))
    shift = first_line - 1
    heading = ""
    try:
        for stretch in _stretches(lines, path, front_matter_lines(text)):
            i = stretch.first
            if stretch.kind == "claim":
                m, j = stretch.fence, stretch.last
                indent = m.group("indent")
                body = [lines[k].rstrip("\r\n") for k in range(i + 1, j)]
                value = "\n".join(b[len(indent) :] if b.startswith(indent) else b.lstrip() for b in body).strip()
                if not value:
                    raise PageSyntaxError(
                        path, i + 1, f"claim block {m.group('id')!r} is empty: write the equation it claims"
                    )
                end = offsets[j] + len(lines[j].rstrip("\r\n"))
                occ = Occurrence(m.group("id"), value, path, i + 1 + shift, offsets[i], end, True, False, indent)
                occ.answer, occ.heading = bool(m.group("answer")), heading
                out.append(occ)
                continue
            if stretch.kind in ("code", "meta"):
                continue
            raw = lines[i].rstrip("\r\n")
            visible = _blank_code_spans(raw)
            if h := HEADING_RE.match(raw):
                heading = INLINE_RE.sub(lambda m: m.group("value") or "", h.group("text")).strip()
            in_table = visible.lstrip().startswith("|")
            for im in INLINE_RE.finditer(visible):
                value = im.group("value")
                if value is not None and not value.strip():
                    raise PageSyntaxError(path, i + 1, f"claim {im.group('id')!r} has an empty value")
                out.append(
                    Occurrence(
                        im.group("id"),
                        None if value is None else raw[im.start("value") : im.end("value")].strip(),
                        path,
                        i + 1 + shift,
                        offsets[i] + im.start(),
                        offsets[i] + im.end(),
                        False,
                        in_table,
                        answer=bool(im.group("answer")),
                        heading=heading,
                        line_indent=raw[: im.start()] if not visible[: im.start()].strip() else "",
                    )
                )
            _no_stray_brackets(INLINE_RE.sub("", GIVEAWAY_RE.sub("", visible)), path, i + 1)
    except PageSyntaxError as err:
        if not shift:
            raise
        raise PageSyntaxError(err.path, err.line + shift, err.reason) from None
    return out


UNCLOSED_LIMIT = 100  # unclosed \( in one paragraph that the Markdown renderer is given


def costly_markdown(text: str, path: str, first_line: int = 1) -> None:
    """Refuse, before rendering, what Python-Markdown takes quadratic time on (measured: 100,000 unclosed
    ``<!--`` in paragraphs of their own, 48 s; 10,000 unclosed ``\\(`` in one paragraph, 90 s): a comment
    that nothing closes, and a paragraph with more than :data:`UNCLOSED_LIMIT` unclosed ``\\(``.  Linear."""
    close = text.rfind("-->")
    if (k := text.find("<!--", close + 3 if close >= 0 else 0)) >= 0:
        raise PageSyntaxError(
            path,
            text.count("\n", 0, k) + first_line,
            "'<!--' opens a comment that no '-->' closes (close it, or write &lt;!-- to show the characters)",
        )
    start = 0
    for gap in [*re.finditer(r"\n[ \t]*\n", text), None]:
        end = gap.start() if gap else len(text)
        closed = text.rfind("\\)", start, end)
        unclosed = text.count("\\(", closed + 2 if closed >= 0 else start, end)
        if unclosed > UNCLOSED_LIMIT:
            raise PageSyntaxError(
                path,
                text.count("\n", 0, start) + first_line,
                f"this paragraph opens math with \\( {unclosed} times without closing it with \\) "
                "(close each one; the renderer slows down on them)",
            )
        start = gap.end() if gap else end


def _no_stray_brackets(rest: str, path: str, line: int) -> None:
    """What is left of a line once its markers are taken out may not hold ``[[`` or ``]]``: a marker that
    is not well formed would otherwise be published as typed, looking like an answer."""
    start, end = rest.find("[["), rest.find("]]")
    if start < 0 and end < 0:
        return
    if start < 0:
        raise PageSyntaxError(path, line, "]] closes no claim marker (a marker is [[id: value]], on one line)")
    if end < start:
        end = rest.find("]]", start)
    if end < 0:
        raise PageSyntaxError(
            path,
            line,
            f"{rest[start : start + 40]!r}: a claim marker opened with [[ is not "
            "closed on the same line (a marker is [[id: value]], on one line)",
        )
    raise PageSyntaxError(
        path,
        line,
        f"{rest[start : end + 2][:60]!r} is not a claim marker: write [[id: value]] "
        "with an id such as a2.q4.valid_triplets (lower-case start; letters, digits, . _ -) "
        "and no space before the colon",
    )


@dataclass
class Giveaway:
    """One marker of a passage that gives answers away: its opening (with the answers' ids) or its closing."""

    ids: tuple[str, ...]  # () for the closing marker
    line: int  # 1-based line of the file
    start: int  # character offsets of the marker in the page text
    end: int
    block: bool  # alone on its line: the passage is whole blocks (else a phrase, closed on the same line)


def find_giveaways(text: str, path: str, claims: list[Occurrence], first_line: int = 1) -> list[Giveaway]:
    """The giveaway markers of a page (outside code), in order, checked: each opening closed once, a phrase's on
    its line, a block's alone on a line at the margin between blank lines; every id an answer of this page
    (of ``claims``, its :func:`find_claims`: written ``[[?id: ...]]`` or ``claim ?id``), and no answer inside
    a passage (hiding it would hide its field).  Raises PageSyntaxError."""
    answers = {o.id for o in claims if o.answer}
    lines = split_lines(text)
    offsets = [0]
    for ln in lines:
        offsets.append(offsets[-1] + len(ln))
    shift = first_line - 1
    out: list[Giveaway] = []
    for stretch in _stretches(lines, path, front_matter_lines(text)):
        if stretch.kind != "prose":
            continue
        i = stretch.first
        raw = lines[i].rstrip("\r\n")
        for m in GIVEAWAY_RE.finditer(_blank_code_spans(raw)):
            ids = tuple(x.lstrip("?") for x in (m.group("ids") or "").split())
            alone = raw.strip() == m.group(0)
            where = i + 1 + shift
            for claim_id in ids:
                if claim_id not in answers:
                    raise PageSyntaxError(
                        path, where, f"giveaway names {claim_id!r}, which is no answer of this page ([[?id: ...]])"
                    )
            if alone and (
                raw != m.group(0) or any(j in range(len(lines)) and lines[j].strip() for j in (i - 1, i + 1))
            ):
                raise PageSyntaxError(
                    path,
                    where,
                    "a giveaway marker alone on its line starts at the margin, "
                    "between blank lines (or put both markers on one line, around a phrase)",
                )
            out.append(Giveaway(ids, where, offsets[i] + m.start(), offsets[i] + m.end(), alone))
    opened: Giveaway | None = None
    for g in out:
        if g.ids and opened is not None:
            raise PageSyntaxError(path, g.line, f"a giveaway opens before the one of line {opened.line} is closed")
        if not g.ids and opened is None:
            raise PageSyntaxError(path, g.line, "[[/giveaway]] closes no giveaway")
        if not g.ids and (g.block != opened.block or (not g.block and g.line != opened.line)):
            raise PageSyntaxError(
                path,
                g.line,
                f"the giveaway of line {opened.line} is closed differently from how it opens: a phrase's "
                "markers are on one line; a block's are each alone on a line",
            )
        if not g.ids:
            inside = [o for o in claims if o.answer and opened.end <= o.start < g.start]
            if inside:
                raise PageSyntaxError(
                    path,
                    opened.line,
                    f"the answer {inside[0].id} is inside this giveaway: it would hide its field "
                    "too; end the passage before it",
                )
        opened = g if g.ids else None
    if opened is not None:
        raise PageSyntaxError(path, opened.line, "this giveaway is never closed by [[/giveaway]]")
    return out


def replace_claims(text: str, occurrences: list[Occurrence], render: callable) -> str:
    """Return ``text`` with every occurrence replaced by ``render(occurrence)``."""
    pieces: list[str] = []
    pos = 0
    for occ in sorted(occurrences, key=lambda o: o.start):
        pieces.append(text[pos : occ.start])
        pieces.append(render(occ))
        pos = occ.end
    pieces.append(text[pos:])
    return "".join(pieces)
