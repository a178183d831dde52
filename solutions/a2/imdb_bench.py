"""``python -m solutions bench imdb``: our batching against a straightforward baseline, same run, same model.

Ours: length-bucketed batches and packed sequences, so the recurrent layers never
step over padding.  Baseline: batches in file order, each padded to its longest
review, run through the same module unpacked.  Both do forward, backward and an
Adam step on the same model and device; the figure is reviews per second.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import torch
from torch import nn

from solutions.a2 import imdb_data as data
from solutions.a2.imdb_train import SentimentRNN
from solutions.a2.rnn_params import ARCHITECTURES


class UnpackedRNN(SentimentRNN):
    """The same model, fed padded batches as they are (the baseline)."""

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        _, hidden = self.rnn(self.dropout(self.embedding(tokens)))
        if isinstance(hidden, tuple):
            hidden = hidden[0]
        last = torch.cat([hidden[-2], hidden[-1]], dim=1) if self.arch.bidirectional else hidden[-1]
        return self.fc(self.dropout(last)).squeeze(1)


def file_order_batches(items: list, batch_size: int) -> Iterator[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    for i in range(0, len(items), batch_size):
        chunk = items[i:i + batch_size]
        seqs = [t for _, t in chunk]
        yield (nn.utils.rnn.pad_sequence(seqs, padding_value=1), torch.tensor([len(s) for s in seqs]),
               torch.tensor([lab for lab, _ in chunk], dtype=torch.float32))


def _throughput(model: nn.Module, batches: Iterator, limit: int, device: torch.device) -> tuple[float, int, float]:
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.BCEWithLogitsLoss()
    model.train()
    seen, padded_steps, t0 = 0, 0, time.perf_counter()
    for k, (tokens, lengths, labels) in enumerate(batches):
        if k == limit:
            break
        opt.zero_grad()
        loss_fn(model(tokens.to(device), lengths), labels.to(device)).backward()
        opt.step()
        seen += len(labels)
        padded_steps += tokens.numel()
    if device.type == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - t0
    return seen / seconds, seen, padded_steps / max(seen, 1)


def bench(model_name: str = "bilstm2", limit: int = 40, source: str | None = None, device: str | None = None) -> dict[str, float]:
    dev = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    corpus, _ = data.load_tokenized(data.find_source(source))
    train_ex, _ = data.split_train(corpus["train"])
    vocab = data.build_vocab(train_ex)
    items = data.numericalize(corpus["train"], vocab)  # file order: sorted by label, then name
    out: dict[str, float] = {}
    for name, cls, batches in (
        ("baseline", UnpackedRNN, file_order_batches(items, 64)),
        ("ours", SentimentRNN, data.bucketed_batches(items, 64, shuffle=True, seed=0)),
    ):
        torch.manual_seed(0)
        model = cls(ARCHITECTURES[model_name], len(vocab)).to(dev)
        rate, seen, steps = _throughput(model, batches, limit, dev)
        out[f"{name}_reviews_per_second"], out[f"{name}_time_steps_per_review"] = rate, steps
        print(f"{name:>8}: {rate:8.1f} reviews/s over {seen} reviews ({steps:.0f} padded time steps per review)")
    out["ratio"] = out["ours_reviews_per_second"] / out["baseline_reviews_per_second"]
    print(f"ours / baseline = {out['ratio']:.2f}x on {dev} ({model_name}, {limit} batches of 64)")
    return out
