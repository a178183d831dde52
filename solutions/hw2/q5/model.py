"""HW2 Q5's model: an image-captioning RNN/LSTM in NumPy, Adam, and a training loop.

Shapes, and the one transpose to watch
--------------------------------------
The model's inputs and outputs are **batch-major**: captions (N, T), word
vectors (N, T, W), scores (N, T, V).  The recurrent layers of Q3/Q4
(:func:`~solutions.hw2.common.rnn_layers.rnn_forward`, :func:`~solutions.hw2.common.rnn_layers.lstm_forward`)
are **time-major**: (T, N, ...).  So :meth:`CaptioningRNN.loss` transposes the
word vectors to (T, N, W) before the recurrent layer, and its hidden states
back to (N, T, H) after it; the backward pass does the same in reverse.

NumPy's BLAS threads
--------------------
The model multiplies small matrices (25 x 512 and the like).  OpenBLAS splits
such products over all cores anyway, and its threads spin while they wait; on
a machine whose cores are busy with other work that made training about 100
times slower (measured: 82 s instead of 0.8 s for the same 50 epochs).  One
thread is as fast as several at these sizes, so :func:`train` runs with
``threads=1`` (through threadpoolctl).  Recording a run is :mod:`.train`'s business.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits
from tqdm import tqdm

from solutions.hw2.common import rnn_layers as L

Array = np.ndarray
CELLS = ("rnn", "lstm")


class CaptioningRNN:
    """Image features -> initial hidden state -> a recurrent language model over the caption's words.

    Parameters (in ``self.params``): ``W_proj`` (input_dim, H) and ``b_proj``
    (H,) map the image feature to ``h0``; ``W_embed`` (V, W) the word vectors;
    ``Wx`` (W, H or 4H), ``Wh`` (H, H or 4H), ``b`` the cell; ``W_vocab``
    (H, V) and ``b_vocab`` (V,) the scores over the vocabulary.
    """

    def __init__(
        self,
        word_to_idx: dict[str, int],
        input_dim: int = 512,
        wordvec_dim: int = 128,
        hidden_dim: int = 128,
        cell_type: str = "rnn",
        dtype: type = np.float64,
        seed: int = 0,
    ) -> None:
        if cell_type not in CELLS:
            raise ValueError(f"cell_type must be one of {CELLS}, not {cell_type!r}")
        missing = [t for t in ("<NULL>", "<START>", "<END>") if t not in word_to_idx]
        if missing:
            raise ValueError(f"word_to_idx lacks the special token(s) {', '.join(missing)}")
        self.cell_type = cell_type
        self.dtype = dtype
        self.word_to_idx = dict(word_to_idx)
        self.idx_to_word = {i: w for w, i in word_to_idx.items()}
        self._null, self._start, self._end = word_to_idx["<NULL>"], word_to_idx["<START>"], word_to_idx["<END>"]
        V, H, gates = len(word_to_idx), hidden_dim, 4 if cell_type == "lstm" else 1
        rng = np.random.default_rng(seed)
        self.params: dict[str, Array] = {
            "W_proj": rng.standard_normal((input_dim, H)) / np.sqrt(input_dim),
            "b_proj": np.zeros(H),
            "W_embed": rng.standard_normal((V, wordvec_dim)) / 100,
            "Wx": rng.standard_normal((wordvec_dim, gates * H)) / np.sqrt(wordvec_dim),
            "Wh": rng.standard_normal((H, gates * H)) / np.sqrt(H),
            "b": np.zeros(gates * H),
            "W_vocab": rng.standard_normal((H, V)) / np.sqrt(H),
            "b_vocab": np.zeros(V),
        }
        for k, v in self.params.items():
            self.params[k] = v.astype(dtype)

    # --8<-- [start:loss]
    def loss(self, features: Array, captions: Array) -> tuple[float, dict[str, Array]]:
        """Teacher-forced loss and gradients for features (N, input_dim) and captions (N, T + 1).

        The network reads ``captions[:, :-1]`` (starting with ``<START>``) and
        at each step is scored on predicting the next word, ``captions[:, 1:]``;
        positions whose target is ``<NULL>`` (padding) are masked out.
        """
        p = self.params
        captions_in, captions_out = captions[:, :-1], captions[:, 1:]
        mask = captions_out != self._null
        features = features.astype(self.dtype, copy=False)

        h0 = features @ p["W_proj"] + p["b_proj"]  # (N, H)
        x, embed_cache = L.word_embedding_forward(captions_in, p["W_embed"])  # (N, T, W)
        forward = L.lstm_forward if self.cell_type == "lstm" else L.rnn_forward
        h_tm, cell_cache = forward(x.transpose(1, 0, 2), h0, p["Wx"], p["Wh"], p["b"])  # time-major in and out
        h = h_tm.transpose(1, 0, 2)  # back to (N, T, H)
        scores, fc_cache = L.temporal_fc_forward(h, p["W_vocab"], p["b_vocab"])  # (N, T, V)
        loss, dscores = L.temporal_softmax_loss(scores, captions_out, mask)

        grads: dict[str, Array] = {}
        dh, grads["W_vocab"], grads["b_vocab"] = L.temporal_fc_backward(dscores, fc_cache)
        backward = L.lstm_backward if self.cell_type == "lstm" else L.rnn_backward
        dx_tm, dh0, grads["Wx"], grads["Wh"], grads["b"] = backward(dh.transpose(1, 0, 2), cell_cache)
        grads["W_embed"] = L.word_embedding_backward(dx_tm.transpose(1, 0, 2), embed_cache)
        grads["W_proj"] = features.T @ dh0
        grads["b_proj"] = dh0.sum(axis=0)
        return loss, {k: grads[k].astype(self.dtype, copy=False) for k in p}

    # --8<-- [end:loss]

    # --8<-- [start:sample]
    def sample(self, features: Array, max_length: int = 30) -> Array:
        """Greedy decoding: captions (N, max_length) of word indices, without the leading ``<START>``.

        Starting from ``<START>``, each step feeds the previous step's most
        likely word.  A caption keeps its ``<END>``; every position after it is ``<NULL>``.
        """
        p = self.params
        N = features.shape[0]
        h = features.astype(self.dtype, copy=False) @ p["W_proj"] + p["b_proj"]
        c = np.zeros_like(h)
        words = np.full(N, self._start)
        captions = np.full((N, max_length), self._null, dtype=np.int64)
        finished = np.zeros(N, dtype=bool)
        for t in range(max_length):
            x = p["W_embed"][words]
            if self.cell_type == "lstm":
                h, c, _ = L.lstm_step_forward(x, h, c, p["Wx"], p["Wh"], p["b"])
            else:
                h, _ = L.rnn_step_forward(x, h, p["Wx"], p["Wh"], p["b"])
            words = np.argmax(h @ p["W_vocab"] + p["b_vocab"], axis=1)
            captions[~finished, t] = words[~finished]
            finished |= words == self._end
            if finished.all():
                break
        return captions

    # --8<-- [end:sample]


class Adam:
    """Adam (Kingma and Ba) over a dict of arrays, updated in place; ``lr`` may be changed between steps."""

    def __init__(self, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8) -> None:
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.t = 0
        self.m: dict[str, Array] = {}
        self.v: dict[str, Array] = {}

    def step(self, params: dict[str, Array], grads: dict[str, Array]) -> None:
        self.t += 1
        for k, g in grads.items():
            m = self.m[k] = self.beta1 * self.m.get(k, 0.0) + (1 - self.beta1) * g
            v = self.v[k] = self.beta2 * self.v.get(k, 0.0) + (1 - self.beta2) * g * g
            m_hat = m / (1 - self.beta1**self.t)  # bias correction: m and v start at zero
            v_hat = v / (1 - self.beta2**self.t)
            params[k] -= (self.lr * m_hat / (np.sqrt(v_hat) + self.eps)).astype(params[k].dtype, copy=False)


def _split(data: dict[str, Any], split: str) -> tuple[Array, Array]:
    """(captions, features of each caption's image) of one split."""
    return data[f"{split}_captions"], data[f"{split}_features"][data[f"{split}_image_idxs"]]


def mean_loss(model: CaptioningRNN, data: dict[str, Any], split: str, batch_size: int = 100) -> float:
    """The loss averaged over every caption of a split (batches weighted by their size)."""
    captions, features = _split(data, split)
    total = sum(
        model.loss(features[i : i + batch_size], captions[i : i + batch_size])[0] * len(captions[i : i + batch_size])
        for i in range(0, len(captions), batch_size)
    )
    return total / len(captions)


def train(
    model: CaptioningRNN,
    data: dict[str, Any],
    epochs: int = 50,
    batch_size: int = 25,
    lr: float = 5e-3,
    lr_decay: float = 1.0,
    seed: int = 0,
    progress: bool = False,
    threads: int | None = 1,
    fingerprint: Any = None,
) -> list[dict[str, float]]:
    """Minibatch Adam on ``data['train_*']``; returns one record per epoch.

    Each epoch visits every training caption once in a shuffled order (the
    shuffles are seeded); the learning rate is multiplied by ``lr_decay``
    after every epoch.  A record holds ``epoch``, ``train_loss`` (the mean of
    the minibatch losses, weighted by batch size), ``lr`` (used in that
    epoch), ``seconds``, and ``val_loss`` when ``data`` has a ``val`` split.
    NumPy's BLAS runs on ``threads`` threads meanwhile (``None``: as it is; see the module's docstring).
    ``fingerprint`` (a :class:`solutions.common.runs.Fingerprint`) is given every training batch's loss.
    """
    with threadpool_limits(limits=threads, user_api="blas"):
        return _train(model, data, epochs, batch_size, lr, lr_decay, seed, progress, fingerprint)


def _train(
    model: CaptioningRNN,
    data: dict[str, Any],
    epochs: int,
    batch_size: int,
    lr: float,
    lr_decay: float,
    seed: int,
    progress: bool,
    fingerprint: Any = None,
) -> list[dict[str, float]]:
    captions, features = _split(data, "train")
    has_val = len(data.get("val_captions", ())) > 0
    rng = np.random.default_rng(seed)
    opt = Adam(lr)
    history: list[dict[str, float]] = []
    bar = tqdm(range(1, epochs + 1), desc=f"{model.cell_type} captioning", unit="epoch", disable=not progress)
    for epoch in bar:
        t0 = time.perf_counter()
        order = rng.permutation(len(captions))
        total = 0.0
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            loss, grads = model.loss(features[idx], captions[idx])
            if fingerprint is not None:
                fingerprint.add(loss)
            opt.step(model.params, grads)
            total += loss * len(idx)
        record = {"epoch": epoch, "train_loss": total / len(order), "lr": opt.lr, "seconds": time.perf_counter() - t0}
        if has_val:
            record["val_loss"] = mean_loss(model, data, "val")
        history.append(record)
        bar.set_postfix(loss=f"{record['train_loss']:.3f}")
        opt.lr *= lr_decay
    return history
