"""Read a matrix formula written in LaTeX and evaluate it on numbers, safely.

The backpropagation pages (HW2 Q3 and Q4) state gradients such as

    \\frac{\\partial L}{\\partial X_t} = \\left(\\frac{\\partial L}{\\partial H_t} \\odot (1 - H_t^2)\\right) W_x^\\top

A formula like this cannot be compared symbolically with sympy (it is about
matrices), so the check is numeric: the formula is parsed into a small tree by
the recursive-descent parser below (never ``eval``; the text comes from pages
and pull requests) and evaluated with NumPy on arrays from a real forward pass,
then compared with autograd.

The notation, deliberately small and strict:

* every quantity is a matrix with one row per example (the batched form of the
  code): ``X_t`` is N x D, ``H_t`` is N x H, ``W_x`` is D x H, ``b`` is 1 x H;
* juxtaposition (or ``\\cdot``) is the matrix product, ``\\odot`` the elementwise
  product.  One term may not mix the two: write brackets, so that nobody has
  to guess which binds first;
* ``^\\top`` transposes; ``^2`` (any small whole power) is elementwise;
  ``\\tanh`` and ``\\sigma`` act elementwise, and ``\\tanh^2(C)`` is ``\\tanh(C)^2``;
* a subscript made of ``t``, ``T``, ``\\tau``, ``k``, whole numbers, ``+`` and
  ``-`` is a time index (``H_{t-1}``); any other subscript or a letter
  superscript is part of the name (``W_x``, ``W_h^f``, ``b^o``);
* ``\\frac{\\partial L}{\\partial Q}`` is the gradient of the loss with respect to
  ``Q``; any other ``\\frac{A}{B}`` divides ``A`` by ``B``, which must be a number;
  ``\\sum_{t=1}^{T}`` sums the rest of its term; ``\\mathbf{1}`` is a column of N ones
  (so ``\\mathbf{1}^\\top M`` sums the rows of ``M``);
* ``\\lVert M \\rVert^2`` (or ``\\|M\\|^2``) is the squared Frobenius norm, the sum of the squares of
  ``M``'s entries (a number); only the squared norm is known.

Work is bounded: formula length, nesting depth, the length of a sum and the
number of evaluation steps are all limited.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NamedTuple

from .latex import LIMITS, _excerpt  # one set of limits, one way to show untrusted text, for both parsers

__all__ = ["MatrixLatexError", "Node", "evaluate", "look_up", "parse_chain", "quantity_key"]

# Length and nesting as in the LaTeX parser (one set of limits for both); sums and evaluation steps are this one's.
MAX_LENGTH, MAX_DEPTH = LIMITS["max_length"], LIMITS["max_depth"]
MAX_SUM_TERMS, MAX_STEPS = 200, 200_000
INDEX_VARS = {"t": "t", "T": "T", r"\tau": "tau", "k": "k"}
GREEK = {
    "alpha",
    "beta",
    "gamma",
    "delta",
    "Delta",
    "epsilon",
    "zeta",
    "eta",
    "theta",
    "lambda",
    "mu",
    "nu",
    "xi",
    "pi",
    "rho",
    "phi",
    "Phi",
    "psi",
    "Psi",
    "omega",
    "Omega",
    "Gamma",
    "Lambda",
    "Sigma",
    "Theta",
}
ACCENTS = {"tilde": "~", "bar": "bar ", "hat": "hat "}
SKIP = {
    r"\left",
    r"\right",
    r"\big",
    r"\Big",
    r"\bigg",
    r"\Bigg",
    r"\bigl",
    r"\bigr",
    r"\Bigl",
    r"\Bigr",
    r"\,",
    r"\;",
    r"\!",
    r"\:",
    "\\ ",
    r"\quad",
    r"\qquad",
    r"\displaystyle",
}


class MatrixLatexError(ValueError):
    """A formula that cannot be read or evaluated; says where (column) and why."""

    def __init__(self, reason: str, source: str = "", column: int | None = None) -> None:
        self.reason, self.source, self.column = reason, source, column
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.column is None or not self.source:
            return self.reason
        excerpt, caret = _excerpt(self.source, self.column)  # the LaTeX parser's: bounded, printable only
        return f"{self.reason} (column {self.column + 1})\n    {excerpt}\n    {' ' * (caret or 0)}^"


class Token(NamedTuple):
    kind: str  # "cmd", "letter", "num", "sym", "end"
    text: str
    pos: int


_TOKEN_RE = re.compile(r"\s+|\\[A-Za-z]+|\\[,;:! |]|[0-9]+(?:\.[0-9]+)?|[A-Za-z]|[-+=(){}\[\]^_',|]|.", re.DOTALL)


def _tokenize(src: str) -> list[Token]:
    if len(src) > MAX_LENGTH:
        raise MatrixLatexError(f"the formula is {len(src)} characters long; the limit is {MAX_LENGTH}")
    out = []
    for m in _TOKEN_RE.finditer(src):
        text = m.group()
        if text.isspace() or text in SKIP:
            continue
        if text.startswith("\\") and len(text) > 1:
            kind = "cmd"  # \| (a norm's bar) included
        elif text[0] in "0123456789":  # ASCII digits only: a look-alike (１, ১, 𝟏) is not read as a number
            kind = "num"
        elif text.isascii() and text.isalpha():
            kind = "letter"
        elif text in "-+=(){}[]^_',|":
            kind = "sym"
        else:
            raise MatrixLatexError(f"unexpected character {text!r}", src, m.start())
        out.append(Token(kind, text, m.start()))
    out.append(Token("end", "", len(src)))
    return out


@dataclass(frozen=True)
class Node:
    """One node of a parsed formula.  ``op`` says what it is; ``args`` are its children or data."""

    op: str  # num, name, grad, ones, add, sub, neg, matmul, odot, T, pow, tanh, sigma, sum, sqnorm
    args: tuple[Any, ...]
    pos: int = 0


@dataclass(frozen=True)
class Quantity:
    """A named quantity, optionally at a time index (an index expression over t, T, tau, k)."""

    key: str  # e.g. "H", "W_x", "W_h^f", "~C", "dL/dH"
    index: tuple[tuple[int, str], ...] | None  # sum of (coefficient, variable or "") terms; None: not time-indexed

    def text(self) -> str:
        if self.index is None:
            return self.key
        parts = [(f"{c:+d}" if not v else ("+" if c > 0 else "-") + v) for c, v in self.index]
        idx = "".join(parts).lstrip("+") or "0"
        return f"{self.key}[{idx}]"


def quantity_key(src: str) -> Quantity:
    """The quantity that a left-hand side such as ``\\frac{\\partial L}{\\partial H_{t-1}}`` names."""
    p = _Parser(src)
    node = p.expression()
    p.expect_end()
    if node.op not in ("grad", "name"):
        raise MatrixLatexError(
            f"{src!r} is not a single quantity such as \\frac{{\\partial L}}{{\\partial W_x}}", src, 0
        )
    return node.args[0]


def parse_chain(src: str) -> list[Node]:
    """Parse ``a = b = c`` into its parts."""
    p = _Parser(src)
    parts = [p.expression()]
    while p.at("sym", "="):
        p.advance()
        parts.append(p.expression())
    p.expect_end()
    for part in parts:
        _check_depth(part, src)
    return parts


MAX_TREE_DEPTH = 200  # a parsed formula deeper than this (2,000 primes in a row) is not evaluated


def _check_depth(root: Node, src: str) -> None:
    """Refuse a formula whose parsed tree is deeper than :data:`MAX_TREE_DEPTH`, measured without recursion,
    so that evaluating it (which recurses) cannot exhaust Python's stack."""
    stack = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_TREE_DEPTH:
            raise MatrixLatexError(
                f"the formula nests more than {MAX_TREE_DEPTH} operations inside each other", src, node.pos
            )
        stack += [(a, depth + 1) for a in node.args if isinstance(a, Node)]


