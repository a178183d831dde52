"""The from-scratch NumPy layers, checked against the same autograd cases as the page's formulas.

Used by the Q3 and Q4 claims: each function of :mod:`solutions.hw2.layers` is run
on the inputs of :mod:`solutions.hw2.autograd_cases`, and every output is
compared with float64 autograd and, for the backward functions, with centred
finite differences of the NumPy forward pass itself.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from solutions.engine.registry import Shown
from solutions.hw2 import autograd_cases as ac
from solutions.hw2 import layers
from solutions.hw2.gradcheck import numeric_gradient, rel_error

AUTOGRAD_TOL, FD_TOL = 1e-9, 1e-6  # float64 against float64; finite differences with h = 1e-6

Row = tuple[str, int, float, float | None]  # function, arrays compared, worst vs autograd, worst vs differences


def _stack(seq: dict[int, np.ndarray], lo: int, hi: int) -> np.ndarray:
    return np.stack([seq[t] for t in range(lo, hi + 1)])


def _worst(pairs: list[tuple[np.ndarray, np.ndarray]], what: str) -> float:
    worst = max(rel_error(a, b, what) for a, b in pairs)
    if worst > AUTOGRAD_TOL:
        raise AssertionError(f"{what} disagrees with autograd: relative error {worst:.3g}")
    return worst


def _fd(forward: Callable[[dict[str, np.ndarray]], np.ndarray], inputs: dict[str, np.ndarray], upstream: np.ndarray,
        analytic: dict[str, np.ndarray], what: str) -> float:
    """Centred differences of sum(forward(inputs) * upstream) for every input, against the backward's answer."""
    worst = 0.0
    for name, grad in analytic.items():
        x = inputs[name]
        numeric = numeric_gradient(lambda _x: forward(inputs), x, upstream)
        worst = max(worst, rel_error(grad, numeric, f"{what} d{name}"))
    if worst > FD_TOL:
        raise AssertionError(f"{what} disagrees with finite differences: relative error {worst:.3g}")
    return worst


def rnn_rows() -> list[Row]:
    step_pairs: list[tuple[np.ndarray, np.ndarray]] = []
    back_pairs: list[tuple[np.ndarray, np.ndarray]] = []
    fd_step = 0.0
    for seed, (n, d, h) in enumerate(ac.STEP_SHAPES):
        v, _ = ac.rnn_case(n, d, h, 1, seed)
        args = {"x": v["X"][1].copy(), "prev_h": v["H"][0].copy(), "Wx": v["W_x"].copy(), "Wh": v["W_h"].copy(), "b": v["b"][0].copy()}
        out, cache = layers.rnn_step_forward(**args)
        step_pairs.append((out, v["H"][1]))
        grads = layers.rnn_step_backward(v["G"][1], cache)
        truths = (v["dL/dX"][1], v["dL/dH"][0], v["dL/dW_x"], v["dL/dW_h"], v["dL/db"][0])
        back_pairs += list(zip(grads, truths, strict=True))
        fd_step = max(fd_step, _fd(lambda a: layers.rnn_step_forward(**a)[0], args, v["G"][1],
                                   dict(zip(("x", "prev_h", "Wx", "Wh", "b"), grads, strict=True)), "rnn_step_backward"))
    seq_pairs: list[tuple[np.ndarray, np.ndarray]] = []
    bptt_pairs: list[tuple[np.ndarray, np.ndarray]] = []
    fd_seq = 0.0
    for seed, (n, d, h, t) in enumerate(ac.TIME_SHAPES):
        v, _ = ac.rnn_case(n, d, h, t, seed)
        args = {"x": _stack(v["X"], 1, t), "h0": v["H"][0].copy(), "Wx": v["W_x"].copy(), "Wh": v["W_h"].copy(), "b": v["b"][0].copy()}
        hs, cache = layers.rnn_forward(**args)
        seq_pairs.append((hs, _stack(v["H"], 1, t)))
        dh = _stack(v["G"], 1, t)
        grads = layers.rnn_backward(dh, cache)
        truths = (_stack(v["dL/dX"], 1, t), v["dL/dH"][0], v["dL/dW_x"], v["dL/dW_h"], v["dL/db"][0])
        bptt_pairs += list(zip(grads, truths, strict=True))
        fd_seq = max(fd_seq, _fd(lambda a: layers.rnn_forward(**a)[0], args, dh,
                                 dict(zip(("x", "h0", "Wx", "Wh", "b"), grads, strict=True)), "rnn_backward"))
    return [
        ("rnn_step_forward", len(step_pairs), _worst(step_pairs, "rnn_step_forward"), None),
        ("rnn_step_backward", len(back_pairs), _worst(back_pairs, "rnn_step_backward"), fd_step),
        ("rnn_forward", len(seq_pairs), _worst(seq_pairs, "rnn_forward"), None),
        ("rnn_backward", len(bptt_pairs), _worst(bptt_pairs, "rnn_backward"), fd_seq),
    ]


