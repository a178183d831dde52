"""The Part I model: an embedding, a recurrent module (RNN, LSTM or GRU, one or two levels, one or both
directions) and a linear head on the final hidden states, as the notebook builds it.

:class:`SentimentRNN` keeps the notebook's ``nn`` module (its parameters, names and initialisation)
but runs it as padded one-way passes, exactly equal to the packed computation and much faster on
the CPU.  The architectures and their parameter counts are in :mod:`.params`; training is in
:mod:`.train`.
"""

from __future__ import annotations

import dataclasses

import torch
from torch import nn

from solutions.a2.part1.params import Recurrent

# The six trained models of the page's answer table, in its order (keys of params.ARCHITECTURES).
MODELS = ("bilstm2", "birnn2", "birnn", "rnn", "bilstm", "lstm")


def reverse_within_length(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Reverse each column of a padded ``T x B x ...`` batch within its own length; padding stays put.

    Its own inverse.  Run over such a batch, a forward-only recurrence reads each review from its last
    token to its first and never sees padding before a real token, which is exactly what the backward
    direction of a bidirectional layer does over a packed sequence.
    """
    steps = torch.arange(x.shape[0], device=x.device)[:, None]
    n = lengths.to(x.device)[None, :]
    index = torch.where(steps < n, n - 1 - steps, steps)
    return x.gather(0, index.view(*index.shape, *([1] * (x.dim() - 2))).expand_as(x))


class SentimentRNN(nn.Module):
    """Embedding -> dropout -> recurrent module -> final hidden state(s) -> dropout -> Linear.

    ``self.rnn`` is the notebook's ``nn.LSTM``/``nn.RNN``/``nn.GRU`` (its parameters, names and
    initialisation), but :meth:`forward` does not hand it a packed sequence: on the CPU the packed
    backward pass is the bottleneck (about 2 reviews/s for the 2-level bi-LSTM against 27 padded).
    Instead each layer and direction is one padded, forward-only pass with that direction's weights
    (``torch.lstm``/``torch.rnn_tanh``/``torch.gru``, the kernels ``nn.LSTM`` itself calls, which take
    PyTorch's oneDNN path on the CPU); the backward direction runs over each review reversed within
    its own length.  A forward-only recurrence at step t has seen only steps <= t, so every state at
    a real token equals the packed one, and the top layer's final states are read at each review's
    last real token (forward) and after its first (backward).  Dropout of the module's rate is applied
    between layers, as ``nn.LSTM(dropout=...)`` does.  Tested against the packed module on the same
    weights (tests/test_imdb_pipeline.py).
    """

    def __init__(self, arch: Recurrent, vocab_size: int, embedding_dim: int = 100, dropout: float = 0.5) -> None:
        super().__init__()
        self.arch = arch
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=1)
        # nn.RNN's own dropout acts between layers only; a one-layer module gets none (PyTorch would warn).
        self.rnn = getattr(nn, arch.cell)(
            embedding_dim,
            arch.hidden_size,
            num_layers=arch.num_layers,
            bidirectional=arch.bidirectional,
            dropout=dropout if arch.num_layers > 1 else 0.0,
        )
        self.fc = nn.Linear(arch.directions * arch.hidden_size, 1)
        self.dropout = nn.Dropout(dropout)

    def _direction(self, x: torch.Tensor, layer: int, reverse: bool) -> torch.Tensor:
        """One layer, one direction, over a padded batch in time order: the outputs, ``T x B x H``."""
        suffix = f"_l{layer}" + ("_reverse" if reverse else "")
        weights = [getattr(self.rnn, name + suffix) for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
        h0 = x.new_zeros(1, x.shape[1], self.arch.hidden_size)
        # biases, 1 layer, no dropout, train mode, one-way, time-major
        args = (weights, True, 1, 0.0, self.training, False, False)
        if self.arch.cell == "LSTM":
            return torch.lstm(x, (h0, h0), *args)[0]
        return (torch.rnn_tanh if self.arch.cell == "RNN" else torch.gru)(x, h0, *args)[0]

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        x = self.dropout(self.embedding(tokens))
        lengths = lengths.to(x.device)
        columns = torch.arange(x.shape[1], device=x.device)
        for layer in range(self.arch.num_layers):
            if layer:
                x = nn.functional.dropout(x, self.rnn.dropout, self.training)
            forward = self._direction(x, layer, reverse=False)
            last = [forward[lengths - 1, columns]]
            if self.arch.bidirectional:
                backward = self._direction(reverse_within_length(x, lengths), layer, reverse=True)
                last.append(backward[lengths - 1, columns])  # the state after reading the first token
                forward = torch.cat([forward, reverse_within_length(backward, lengths)], dim=2)
            x = forward
        return self.fc(self.dropout(torch.cat(last, dim=1))).squeeze(1)

    def packed_forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """The notebook's way, for comparison only: the same weights, but the whole module handed a packed
        sequence (``pack_padded_sequence``) and its final hidden states read as the notebook reads them."""
        embedded = self.dropout(self.embedding(tokens))
        packed = nn.utils.rnn.pack_padded_sequence(embedded, lengths.cpu(), enforce_sorted=False)
        hidden = self.rnn(packed)[1]
        hidden = hidden[0] if isinstance(hidden, tuple) else hidden
        last = torch.cat([hidden[-2], hidden[-1]], dim=1) if self.arch.bidirectional else hidden[-1]
        return self.fc(self.dropout(last)).squeeze(1)


def packed_difference(arch: Recurrent, train_mode: bool, seed: int = 2, width: int | None = None) -> float:
    """The largest absolute difference, over the logits and every parameter's gradient of a binary cross-entropy
    loss, between :meth:`SentimentRNN.forward` and :meth:`SentimentRNN.packed_forward` on the same weights and a
    padded batch of 5 reviews of lengths 9, 1, 4, 9 and 6 (dropout 0, so nothing random is compared).

    ``width``, when given, replaces the hidden size and the embedding size (the same cell, layers and directions,
    smaller matrices: the equality does not depend on the sizes, and a quick check keeps the build quick)."""
    torch.manual_seed(seed)
    if width is not None:
        arch = dataclasses.replace(arch, input_size=width, hidden_size=width)
    model = SentimentRNN(arch, vocab_size=40, embedding_dim=width or 100, dropout=0.0).train(train_mode)
    lengths = torch.tensor([9, 1, 4, 9, 6])
    tokens = nn.utils.rnn.pad_sequence([torch.randint(2, 40, (int(n),)) for n in lengths], padding_value=1)
    target = torch.tensor([1.0, 0.0, 1.0, 0.0, 1.0])
    outputs = []
    for run in (model.forward, model.packed_forward):
        model.zero_grad()
        logits = run(tokens, lengths)
        nn.functional.binary_cross_entropy_with_logits(logits, target).backward()
        outputs.append([logits.detach(), *(p.grad.clone() for p in model.parameters())])
    return max(float((a - b).abs().max()) for a, b in zip(*outputs, strict=True))
