"""Turn the LaTeX of an answer into a sympy expression, safely.

Pages (written by contributors in pull requests) and the command line (typed
by students) give answers as LaTeX such as ``2f_1 - 2f_2 + f_4`` or
``\\frac{\\partial L}{\\partial f_1} = (f_5 - f_2) + (f_1 - f_2)``.  That text
is untrusted, so it is never handed to ``eval``, ``sympify``,
``sympy.parsing`` or anything else that interprets strings.  A small
hand-written recursive-descent parser reads it instead and builds sympy
objects only through constructors (``Integer``, ``Rational``, ``Symbol``,
``Add``, ``Mul``, ``Pow``, ``sqrt``).

What this is not: a general LaTeX parser.  It accepts a deliberately small
subset of math-mode LaTeX, just enough to write the answers of a homework
(numbers, letters with subscripts, Greek letters, + - \\cdot / powers,
fractions, square roots, brackets, and partial-derivative atoms such as
``\\frac{\\partial L}{\\partial f_1}``).  Everything else is a
:class:`LatexError` with a caret under the offending column; it is better to
ask the author to rewrite a formula than to guess what it means.

Conventions worth knowing:

* every Latin letter is its own symbol, and juxtaposition multiplies:
  ``ab`` is ``a*b``; ``e`` and ``i`` are plain symbols, not constants;
* as in LaTeX, an unbraced script takes one character: ``f_12`` is
  ``f_1 * 2`` and ``x^23`` is ``x^2 * 3`` (write ``f_{12}``, ``x^{23}``);
* ``/`` is left-associative with juxtaposition: ``a/b c`` is ``(a/b) c``.

Work is bounded for any input: its length, nesting depth, the size of number
literals and exponents are limited (see :data:`LIMITS`), and so are the size
of numbers, the degree and the number of terms that *expanding* the result
could produce, because every check expands it and some of sympy's work (one
huge integer power) cannot be interrupted by a time limit.  A hostile formula
fails fast instead of exhausting time, memory or the Python stack.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from typing import NamedTuple

import sympy

__all__ = ["LIMITS", "LatexError", "derivative_symbol", "parse_chain", "parse_expr", "symbol_name"]

LIMITS: dict[str, int] = {
    "max_length": 2000,  # characters in one formula
    "max_depth": 40,  # nested groups, fractions, roots and scripts
    "max_exponent": 100,  # |numeric exponent| of any power built
    "max_digits": 30,  # digits in one number literal
}

# Computed numbers (such as 9^{99} \cdot 9^{99}) may not exceed this many bits.
# It keeps arithmetic cheap and stays below Python's 4300-digit limit on
# int -> str conversion, so whoever prints the result cannot fail either.
_MAX_NUMBER_BITS = 10_000
# sympy factors a number to simplify its roots (also of complex numbers and
# coefficients: sqrt(4x) is 2 sqrt(x)), and merges roots that are multiplied
# (sqrt(2) sqrt(3) is sqrt(6)); the cost grows fast with size, so all numbers
# under roots in one formula share this budget of bits.
_MAX_ROOT_BITS = 2048
# For a root or symbolic power of a non-trivial base, sympy also works out the
# base's real and imaginary parts, at a cost growing with its terms times its
# degree; all such bases in one formula share this budget.
_MAX_ROOT_WORK = 64
# Checks expand formulas; refuse those whose expansion has more terms than this.
_MAX_TERMS = 1000

GREEK = frozenset(
    {
        "alpha",
        "beta",
        "gamma",
        "delta",
        "epsilon",
        "varepsilon",
        "eta",
        "theta",
        "lambda",
        "mu",
        "sigma",
        "tau",
        "phi",
        "varphi",
        "omega",
        "Delta",
        "Sigma",
        "Omega",
        "Phi",
    }
)
FRACTIONS = frozenset({"frac", "dfrac", "tfrac"})
WRAPPERS = frozenset({"mathbf", "boldsymbol", "bm", "vec", "mathrm"})  # change the look, not the meaning
MULTIPLY = frozenset({"cdot", "times"})
_OTHER_COMMANDS = frozenset({"sqrt", "partial", "mathcal"})
KNOWN_COMMANDS = GREEK | FRACTIONS | WRAPPERS | MULTIPLY | _OTHER_COMMANDS

SPACING = frozenset({",", ";", ":", "!", " ", "\t", "\n", "\r", "quad", "qquad", "displaystyle"})
SIZERS = frozenset({"left", "right", "bigl", "bigr", "Bigl", "Bigr", "big", "Big", "bigg", "Bigg"})
ENVIRONMENTS = frozenset({"aligned", "split", "gathered"})

CLOSER = {"(": ")", "[": "]", "{": "}", "\\{": "\\}"}
DELIMITER_NAME = {
    "(": "parentheses",
    ")": "parentheses",
    "[": "brackets",
    "]": "brackets",
    "{": "braces",
    "}": "braces",
    "\\{": "braces",
    "\\}": "braces",
}

_NUMBER_RE = re.compile(r"[0-9]+(?:\.[0-9]+)?")
_COMMAND_RE = re.compile(r"[A-Za-z]+")
_ENVIRONMENT_RE = re.compile(r"\s*\{\s*([A-Za-z*]*)\s*\}")
_LINEBREAK_SPACING_RE = re.compile(r"\s*\[\s*-?[0-9.]+\s*(?:pt|em|ex|mm|cm|in|mu)\s*\]")
_NAME_NOISE_RE = re.compile(r"[{}\s]")


class LatexError(ValueError):
    """Anything the parser does not accept.

    ``reason`` says what is wrong, ``source`` is the whole formula and
    ``column`` the 0-based index in it where the problem is (None when no
    single place is to blame).  ``str(err)`` shows all three, with a caret,
    because the reader is usually a contributor looking at a CI log.
    """

    def __init__(self, reason: str, source: str = "", column: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.source = source
        self.column = column

    def __str__(self) -> str:
        lines = [f"cannot parse LaTeX: {self.reason}"]
        if self.source:
            excerpt, caret = _excerpt(self.source, self.column)
            lines.append("  " + excerpt)
            if caret is not None:
                lines.append("  " + " " * caret + "^")
        return "\n".join(lines)


def _excerpt(source: str, column: int | None, width: int = 72) -> tuple[str, int | None]:
    """The line of ``source`` holding ``column``, trimmed to ``width``, and the caret's offset in it.

    Non-ASCII and control characters are shown as '?' so that the caret lines
    up and nothing odd reaches a terminal.
    """
    if column is None:
        line = source.split("\n", 1)[0]
        shown = line[:width] + ("..." if len(line) > width or "\n" in source else "")
        return _printable(shown), None
    column = max(0, min(column, len(source)))
    start = source.rfind("\n", 0, column) + 1
    end = source.find("\n", column)
    line = source[start:] if end == -1 else source[start:end]
    caret = column - start
    prefix = ""
    if len(line) > width:
        left = max(0, min(caret - width // 2, len(line) - width))
        line = line[left : left + width]
        caret -= left
        if left:
            prefix = "..."
            caret += len(prefix)
    return prefix + _printable(line), caret


def _printable(text: str) -> str:
    return "".join(c if " " <= c <= "~" else "?" for c in text)


def symbol_name(base: str, sub: str | None = None, sup: str | None = None) -> str:
    """The one canonical name of a written symbol, so that ``f_{1}``, ``f_1`` and
    ``\\mathbf{f}_1`` all become the same sympy Symbol ``f_1``.

    Braces and whitespace are dropped from the scripts; a Greek letter is named
    by its command without the backslash (``alpha``).
    """
    name = base.lstrip("\\")
    sub = _NAME_NOISE_RE.sub("", sub) if sub else ""
    sup = _NAME_NOISE_RE.sub("", sup) if sup else ""
    return name + (f"_{sub}" if sub else "") + (f"^{sup}" if sup else "")


def derivative_symbol(numerator: str, denominator: str) -> sympy.Symbol:
    """The atom standing for ``\\frac{\\partial N}{\\partial D}``.

    Answers treat a partial derivative as an opaque quantity (a left-hand side
    to match), not as an operation, so it is a single Symbol named
    ``∂N/∂D`` from the two canonical names.
    """
    return sympy.Symbol(f"∂{numerator}/∂{denominator}")


def parse_chain(src: str) -> list[sympy.Expr]:
    """Parse ``A = B = C`` into ``[A, B, C]`` (one element when there is no '=').

    Worked answers are often chains of equal steps; each step is checked, so
    each must parse.  '=' separates steps only at the top level.
    """
    if not isinstance(src, str):
        raise LatexError("the formula must be text")
    if len(src) > LIMITS["max_length"]:
        raise LatexError(f"formula too long ({len(src)} characters; the limit is {LIMITS['max_length']})", src)
    try:
        tokens = _tokenize(src)
        _check_delimiters(tokens, src)
        return _Parser(src, tokens).chain()
    except LatexError:
        raise
    except (RecursionError, ArithmeticError, TypeError, ValueError, AttributeError, IndexError, KeyError) as exc:
        # Not expected: the limits are designed so that this never happens.  A
        # caller must still see only LatexError, whatever the input.
        raise LatexError(f"internal error while parsing ({type(exc).__name__})", src) from exc


def parse_expr(src: str) -> sympy.Expr:
    """Parse a single expression; a chain ``A = B`` is an error here."""
    segments = parse_chain(src)
    if len(segments) != 1:
        raise LatexError("expected one expression, not an equation", src, src.find("="))
    return segments[0]


# ---------------------------------------------------------------- tokens

NUM, LETTER, CMD, OP, OPEN, CLOSE, END = "number", "letter", "command", "operator", "open", "close", "end"


class Token(NamedTuple):
    kind: str
    text: str  # digits, the letter, the command name without '\', the operator or delimiter
    col: int


def _tokenize(src: str) -> list[Token]:
    """Split ``src`` into tokens, dropping layout (spacing, alignment, sizing).

    Unknown commands and characters fail here, before any parsing, so that
    ``\\input``, ``\\def`` or Python code never get further than this.
    """
    tokens: list[Token] = []
    environments: list[tuple[str, int]] = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if c in " \t\n\r\f\v~&":
            i += 1
        elif "0" <= c <= "9":
            i = _number_token(src, i, tokens)
        elif "a" <= c <= "z" or "A" <= c <= "Z":
            tokens.append(Token(LETTER, c, i))
            i += 1
        elif c in "+-*/^_=,":
            tokens.append(Token(OP, c, i))
            i += 1
        elif c in "([{":
            tokens.append(Token(OPEN, c, i))
            i += 1
        elif c in ")]}":
            tokens.append(Token(CLOSE, c, i))
            i += 1
        elif c == "\\":
            i = _command_token(src, i, tokens, environments)
        elif c == ".":
            raise LatexError("a decimal point needs digits on both sides (write 0.5, not .5 or 5.)", src, i)
        else:
            raise LatexError(f"unexpected character {c!r}", src, i)
    if environments:
        name, col = environments[-1]
        raise LatexError(f"\\begin{{{name}}} at column {col} is never ended", src, col)
    tokens.append(Token(END, "", n))
    return tokens


def _number_token(src: str, i: int, tokens: list[Token]) -> int:
    match = _NUMBER_RE.match(src, i)
    assert match is not None  # src[i] is a digit
    text = match.group()
    digits = len(text) - text.count(".")
    if digits > LIMITS["max_digits"]:
        raise LatexError(f"number too long ({digits} digits; the limit is {LIMITS['max_digits']})", src, i)
    tokens.append(Token(NUM, text, i))
    return match.end()


def _command_token(src: str, i: int, tokens: list[Token], environments: list[tuple[str, int]]) -> int:
    """Read the command at ``src[i] == '\\'``; return the index after it."""
    match = _COMMAND_RE.match(src, i + 1)
    if match:
        name, end = match.group(), match.end()
    elif i + 1 < len(src):
        name, end = src[i + 1], i + 2
    else:
        raise LatexError("a lone backslash at the end", src, i)

    if name in SPACING:
        return end
    if name == "\\":  # line break, possibly with extra spacing such as \\[4pt]
        spacing = _LINEBREAK_SPACING_RE.match(src, end)
        return spacing.end() if spacing else end
    if name in ("begin", "end"):
        return _environment(src, i, end, name, environments)
    if name in SIZERS:
        j = end
        while j < len(src) and src[j] in " \t\n\r":
            j += 1
        if not (j < len(src) and src[j] in "()[]" or src.startswith(("\\{", "\\}"), j)):
            raise LatexError(f"\\{name} must be followed by ( ) [ ] \\{{ or \\}}", src, i)
        return end
    if name in ("{", "}"):
        tokens.append(Token(OPEN if name == "{" else CLOSE, "\\" + name, i))
        return end
    if name in KNOWN_COMMANDS:
        tokens.append(Token(CMD, name, i))
        return end
    shown = name if name.isprintable() and name.isascii() else repr(name)
    raise LatexError(f"unsupported command \\{shown}", src, i)


def _environment(src: str, i: int, end: int, kind: str, environments: list[tuple[str, int]]) -> int:
    """Skip ``\\begin{aligned}`` / ``\\end{aligned}``, which only lay out a chain."""
    match = _ENVIRONMENT_RE.match(src, end)
    if not match:
        raise LatexError(f"\\{kind} must name an environment, as in \\{kind}{{aligned}}", src, i)
    name = match.group(1)
    if name not in ENVIRONMENTS:
        raise LatexError(
            f"unsupported environment {name or '(empty)'} (only {', '.join(sorted(ENVIRONMENTS))})", src, i
        )
    if kind == "begin":
        environments.append((name, i))
    elif not environments or environments[-1][0] != name:
        raise LatexError(f"\\end{{{name}}} does not match any \\begin{{{name}}}", src, i)
    else:
        environments.pop()
    return match.end()


def _check_delimiters(tokens: list[Token], src: str) -> None:
    """Check that brackets pair up before parsing, so that errors name the opening column.

    This also bounds bracket nesting cheaply, before any recursion.
    """
    stack: list[Token] = []
    for tok in tokens:
        if tok.kind == OPEN:
            stack.append(tok)
            if len(stack) > LIMITS["max_depth"]:
                raise LatexError(f"nested too deeply (more than {LIMITS['max_depth']} levels)", src, tok.col)
        elif tok.kind == CLOSE:
            if not stack:
                raise LatexError(
                    f"unbalanced {DELIMITER_NAME[tok.text]}: '{tok.text}' at column {tok.col} has nothing to close",
                    src,
                    tok.col,
                )
            opener = stack.pop()
            if CLOSER[opener.text] != tok.text:
                raise LatexError(
                    f"mismatched delimiters: '{opener.text}' at column {opener.col} is closed by "
                    f"'{tok.text}' at column {tok.col}",
                    src,
                    opener.col,
                )
    if stack:
        opener = stack[-1]
        raise LatexError(
            f"unbalanced {DELIMITER_NAME[opener.text]}: '{opener.text}' at column {opener.col} is never closed",
            src,
            opener.col,
        )


# ---------------------------------------------------------------- size bounds

_HUGE = 1 << 64  # stands for "more than any limit"; keeps the estimates' arithmetic cheap


@dataclass(frozen=True)
class _Cost:
    """Upper bounds on what fully expanding an expression can produce.

    Checks call ``sympy.expand`` and ``simplify`` on parsed formulas, and some
    of sympy's work (a big integer power) cannot be interrupted by a time
    limit.  So a formula is refused when its expansion could hold a number
    over ``bits`` bits, more than ``terms`` terms, or a degree over
    ``degree``: ``2^{y + 10^{20}}`` expands to ``2^y 2^{10^{20}}``, and
    ``(a + b + c + d)^{99}`` to 171,700 terms, although both are short.
    The bounds are rough (never too low), and generous for homework answers.
    """

    bits: int
    terms: int
    degree: int


class _Costs:
    """Computes :class:`_Cost` bottom-up over a sympy tree, remembering shared subtrees."""

    def __init__(self) -> None:
        self.known: dict[sympy.Basic, _Cost] = {}

    def of(self, expr: sympy.Basic) -> _Cost:
        cost = self.known.get(expr)
        if cost is None:
            cost = self.known[expr] = self.compute(expr)
        return cost

    def compute(self, expr: sympy.Basic) -> _Cost:
        if expr.is_Rational:
            return _Cost(_bits(expr), 1, 0)
        if expr.is_Symbol:
            return _Cost(0, 1, 1)
        if expr.is_Pow:
            return self.power(expr.base, expr.exp)
        parts = [self.of(arg) for arg in expr.args]
        if not parts:  # other atoms, such as I
            return _Cost(0, 1, 0)
        if expr.is_Add:
            return _Cost(
                max(p.bits for p in parts) + _log2(len(parts)),
                _capped_sum(p.terms for p in parts),
                max(p.degree for p in parts),
            )
        return _Cost(sum(p.bits for p in parts), _capped_product(p.terms for p in parts), sum(p.degree for p in parts))

    def power(self, base: sympy.Basic, exponent: sympy.Basic) -> _Cost:
        """The cost of ``base ** exponent``, known before sympy builds it."""
        b = self.of(base)
        if exponent.is_Rational:
            times = abs(int(exponent.p))
        elif exponent.is_number:  # such as sqrt(2)
            times = _ceil_magnitude(exponent)
        else:  # expanding may pull the constant out: b^(y + 100) = b^100 b^y
            e = self.of(exponent)
            times = 1 << min(e.bits + _log2(e.terms), 64)
        terms = 1
        if exponent.is_Integer and b.terms > 1:  # a multinomial expansion
            terms = math.comb(times + b.terms - 1, b.terms - 1) if times <= 1000 and b.terms <= 1000 else _HUGE
        return _Cost(min(times * (b.bits + _log2(b.terms)), _HUGE), min(terms, _HUGE), min(times * b.degree, _HUGE))


def _bits(number: sympy.Rational) -> int:
    return max(int(number.p).bit_length(), int(number.q).bit_length())


def _ceil_magnitude(number: sympy.Basic) -> int:
    try:
        return min(math.ceil(abs(complex(number.evalf(15)))), _HUGE)
    except (TypeError, ValueError, ArithmeticError):  # not finite, or not evaluable
        return _HUGE


def _log2(count: int) -> int:
    """Bits that summing ``count`` terms can add to a number (rounded up)."""
    return (count - 1).bit_length()


def _capped_sum(values: Iterable[int]) -> int:
    return min(sum(values), _HUGE)


def _capped_product(values: Iterable[int]) -> int:
    result = 1
    for value in values:
        result = min(result * value, _HUGE)
    return result


# ---------------------------------------------------------------- parser


@dataclass
class _Atom:
    """What one atom parsed to, with what may follow it.

    A bare letter keeps only its ``name`` until its subscript (if any) is read,
    because ``f_1`` is one symbol, not ``f`` with something attached.
    """

    value: sympy.Expr | None = None
    name: str | None = None  # set for a letter that may still take a subscript
    is_number: bool = False  # a literal number (to refuse "2 3")
    is_fraction: bool = False  # \frac{a}{b}^2 is ambiguous: refuse a power on it


class _Parser:
    """Recursive descent over the tokens of one formula.

    Grammar (``^`` binds tightest, unary minus binds like in math)::

        chain      = expression ('=' expression)*
        expression = term (('+' | '-') term)*
        term       = unary (('*' | \\cdot | \\times | '/') unary | power)*
        unary      = ('+' | '-')* power
        power      = atom (('_' subscript) | ('^' exponent))*
        atom       = number | letter | greek | group | fraction | sqrt | wrapper
    """

    def __init__(self, src: str, tokens: list[Token]) -> None:
        self.src = src
        self.tokens = tokens
        self.pos = 0
        self.depth = 0
        self.root_bits = 0  # bits of all numbers taken to a fractional power so far
        self.root_work = 0  # terms times degree of all bases taken to a non-integer power so far
        self.costs = _Costs()

    # -- helpers

    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.pos + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        tok = self.tokens[self.pos]
        if tok.kind != END:
            self.pos += 1
        return tok

    def error(self, reason: str, tok: Token | None = None) -> LatexError:
        return LatexError(reason, self.src, (tok or self.peek()).col)

    def at(self, kind: str, text: str | None = None, ahead: int = 0) -> bool:
        tok = self.peek(ahead)
        return tok.kind == kind and (text is None or tok.text == text)

    def at_greek(self, ahead: int = 0) -> bool:
        return self.at(CMD, ahead=ahead) and self.peek(ahead).text in GREEK

    @contextmanager
    def nested(self, tok: Token) -> Iterator[None]:
        """Count one level of nesting; refusing deep input keeps recursion far from Python's limit."""
        self.depth += 1
        if self.depth > LIMITS["max_depth"]:
            raise self.error(f"nested too deeply (more than {LIMITS['max_depth']} levels)", tok)
        yield
        self.depth -= 1

    def close(self, opener: Token) -> None:
        """Consume the delimiter that closes ``opener``, or explain what is there instead."""
        tok = self.peek()
        if tok.kind == CLOSE and tok.text == CLOSER[opener.text]:
            self.advance()
            return
        if tok.kind == OP and tok.text == "=":
            raise self.error("'=' can only separate whole expressions, not appear inside brackets or braces", tok)
        if tok.kind == OP and tok.text == ",":
            raise self.error(_unexpected(tok), tok)
        raise self.error(
            f"expected '{CLOSER[opener.text]}' to close '{opener.text}' at column {opener.col}, found {_describe(tok)}",
            tok,
        )

    # -- chain, expression, term

    def chain(self) -> list[sympy.Expr]:
        if self.at(END):
            raise LatexError("empty formula", self.src, None)
        segments: list[sympy.Expr] = []
        while True:
            if self.at(OP, "="):
                raise self.error("nothing before '='" if not segments else "nothing between two '='")
            if self.at(END):
                raise self.error("nothing after '='")
            start = self.peek()
            value = self.expression()
            if value.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
                raise self.error("this divides by zero", start)
            segments.append(value)
            tok = self.advance()
            if tok.kind == END:
                return segments
            if not (tok.kind == OP and tok.text == "="):
                raise self.error(_unexpected(tok), tok)

    def expression(self) -> sympy.Expr:
        start = self.peek()
        terms = [self.term()]
        while self.at(OP, "+") or self.at(OP, "-"):
            negative = self.advance().text == "-"
            term = self.term()
            terms.append(sympy.Mul(-1, term) if negative else term)
        if len(terms) == 1:
            return terms[0]
        return self.checked(sympy.Add(*terms), start)

    def term(self) -> sympy.Expr:
        start = self.peek()
        value, plain_number = self.unary()
        factors = [value]
        while True:
            tok = self.peek()
            if tok.kind == OP and tok.text in "*/" or tok.kind == CMD and tok.text in MULTIPLY:
                self.advance()
                value, plain_number = self.unary()
                if tok.text == "/":
                    value = self.reciprocal(value, tok)
            elif self.starts_atom(tok):
                if plain_number and tok.kind == NUM:
                    raise self.error("two numbers side by side (write 2 \\cdot 3)", tok)
                value, plain_number = self.power()
            else:
                break
            factors.append(value)
        if len(factors) == 1:
            return factors[0]
        return self.checked(sympy.Mul(*factors), start)

    def starts_atom(self, tok: Token) -> bool:
        """Can ``tok`` begin a factor?  Then juxtaposition means multiplication."""
        if tok.kind in (NUM, LETTER, OPEN):
            return True
        return tok.kind == CMD and tok.text not in MULTIPLY

    def unary(self) -> tuple[sympy.Expr, bool]:
        """Signs, then a power: ``-x^2`` is ``-(x^2)``.  A loop, so '- - - x' cannot recurse."""
        negative = False
        while self.at(OP, "+") or self.at(OP, "-"):
            negative ^= self.advance().text == "-"
        value, plain_number = self.power()
        return (sympy.Mul(-1, value) if negative else value), plain_number

    def reciprocal(self, value: sympy.Expr, tok: Token) -> sympy.Expr:
        if value == 0:
            raise self.error("division by zero", tok)
        return self.checked(sympy.Pow(value, -1), tok)

    # -- power and scripts

    def power(self) -> tuple[sympy.Expr, bool]:
        atom = self.atom()
        sub: str | None = None
        exponent: sympy.Expr | None = None
        exponent_tok: Token | None = None
        while self.at(OP, "_") or self.at(OP, "^"):
            tok = self.advance()
            if tok.text == "_":
                if sub is not None:
                    raise self.error("double subscript: write one subscript, as in W_{ij}", tok)
                if atom.name is None:
                    raise self.error("only a letter can have a subscript (as in f_1)", tok)
                sub = self.script_text("subscript")
            else:
                if exponent is not None:
                    raise self.error("double superscript: use braces, as in x^{a^b}", tok)
                if atom.is_fraction:
                    raise self.error("put the fraction in parentheses before raising it to a power", tok)
                exponent_tok = tok
                exponent = self.exponent()
        value = sympy.Symbol(symbol_name(atom.name, sub)) if atom.name is not None else atom.value
        assert value is not None
        if exponent is not None:
            assert exponent_tok is not None
            return self.pow(value, exponent, exponent_tok), False
        return value, atom.is_number

    def exponent(self) -> sympy.Expr:
        tok = self.peek()
        if tok.kind == NUM:
            return self.first_digit("^")
        if tok.kind == LETTER or self.at_greek():
            self.advance()
            return sympy.Symbol(symbol_name(tok.text))
        if tok.kind == OPEN and tok.text == "{":
            self.advance()
            with self.nested(tok):
                value = self.expression()
                self.close(tok)
            return value
        raise self.error("write the exponent in braces, as in x^{-1} or x^{n+1}", tok)

    def script_text(self, role: str) -> str:
        """A subscript (or, in a derivative's name, a superscript) as text: it names, it does not compute."""
        tok = self.peek()
        if tok.kind == LETTER:
            return self.advance().text
        if tok.kind == NUM:
            return str(self.first_digit("_"))
        if tok.kind == OPEN and tok.text == "{":
            self.advance()
            parts: list[str] = []
            while not self.at(CLOSE):
                part = self.advance()
                if not (
                    part.kind == LETTER
                    or part.kind == NUM
                    and "." not in part.text
                    or part.kind == OP
                    and part.text == ","
                ):
                    raise self.error(
                        f"a {role} may only contain letters, digits and commas, found {_describe(part)}", part
                    )
                parts.append(part.text)
            if not parts:
                raise self.error(f"empty {role}", tok)
            self.close(tok)
            return "".join(parts)
        raise self.error(f"a {role} must be a letter, a digit or a braced group such as f_{{12}}", tok)

    def first_digit(self, after: str) -> sympy.Integer:
        """Take one digit of a number token, as LaTeX does for ``\\frac12`` or ``f_12``."""
        tok = self.peek()
        if len(tok.text) == 1:
            self.advance()
        elif tok.text[1] == ".":
            raise self.error(f"use braces around the number {tok.text} after {after}", tok)
        else:
            self.tokens[self.pos] = Token(NUM, tok.text[1:], tok.col + 1)
        return sympy.Integer(int(tok.text[0]))

    def pow(self, base: sympy.Expr, exponent: sympy.Expr, tok: Token) -> sympy.Expr:
        """``base ** exponent``, refused before it is computed if it would be huge."""
        if exponent.is_number:
            if self.magnitude(exponent, tok) > LIMITS["max_exponent"]:
                raise self.error(f"exponent too large (the limit is {LIMITS['max_exponent']})", tok)
            if base == 0 and exponent.is_extended_negative:
                raise self.error("division by zero (0 to a negative power)", tok)
        self.within_limits(self.costs.power(base, exponent), tok)
        if not exponent.is_Integer:  # sympy simplifies roots now: see _MAX_ROOT_BITS and _MAX_ROOT_WORK
            cost = self.costs.of(base)
            self.root_bits += cost.bits * (abs(int(exponent.p)) if exponent.is_Rational else 1)
            self.root_work += max(cost.terms, 1) * max(cost.degree, 1)
            if self.root_bits > _MAX_ROOT_BITS:
                raise self.error("the numbers under roots are too large", tok)
            if self.root_work > _MAX_ROOT_WORK:
                raise self.error("the expressions under roots or symbolic exponents are too large", tok)
        return self.checked(sympy.Pow(base, exponent), tok)

    def magnitude(self, number: sympy.Expr, tok: Token) -> Fraction | float:
        if number.is_Rational:
            return abs(Fraction(int(number.p), int(number.q)))
        try:
            return abs(complex(number.evalf(15)))
        except (TypeError, ValueError, ArithmeticError) as exc:
            raise self.error("the exponent cannot be evaluated", tok) from exc

    def checked(self, value: sympy.Expr, tok: Token) -> sympy.Expr:
        """Refuse results that sympy's automatic simplification made too big, or that
        expanding them later (as every check does) would make too big.

        ``(x^{60})^{2}`` or ``x^{60} x^{60}`` become ``x^120`` without any
        single step looking large.
        """
        for part in sympy.Mul.make_args(value):
            if part.is_Pow and part.exp.is_Rational and abs(part.exp) > LIMITS["max_exponent"]:
                raise self.error(f"exponent too large (the limit is {LIMITS['max_exponent']})", tok)
            if part in (sympy.zoo, sympy.nan):
                raise self.error("division by zero", tok)
        self.within_limits(self.costs.of(value), tok)
        return value

    def within_limits(self, cost: _Cost, tok: Token) -> None:
        if cost.bits > _MAX_NUMBER_BITS:
            raise self.error("number too large", tok)
        if cost.degree > LIMITS["max_exponent"]:
            raise self.error(f"exponent too large: expanded, the degree would exceed {LIMITS['max_exponent']}", tok)
        if cost.terms > _MAX_TERMS:
            raise self.error(f"too big: expanded, the formula would have more than {_MAX_TERMS} terms", tok)

    # -- atoms

    def atom(self) -> _Atom:
        tok = self.peek()
        if tok.kind == NUM:
            self.advance()
            return _Atom(value=_number(tok.text), is_number=True)
        if tok.kind == LETTER:
            self.advance()
            return _Atom(name=tok.text)
        if tok.kind == OPEN:
            return self.group()
        if tok.kind == CMD:
            return self.command_atom(tok)
        raise self.error(_missing_value(tok), tok)

    def command_atom(self, tok: Token) -> _Atom:
        name = tok.text
        if name in GREEK:
            self.advance()
            return _Atom(name=name)
        if name in FRACTIONS:
            return self.fraction()
        if name == "sqrt":
            return self.square_root()
        if name in WRAPPERS:
            return self.wrapped()
        if name == "partial":
            raise self.error("\\partial is only allowed in a derivative, as in \\frac{\\partial L}{\\partial f_1}", tok)
        if name == "mathcal":
            raise self.error(
                "\\mathcal is only allowed in a derivative, as in \\frac{\\partial \\mathcal{L}}{\\partial f_1}", tok
            )
        raise self.error(_missing_value(tok), tok)

    def group(self) -> _Atom:
        tok = self.advance()
        with self.nested(tok):
            if self.at(CLOSE):
                raise self.error(f"empty {DELIMITER_NAME[tok.text]}", tok)
            value = self.expression()
            self.close(tok)
        return _Atom(value=value)

    def argument(self, command: Token, role: str) -> sympy.Expr:
        """One argument of ``\\frac`` or ``\\sqrt``: a braced group, or one digit, letter or Greek letter."""
        tok = self.peek()
        if tok.kind == OPEN and tok.text == "{":
            self.advance()
            value = self.expression()
            self.close(tok)
            return value
        if tok.kind == NUM:
            return self.first_digit(f"\\{command.text}")
        if tok.kind == LETTER or self.at_greek():
            self.advance()
            return sympy.Symbol(symbol_name(tok.text))
        raise self.error(f"\\{command.text} needs its {role} in braces, as in \\frac{{a}}{{b}} or \\sqrt{{x}}", tok)

    def fraction(self) -> _Atom:
        tok = self.advance()
        with self.nested(tok):
            if self.at(OPEN, "{") and self.at(CMD, "partial", ahead=1):
                return _Atom(value=self.derivative(), is_fraction=True)
            numerator = self.argument(tok, "numerator")
            denominator = self.argument(tok, "denominator")
        value = sympy.Mul(numerator, self.reciprocal(denominator, tok))
        return _Atom(value=self.checked(value, tok), is_fraction=True)

    def square_root(self) -> _Atom:
        tok = self.advance()
        if self.at(OPEN, "["):
            raise self.error("only square roots are supported: write \\sqrt{x}", self.peek())
        with self.nested(tok):
            radicand = self.argument(tok, "radicand")
        return _Atom(value=self.pow(radicand, sympy.Rational(1, 2), tok))

    def wrapped(self) -> _Atom:
        """``\\mathbf{f}`` is f: a bare letter stays a name, so ``\\mathbf{f}_1`` is f_1."""
        tok = self.advance()
        if self.at(OPEN, "{") and (self.at(LETTER, ahead=1) or self.at_greek(ahead=1)) and self.at(CLOSE, "}", ahead=2):
            self.advance()
            name = self.advance().text
            self.advance()
            return _Atom(name=name)
        if self.at(LETTER) or self.at_greek():
            return _Atom(name=self.advance().text)
        if self.at(NUM):
            return _Atom(value=self.first_digit(f"\\{tok.text}"), is_number=True)
        if self.at(OPEN, "{"):
            opener = self.advance()
            with self.nested(opener):
                if self.at(CLOSE):
                    raise self.error(f"empty \\{tok.text}{{}}", opener)
                value = self.expression()
                self.close(opener)
            return _Atom(value=value)
        raise self.error(f"\\{tok.text} needs an argument in braces, as in \\{tok.text}{{f}}", self.peek())

    # -- derivative atoms

    def derivative(self) -> sympy.Symbol:
        """``\\frac{\\partial X}{\\partial Y}`` as one opaque symbol (see :func:`derivative_symbol`)."""
        numerator = self.partial_part()
        if not (self.at(OPEN, "{") and self.at(CMD, "partial", ahead=1)):
            raise self.error("the denominator of a derivative must look like {\\partial f_1}", self.peek())
        denominator = self.partial_part()
        return derivative_symbol(numerator, denominator)

    def partial_part(self) -> str:
        opener = self.advance()  # '{'
        self.advance()  # \partial
        name = self.derivative_name()
        if not self.at(CLOSE, "}"):
            raise self.error(
                "after \\partial write one letter with optional scripts, as in \\partial L^t "
                f"or \\partial f_1; found {_describe(self.peek())}",
                self.peek(),
            )
        self.close(opener)
        return name

    def derivative_name(self) -> str:
        """The name after ``\\partial``; here a superscript is part of the name (L^t), not a power."""
        tok = self.advance()
        if tok.kind == LETTER or tok.kind == CMD and tok.text in GREEK:
            base = tok.text
        elif tok.kind == CMD and (tok.text in WRAPPERS or tok.text == "mathcal"):
            base = self.wrapped_letter(tok)
        else:
            raise self.error("after \\partial write a letter such as L, f_1 or \\mathcal{L}", tok)
        sub: str | None = None
        sup: str | None = None
        while self.at(OP, "_") or self.at(OP, "^"):
            op = self.advance()
            if (sub if op.text == "_" else sup) is not None:
                raise self.error("double subscript" if op.text == "_" else "double superscript", op)
            if op.text == "_":
                sub = self.script_text("subscript")
            else:
                sup = self.script_text("superscript")
        return symbol_name(base, sub, sup)

    def wrapped_letter(self, command: Token) -> str:
        allow_greek = command.text != "mathcal"
        opener = self.peek()
        braced = opener.kind == OPEN and opener.text == "{"
        if braced:
            self.advance()
        tok = self.advance()
        if not (tok.kind == LETTER or allow_greek and tok.kind == CMD and tok.text in GREEK):
            raise self.error(f"\\{command.text} here must hold one letter, as in \\{command.text}{{L}}", tok)
        if braced:
            self.close(opener)
        return tok.text


def _number(text: str) -> sympy.Rational:
    """An exact number from a literal the tokenizer validated (digits, optionally '.' and digits)."""
    if "." not in text:
        return sympy.Integer(int(text))
    value = Fraction(text)
    return sympy.Rational(value.numerator, value.denominator)


def _describe(tok: Token) -> str:
    if tok.kind == END:
        return "the end of the formula"
    if tok.kind == CMD:
        return f"\\{tok.text}"
    return f"'{tok.text}'"


def _missing_value(tok: Token) -> str:
    """Why no value can start at ``tok``, in the words a contributor needs."""
    if tok.kind == END:
        return "the formula ends where a value was expected"
    if tok.kind == OP and tok.text == ",":
        return _unexpected(tok)
    if tok.kind == OP and tok.text in "_^":
        return f"'{tok.text}' needs a letter or a value before it"
    return f"expected a value before {_describe(tok)}"


def _unexpected(tok: Token) -> str:
    if tok.kind == OP and tok.text == ",":
        return "unexpected character ',' (commas are only allowed in subscripts such as W_{i,j})"
    return f"unexpected {_describe(tok)}"
