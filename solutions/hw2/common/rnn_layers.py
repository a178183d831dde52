"""The layers of HW2 Q3-Q5 in NumPy: vanilla RNN, LSTM, and the captioning helpers.

Every forward function returns ``(output, cache)`` and the matching backward
function takes the upstream gradient and that cache.  The functions are pure:
they never modify their inputs.

Conventions (the homework's):

* the cells use the batched *row* form, ``x @ Wx + prev_h @ Wh + b``, with
  ``x`` (N, D), ``prev_h`` (N, H), ``Wx`` (D, H or 4H), ``Wh`` (H, H or 4H);
* :func:`rnn_forward` and :func:`lstm_forward` are **time-major**: ``x`` is
  (T, N, D) and ``h`` is (T, N, H);
* the captioning helpers (:func:`temporal_fc_forward`,
  :func:`temporal_softmax_loss`, :func:`word_embedding_forward`) are
  **batch-major**: (N, T, ...).  The captioning model transposes between the two.
* the LSTM's four gate blocks in ``Wx``, ``Wh`` and ``b`` are ordered
  ``[f, i, c~, o]`` (forget, input, candidate, output).  PyTorch orders them
  ``[i, f, g, o]``; :func:`lstm_weights_from_torch` maps one to the other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # torch is only needed to *map* weights, never to compute
    import torch

Array = np.ndarray


# --------------------------------------------------------------------------- Q3: vanilla RNN


# --8<-- [start:rnn_step]
def rnn_step_forward(x: Array, prev_h: Array, Wx: Array, Wh: Array, b: Array) -> tuple[Array, tuple]:
    """One step: ``next_h = tanh(x @ Wx + prev_h @ Wh + b)``; x (N, D), prev_h (N, H) -> next_h (N, H)."""
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h: Array, cache: tuple) -> tuple[Array, Array, Array, Array, Array]:
    """Gradients of one step: ``(dx, dprev_h, dWx, dWh, db)``.

    With ``a = x @ Wx + prev_h @ Wh + b`` and ``next_h = tanh(a)``, the
    derivative of tanh is ``1 - tanh(a)**2 = 1 - next_h**2``, so the cache
    only needs ``next_h``.
    """
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h * (1.0 - next_h**2)  # (N, H)
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)


# --8<-- [end:rnn_step]


# --8<-- [start:rnn_sequence]
def rnn_forward(x: Array, h0: Array, Wx: Array, Wh: Array, b: Array) -> tuple[Array, tuple]:
    """Run the RNN over a whole sequence (time-major): x (T, N, D), h0 (N, H) -> h (T, N, H)."""
    T, N, _ = x.shape
    if T < 1:
        raise ValueError("rnn_forward needs a sequence of at least one step (T >= 1)")
    h = np.empty((T, N, h0.shape[1]), dtype=np.result_type(x, h0, Wx, Wh, b))
    steps, prev_h = [], h0
    for t in range(T):
        prev_h, step_cache = rnn_step_forward(x[t], prev_h, Wx, Wh, b)
        h[t] = prev_h
        steps.append(step_cache)
    return h, tuple(steps)


def rnn_backward(dh: Array, cache: tuple) -> tuple[Array, Array, Array, Array, Array]:
    """Backpropagation through time: ``(dx, dh0, dWx, dWh, db)``.

    ``dh`` (T, N, H) is the upstream gradient arriving at *every* ``h_t`` (from
    the layer above).  The gradient flowing into ``h_t`` is that plus what
    comes back from step t + 1 through ``prev_h``; the weight gradients are
    summed over the steps because the same weights are used at every step.
    """
    T = dh.shape[0]
    x0, _, Wx, Wh, _ = cache[0]
    dx = np.empty((T, *x0.shape), dtype=np.result_type(dh, x0))
    dWx, dWh = np.zeros_like(Wx, dtype=dx.dtype), np.zeros_like(Wh, dtype=dx.dtype)
    db = np.zeros(Wh.shape[1], dtype=dx.dtype)
    dprev_h = np.zeros_like(dh[0])
    for t in reversed(range(T)):
        dx[t], dprev_h, dWx_t, dWh_t, db_t = rnn_step_backward(dh[t] + dprev_h, cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dprev_h, dWx, dWh, db


# --8<-- [end:rnn_sequence]


# --------------------------------------------------------------------------- Q4: LSTM


def sigmoid(x: Array) -> Array:
    """The logistic function ``1 / (1 + exp(-x))``, without overflow for large ``|x|``.

    ``exp`` is only ever taken of ``-|x|`` (at most 1), using
    ``sigmoid(x) = 1 / (1 + e^{-x})`` for x >= 0 and ``e^{x} / (1 + e^{x})`` for x < 0.
    """
    x = np.asarray(x)
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + z), z / (1.0 + z))


# --8<-- [start:lstm_step]
def lstm_step_forward(
    x: Array, prev_h: Array, prev_c: Array, Wx: Array, Wh: Array, b: Array
) -> tuple[Array, Array, dict[str, Array]]:
    """One LSTM step: returns ``(next_h, next_c, cache)``.

    ``A = x @ Wx + prev_h @ Wh + b`` is (N, 4H), split into the blocks
    ``[f, i, c~, o]``; then ``c_t = f * c_{t-1} + i * c~`` and ``h_t = o * tanh(c_t)``.
    """
    H = prev_h.shape[1]
    a = x @ Wx + prev_h @ Wh + b
    f = sigmoid(a[:, :H])
    i = sigmoid(a[:, H : 2 * H])
    g = np.tanh(a[:, 2 * H : 3 * H])  # the candidate cell c~
    o = sigmoid(a[:, 3 * H :])
    next_c = f * prev_c + i * g
    tanh_c = np.tanh(next_c)
    next_h = o * tanh_c
    cache = {
        "x": x,
        "prev_h": prev_h,
        "prev_c": prev_c,
        "Wx": Wx,
        "Wh": Wh,
        "f": f,
        "i": i,
        "g": g,
        "o": o,
        "tanh_c": tanh_c,
    }
    return next_h, next_c, cache


def lstm_step_backward(
    dnext_h: Array, dnext_c: Array, cache: dict[str, Array]
) -> tuple[Array, Array, Array, Array, Array, Array]:
    """Gradients of one LSTM step: ``(dx, dprev_h, dprev_c, dWx, dWh, db)``.

    The cell state receives gradient along two paths: directly (``dnext_c``,
    from step t + 1) and through ``h_t = o * tanh(c_t)``.
    """
    f, i, g, o, tanh_c = cache["f"], cache["i"], cache["g"], cache["o"], cache["tanh_c"]
    dc = dnext_c + dnext_h * o * (1.0 - tanh_c**2)
    do = dnext_h * tanh_c
    df = dc * cache["prev_c"]
    di = dc * g
    dg = dc * i
    dprev_c = dc * f
    # Through the nonlinearities: sigmoid' = s (1 - s), tanh' = 1 - tanh^2.  Same block order [f, i, c~, o].
    da = np.concatenate([df * f * (1.0 - f), di * i * (1.0 - i), dg * (1.0 - g**2), do * o * (1.0 - o)], axis=1)
    dx = da @ cache["Wx"].T
    dprev_h = da @ cache["Wh"].T
    return dx, dprev_h, dprev_c, cache["x"].T @ da, cache["prev_h"].T @ da, da.sum(axis=0)


# --8<-- [end:lstm_step]


# --8<-- [start:lstm_sequence]
def lstm_forward(x: Array, h0: Array, Wx: Array, Wh: Array, b: Array) -> tuple[Array, tuple]:
    """Run the LSTM over a sequence (time-major), starting from ``h0`` and a zero cell state.

    x (T, N, D), h0 (N, H) -> h (T, N, H).  The cell states are internal and not returned.
    """
    T, N, _ = x.shape
    if T < 1:
        raise ValueError("lstm_forward needs a sequence of at least one step (T >= 1)")
    dtype = np.result_type(x, h0, Wx, Wh, b)
    h = np.empty((T, N, h0.shape[1]), dtype=dtype)
    prev_h, prev_c = h0, np.zeros_like(h0, dtype=dtype)
    steps = []
    for t in range(T):
        prev_h, prev_c, step_cache = lstm_step_forward(x[t], prev_h, prev_c, Wx, Wh, b)
        h[t] = prev_h
        steps.append(step_cache)
    return h, tuple(steps)


def lstm_backward(dh: Array, cache: tuple) -> tuple[Array, Array, Array, Array, Array]:
    """Backpropagation through time for the LSTM: ``(dx, dh0, dWx, dWh, db)``; dh is (T, N, H)."""
    T = dh.shape[0]
    first = cache[0]
    dx = np.empty((T, *first["x"].shape), dtype=np.result_type(dh, first["x"]))
    dWx, dWh = np.zeros_like(first["Wx"], dtype=dx.dtype), np.zeros_like(first["Wh"], dtype=dx.dtype)
    db = np.zeros(first["Wh"].shape[1], dtype=dx.dtype)
    dprev_h = np.zeros_like(dh[0])
    dprev_c = np.zeros_like(dh[0])  # the last cell state feeds nothing, and c_0 = 0 is not a parameter
    for t in reversed(range(T)):
        dx[t], dprev_h, dprev_c, dWx_t, dWh_t, db_t = lstm_step_backward(dh[t] + dprev_h, dprev_c, cache[t])
        dWx += dWx_t
        dWh += dWh_t
        db += db_t
    return dx, dprev_h, dWx, dWh, db


# --8<-- [end:lstm_sequence]


# --------------------------------------------------------------------------- Q5: captioning helpers (batch-major)


# --8<-- [start:captioning_layers]
def temporal_fc_forward(x: Array, w: Array, b: Array) -> tuple[Array, tuple]:
    """The same affine map at every time step: x (N, T, D), w (D, M), b (M,) -> out (N, T, M)."""
    return x @ w + b, (x, w)


def temporal_fc_backward(dout: Array, cache: tuple) -> tuple[Array, Array, Array]:
    """Gradients ``(dx, dw, db)`` of :func:`temporal_fc_forward`; dw and db are summed over N and T."""
    x, w = cache
    D, M = w.shape
    dx = dout @ w.T
    dw = x.reshape(-1, D).T @ dout.reshape(-1, M)
    db = dout.reshape(-1, M).sum(axis=0)
    return dx, dw, db


def temporal_softmax_loss(x: Array, y: Array, mask: Array) -> tuple[float, Array]:
    """Softmax cross-entropy at every time step: returns ``(loss, dx)``.

    x (N, T, V) are scores, y (N, T) the integer targets, mask (N, T) says
    which positions count.  The loss is summed over time and averaged over
    the minibatch N; masked positions add nothing to the loss or the gradient
    (whatever their target, even an out-of-range one), so a fully masked row
    contributes zero.
    """
    N, T, V = x.shape
    flat = x.reshape(N * T, V)
    m = np.asarray(mask, dtype=bool).reshape(N * T)
    targets = np.where(m, np.asarray(y).reshape(N * T), 0)
    shifted = flat - flat.max(axis=1, keepdims=True)  # stable: the largest exponent is e^0
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(N * T)
    loss = -np.sum(log_probs[rows, targets] * m) / N
    dx = np.exp(log_probs)
    dx[rows, targets] -= 1.0
    dx *= m[:, None] / N
    return float(loss), dx.reshape(N, T, V)


def word_embedding_forward(x: Array, W: Array) -> tuple[Array, tuple]:
    """Look up word vectors: integer x (N, T), W (V, D) -> out (N, T, D), ``out[n, t] = W[x[n, t]]``."""
    x = np.asarray(x)
    return W[x], (x, W.shape, W.dtype)


def word_embedding_backward(dout: Array, cache: tuple) -> Array:
    """Gradient dW (V, D): each word's row collects the gradients of every position where it occurs."""
    x, shape, dtype = cache
    dW = np.zeros(shape, dtype=np.result_type(dtype, dout))
    np.add.at(dW, x, dout)  # unbuffered: a word that occurs twice adds twice
    return dW


