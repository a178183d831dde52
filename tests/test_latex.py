"""Tests for the safe LaTeX parser in solutions.engine.latex.

Expected values are built with sympy constructors only, never by parsing strings.
"""

from __future__ import annotations

import ast
import time
from pathlib import Path

import pytest
import sympy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solutions.engine import latex
from solutions.engine.latex import LIMITS, LatexError, derivative_symbol, parse_chain, parse_expr, symbol_name

S = sympy.Symbol
f1, f2, f3, f4, f5, f6 = (S(f"f_{i}") for i in range(1, 7))
a, b, c, x = S("a"), S("b"), S("c"), S("x")
F = [f1, f2, f3, f4, f5, f6]


def same(got: sympy.Expr, want: sympy.Expr) -> bool:
    return sympy.expand(got) == sympy.expand(want) or sympy.simplify(got - want) == 0


# ---------------------------------------------------------------- correct parses


@pytest.mark.parametrize(
    ("src", "want"),
    [
        ("2f_1 - 2f_2 - 2f_3 + f_4 + f_5", 2 * f1 - 2 * f2 - 2 * f3 + f4 + f5),
        ("2(f_1 - f_2 - f_3) + f_4 + f_5", 2 * f1 - 2 * f2 - 2 * f3 + f4 + f5),
        ("(f_5 - f_2) + (f_4 - f_3)", f5 - f2 + f4 - f3),
        (r"\frac12 x", x / 2),
        (r"\frac{1}{2} x", x / 2),
        (r"\dfrac{a}{b} + \tfrac1x", a / b + 1 / x),
        ("-x^2", -(x**2)),
        ("x^{-1}", 1 / x),
        ("x^{n+1}", x ** (S("n") + 1)),
        (r"\left( a + b \right)^2", (a + b) ** 2),
        (r"\bigl[ a - b \bigr] \Big\{ c \Big\}", (a - b) * c),
        (r"\alpha - \beta", S("alpha") - S("beta")),
        (r"\alpha x", S("alpha") * x),
        (r"\Delta_1 \varepsilon", S("Delta_1") * S("varepsilon")),
        (r"\mathbf{f}_a - \mathbf{f}_p", S("f_a") - S("f_p")),
        (r"\boldsymbol{\mu} + \vec{v}_{12} + \bm{W}_{ij}", S("mu") + S("v_12") + S("W_ij")),
        (r"\mathbf{0}", sympy.Integer(0)),
        ("0.25", sympy.Rational(1, 4)),
        ("12", sympy.Integer(12)),
        ("f_{12} + f_{a} + W_{i,j}", S("f_12") + S("f_a") + S("W_i,j")),
        ("f_1^2", f1**2),
        ("ab", a * b),
        ("(a)(b)", a * b),
        (r"a \cdot b \times c * x", a * b * c * x),
        ("a / b", a / b),
        ("a/b c", a * c / b),
        (r"\sqrt{x} + \sqrt{8}", sympy.sqrt(x) + 2 * sympy.sqrt(2)),
        (r"2\,f_1 \; - \quad f_2 \! + \ f_3 ~", 2 * f1 - f2 + f3),
        (r"\displaystyle {a + b}", a + b),
        ("- - x", x),
        ("+x", x),
        ("x^2 y^{3}", x**2 * S("y") ** 3),
        ("f_12", 2 * f1),  # as in LaTeX: an unbraced subscript is one character
        ("2^{10}", sympy.Integer(1024)),
    ],
)
def test_parses(src: str, want: sympy.Expr) -> None:
    assert same(parse_expr(src), want)


def test_numbers_are_exact() -> None:
    assert parse_expr("0.1") == sympy.Rational(1, 10)
    assert isinstance(parse_expr("7"), sympy.Integer)


@pytest.mark.parametrize(
    ("src", "name"),
    [
        (r"\frac{\partial L^t}{\partial f_a}", ("L^t", "f_a")),
        (r"\frac{\partial L^{1}}{\partial f_{1}}", ("L^1", "f_1")),
        (r"\frac{\partial L}{\partial f_6}", ("L", "f_6")),
        (r"\frac{\partial \mathcal{L}^t}{\partial f_n}", ("L^t", "f_n")),
        (r"\dfrac{\partial L}{\partial \mathbf{f}_p}", ("L", "f_p")),
        (r"\frac{\partial \sigma}{\partial \theta_{12}}", ("sigma", "theta_12")),
    ],
)
def test_derivative_atoms(src: str, name: tuple[str, str]) -> None:
    assert parse_expr(src) == S(f"∂{name[0]}/∂{name[1]}") == derivative_symbol(*name)


