"""``python -m solutions bench imdb``: training throughput of our batching against two straightforward ones.

Every side trains the same model (same architecture, same initial weights, same
device) with forward, backward and an Adam step on batches of 64 of the same
training reviews, and the figure is reviews per second (the first batch untimed):

- **baseline**: batches in file order, each padded to its longest review and run
  through the ``nn`` module as it is (padding and all: the simplest correct-looking
  code, though the backward direction then starts in the padding);
- **packed** (with ``--packed``): length-bucketed batches through the ``nn`` module as a
  packed sequence, the notebook's way (exact, but its backward pass is slow on the CPU);
- **ours**: length-bucketed batches through :class:`~solutions.a2.part1.model.SentimentRNN`,
  one padded one-way pass per layer and direction (exact: equal to the packed result).
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator

import torch
from torch import nn

from solutions.a2.part1 import data
from solutions.a2.part1.model import MODELS, SentimentRNN
from solutions.a2.part1.params import ARCHITECTURES


class UnpackedRNN(SentimentRNN):
    """The same model, fed padded batches as they are (the baseline)."""

    def _inputs(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor | nn.utils.rnn.PackedSequence:
        return self.dropout(self.embedding(tokens))

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """The nn module's own final states (top layer, both directions when bidirectional) into the head."""
        _, hidden = self.rnn(self._inputs(tokens, lengths))
        if isinstance(hidden, tuple):
            hidden = hidden[0]
        last = torch.cat([hidden[-2], hidden[-1]], dim=1) if self.arch.bidirectional else hidden[-1]
        return self.fc(self.dropout(last)).squeeze(1)


class PackedRNN(UnpackedRNN):
    """The same model through ``nn.utils.rnn.pack_padded_sequence``, as the notebook runs it."""

    def _inputs(self, tokens: torch.Tensor, lengths: torch.Tensor) -> nn.utils.rnn.PackedSequence:
        return nn.utils.rnn.pack_padded_sequence(
            self.dropout(self.embedding(tokens)), lengths.cpu(), enforce_sorted=False
        )


def file_order_batches(items: list, batch_size: int) -> Iterator[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    for i in range(0, len(items), batch_size):
        chunk = items[i : i + batch_size]
        seqs = [t for _, t in chunk]
        yield (
            nn.utils.rnn.pad_sequence(seqs, padding_value=1),
            torch.tensor([len(s) for s in seqs]),
            torch.tensor([lab for lab, _ in chunk], dtype=torch.float32),
        )


def _throughput(model: nn.Module, batches: Iterator, device: torch.device) -> tuple[float, int, float]:
    """Reviews/s over every batch but the first (a warm-up: allocation and kernel choice), and the padded
    time steps per review over all of them."""
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.BCEWithLogitsLoss()
    model.train()
    batches = list(batches)
    timed = batches[1:] or batches
    seen, seconds, all_reviews, padded_steps = 0, 0.0, 0, 0
    for k, (tokens, lengths, labels) in enumerate(batches):
        t0 = time.perf_counter()
        opt.zero_grad()
        loss_fn(model(tokens.to(device), lengths), labels.to(device)).backward()
        opt.step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        if k > 0 or timed is batches:
            seen, seconds = seen + len(labels), seconds + time.perf_counter() - t0
        all_reviews, padded_steps = all_reviews + len(labels), padded_steps + tokens.numel()
    return seen / seconds, seen, padded_steps / max(all_reviews, 1)


def bench(
    model_name: str = "bilstm2",
    limit: int = 40,
    source: str | None = None,
    device: str | None = None,
    packed: bool = False,
    items: list | None = None,
    vocab_size: int | None = None,
) -> dict[str, float]:
    """Reviews/s of each side for one architecture, and ours / baseline.

    Every side trains on the same reviews: ``limit + 1`` batches' worth drawn at random (seeded) from the
    training set, the first batch of each side untimed.  The baseline takes them in file order.
    """
    dev = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    if items is None:
        items, vocab_size = load_items(source)
    chosen = sorted(random.Random(0).sample(range(len(items)), min(len(items), 64 * (limit + 1))))
    subset = [items[i] for i in chosen]  # still in file order
    sides = [("baseline", UnpackedRNN, file_order_batches(subset, 64))]
    if packed:
        sides.append(("packed", PackedRNN, data.bucketed_batches(subset, 64, shuffle=True, seed=0)))
    sides.append(("ours", SentimentRNN, data.bucketed_batches(subset, 64, shuffle=True, seed=0)))
    out: dict[str, float] = {}
    for name, cls, batches in sides:
        torch.manual_seed(0)
        model = cls(ARCHITECTURES[model_name], vocab_size).to(dev)
        rate, seen, steps = _throughput(model, batches, dev)
        out[f"{name}_reviews_per_second"], out[f"{name}_time_steps_per_review"] = rate, steps
        print(
            f"{model_name:>8} {name:>8}: {rate:8.1f} reviews/s over {seen} reviews "
            f"({steps:.0f} padded time steps per review)"
        )
    out["ratio"] = out["ours_reviews_per_second"] / out["baseline_reviews_per_second"]
    print(
        f"{model_name:>8}: ours / baseline = {out['ratio']:.2f}x on {dev}, {torch.get_num_threads()} threads, "
        f"the same {len(subset)} reviews on each side, the first batch untimed"
    )
    return out


def load_items(source: str | None) -> tuple[list, int]:
    """The training reviews in file order (sorted by label, then name), indexed with the training vocabulary."""
    corpus, _ = data.load_tokenized(data.find_source(source))
    train_ex, _ = data.split_train(corpus["train"])
    vocab = data.build_vocab(train_ex)
    return data.numericalize(corpus["train"], vocab), len(vocab)


def bench_all(
    models: list[str] | None = None,
    limit: int = 10,
    source: str | None = None,
    device: str | None = None,
    packed: bool = False,
) -> dict[str, dict[str, float]]:
    """Every architecture in turn, then one table of the figures."""
    items, vocab_size = load_items(source)
    figures = {
        m: bench(m, limit, device=device, packed=packed, items=items, vocab_size=vocab_size) for m in models or MODELS
    }
    cols = ["baseline", *(["packed"] if packed else []), "ours"]
    print("\n| model | " + " | ".join(f"{c} reviews/s" for c in cols) + " | ours / baseline |")
    print("|---|" + "---:|" * (len(cols) + 1))
    for m, f in figures.items():
        print(f"| {m} | " + " | ".join(f"{f[c + '_reviews_per_second']:.1f}" for c in cols) + f" | {f['ratio']:.2f}x |")
    return figures
