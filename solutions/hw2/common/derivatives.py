"""The two derivatives the RNN and LSTM backward passes use, written in terms of the function's own value
(as sigma' and tanh' are), derived by sympy and checked against torch autograd."""

from __future__ import annotations

import sympy
import torch

_z = sympy.Symbol("z", real=True)
SIGMA = sympy.Symbol("sigma")  # the page's $\sigma$: the value sigma(z)
VALUE = sympy.Symbol("v")  # the page's $v$: the value tanh(z)


def _in_terms_of_value(f: sympy.Expr, value: sympy.Symbol) -> sympy.Expr:
    """f'(z) written as a quadratic in v = f(z): its coefficients are solved for exactly from f' = a + b f + c f^2
    at three points, and the identity is then proved for every z by sympy (after rewriting with exp)."""
    a, b, c = sympy.symbols("a b c")
    derivative = sympy.diff(f, _z)
    guess = a + b * f + c * f**2
    equations = [sympy.Eq(derivative.subs(_z, point), guess.subs(_z, point)) for point in (0, 1, 2)]
    solution = sympy.solve(equations, (a, b, c), dict=True)
    if len(solution) != 1:
        raise AssertionError(f"{f}': no unique quadratic in its value fits at three points")
    poly = (a + b * value + c * value**2).subs(solution[0])
    if sympy.simplify((derivative - poly.subs(value, f)).rewrite(sympy.exp)) != 0:
        raise AssertionError(f"{f}' is not {poly} with {value} = {f} for every z")
    return sympy.factor(poly)


def _autograd_agrees(fn: torch.nn.Module | object, expr: sympy.Expr, value: sympy.Symbol) -> None:
    z = torch.linspace(-6, 6, 101, dtype=torch.float64, requires_grad=True)
    out = fn(z)
    (grad,) = torch.autograd.grad(out.sum(), z)
    formula = sympy.lambdify(value, expr, "math")
    expected = torch.tensor([formula(float(v)) for v in out.detach()], dtype=torch.float64)
    if not torch.allclose(grad, expected, atol=1e-12):
        raise AssertionError(f"autograd disagrees with {expr} for {fn}")


def sigmoid_derivative() -> sympy.Expr:
    """sigma'(z) in terms of sigma = sigma(z)."""
    expr = _in_terms_of_value(1 / (1 + sympy.exp(-_z)), SIGMA)
    _autograd_agrees(torch.sigmoid, expr, SIGMA)
    return expr


def tanh_derivative() -> sympy.Expr:
    """tanh'(z) in terms of v = tanh(z)."""
    expr = _in_terms_of_value(sympy.tanh(_z), VALUE)
    _autograd_agrees(torch.tanh, expr, VALUE)
    return expr
