"""HW2 Q5's layers and model, checked on every build: what the page's table of backward checks shows.

:func:`layer_rows` runs the captioning helpers of :mod:`solutions.hw2.common.rnn_layers`
(``temporal_fc``, ``word_embedding``, ``temporal_softmax_loss``) against float64 torch
autograd and centred finite differences, a fully masked row included; :func:`model_rows`
checks every parameter's gradient of :meth:`.model.CaptioningRNN.loss` against centred
finite differences.  A check that fails raises; the rows are plain data for ``q5_claims``.
The recurrent cells themselves are checked for Q3 and Q4 (:mod:`solutions.hw2.common.layer_checks`).
"""

from __future__ import annotations

import numpy as np

from solutions.hw2.common import rnn_layers as L
from solutions.hw2.common.gradcheck import numeric_gradient, rel_error
from solutions.hw2.common.layer_checks import FD_TOL, Row, fd_worst
from solutions.hw2.q5.model import CaptioningRNN


def layer_rows(seed: int = 0) -> list[Row]:
    """temporal_fc, word_embedding and temporal_softmax_loss against torch autograd and finite differences."""
    import torch

    rng = np.random.default_rng(seed)
    rows: list[Row] = []
    for n, t, d, m in ((1, 1, 2, 3), (2, 3, 4, 5), (3, 2, 3, 2)):
        x, w, b = rng.normal(size=(n, t, d)), rng.normal(size=(d, m)), rng.normal(size=m)
        dout = rng.normal(size=(n, t, m))
        out, cache = L.temporal_fc_forward(x, w, b)
        dx, dw, db = L.temporal_fc_backward(dout, cache)
        tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
        ((tx @ tw + tb) * torch.tensor(dout)).sum().backward()
        auto = max(
            rel_error(out, (tx @ tw + tb).detach().numpy(), "temporal_fc_forward"),
            *(rel_error(a, g.grad.numpy(), "temporal_fc_backward") for a, g in ((dx, tx), (dw, tw), (db, tb))),
        )
        args = {"x": x, "w": w, "b": b}
        fd = fd_worst(
            lambda a: L.temporal_fc_forward(**a)[0], args, dout, {"x": dx, "w": dw, "b": db}, "temporal_fc_backward"
        )
        rows.append(("temporal_fc_backward", 4, auto, fd))
    for n, t, v, d in ((1, 1, 3, 2), (2, 4, 3, 2), (3, 3, 5, 4)):
        words, table_w, dout = rng.integers(0, v, size=(n, t)), rng.normal(size=(v, d)), rng.normal(size=(n, t, d))
        words[0, 0] = words[-1, -1]  # a word that occurs twice must collect both gradients
        out, cache = L.word_embedding_forward(words, table_w)
        dw = L.word_embedding_backward(dout, cache)
        tw = torch.tensor(table_w, requires_grad=True)
        (tw[torch.tensor(words)] * torch.tensor(dout)).sum().backward()
        auto = max(
            rel_error(out, table_w[words], "word_embedding_forward"),
            rel_error(dw, tw.grad.numpy(), "word_embedding_backward"),
        )
        fd = fd_worst(
            lambda a, words=words: L.word_embedding_forward(words, a["W"])[0],
            {"W": table_w},
            dout,
            {"W": dw},
            "word_embedding_backward",
        )
        rows.append(("word_embedding_backward", 2, auto, fd))
    for n, t, v in ((1, 1, 3), (2, 3, 4), (4, 2, 5)):
        scores, y = rng.normal(size=(n, t, v)), rng.integers(0, v, size=(n, t))
        mask = rng.random(size=(n, t)) < 0.7
        if n > 1:  # the first row fully masked, the second not
            mask[0], mask[1, 0] = False, True
        loss, dx = L.temporal_softmax_loss(scores, y, mask)
        ts = torch.tensor(scores, requires_grad=True)
        logp = torch.log_softmax(ts, dim=2).gather(2, torch.tensor(y)[..., None])[..., 0]
        tloss = -(logp * torch.tensor(mask, dtype=torch.float64)).sum() / n
        tloss.backward()
        auto = max(
            rel_error(loss, tloss.item(), "temporal_softmax_loss"),
            rel_error(dx, ts.grad.numpy(), "temporal_softmax_loss dx"),
        )
        if n > 1 and np.abs(dx[0]).max() != 0:
            raise AssertionError("a fully masked row must get no gradient")
        fd = fd_worst(
            lambda a, y=y, mask=mask: L.temporal_softmax_loss(a["x"], y, mask)[0],
            {"x": scores},
            1.0,
            {"x": dx},
            "temporal_softmax_loss",
        )
        rows.append(("temporal_softmax_loss", 2, auto, fd))
    merged: dict[str, Row] = {}
    for name, count, auto, fd in rows:
        old = merged.get(name, (name, 0, 0.0, 0.0))
        merged[name] = (name, old[1] + count, max(old[2], auto), max(old[3] or 0.0, fd or 0.0))
    return list(merged.values())


def model_rows(seed: int = 0) -> list[Row]:
    """CaptioningRNN.loss: every parameter's gradient against centred finite differences."""
    rng = np.random.default_rng(seed)
    words = ["<NULL>", "<START>", "<END>", "<UNK>", "a", "red", "circle"]
    word_to_idx = {w: i for i, w in enumerate(words)}
    rows: list[Row] = []
    for cell in ("rnn", "lstm"):
        model = CaptioningRNN(word_to_idx, input_dim=6, wordvec_dim=4, hidden_dim=5, cell_type=cell, seed=seed)
        for k in model.params:  # nonzero biases, so that their gradients are tested too
            model.params[k] = model.params[k] + 0.1 * rng.normal(size=model.params[k].shape)
        features = rng.normal(size=(3, 6))
        captions = np.array([[1, 4, 5, 6, 2, 0], [1, 4, 6, 2, 0, 0], [1, 5, 5, 4, 6, 2]])
        _, grads = model.loss(features, captions)
        worst = 0.0
        for name, grad in grads.items():
            numeric = numeric_gradient(lambda _p, m=model, f=features, c=captions: m.loss(f, c)[0], model.params[name])
            worst = max(worst, rel_error(grad, numeric, f"CaptioningRNN ({cell}) d{name}"))
        if worst > FD_TOL:
            raise AssertionError(f"CaptioningRNN ({cell}) disagrees with finite differences: {worst:.3g}")
        rows.append((f"CaptioningRNN.loss ({cell})", len(grads), float("nan"), worst))
    return rows