def test_chains() -> None:
    segments = parse_chain(r"\frac{\partial L}{\partial f_1} = (f_5 - f_2) + (f_1 - f_2) = f_5 + f_1 - 2f_2")
    assert len(segments) == 3
    assert segments[0] == derivative_symbol("L", "f_1")
    assert same(segments[1], f5 + f1 - 2 * f2) and same(segments[2], f5 + f1 - 2 * f2)
    assert parse_chain(r"\begin{aligned} a &= b \\ &= c \end{aligned}") == [a, b, c]
    assert parse_chain(r"\begin{split} a &= b \\[4pt] &= c \end{split}") == [a, b, c]
    assert parse_chain("x") == [x]


def test_symbol_name() -> None:
    assert symbol_name("f", "12") == "f_12"
    assert symbol_name("f", "{ 1 }") == "f_1"
    assert symbol_name("L", None, "{t}") == "L^t"
    assert symbol_name("W", "ij", "2") == "W_ij^2"
    assert symbol_name("alpha") == "alpha"
    assert derivative_symbol("L^t", "f_a") == S("∂L^t/∂f_a")


# ---------------------------------------------------------------- hostile input


HOSTILE = [
    (r"\frac{a}{b", "unbalanced braces"),
    ("}{", "unbalanced braces"),
    ("(a]", "mismatched"),
    ("{" * 5000 + "x" + "}" * 5000, "too long"),
    ("(" * 5000 + "x" + ")" * 5000, "too long"),
    ("{" * 100 + "x" + "}" * 100, "nested too deeply"),
    ("(" * 100 + "x" + ")" * 100, "nested too deeply"),
    ("x^{" * 60 + "x" + "}" * 60, "nested too deeply"),
    ("2^{2^{2^{20}}}", "exponent too large"),
    ("x^{1000}", "exponent too large"),
    ("10^{10^{10}}", "exponent too large"),
    ("(x^{60})^{2}", "exponent too large"),
    ("((9^{99})^{99})^{99}", "number too large"),
    ("1" * 100, "number too long"),
    # short formulas that sympy would make huge or slow later, when a check expands them
    ("2^{y + 10^{20}}", "number too large"),
    ("x^{y + 10^{29}}", "exponent too large"),
    ("9^{2^{y+100}}", "number too large"),
    ("(a + b + c + d)^{99}", "more than 1000 terms"),
    ("9^{99}" * 150, "number too large"),
    ("".join(rf"\sqrt{{{10**29 + 2 * k + 1}}}" for k in range(54)), "under roots"),
    (r"\sqrt{\frac{3}{99 - x^{99} y}}", "under roots"),
    (r"\sqrt{-123456789012345678901234567890^{99} + \sqrt{-1}}", "under roots"),
    (r"\input{/etc/passwd}", r"unsupported command \input"),
    (r"\include{x}", r"unsupported command \include"),
    (r"\def\x{1}", r"unsupported command \def"),
    (r"\newcommand{\x}{1}", r"unsupported command \newcommand"),
    (r"\text{x}", r"unsupported command \text"),
    (r"\max(a, b)", r"unsupported command \max"),
    (r"\frac{1}{2}\|f_a - f_p\|^2", r"unsupported command \|"),
    (r"\exec", r"unsupported command \exec"),
    ("__import__('os').system('echo hi')", "unexpected character"),
    ("f_1; import os", "unexpected character"),
    ("$x$", "unexpected character"),
    ("a # b", "unexpected character"),
    ("a < b", "unexpected character"),
    ("f_1, f_2", "unexpected character ','"),
    ("x²", "unexpected character"),
    ("", "empty formula"),
    ("  \\, ", "empty formula"),
    ("a =", "nothing after '='"),
    ("= b", "nothing before '='"),
    ("(a = b)", "'=' can only separate"),
    ("a" * 3000, "too long"),
    (r"\frac{\partial 2}{\partial x}", r"after \partial"),
    (r"\partial x", r"\partial is only allowed"),
    (r"\mathcal{L}", r"\mathcal is only allowed"),
    (".5", "decimal point"),
    (r"\frac{1}{0}", "division by zero"),
    ("x / (a - a)", "division by zero"),
    ("0^{-1}", "division by zero"),
    ("2 3", "two numbers"),
    ("x^2^3", "double superscript"),
    ("(a)_1", "subscript"),
    ("f_{1+2}", "subscript"),
    (r"\sqrt[3]{x}", "square roots"),
    (r"\left. x \right|", r"\left must be followed"),
    (r"\begin{matrix} a \end{matrix}", "unsupported environment"),
    ("\\", "lone backslash"),
    ("x +", "ends where a value was expected"),
]