# --8<-- [end:captioning_layers]


# --------------------------------------------------------------------------- PyTorch's cells, mapped


def _torch_bias(cell: Any, size: int) -> Array:
    if getattr(cell, "bias_ih", None) is None:
        return np.zeros(size)
    return (cell.bias_ih.detach() + cell.bias_hh.detach()).double().cpu().numpy()


def rnn_weights_from_torch(cell: torch.nn.RNNCell) -> tuple[Array, Array, Array]:
    """``(Wx, Wh, b)`` in float64 such that :func:`rnn_step_forward` equals ``cell`` (tanh nonlinearity).

    PyTorch computes ``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)`` with
    ``weight_ih`` (H, D): so ``Wx = weight_ih.T``, ``Wh = weight_hh.T`` and the two biases add.
    """
    if getattr(cell, "nonlinearity", "tanh") != "tanh":
        raise ValueError(f"the homework's RNN uses tanh, this cell uses {cell.nonlinearity!r}")
    Wx = cell.weight_ih.detach().double().cpu().numpy().T
    Wh = cell.weight_hh.detach().double().cpu().numpy().T
    return Wx, Wh, _torch_bias(cell, Wh.shape[1])


def lstm_weights_from_torch(cell: torch.nn.LSTMCell) -> tuple[Array, Array, Array]:
    """``(Wx, Wh, b)`` in float64 such that :func:`lstm_step_forward` equals ``cell``.

    PyTorch stacks its gates in the order ``[i, f, g, o]`` along the rows of
    ``weight_ih`` (4H, D) and ``weight_hh`` (4H, H), and has two biases.  The
    homework stacks ``[f, i, c~, o]`` along the *columns* of ``Wx`` (D, 4H).  So:
    swap the first two blocks, transpose, and add the biases.
    """
    H = cell.weight_hh.shape[1]
    blocks = [slice(H, 2 * H), slice(0, H), slice(2 * H, 3 * H), slice(3 * H, 4 * H)]  # torch rows of f, i, g, o
    order = np.concatenate([np.arange(4 * H)[s] for s in blocks])
    Wx = cell.weight_ih.detach().double().cpu().numpy()[order].T
    Wh = cell.weight_hh.detach().double().cpu().numpy()[order].T
    return Wx, Wh, _torch_bias(cell, 4 * H)[order]
