"""The five sentence classifiers of HW2 Q6, each ending in one logit (their training is in :mod:`.train`).

The sigmoid of each model lives in the loss (``BCEWithLogitsLoss``, the stable
form of sigmoid followed by the logistic loss); a sentence is predicted
positive when its probability ``sigmoid(logit)`` exceeds 1/2, that is when the
logit is positive.  Every model reads a batch as ``tokens`` (N, T), padded
with the vocabulary's ``<pad>`` index, and ``lengths`` (N,).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

# The question's numbering: predictions_q1.txt ... predictions_q5.txt follow this order.
MODELS = ("bow", "avg", "glove_avg", "glove_rnn", "glove_lstm")
TITLES = {  # short names for tables and chart legends
    "bow": "bag of words",
    "avg": "average",
    "glove_avg": "GloVe average",
    "glove_rnn": "GloVe RNN",
    "glove_lstm": "GloVe LSTM",
}
USES_GLOVE = {"glove_avg", "glove_rnn", "glove_lstm"}


# --8<-- [start:models]
class BagOfWords(nn.Module):
    """x_w = 1 when word w occurs in the sentence (however often), else 0; logit = w·x + b.

    ``<pad>`` is no word, so its column is always 0; ``<unk>`` is a feature like any other.
    """

    def __init__(self, vocab_size: int, pad: int, dropout: float = 0.0) -> None:
        super().__init__()
        self.vocab_size, self.pad = vocab_size, pad
        self.linear = nn.Linear(vocab_size, 1)
        self.dropout = nn.Dropout(dropout)

    def features(self, tokens: torch.Tensor) -> torch.Tensor:
        x = torch.zeros(tokens.shape[0], self.vocab_size, device=tokens.device)
        x.scatter_(1, tokens, 1.0)
        x[:, self.pad] = 0.0
        return x

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        return self.linear(self.dropout(self.features(tokens))).squeeze(1)


def _embedding(vocab_size: int, dim: int, pad: int, pretrained: np.ndarray | None) -> nn.Embedding:
    emb = nn.Embedding(vocab_size, dim, padding_idx=pad)
    if pretrained is not None:
        if pretrained.shape != (vocab_size, dim):
            raise ValueError(f"pretrained embeddings of shape {pretrained.shape}, expected {(vocab_size, dim)}")
        with torch.no_grad():
            emb.weight.copy_(torch.from_numpy(pretrained))
    return emb


class AveragePool(nn.Module):
    """logit = w · (1/len) Σ_t e(x_t) + b: the mean over the real tokens only, never the padding."""

    def __init__(
        self, vocab_size: int, dim: int, pad: int, pretrained: np.ndarray | None = None, dropout: float = 0.0
    ) -> None:
        super().__init__()
        self.embedding = _embedding(vocab_size, dim, pad, pretrained)
        self.linear = nn.Linear(dim, 1)
        self.dropout = nn.Dropout(dropout)

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        # The padding row is zero and gets no gradient (padding_idx), so the sum runs over real tokens.
        mean = self.embedding(tokens).sum(dim=1) / lengths.to(tokens.device).unsqueeze(1)
        return self.linear(self.dropout(mean)).squeeze(1)


class Recurrent(nn.Module):
    """logit = w · h_len + b, the hidden state after the last real token of each sentence.

    One-directional recurrences are causal, so the state at position len - 1 of the padded batch has
    seen only real tokens: it equals the packed-sequence result exactly (tested), at a lower cost.
    """

    def __init__(
        self,
        cell: str,
        vocab_size: int,
        dim: int,
        hidden: int,
        pad: int,
        pretrained: np.ndarray | None = None,
        dropout: float = 0.0,
    ) -> None:
        super().__init__()
        self.embedding = _embedding(vocab_size, dim, pad, pretrained)
        self.rnn = {"rnn": nn.RNN, "lstm": nn.LSTM}[cell](dim, hidden, batch_first=True)
        self.linear = nn.Linear(hidden, 1)
        self.dropout = nn.Dropout(dropout)

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(self.dropout(self.embedding(tokens)))
        last = out[torch.arange(out.shape[0], device=out.device), lengths.to(out.device) - 1]
        return self.linear(self.dropout(last)).squeeze(1)


# --8<-- [end:models]


def build(
    name: str,
    vocab_size: int,
    pad: int,
    *,
    dim: int = 50,
    hidden: int = 64,
    dropout: float = 0.0,
    pretrained: np.ndarray | None = None,
) -> nn.Module:
    if name not in MODELS:
        raise ValueError(f"no model {name!r}; choose from {', '.join(MODELS)}")
    if (name in USES_GLOVE) != (pretrained is not None):
        raise ValueError(f"{name} {'needs' if name in USES_GLOVE else 'takes no'} pretrained embeddings")
    if name == "bow":
        return BagOfWords(vocab_size, pad, dropout)
    if name in ("avg", "glove_avg"):
        return AveragePool(vocab_size, dim, pad, pretrained, dropout)
    return Recurrent(name.removeprefix("glove_"), vocab_size, dim, hidden, pad, pretrained, dropout)