@pytest.mark.parametrize(("src", "message"), HOSTILE)
def test_hostile_input_is_refused_fast(src: str, message: str) -> None:
    start = time.perf_counter()
    with pytest.raises(LatexError) as info:
        parse_chain(src)
    assert time.perf_counter() - start < 1.0
    assert message in str(info.value)
    assert "internal error" not in str(info.value)


def test_parse_expr_refuses_a_chain() -> None:
    with pytest.raises(LatexError, match="one expression"):
        parse_expr("a = b")


def test_error_shows_a_caret_under_the_column() -> None:
    with pytest.raises(LatexError) as info:
        parse_expr(r"\frac{a}{b")
    err = info.value
    assert err.column == 8 and err.source == r"\frac{a}{b"
    assert "unbalanced braces: '{' at column 8 is never closed" in err.reason
    lines = str(err).splitlines()
    assert lines[0].startswith("cannot parse LaTeX: ")
    assert lines[1] == r"  \frac{a}{b"
    assert lines[2] == "  " + " " * 8 + "^"


def test_non_text_is_refused() -> None:
    with pytest.raises(LatexError):
        parse_chain(None)  # type: ignore[arg-type]


def test_limits_are_published() -> None:
    assert LIMITS == {"max_length": 2000, "max_depth": 40, "max_exponent": 100, "max_digits": 30}


def test_the_parser_never_evaluates_strings() -> None:
    """The module must build sympy objects from constructors only."""
    tree = ast.parse(Path(latex.__file__).read_text(encoding="utf-8"))
    names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    attributes = {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    imported = {
        alias.name for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom) for alias in node.names
    }
    imported |= {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not names & {"eval", "exec", "compile", "sympify", "parse_latex", "__import__", "S"}
    assert not attributes & {"sympify", "parse_latex", "parse_expr", "parsing", "S", "eval", "exec"}
    assert not imported & {"sympify", "parse_latex", "parse_expr", "S"}
    assert not any("parsing" in name for name in imported)


# ---------------------------------------------------------------- property tests

_FRAGMENTS = [
    "x",
    "f_",
    "1",
    "2",
    "0.5",
    "12",
    "+",
    "-",
    "*",
    "/",
    "^",
    "_",
    "=",
    ",",
    ".",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "\\{",
    "\\}",
    "\\left",
    "\\right",
    "\\frac",
    "\\sqrt",
    "\\partial",
    "\\mathcal",
    "\\mathbf",
    "\\alpha",
    "\\cdot",
    "\\,",
    "\\\\",
    "&",
    " ",
    "\\begin{aligned}",
    "\\end{aligned}",
    "L",
    "^{",
    "_{",
    "99",
    "0",
    "\\",
]


def _assert_only_latex_error(src: str) -> None:
    start = time.perf_counter()
    try:
        result = parse_chain(src)
    except LatexError as err:
        assert "internal error" not in str(err), (src, str(err))
    else:
        assert result and all(isinstance(e, sympy.Basic) for e in result)
    assert time.perf_counter() - start < 1.0, src


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=200))
def test_any_text_gives_a_result_or_a_latex_error(src: str) -> None:
    _assert_only_latex_error(src)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_FRAGMENTS), max_size=40).map("".join))
def test_latex_like_text_gives_a_result_or_a_latex_error(src: str) -> None:
    _assert_only_latex_error(src)


def _print_linear(coefficients: list[int], style: int) -> str:
    """Write sum(c_i f_i) the way a person would: '3f_1 - f_2 + 0f_3'."""
    text = ""
    for i, coefficient in enumerate(coefficients, start=1):
        name = [f"f_{i}", f"f_{{{i}}}", rf"\mathbf{{f}}_{i}"][style]
        magnitude = abs(coefficient)
        term = name if magnitude == 1 else (rf"{magnitude} \cdot {name}" if style == 2 else f"{magnitude}{name}")
        if not text:
            text = ("-" if coefficient < 0 else "") + term
        else:
            text += (" - " if coefficient < 0 else " + ") + term
    return text


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(-9, 9), min_size=1, max_size=6), st.integers(0, 2))
def test_linear_combinations_round_trip(coefficients: list[int], style: int) -> None:
    want = sympy.Add(*(sympy.Mul(c, f) for c, f in zip(coefficients, F, strict=False)))
    assert sympy.expand(parse_expr(_print_linear(coefficients, style)) - want) == 0