def lstm_rows() -> list[Row]:
    step_pairs: list[tuple[np.ndarray, np.ndarray]] = []
    back_pairs: list[tuple[np.ndarray, np.ndarray]] = []
    fd_step = 0.0
    for seed, (n, d, h) in enumerate(ac.STEP_SHAPES):
        v, _ = ac.lstm_case(n, d, h, 1, seed, cell_upstream=True)
        args = {"x": v["X"][1].copy(), "prev_h": v["H"][0].copy(), "prev_c": v["C"][0].copy(), "Wx": v["W_x"].copy(),
                "Wh": v["W_h"].copy(), "b": v["b"][0].copy()}
        next_h, next_c, cache = layers.lstm_step_forward(**args)
        step_pairs += [(next_h, v["H"][1]), (next_c, v["C"][1])]
        grads = layers.lstm_step_backward(v["G"][1], v["S"][1], cache)
        truths = (v["dL/dX"][1], v["dL/dH"][0], v["dL/dC"][0], v["dL/dW_x"], v["dL/dW_h"], v["dL/db"][0])
        back_pairs += list(zip(grads, truths, strict=True))
        names = ("x", "prev_h", "prev_c", "Wx", "Wh", "b")
        zeros = np.zeros_like(v["G"][1])
        for k, (dnext_h, dnext_c) in enumerate(((v["G"][1], zeros), (zeros, v["S"][1]))):  # next_h, then next_c
            part = layers.lstm_step_backward(dnext_h, dnext_c, cache)
            fd_step = max(fd_step, _fd(lambda a, k=k: layers.lstm_step_forward(**a)[k], args, dnext_h if k == 0 else dnext_c,
                                       dict(zip(names, part, strict=True)), f"lstm_step_backward ({('next_h', 'next_c')[k]})"))
    seq_pairs: list[tuple[np.ndarray, np.ndarray]] = []
    bptt_pairs: list[tuple[np.ndarray, np.ndarray]] = []
    fd_seq = 0.0
    for seed, (n, d, h, t) in enumerate(ac.TIME_SHAPES):
        v, _ = ac.lstm_case(n, d, h, t, seed, zero_c0=True)
        args = {"x": _stack(v["X"], 1, t), "h0": v["H"][0].copy(), "Wx": v["W_x"].copy(), "Wh": v["W_h"].copy(), "b": v["b"][0].copy()}
        hs, cache = layers.lstm_forward(**args)
        seq_pairs.append((hs, _stack(v["H"], 1, t)))
        dh = _stack(v["G"], 1, t)
        grads = layers.lstm_backward(dh, cache)
        truths = (_stack(v["dL/dX"], 1, t), v["dL/dH"][0], v["dL/dW_x"], v["dL/dW_h"], v["dL/db"][0])
        bptt_pairs += list(zip(grads, truths, strict=True))
        fd_seq = max(fd_seq, _fd(lambda a: layers.lstm_forward(**a)[0], args, dh,
                                 dict(zip(("x", "h0", "Wx", "Wh", "b"), grads, strict=True)), "lstm_backward"))
    return [
        ("lstm_step_forward", len(step_pairs), _worst(step_pairs, "lstm_step_forward"), None),
        ("lstm_step_backward", len(back_pairs), _worst(back_pairs, "lstm_step_backward"), fd_step),
        ("lstm_forward", len(seq_pairs), _worst(seq_pairs, "lstm_forward"), None),
        ("lstm_backward", len(bptt_pairs), _worst(bptt_pairs, "lstm_backward"), fd_seq),
    ]


def sci(x: float) -> str:
    """A relative error as LaTeX: 2.5 \\times 10^{-9}."""
    if x == 0:
        return "0"
    mantissa, exponent = f"{x:.1e}".split("e")
    return rf"{mantissa} \times 10^{{{int(exponent)}}}"


