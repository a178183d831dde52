"""The matrix-formula reader behind the gradient claims: what it accepts, what it refuses, and why."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solutions.engine.matrix_latex import Env, MatrixLatexError, evaluate, parse_chain, quantity_key

RNG = np.random.default_rng(0)
X = {t: RNG.normal(size=(2, 3)) for t in range(1, 4)}
W = RNG.normal(size=(3, 4))
VALUES = {
    "X": X,
    "W_x": W,
    "W_x^f": W[:, :2],
    "b": RNG.normal(size=(1, 4)),
    "_ones": np.ones((2, 1)),
    "dL/dX": X,
    "~C": X,
}


def value(src: str, t: int = 2, T: int = 3) -> np.ndarray:
    (node,) = parse_chain(src)
    return evaluate(node, Env(VALUES, {"t": t, "T": T}), src)


def test_products_transposes_and_elementwise_operations() -> None:
    np.testing.assert_allclose(value(r"X_t W_x"), X[2] @ W)
    np.testing.assert_allclose(value(r"X_{t-1}^\top X_t"), X[1].T @ X[2])
    np.testing.assert_allclose(value(r"X_t \odot (1 - X_t^2)"), X[2] * (1 - X[2] ** 2))
    np.testing.assert_allclose(value(r"\tanh^2(X_t) - \tanh(X_t)^{2}"), 0 * X[2], atol=1e-15)
    np.testing.assert_allclose(value(r"\sigma(X_T)"), 1 / (1 + np.exp(-X[3])))
    np.testing.assert_allclose(value(r"X_1 W_x + b"), X[1] @ W + VALUES["b"])  # a bias row is added to every row
    np.testing.assert_allclose(value(r"\mathbf{1}^\top X_t"), X[2].sum(axis=0, keepdims=True))
    np.testing.assert_allclose(value(r"\frac{1}{2} X_t"), X[2] / 2)
    np.testing.assert_allclose(value(r"-\left(X_t\right) + X_t"), 0 * X[2])
    np.testing.assert_allclose(value(r"(W_x^f)^\top"), W[:, :2].T)
    np.testing.assert_allclose(value(r"\tilde{C}_t"), X[2])


def test_sums_bind_their_index_and_take_the_rest_of_the_term() -> None:
    np.testing.assert_allclose(value(r"\sum_{t=1}^{T} X_t^\top X_t"), sum(X[k].T @ X[k] for k in (1, 2, 3)))
    np.testing.assert_allclose(value(r"\sum_{\tau=t}^{T} X_\tau + X_1"), X[2] + X[3] + X[1])


def test_a_squared_norm_sums_the_squares_of_the_entries() -> None:
    assert value(r"\lVert X_t\rVert^2") == pytest.approx(np.sum(X[2] ** 2))
    assert value(r"\left\lVert X_t W_x \right\rVert^{2}") == pytest.approx(np.sum((X[2] @ W) ** 2))
    assert value(r"\|X_t\|^2 + \|X_1\|^2") == pytest.approx(np.sum(X[2] ** 2) + np.sum(X[1] ** 2))
    nested = value(r"\| \lVert X_1 \rVert^2 X_t \|^2")  # a norm inside a norm: the inner bar is another kind
    assert nested == pytest.approx(np.sum(X[1] ** 2) ** 2 * np.sum(X[2] ** 2))
    np.testing.assert_allclose(value(r"\|X_t\|^2 X_t"), np.sum(X[2] ** 2) * X[2])  # a number scales a matrix


def test_gradient_atoms_and_left_hand_sides() -> None:
    np.testing.assert_allclose(value(r"\frac{\partial L}{\partial X_{t+1}}"), X[3])
    q = quantity_key(r"\frac{\partial L}{\partial W_x^{f}}")
    assert q.key == "dL/dW_x^f" and q.index is None
    assert quantity_key(r"\frac{\partial L}{\partial A^f_{t+1}}") == quantity_key(
        r"\frac{\partial L}{\partial A_{t+1}^f}"
    )


@pytest.mark.parametrize(
    ("src", "message"),
    [
        (r"X_t \odot X_t W_x", "mixes the elementwise product"),
        (r"W_x X_t", "cannot multiply a 3 x 4 matrix by a 2 x 3 matrix"),
        (r"X_t + W_x", "cannot add a 2 x 3 matrix and a 3 x 4 matrix"),
        (r"X_{t+2}", "at time 4 does not exist"),
        (r"X", "changes with time"),
        (r"W_{x}_t", "the formula should end here"),
        (r"Y_t", "Y is not a quantity of this problem"),
        (r"\frac{\partial J}{\partial X_t}", "only derivatives of the loss L"),
        (r"\sum_{t=1}^{T} X_t^\top X_t" + r" + \sum_{t=1}^{10000} X_1", "terms; the limit is"),
        (r"X_t^{10}", "whole powers 1..9"),
        (r"X_t^{\top\top}", "cannot read the superscript"),
        (r"\exp(X_t)", "cannot start a quantity"),
        (r"(X_t", "expected ')'"),
        ("__import__('os').system('echo pwned')", "unexpected character '.'"),
        (r"X_12", "single character"),
        (r"\lVert X_t \rVert", "only the squared norm is known: write ^2"),
        (r"\|X_t\|^3", "the power after a norm must be 2"),
        (r"\lVert X_t", "this norm is never closed: write \\rVert"),
        (r"\|X_t", "this norm is never closed: write \\|"),
        (r"\rVert X_t", "expected a quantity here"),
        ("(" * 100 + "X_t" + ")" * 100, "nested more than"),
        ("X_t + " * 1000 + "X_t", "the limit is 2000"),
    ],
)
def test_refusals_say_why(src: str, message: str) -> None:
    with pytest.raises(MatrixLatexError, match=re.escape(message)):
        value(src)


def test_a_formula_may_not_use_the_quantity_it_defines() -> None:
    (node,) = parse_chain(r"\frac{\partial L}{\partial X_t} + 0")
    target = quantity_key(r"\frac{\partial L}{\partial X_t}")
    with pytest.raises(MatrixLatexError, match="the very quantity it is meant to give"):
        evaluate(node, Env(VALUES, {"t": 2, "T": 3}, forbidden=target, forbidden_at=2))
    evaluate(node, Env(VALUES, {"t": 2, "T": 3}, forbidden=target, forbidden_at=3))  # another time is fine


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.sampled_from(list("XWbt_^{}()+-=\\ 1T") + [r"\odot", r"\top", r"\sum", r"\frac", r"\partial", r"\tanh"]),
        max_size=30,
    ).map("".join)
)
def test_arbitrary_text_is_read_or_refused_cleanly(src: str) -> None:
    try:
        for node in parse_chain(src):
            evaluate(node, Env(VALUES, {"t": 2, "T": 3}), src)
    except MatrixLatexError:
        pass


def test_an_error_shows_a_bounded_printable_excerpt() -> None:
    """No terminal escape sequence, and not the whole input, reaches a message."""
    text = "G_t \x1b[31m" + " + X" * 500
    with pytest.raises(MatrixLatexError) as err:
        parse_chain(text)
    shown = str(err.value)
    assert "\x1b" not in shown and len(shown) < 300
