"""How many parameters the recurrent layers of Assignment II, Part I have: closed forms.

Two routes that share nothing: :func:`recurrent_params` counts from the shapes
of the weight matrices as the page derives them, and :func:`torch_params`
asks PyTorch to build the layer and counts its tensors.  ``part1_claims``
holds both to agreement; the tests do the same on a random grid.
:data:`ARCHITECTURES` names every architecture the page counts (the trained
ones are :data:`solutions.a2.part1.model.MODELS`).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy
import torch

GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}  # weight blocks stacked in W_ih and W_hh


@dataclass(frozen=True)
class Recurrent:
    """One recurrent module as Part I uses it: ``nn.<cell>(input_size, hidden_size, ...)``."""

    cell: str
    input_size: int
    hidden_size: int
    num_layers: int = 1
    bidirectional: bool = False
    bias: bool = True
    proj_size: int = 0

    @property
    def directions(self) -> int:
        return 2 if self.bidirectional else 1


def layer_params(
    gates: sympy.Expr | int, d: sympy.Expr | int, h: sympy.Expr | int, bias: bool = True, proj: sympy.Expr | int = 0
) -> sympy.Expr | int:
    """One direction of one layer.

    W_ih is (gates*h x d), W_hh is (gates*h x r) where r is what is fed back (h, or the
    projection size p), two bias vectors of gates*h each, and with a projection W_hr (p x h).
    """
    fed_back = proj if proj else h
    count = gates * h * d + gates * h * fed_back
    if bias:
        count += 2 * gates * h
    if proj:
        count += proj * h
    return count


def recurrent_params(m: Recurrent) -> int:
    """Parameters in all layers and directions; layers after the first read every direction's output."""
    gates = GATES[m.cell]
    out_size = m.proj_size or m.hidden_size
    total = 0
    for layer in range(m.num_layers):
        d = m.input_size if layer == 0 else m.directions * out_size
        total += m.directions * layer_params(gates, d, m.hidden_size, m.bias, m.proj_size)
    return int(total)


def torch_params(m: Recurrent) -> int:
    """What PyTorch itself allocates for the same module."""
    kwargs: dict[str, object] = {"num_layers": m.num_layers, "bidirectional": m.bidirectional, "bias": m.bias}
    if m.cell == "LSTM":
        kwargs["proj_size"] = m.proj_size
    elif m.proj_size:
        raise ValueError("only nn.LSTM has proj_size")
    module = getattr(torch.nn, m.cell)(m.input_size, m.hidden_size, **kwargs)
    return sum(p.numel() for p in module.parameters())


# The architectures of Part I (input 100, hidden 200), and the ones answer sheets also report.
ARCHITECTURES: dict[str, Recurrent] = {
    "bilstm2": Recurrent("LSTM", 100, 200, num_layers=2, bidirectional=True),
    "birnn2": Recurrent("RNN", 100, 200, num_layers=2, bidirectional=True),
    "birnn": Recurrent("RNN", 100, 200, bidirectional=True),
    "rnn": Recurrent("RNN", 100, 200),
    "bilstm": Recurrent("LSTM", 100, 200, bidirectional=True),
    "lstm": Recurrent("LSTM", 100, 200),
    "bigru2": Recurrent("GRU", 100, 200, num_layers=2, bidirectional=True),
    "gru": Recurrent("GRU", 100, 200),
}

VOCAB_SIZE = 25_002  # 25,000 most frequent training tokens + <unk> + <pad>
EMBEDDING_DIM = 100


def whole_model_params(m: Recurrent, vocab: int = VOCAB_SIZE, emb: int = EMBEDDING_DIM) -> int:
    """Embedding + recurrent layers + Linear head on the concatenated final hidden states."""
    head_in = m.directions * (m.proj_size or m.hidden_size)
    return vocab * emb + recurrent_params(m) + head_in + 1


def torch_whole_model_params(m: Recurrent, vocab: int = VOCAB_SIZE, emb: int = EMBEDDING_DIM) -> int:
    head = torch.nn.Linear(m.directions * (m.proj_size or m.hidden_size), 1)
    embedding = torch.nn.Embedding(vocab, emb, padding_idx=1)
    return sum(p.numel() for p in (*embedding.parameters(), *head.parameters())) + torch_params(m)