def table(rows: list[Row], how: str) -> Shown:
    dash = r"\text{--}"
    cells = []
    for name, count, auto, fd in rows:
        texname = name.replace("_", r"\_")
        cells.append(rf"\texttt{{{texname}}} & {count} & {sci(auto)} & " + (sci(fd) if fd is not None else dash))
    head = r"\text{function} & \text{arrays compared} & \text{vs autograd} & \text{vs finite differences}"
    return Shown(r"\begin{array}{lrrr}" + head + r" \\ \hline " + r" \\ ".join(cells) + r"\end{array}", how)


def _block_order(mapper: Callable, cell: object, rows_per_block: int, blocks: int) -> list[int]:
    """Which PyTorch row block lands in each of our column blocks: fill torch block k with k + 1 and look."""
    import torch

    with torch.no_grad():
        for k in range(blocks):
            cell.weight_ih[k * rows_per_block:(k + 1) * rows_per_block] = k + 1
    wx = mapper(cell)[0]
    return [round(float(wx[0, j * rows_per_block])) - 1 for j in range(blocks)]


def torch_cell_mapping(kind: str) -> Shown:
    """Our step equals PyTorch's cell once its weights are mapped; show the mapping that was verified."""
    import torch

    torch.manual_seed(0)
    n, d, h = 3, 5, 4
    cell = (torch.nn.LSTMCell if kind == "lstm" else torch.nn.RNNCell)(d, h).double()
    x, h0, c0 = (torch.randn(n, d, dtype=torch.float64), torch.randn(n, h, dtype=torch.float64),
                 torch.randn(n, h, dtype=torch.float64))
    with torch.no_grad():
        if kind == "lstm":
            wx, wh, b = layers.lstm_weights_from_torch(cell)
            theirs_h, theirs_c = cell(x, (h0, c0))
            ours_h, ours_c, _ = layers.lstm_step_forward(x.numpy(), h0.numpy(), c0.numpy(), wx, wh, b)
            worst = max(rel_error(ours_h, theirs_h.numpy(), "LSTMCell h"), rel_error(ours_c, theirs_c.numpy(), "LSTMCell c"))
        else:
            wx, wh, b = layers.rnn_weights_from_torch(cell)
            ours_h, _ = layers.rnn_step_forward(x.numpy(), h0.numpy(), wx, wh, b)
            worst = rel_error(ours_h, cell(x, h0).numpy(), "RNNCell h")
    if worst > AUTOGRAD_TOL:
        raise AssertionError(f"our {kind} step differs from PyTorch's cell by {worst:.3g} after mapping the weights")
    if kind == "rnn":
        latex = (r"W_x = W_{ih}^\top,\quad W_h = W_{hh}^\top,\quad b = b_{ih} + b_{hh}"
                 rf"\qquad (\text{{largest relative difference }} {sci(worst)})")
        return Shown(latex, "RNNCell(5, 4) in float64 against rnn_step_forward on 3 examples")
    order = _block_order(layers.lstm_weights_from_torch, torch.nn.LSTMCell(d, h).double(), h, 4)
    torch_names = "ifgo"  # PyTorch's row blocks, in its order
    rows = [("0" if k == 0 else "H" if k == 1 else f"{k}H") + "{:}" + ("H" if k == 0 else f"{k + 1}H") for k in order]
    parts = r" \;\; ".join(rf"W_{{ih}}[{r}]^\top" for r in rows)
    gates = ", ".join(f"{ours} \\leftarrow {torch_names[k]}" for ours, k in zip(("f", "i", r"\tilde c", "o"), order, strict=True))
    latex = (rf"\begin{{gathered}} W_x = \left[\; {parts} \;\right] \\ \text{{our gate}} \leftarrow \text{{PyTorch's}}: \; {gates}" + r" \\ "
             r"W_h \text{ likewise from } W_{hh}, \quad b \text{ from } b_{ih} + b_{hh} \text{ in the same order} \\ "
             rf"\text{{largest relative difference to LSTMCell: }} {sci(worst)} \end{{gathered}}")
    return Shown(latex, "LSTMCell(5, 4) in float64 against lstm_step_forward on 3 examples; the block order read off the mapping")