class _Parser:
    def __init__(self, src: str) -> None:
        self.src, self.toks, self.i, self.depth = src, _tokenize(src), 0, 0
        self.bars = 0  # how many \|...\| norms are open here

    # -- helpers --------------------------------------------------------
    def peek(self, ahead: int = 0) -> Token:
        return self.toks[min(self.i + ahead, len(self.toks) - 1)]

    def advance(self) -> Token:
        tok = self.peek()
        self.i += 1
        return tok

    def at(self, kind: str, text: str | None = None) -> bool:
        tok = self.peek()
        return tok.kind == kind and (text is None or tok.text == text)

    def error(self, reason: str, tok: Token | None = None) -> MatrixLatexError:
        return MatrixLatexError(reason, self.src, (tok or self.peek()).pos)

    def expect(self, kind: str, text: str) -> Token:
        if not self.at(kind, text):
            tok = self.peek()
            raise self.error(f"expected {text!r} here, found {tok.text or 'the end of the formula'!r}")
        return self.advance()

    def expect_end(self) -> None:
        if not self.at("end"):
            raise self.error(f"unexpected {self.peek().text!r}: the formula should end here")

    def deeper(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error(f"the formula is nested more than {MAX_DEPTH} levels deep")

    # -- grammar -------------------------------------------------------
    def expression(self) -> Node:
        self.deeper()
        tok = self.peek()
        if self.at("sym", "-") or self.at("sym", "+"):
            sign = self.advance().text
            node = self.term()
            if sign == "-":
                node = Node("neg", (node,), tok.pos)
        else:
            node = self.term()
        while self.at("sym", "+") or self.at("sym", "-"):
            op = self.advance()
            node = Node("add" if op.text == "+" else "sub", (node, self.term()), op.pos)
        self.depth -= 1
        return node

    def starts_factor(self) -> bool:
        tok = self.peek()
        if tok.kind in ("letter", "num"):
            return True
        if tok.kind == "sym":
            return tok.text in "({["
        if tok.kind == "cmd" and tok.text == r"\|":
            return self.bars == 0  # inside \|...\| the next bar closes the norm
        return tok.kind == "cmd" and tok.text not in (r"\odot", r"\circ", r"\cdot", r"\times", r"\top", r"\rVert")

    def term(self) -> Node:
        tok = self.peek()
        if not self.starts_factor():
            raise self.error(f"expected a quantity here, found {tok.text or 'the end of the formula'!r}")
        node = self.factor()
        kinds: set[str] = set()
        while True:
            if self.at("cmd", r"\odot") or self.at("cmd", r"\circ"):
                op_tok, op = self.advance(), "odot"
            elif self.at("cmd", r"\cdot"):
                op_tok, op = self.advance(), "matmul"
            elif self.starts_factor():
                op_tok, op = self.peek(), "matmul"
            else:
                return node
            if node.op == "num" and op == "matmul":  # 2 X, \frac{1}{2} X: scaling, never ambiguous
                pass
            else:
                kinds.add(op)
                if len(kinds) > 1:
                    raise self.error(
                        "this term mixes the elementwise product \\odot with a matrix product; "
                        "add brackets to say which comes first",
                        op_tok,
                    )
            if self.at("cmd", r"\sum"):
                node = Node(op, (node, self.factor()), op_tok.pos)  # a sum takes the rest of the term
                return node
            node = Node(op, (node, self.factor()), op_tok.pos)

    def factor(self) -> Node:
        self.deeper()
        node = self.primary()
        while self.at("sym", "^") or self.at("sym", "'"):
            tok = self.advance()
            if tok.text == "'":
                node = Node("T", (node,), tok.pos)
                continue
            sup = self.script_tokens()
            texts = [t.text for t in sup]
            if texts in ([r"\top"], ["T"], [r"\intercal"]):
                node = Node("T", (node,), tok.pos)
            elif len(texts) == 1 and texts[0].isdigit() and 1 <= int(texts[0]) <= 9:
                node = Node("pow", (node, int(texts[0])), tok.pos)
            else:
                raise self.error("after a bracket or function only ^\\top or a whole power 1..9 can follow", tok)
        self.depth -= 1
        return node

    def script_tokens(self) -> list[Token]:
        """The tokens of a sub- or superscript: one token, or a braced group (flat)."""
        if self.at("sym", "{"):
            opener = self.advance()
            out = []
            while not self.at("sym", "}"):
                if self.at("end"):
                    raise self.error("this { is never closed", opener)
                out.append(self.advance())
            self.advance()
            if not out:
                raise self.error("empty script", opener)
            return out
        tok = self.advance()
        if tok.kind == "end":
            raise self.error("a script needs something after ^ or _", tok)
        if tok.kind == "num" and len(tok.text) > 1:  # LaTeX takes one character: H_12 is H_1 2
            raise self.error(f"write {{{tok.text}}} in braces: an unbraced script is a single character", tok)
        return [tok]

    def primary(self) -> Node:
        tok = self.peek()
        if tok.kind == "num":
            self.advance()
            return Node("num", (float(tok.text),), tok.pos)
        if tok.kind == "sym" and tok.text in "({[":
            self.advance()
            inner = self.expression()
            self.expect("sym", {"(": ")", "{": "}", "[": "]"}[tok.text])
            return inner
        if tok.kind == "cmd":
            name = tok.text[1:]
            if name == "frac":
                return self.fraction()
            if name in ("tanh", "sigma"):
                return self.function()
            if name == "sum":
                return self.sum()
            if name in ("lVert", "|"):
                return self.squared_norm()
            if name == "mathbf":
                self.advance()
                inner = self.script_tokens()
                if [t.text for t in inner] != ["1"]:
                    raise self.error("only \\mathbf{1} (a column of ones) is known", tok)
                return Node("ones", (), tok.pos)
        if tok.kind == "letter" or (tok.kind == "cmd" and (tok.text[1:] in GREEK or tok.text[1:] in ACCENTS)):
            return self.name_node()
        raise self.error(f"{tok.text or 'the end of the formula'!r} cannot start a quantity here")

    def squared_norm(self) -> Node:
        """``\\lVert M \\rVert^2`` or ``\\|M\\|^2``: the sum of the squares of M's entries."""
        opener = self.advance()
        self.deeper()
        bar = opener.text == r"\|"
        self.bars += bar
        inner = self.expression()
        self.bars -= bar
        self.depth -= 1
        closer = r"\rVert" if opener.text == r"\lVert" else r"\|"
        if not self.at("cmd", closer):
            raise self.error(f"this norm is never closed: write {closer} after what it measures", opener)
        self.advance()
        if not self.at("sym", "^"):
            raise self.error("only the squared norm is known: write ^2 after the closing bar", opener)
        self.advance()
        if [t.text for t in self.script_tokens()] != ["2"]:
            raise self.error("only the squared norm is known: the power after a norm must be 2", opener)
        return Node("sqnorm", (inner,), opener.pos)

    def base_name(self) -> str:
        tok = self.advance()
        if tok.kind == "letter":
            return tok.text
        name = tok.text[1:]
        if name in ACCENTS:
            inner = self.script_tokens()
            if len(inner) != 1 or inner[0].kind not in ("letter", "cmd"):
                raise self.error(f"\\{name}{{...}} takes one letter", tok)
            return ACCENTS[name] + inner[0].text.lstrip("\\")
        if name in GREEK:
            return name
        raise self.error(f"{tok.text!r} is not a quantity's name", tok)

    def name_node(self) -> Node:
        pos = self.peek().pos
        quantity, power = self.quantity()
        node = Node("name", (quantity,), pos)
        return self.apply_power(node, power, pos)

    def apply_power(self, node: Node, power: list[str], pos: int) -> Node:
        for p in power:
            node = Node("T", (node,), pos) if p == "T" else Node("pow", (node, int(p)), pos)
        return node

    def quantity(self) -> tuple[Quantity, list[str]]:
        """A name with its scripts, in either order; returns the quantity and any ^\\top / ^2 that followed."""
        key, index, post = self.base_name(), None, []
        label_sub, label_sup = "", ""
        for _ in range(2):
            if self.at("sym", "_") and index is None and not label_sub:
                tok = self.advance()
                toks = self.script_tokens()
                parsed = self.index_of(toks)
                if parsed is None:
                    label_sub = "".join(t.text.lstrip("\\") for t in toks)
                else:
                    index = parsed
            elif self.at("sym", "^") and not post and not label_sup:
                tok = self.advance()
                toks = self.script_tokens()
                texts = [t.text for t in toks]
                if texts in ([r"\top"], ["T"], [r"\intercal"]):
                    post.append("T")
                elif len(texts) == 1 and texts[0].isdigit():
                    if not 1 <= int(texts[0]) <= 9:
                        raise self.error("only whole powers 1..9 are allowed", tok)
                    post.append(texts[0])
                elif all(t.kind == "letter" for t in toks) or texts[0] == "(":
                    label_sup = "".join(texts).strip("()")
                else:
                    raise self.error(f"cannot read the superscript {''.join(texts)!r}", tok)
            else:
                break
        full = key + (f"_{label_sub}" if label_sub else "") + (f"^{label_sup}" if label_sup else "")
        return Quantity(full, index), post

    def index_of(self, toks: list[Token]) -> tuple[tuple[int, str], ...] | None:
        """A time index such as t-1, T, 0, \\tau+1; None when the subscript is a label (x, h, proj)."""
        if not all(t.kind == "num" or t.text in INDEX_VARS or t.text in "+-" for t in toks):
            return None
        terms: list[tuple[int, str]] = []
        sign, expect_value = 1, True
        for t in toks:
            if t.text in "+-":
                if not expect_value and terms:
                    sign, expect_value = (1 if t.text == "+" else -1), True
                    continue
                if expect_value and not terms:
                    sign = -1 if t.text == "-" else 1
                    continue
                raise self.error("cannot read this time index", t)
            if not expect_value:
                raise self.error("cannot read this time index: two values in a row", t)
            if t.kind == "num":
                if "." in t.text:
                    raise self.error("a time index must be whole", t)
                terms.append((sign * int(t.text), ""))
            else:
                terms.append((sign, INDEX_VARS[t.text]))
            sign, expect_value = 1, False
        if expect_value:
            raise self.error("this time index ends in an operator", toks[-1])
        return tuple(terms)

    def fraction(self) -> Node:
        start = self.advance()
        if self.at("sym", "{") and self.peek(1).text == r"\partial":
            self.advance()
            self.advance()
            num = self.advance()
            if num.text != "L":
                raise self.error(
                    "only derivatives of the loss L are known here: \\frac{\\partial L}{\\partial ...}", num
                )
            self.expect("sym", "}")
            self.expect("sym", "{")
            self.expect("cmd", r"\partial")
            quantity, post = self.quantity()
            if post:
                raise self.error("write powers and transposes outside the derivative", start)
            self.expect("sym", "}")
            node = Node("grad", (Quantity("dL/d" + quantity.key, quantity.index),), start.pos)
            return node
        parts = []
        for _ in range(2):
            self.expect("sym", "{")
            value = self.expression()
            self.expect("sym", "}")
            parts.append(value)
        if parts[1].op == "num" and parts[1].args[0] == 0:
            raise self.error("\\frac divides by zero", start)
        if parts[0].op == "num" and parts[1].op == "num":
            return Node("num", (parts[0].args[0] / parts[1].args[0],), start.pos)
        return Node("div", (parts[0], parts[1]), start.pos)  # the denominator must be a number (see evaluate)

    def function(self) -> Node:
        tok = self.advance()
        power = []
        if self.at("sym", "^"):
            self.advance()
            texts = [t.text for t in self.script_tokens()]
            if len(texts) != 1 or not texts[0].isdigit() or not 1 <= int(texts[0]) <= 9:
                raise self.error("a function's power must be a whole number 1..9", tok)
            power.append(texts[0])
        if not (self.at("sym", "(") or self.at("sym", "[") or self.at("sym", "{")):
            raise self.error(f"write the argument of {tok.text} in brackets", tok)
        opener = self.advance()
        inner = self.expression()
        self.expect("sym", {"(": ")", "{": "}", "[": "]"}[opener.text])
        return self.apply_power(Node(tok.text[1:], (inner,), tok.pos), power, tok.pos)

    def sum(self) -> Node:
        tok = self.advance()
        self.expect("sym", "_")
        lower = self.script_tokens()
        if len(lower) < 3 or lower[0].text not in INDEX_VARS or lower[1].text != "=":
            raise self.error("write the sum's range as \\sum_{t=1}^{T}", tok)
        var = INDEX_VARS[lower[0].text]
        lo = self.index_of(lower[2:])
        self.expect("sym", "^")
        hi = self.index_of(self.script_tokens())
        if lo is None or hi is None:
            raise self.error("a sum's bounds must be time indices such as 1, t+1 or T", tok)
        body = self.term()
        return Node("sum", (var, lo, hi, body), tok.pos)


# -- evaluation ----------------------------------------------------------------

Value = Any  # a float or a NumPy array (NumPy is imported by the evaluator only: the parser runs without it)


class Env:
    """What names mean: arrays, time-indexed arrays (``dict[int, array]``), index values."""

    def __init__(
        self,
        values: Mapping[str, Any],
        bindings: Mapping[str, int],
        forbidden: Quantity | None = None,
        forbidden_at: int | None = None,
    ) -> None:
        self.values, self.bindings = values, dict(bindings)
        self.forbidden, self.forbidden_at = forbidden, forbidden_at
        self.steps = 0

    def index(self, terms: tuple[tuple[int, str], ...], src: str, pos: int) -> int:
        total = 0
        for coef, var in terms:
            if var and var not in self.bindings:
                raise MatrixLatexError(f"the index {var} has no value here", src, pos)
            total += coef * (self.bindings[var] if var else 1)
        return total


@contextmanager
def summation(node: Node, env: Env, src: str = "") -> Iterator[Iterator[Node]]:
    """The terms of a ``\\sum_{k=lo}^{hi}`` node: yields an iterator that binds the index to each value in
    turn and gives the body to evaluate; the index's former binding is restored on leaving, error or not.
    Both evaluators (NumPy here, pure Python in :mod:`.matrix_eval`) sum through it, so the bounds, the term
    limit and the restoring are written once."""
    var, lo_terms, hi_terms, body = node.args
    lo, hi = env.index(lo_terms, src, node.pos), env.index(hi_terms, src, node.pos)
    if hi - lo + 1 > MAX_SUM_TERMS:
        raise MatrixLatexError(f"this sum has {hi - lo + 1} terms; the limit is {MAX_SUM_TERMS}", src, node.pos)
    old = env.bindings.get(var)

    def terms() -> Iterator[Node]:
        for k in range(lo, hi + 1):
            env.bindings[var] = k
            yield body

    try:
        yield terms()
    finally:
        if old is None:
            env.bindings.pop(var, None)
        else:
            env.bindings[var] = old


def look_up(node: Node, env: Env, src: str = "") -> Value:
    """A number, a named quantity (at its time index) or the column of ones: what evaluation starts from.
    Needs no NumPy (the in-page checker's evaluator, :mod:`.matrix_eval`, shares it)."""
    op, a = node.op, node.args

    def fail(reason: str) -> MatrixLatexError:
        return MatrixLatexError(reason, src, node.pos)

    if op == "num":
        return a[0]
    if op == "ones":
        return env.values["_ones"]
    if op not in ("name", "grad"):  # pragma: no cover - evaluate sends only these
        raise fail(f"{op} is not a quantity")
    q: Quantity = a[0]
    shown = q.text().replace("dL/d", "∂L/∂")
    if q.key not in env.values:
        known = ", ".join(sorted(k.replace("dL/d", "∂L/∂") for k in env.values if not k.startswith("_")))
        raise fail(f"{shown.split('[')[0]} is not a quantity of this problem (known: {known})")
    value = env.values[q.key]
    if q.index is None:
        if isinstance(value, dict):
            raise fail(f"{shown} changes with time: give it a time index such as _t")
        at = None
    else:
        if not isinstance(value, dict):
            raise fail(f"{q.key.replace('dL/d', '∂L/∂')} does not change with time: drop its time index")
        at = env.index(q.index, src, node.pos)
        if at not in value:
            raise fail(
                f"{q.key.replace('dL/d', '∂L/∂')} at time {at} does not exist here (it exists for "
                f"{min(value)}..{max(value)}; t={env.bindings.get('t')}, T={env.bindings.get('T')})"
            )
        value = value[at]
    if env.forbidden is not None and q.key == env.forbidden.key and at == env.forbidden_at:
        raise fail(f"the formula uses {shown}, the very quantity it is meant to give")
    return value


def evaluate(node: Node, env: Env, src: str = "") -> Value:
    import numpy as np

    env.steps += 1
    if env.steps > MAX_STEPS:
        raise MatrixLatexError(f"evaluating this formula takes more than {MAX_STEPS} steps")
    op, a = node.op, node.args

    def fail(reason: str) -> MatrixLatexError:
        return MatrixLatexError(reason, src, node.pos)

    if op in ("num", "name", "grad", "ones"):
        return look_up(node, env, src)
    if op == "neg":
        return -evaluate(a[0], env, src)
    if op in ("add", "sub", "odot"):
        x, y = evaluate(a[0], env, src), evaluate(a[1], env, src)
        _same_shape(x, y, {"add": "add", "sub": "subtract", "odot": "multiply elementwise (\\odot)"}[op], fail)
        return x + y if op == "add" else x - y if op == "sub" else x * y
    if op == "matmul":
        x, y = evaluate(a[0], env, src), evaluate(a[1], env, src)
        if np.ndim(x) == 0 or np.ndim(y) == 0:
            return x * y
        if x.shape[1] != y.shape[0]:
            raise fail(f"cannot multiply a {_shape(x)} matrix by a {_shape(y)} matrix")
        return x @ y
    if op == "div":
        x, y = evaluate(a[0], env, src), evaluate(a[1], env, src)
        if np.ndim(y) != 0:
            raise fail(f"\\frac divides by a number only, and this denominator is a {_shape(y)} matrix")
        if y == 0:
            raise fail("\\frac divides by zero here")
        return x / y
    if op == "T":
        x = evaluate(a[0], env, src)
        return x if np.ndim(x) == 0 else x.T
    if op == "pow":
        return evaluate(a[0], env, src) ** a[1]
    if op == "tanh":
        return np.tanh(evaluate(a[0], env, src))
    if op == "sigma":
        x = evaluate(a[0], env, src)
        return np.exp(-np.logaddexp(0.0, -x))
    if op == "sum":
        total: Value = 0.0
        with summation(node, env, src) as terms:
            for body in terms:
                total = total + evaluate(body, env, src)
        return total
    if op == "sqnorm":
        return float(np.sum(np.square(evaluate(a[0], env, src))))
    raise fail(f"unknown operation {op}")  # pragma: no cover - the parser makes no other nodes


def _shape(x: Value) -> str:
    import numpy as np

    return "scalar" if np.ndim(x) == 0 else " x ".join(str(s) for s in x.shape)


def _same_shape(x: Value, y: Value, verb: str, fail: Callable[[str], MatrixLatexError]) -> None:
    import numpy as np

    if np.ndim(x) == 0 or np.ndim(y) == 0:
        return
    if x.shape == y.shape:
        return
    rows_ok = x.shape[1] == y.shape[1] and 1 in (x.shape[0], y.shape[0])  # a bias row against N rows
    if not rows_ok:
        raise fail(f"cannot {verb} a {_shape(x)} matrix and a {_shape(y)} matrix")
