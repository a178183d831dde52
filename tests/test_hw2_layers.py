"""HW2 Q3-Q5 layers: every backward against PyTorch autograd and against finite differences, on random shapes."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pytest
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st

from solutions.hw2.common import rnn_layers as L
from solutions.hw2.common.gradcheck import largest_relative_error, numeric_gradient, rel_error, worst_checks
from tests import hw2_reference as ref
from tests.hw2_reference import report_largest_relative_error  # noqa: F401  (an autouse fixture)

FD_H = 1e-6
FD_TOL = 1e-6  # normwise; centred differences with h = 1e-6 in float64 agree to about 1e-8 here (noise: 1e-16 / h)
dims = st.integers(1, 4)
shapes = settings(max_examples=15, deadline=None)


def fd_check(
    forward: Callable[[], np.ndarray | float],
    inputs: dict[str, np.ndarray],
    dout: np.ndarray | float,
    ours: dict[str, np.ndarray],
    what: str,
) -> None:
    """Compare our gradients with centred finite differences of ``sum(forward() * dout)`` for each input.

    Rounding in ``forward`` limits finite differences to about ``eps * sum|forward() * dout| / h`` in
    absolute terms; where a whole gradient is that small (a saturated tanh), only that bound is asked
    for (autograd checks those gradients tightly anyway).
    """
    noise = 100 * np.finfo(np.float64).eps * np.sum(np.abs(forward() * dout)) / FD_H
    for name, x in inputs.items():
        num = numeric_gradient(lambda _: forward(), x, dout, h=FD_H)
        err = rel_error(ours[name], num, f"{what} vs finite differences")
        assert err < FD_TOL or np.max(np.abs(ours[name] - num)) < noise, (
            f"{what}: d{name} differs from finite differences by {err:.2e} (relative)"
        )


def randn(rng: np.random.Generator, *shape: int, scale: float = 1.0) -> np.ndarray:
    return scale * rng.standard_normal(shape)


# ------------------------------------------------------------------ vanilla RNN


@shapes
@given(N=dims, D=dims, H=dims, seed=st.integers(0, 2**16))
@example(N=1, D=1, H=1, seed=0)
def test_rnn_step_backward(N: int, D: int, H: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    p = {
        "x": randn(rng, N, D),
        "prev_h": randn(rng, N, H),
        "Wx": randn(rng, D, H, scale=0.5),
        "Wh": randn(rng, H, H, scale=0.5),
        "b": randn(rng, H, scale=0.5),
    }
    out, cache = L.rnn_step_forward(**p)
    dout = randn(rng, N, H)
    ours = dict(zip(p, L.rnn_step_backward(dout, cache), strict=True))
    expected, theirs = ref.autograd(ref.rnn_step, p, dout)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-14)
    ref.assert_matches_torch(ours, theirs, "rnn step")
    fd_check(lambda: L.rnn_step_forward(**p)[0], p, dout, ours, "rnn step")


# Through time, both cells: (weight blocks, forward, backward, the PyTorch reference).
THROUGH_TIME = {
    "rnn": (1, L.rnn_forward, L.rnn_backward, ref.rnn),
    "lstm": (4, L.lstm_forward, L.lstm_backward, ref.lstm),
}


@pytest.mark.parametrize("cell", list(THROUGH_TIME))
@shapes
@given(T=dims, N=dims, D=dims, H=dims, seed=st.integers(0, 2**16))
@example(T=1, N=1, D=2, H=3, seed=0)
@example(T=1, N=3, D=2, H=2, seed=1)
@example(T=4, N=1, D=3, H=2, seed=2)
def test_backward_through_time(cell: str, T: int, N: int, D: int, H: int, seed: int) -> None:
    gates, forward, backward, reference = THROUGH_TIME[cell]
    rng = np.random.default_rng(seed)
    p = {
        "x": randn(rng, T, N, D),
        "h0": randn(rng, N, H),
        "Wx": randn(rng, D, gates * H, scale=0.5),
        "Wh": randn(rng, H, gates * H, scale=0.5),
        "b": randn(rng, gates * H, scale=0.5),
    }
    h, cache = forward(**p)
    assert h.shape == (T, N, H)
    dh = randn(rng, T, N, H)  # upstream gradient at every h_t
    ours = dict(zip(p, backward(dh, cache), strict=True))
    expected, theirs = ref.autograd(reference, p, dh)
    np.testing.assert_allclose(h, expected, rtol=1e-12, atol=1e-14)
    ref.assert_matches_torch(ours, theirs, f"{cell} through time")
    fd_check(lambda: forward(**p)[0], p, dh, ours, f"{cell} through time")


def test_rnn_step_equals_torch_rnncell() -> None:
    torch.manual_seed(0)
    for bias in (True, False):
        cell = torch.nn.RNNCell(5, 3, bias=bias, nonlinearity="tanh").double()
        x, h = torch.randn(4, 5, dtype=torch.float64), torch.randn(4, 3, dtype=torch.float64)
        ours, _ = L.rnn_step_forward(x.numpy(), h.numpy(), *L.rnn_weights_from_torch(cell))
        np.testing.assert_allclose(ours, cell(x, h).detach().numpy(), rtol=1e-12, atol=1e-14)
    with pytest.raises(ValueError, match="relu"):
        L.rnn_weights_from_torch(torch.nn.RNNCell(5, 3, nonlinearity="relu"))


# ------------------------------------------------------------------ LSTM


def test_sigmoid_is_stable_and_exact() -> None:
    x = np.array([-1000.0, -745.0, -50.0, -1.0, 0.0, 1.0, 50.0, 1000.0])
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        s = L.sigmoid(x)
    assert s[0] == 0.0 and s[-1] == 1.0 and s[4] == 0.5
    # ours keeps e^-745, a subnormal
    np.testing.assert_allclose(s, torch.sigmoid(torch.tensor(x)).numpy(), rtol=1e-15, atol=1e-300)
    assert L.sigmoid(np.float32([-1000, 1000])).dtype == np.float32


def lstm_params(rng: np.random.Generator, N: int, D: int, H: int) -> dict[str, np.ndarray]:
    return {
        "Wx": randn(rng, D, 4 * H, scale=0.5),
        "Wh": randn(rng, H, 4 * H, scale=0.5),
        "b": randn(rng, 4 * H, scale=0.5),
    }


@shapes
@given(N=dims, D=dims, H=dims, seed=st.integers(0, 2**16))
@example(N=1, D=1, H=1, seed=0)
def test_lstm_step_backward(N: int, D: int, H: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    p = {"x": randn(rng, N, D), "prev_h": randn(rng, N, H), "prev_c": randn(rng, N, H), **lstm_params(rng, N, D, H)}
    dh, dc = randn(rng, N, H), randn(rng, N, H)
    _, _, cache = L.lstm_step_forward(**p)
    ours = dict(zip(p, L.lstm_step_backward(dh, dc, cache), strict=True))

    # one scalar from both outputs: sum(h * dh) + sum(c * dc)
    def both(**kw: torch.Tensor) -> torch.Tensor:
        h, c = ref.lstm_step(**kw)
        return (h * torch.as_tensor(dh)).sum() + (c * torch.as_tensor(dc)).sum()

    value, theirs = ref.autograd(both, p)
    h, c, _ = L.lstm_step_forward(**p)
    np.testing.assert_allclose(np.sum(h * dh) + np.sum(c * dc), value, rtol=1e-12)
    ref.assert_matches_torch(ours, theirs, "lstm step")

    def ours_scalar() -> float:
        h, c, _ = L.lstm_step_forward(**p)
        return float(np.sum(h * dh) + np.sum(c * dc))

    fd_check(ours_scalar, p, 1.0, ours, "lstm step")


def test_lstm_step_equals_torch_lstmcell() -> None:
    torch.manual_seed(0)
    for bias in (True, False):
        cell = torch.nn.LSTMCell(5, 3, bias=bias).double()
        x = torch.randn(4, 5, dtype=torch.float64)
        h, c = torch.randn(4, 3, dtype=torch.float64), torch.randn(4, 3, dtype=torch.float64)
        ours_h, ours_c, _ = L.lstm_step_forward(x.numpy(), h.numpy(), c.numpy(), *L.lstm_weights_from_torch(cell))
        their_h, their_c = cell(x, (h, c))
        np.testing.assert_allclose(ours_h, their_h.detach().numpy(), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(ours_c, their_c.detach().numpy(), rtol=1e-12, atol=1e-14)


def test_lstm_weight_mapping_puts_the_forget_gate_first() -> None:
    """A large forget-gate bias in PyTorch's block 1 must land in the homework's block 0."""
    cell = torch.nn.LSTMCell(2, 3)
    with torch.no_grad():
        for p in cell.parameters():
            p.zero_()
        cell.bias_ih[3:6] = 7.0  # PyTorch's order is i, f, g, o: rows 3..5 are the forget gate
    _, _, b = L.lstm_weights_from_torch(cell)
    np.testing.assert_array_equal(b, np.r_[np.full(3, 7.0), np.zeros(9)])


# ------------------------------------------------------------------ captioning helpers (batch-major)


@shapes
@given(N=dims, T=dims, D=dims, M=dims, seed=st.integers(0, 2**16))
@example(N=1, T=1, D=2, M=3, seed=0)
def test_temporal_fc_backward(N: int, T: int, D: int, M: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    p = {"x": randn(rng, N, T, D), "w": randn(rng, D, M), "b": randn(rng, M)}
    out, cache = L.temporal_fc_forward(**p)
    dout = randn(rng, N, T, M)
    ours = dict(zip(p, L.temporal_fc_backward(dout, cache), strict=True))
    expected, theirs = ref.autograd(lambda x, w, b: x @ w + b, p, dout)
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-14)
    ref.assert_matches_torch(ours, theirs, "temporal fc")
    fd_check(lambda: L.temporal_fc_forward(**p)[0], p, dout, ours, "temporal fc")


@shapes
@given(N=dims, T=dims, V=st.integers(2, 5), D=dims, seed=st.integers(0, 2**16))
@example(N=1, T=1, V=2, D=1, seed=0)
def test_word_embedding_backward(N: int, T: int, V: int, D: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.integers(V, size=(N, T))  # with V small, words repeat: their gradients must add
    W = randn(rng, V, D)
    out, cache = L.word_embedding_forward(x, W)
    dout = randn(rng, N, T, D)
    ours = {"W": L.word_embedding_backward(dout, cache)}
    expected, theirs = ref.autograd(lambda W: W[torch.as_tensor(x)], {"W": W}, dout)
    np.testing.assert_array_equal(out, expected)
    ref.assert_matches_torch(ours, theirs, "word embedding")
    fd_check(lambda: L.word_embedding_forward(x, W)[0], {"W": W}, dout, ours, "word embedding")


@shapes
@given(N=dims, T=dims, V=st.integers(2, 5), seed=st.integers(0, 2**16))
@example(N=1, T=1, V=2, seed=0)
def test_temporal_softmax_loss(N: int, T: int, V: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = randn(rng, N, T, V, scale=2.0)
    y = rng.integers(V, size=(N, T))
    mask = rng.random((N, T)) < 0.7
    loss, dx = L.temporal_softmax_loss(x, y, mask)
    value, theirs = ref.autograd(ref.softmax_loss, {"x": x}, y=torch.as_tensor(y), mask=torch.as_tensor(mask))
    np.testing.assert_allclose(loss, value, rtol=1e-12, atol=1e-14)
    ref.assert_matches_torch({"x": dx}, theirs, "temporal softmax loss")
    fd_check(lambda: L.temporal_softmax_loss(x, y, mask)[0], {"x": x}, 1.0, {"x": dx}, "temporal softmax loss")


def test_temporal_softmax_loss_fully_masked_row() -> None:
    rng = np.random.default_rng(0)
    x, y = randn(rng, 3, 4, 6), rng.integers(6, size=(3, 4))
    mask = np.ones((3, 4), dtype=bool)
    mask[1] = False
    y[1] = 10**6  # a masked target is never looked at, even out of range
    loss, dx = L.temporal_softmax_loss(x, y, mask)
    assert np.all(dx[1] == 0.0)
    rows = [L.temporal_softmax_loss(x[[n]], y[[n]], mask[[n]]) for n in (0, 2)]
    np.testing.assert_allclose(loss, (rows[0][0] + rows[1][0]) / 3, rtol=1e-14)  # averaged over N = 3, row 1 adds 0
    np.testing.assert_allclose(dx[[0, 2]], np.concatenate([rows[0][1], rows[1][1]]) / 3, rtol=1e-14)
    all_masked, d_all = L.temporal_softmax_loss(x, y, np.zeros((3, 4)))
    assert all_masked == 0.0 and not d_all.any()
    # 0/1 masks work like booleans
    np.testing.assert_allclose(L.temporal_softmax_loss(x, y, mask.astype(int))[0], loss)


def test_forwards_do_not_modify_their_inputs() -> None:
    rng = np.random.default_rng(1)
    args = [randn(rng, 3, 2, 4), randn(rng, 2, 5), randn(rng, 4, 20), randn(rng, 5, 20), randn(rng, 20)]
    copies = [a.copy() for a in args]
    h, cache = L.lstm_forward(*args)
    L.lstm_backward(np.ones_like(h), cache)
    for a, c in zip(args, copies, strict=True):
        np.testing.assert_array_equal(a, c)


def test_gradcheck_helpers() -> None:
    x = np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(numeric_gradient(lambda v: np.sum(v**3), x), 3 * x**2, rtol=1e-8)
    assert rel_error(np.zeros(3), np.zeros(3), record=False) == 0.0
    before = dict(worst_checks())
    assert rel_error(np.array([1.0, 2.0]), np.array([1.0, 2.2]), "self-test", record=False) == pytest.approx(0.2 / 2.2)
    assert worst_checks() == before and largest_relative_error() == max(before.values(), default=0.0)
    with pytest.raises(TypeError, match="float64"):
        numeric_gradient(lambda v: v.sum(), np.ones(2, dtype=np.float32))