def _q5_layer_rows(seed: int = 0) -> list[Row]:
    """temporal_fc, word_embedding and temporal_softmax_loss against torch autograd and finite differences."""
    import torch

    rng = np.random.default_rng(seed)
    rows: list[Row] = []
    for n, t, d, m in ((1, 1, 2, 3), (2, 3, 4, 5), (3, 2, 3, 2)):
        x, w, b, dout = rng.normal(size=(n, t, d)), rng.normal(size=(d, m)), rng.normal(size=m), rng.normal(size=(n, t, m))
        out, cache = layers.temporal_fc_forward(x, w, b)
        dx, dw, db = layers.temporal_fc_backward(dout, cache)
        tx, tw, tb = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
        ((tx @ tw + tb) * torch.tensor(dout)).sum().backward()
        auto = max(rel_error(out, (tx @ tw + tb).detach().numpy(), "temporal_fc_forward"),
                   *(rel_error(a, g.grad.numpy(), "temporal_fc_backward") for a, g in ((dx, tx), (dw, tw), (db, tb))))
        args = {"x": x, "w": w, "b": b}
        fd = _fd(lambda a: layers.temporal_fc_forward(**a)[0], args, dout, {"x": dx, "w": dw, "b": db}, "temporal_fc_backward")
        rows.append(("temporal_fc_backward", 4, auto, fd))
    for n, t, v, d in ((1, 1, 3, 2), (2, 4, 3, 2), (3, 3, 5, 4)):
        words, table_w, dout = rng.integers(0, v, size=(n, t)), rng.normal(size=(v, d)), rng.normal(size=(n, t, d))
        words[0, 0] = words[-1, -1]  # a word that occurs twice must collect both gradients
        out, cache = layers.word_embedding_forward(words, table_w)
        dw = layers.word_embedding_backward(dout, cache)
        tw = torch.tensor(table_w, requires_grad=True)
        (tw[torch.tensor(words)] * torch.tensor(dout)).sum().backward()
        auto = max(rel_error(out, table_w[words], "word_embedding_forward"), rel_error(dw, tw.grad.numpy(), "word_embedding_backward"))
        fd = _fd(lambda a, words=words: layers.word_embedding_forward(words, a["W"])[0], {"W": table_w}, dout, {"W": dw}, "word_embedding_backward")
        rows.append(("word_embedding_backward", 2, auto, fd))
    for n, t, v in ((1, 1, 3), (2, 3, 4), (4, 2, 5)):
        scores, y = rng.normal(size=(n, t, v)), rng.integers(0, v, size=(n, t))
        mask = rng.random(size=(n, t)) < 0.7
        if n > 1:  # the first row fully masked, the second not
            mask[0], mask[1, 0] = False, True
        loss, dx = layers.temporal_softmax_loss(scores, y, mask)
        ts = torch.tensor(scores, requires_grad=True)
        logp = torch.log_softmax(ts, dim=2).gather(2, torch.tensor(y)[..., None])[..., 0]
        tloss = -(logp * torch.tensor(mask, dtype=torch.float64)).sum() / n
        tloss.backward()
        auto = max(rel_error(loss, tloss.item(), "temporal_softmax_loss"), rel_error(dx, ts.grad.numpy(), "temporal_softmax_loss dx"))
        if n > 1 and np.abs(dx[0]).max() != 0:
            raise AssertionError("a fully masked row must get no gradient")
        fd = _fd(lambda a, y=y, mask=mask: layers.temporal_softmax_loss(a["x"], y, mask)[0], {"x": scores}, 1.0, {"x": dx}, "temporal_softmax_loss")
        rows.append(("temporal_softmax_loss", 2, auto, fd))
    merged: dict[str, Row] = {}
    for name, count, auto, fd in rows:
        old = merged.get(name, (name, 0, 0.0, 0.0))
        merged[name] = (name, old[1] + count, max(old[2], auto), max(old[3] or 0.0, fd or 0.0))
    return list(merged.values())


def _captioning_rows(seed: int = 0) -> list[Row]:
    """CaptioningRNN.loss: every parameter's gradient against centred finite differences."""
    from solutions.hw2.captioning import CaptioningRNN

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


def q5_table() -> Shown:
    rows = _q5_layer_rows() + _captioning_rows()
    dash = r"\text{--}"
    cells = []
    for name, count, auto, fd in rows:
        texname = name.replace("_", r"\_")
        cells.append(rf"\texttt{{{texname}}} & {count} & " + (dash if math.isnan(auto) else sci(auto)) + " & " + sci(fd or 0.0))
    head = r"\text{function} & \text{arrays compared} & \text{vs autograd} & \text{vs finite differences}"
    return Shown(r"\begin{array}{lrrr}" + head + r" \\ \hline " + r" \\ ".join(cells) + r"\end{array}",
                 "layers against float64 torch autograd and centred differences (including a fully masked row); "
                 "the whole model's loss against centred differences for every parameter")
