"""Train the six Part I models on IMDB and record each run as a results file with provenance.

``python -m solutions train imdb --model rnn --epochs 5 --seed 0`` runs the
notebook's recipe: Adam (lr 1e-3), logistic loss, batch 64, length-bucketed
batches, packed sequences; the checkpoint with the best validation loss is
the one whose test accuracy is reported.  ``--dry-run`` does the same on a
small generated corpus, so CI exercises the real code path.
"""

from __future__ import annotations

import copy
import datetime as dt
import platform
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn
from tqdm import tqdm

from solutions.a2 import imdb_data as data
from solutions.a2.rnn_params import ARCHITECTURES, Recurrent
from solutions.results import RESULTS_DIR, git_commit, write_atomically

MODELS = ("bilstm2", "birnn2", "birnn", "rnn", "bilstm", "lstm")


class SentimentRNN(nn.Module):
    """Embedding -> dropout -> recurrent module over a packed batch -> final hidden state(s) -> dropout -> Linear."""

    def __init__(self, arch: Recurrent, vocab_size: int, embedding_dim: int = 100, dropout: float = 0.5) -> None:
        super().__init__()
        self.arch = arch
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=1)
        # nn.RNN's own dropout acts between layers only; a one-layer module gets none (PyTorch would warn).
        self.rnn = getattr(nn, arch.cell)(embedding_dim, arch.hidden_size, num_layers=arch.num_layers,
                                          bidirectional=arch.bidirectional, dropout=dropout if arch.num_layers > 1 else 0.0)
        self.fc = nn.Linear(arch.directions * arch.hidden_size, 1)
        self.dropout = nn.Dropout(dropout)

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        x = self.dropout(self.embedding(tokens))
        if not self.arch.bidirectional:
            # A one-directional network is causal: its state at position len-1 has seen only the real
            # tokens, so reading it there equals the packed result exactly (tested), and it avoids the
            # packed path's per-step slicing, whose backward is quadratic in the length on the CPU.
            out, _ = self.rnn(x)
            last = out[lengths.to(out.device) - 1, torch.arange(out.shape[1], device=out.device)]
            return self.fc(self.dropout(last)).squeeze(1)
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths.cpu(), enforce_sorted=False)
        _, hidden = self.rnn(packed)
        if isinstance(hidden, tuple):  # LSTM: (h, c)
            hidden = hidden[0]
        last = torch.cat([hidden[-2], hidden[-1]], dim=1)  # the top layer, forward and backward
        return self.fc(self.dropout(last)).squeeze(1)


@dataclass
class Config:
    model: str
    seed: int = 0
    epochs: int = 5
    batch_size: int = 64
    lr: float = 1e-3
    max_vocab: int = 25_000
    embedding_dim: int = 100
    dropout: float = 0.5


def evaluate(model: nn.Module, data_: list, batch_size: int, device: torch.device) -> tuple[float, float]:
    model.eval()
    loss_fn = nn.BCEWithLogitsLoss(reduction="sum")
    total_loss, correct, n = 0.0, 0, 0
    with torch.no_grad():
        for tokens, lengths, labels in data.bucketed_batches(data_, batch_size, shuffle=False):
            logits = model(tokens.to(device), lengths)
            total_loss += loss_fn(logits, labels.to(device)).item()
            correct += ((logits > 0).float() == labels.to(device)).sum().item()
            n += len(labels)
    return total_loss / n, correct / n


def gradient_reach(model: SentimentRNN, data_: list, device: torch.device, length: int = 400, n: int = 64,
                   window: int = 50) -> dict[str, Any]:
    """How much training signal reaches early tokens: the norm of dL/dx_t at each position t.

    Reviews of at least ``length`` tokens are cut to exactly that length (so every position is a real
    token), run in eval mode, and the loss is backpropagated to the embedded inputs x_t.  The ratio
    compares the first ``window`` positions with the last ``window``.
    """
    long = [(lab, t[:length]) for lab, t in data_ if len(t) >= length][:n]
    if not long:
        return {}
    model.eval()
    tokens = torch.stack([t for _, t in long], dim=1).to(device)
    labels = torch.tensor([lab for lab, _ in long], dtype=torch.float32, device=device)
    x = model.embedding(tokens).detach().requires_grad_(True)
    embedding = model.embedding
    model.embedding = nn.Identity()  # feed the prepared inputs through the rest of the model
    try:
        with torch.backends.cudnn.flags(enabled=False):  # cuDNN's RNN backward needs train mode
            loss = nn.functional.binary_cross_entropy_with_logits(model(x, torch.full((len(long),), length)), labels)
            loss.backward()
    finally:
        model.embedding = embedding
    norms = x.grad.norm(dim=2).mean(dim=1)  # (length,) mean over the reviews
    return {"length": length, "reviews": len(long), "window": window,
            "norm_by_position": [float(f"{v:.4g}") for v in norms.tolist()],  # 4 significant figures: they span decades
            "first_to_last_ratio": float(norms[:window].mean() / norms[-window:].mean())}


def train(cfg: Config, source: Path, results_dir: Path = RESULTS_DIR, device: str | None = None,
          dry_run: bool = False) -> Path:
    """Train one model, write its results file, return the file's path."""
    torch.manual_seed(cfg.seed)
    dev = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    started, t_start = dt.datetime.now(dt.UTC), time.perf_counter()
    commit = git_commit()  # the code that trains is the code at the start, whatever is committed meanwhile
    corpus, checksum = data.load_tokenized(source)
    train_ex, valid_ex = data.split_train(corpus["train"])
    vocab = data.build_vocab(train_ex, cfg.max_vocab)
    train_set, valid_set, test_set = (data.numericalize(x, vocab) for x in (train_ex, valid_ex, corpus["test"]))
    arch = ARCHITECTURES[cfg.model]
    model = SentimentRNN(arch, len(vocab), cfg.embedding_dim, cfg.dropout).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    loss_fn = nn.BCEWithLogitsLoss()
    history, best = [], (float("inf"), -1, None)
    for epoch in range(1, cfg.epochs + 1):
        model.train()
        t0, seen, loss_sum, correct = time.perf_counter(), 0, 0.0, 0
        n_batches = -(-len(train_set) // cfg.batch_size)
        bar = tqdm(data.bucketed_batches(train_set, cfg.batch_size, shuffle=True, seed=cfg.seed * 1000 + epoch),
                   total=n_batches, desc=f"{cfg.model} epoch {epoch}/{cfg.epochs}", unit="batch", leave=False)
        for tokens, lengths, labels in bar:
            tokens, labels = tokens.to(dev), labels.to(dev)
            opt.zero_grad()
            logits = model(tokens, lengths)
            loss = loss_fn(logits, labels)
            loss.backward()
            opt.step()
            seen += len(labels)
            loss_sum += loss.item() * len(labels)
            correct += ((logits > 0).float() == labels).sum().item()
            bar.set_postfix(loss=f"{loss_sum / seen:.3f}")
        if dev.type == "cuda":
            torch.cuda.synchronize()
        train_time = time.perf_counter() - t0
        val_loss, val_acc = evaluate(model, valid_set, cfg.batch_size, dev)
        history.append({"epoch": epoch, "train_loss": loss_sum / seen, "train_accuracy": correct / seen,
                        "valid_loss": val_loss, "valid_accuracy": val_acc, "train_seconds": train_time,
                        "reviews_per_second": seen / train_time})
        print(f"{cfg.model} epoch {epoch}: train loss {loss_sum / seen:.3f}, valid loss {val_loss:.3f}, "
              f"valid acc {val_acc:.3f}, {train_time:.1f} s")
        if val_loss < best[0]:
            best = (val_loss, epoch, copy.deepcopy(model.state_dict()))
    model.load_state_dict(best[2])
    test_loss, test_acc = evaluate(model, test_set, cfg.batch_size, dev)
    reach = gradient_reach(model, valid_set, dev)
    import numpy
    import spacy

    payload = {
        "task": "imdb", "model": cfg.model, "seed": cfg.seed, "epochs": cfg.epochs, "dry_run": dry_run,
        "test_accuracy": test_acc, "test_loss": test_loss, "best_epoch": best[1], "history": history,
        "hyperparameters": asdict(cfg), "vocab_size": len(vocab), "gradient_reach": reach,
        "sizes": {"train": len(train_set), "valid": len(valid_set), "test": len(test_set)},
        "parameters": sum(p.numel() for p in model.parameters()),
        "provenance": {
            "commit": commit, "started": started.isoformat(timespec="seconds"),
            "duration_seconds": time.perf_counter() - t_start,
            "device": torch.cuda.get_device_name(dev) if dev.type == "cuda" else f"cpu ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)",
            "versions": {"python": platform.python_version(), "torch": torch.__version__, "spacy": spacy.__version__, "numpy": numpy.__version__},
            "data_source": source.name, "data_checksum": checksum,
        },
    }
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    out = results_dir / "imdb" / f"{cfg.model}-seed{cfg.seed}-e{cfg.epochs}-{stamp}.json"
    write_atomically(out, payload)
    print(f"{cfg.model}: test accuracy {test_acc:.4f} (best epoch {best[1]}); recorded in {out}")
    return out


def dry_run(model: str, seed: int = 0) -> Path:
    """The real pipeline on a tiny generated corpus; its results go to a temporary folder, marked dry_run."""
    tmp = Path(tempfile.mkdtemp(prefix="imdb-dry-run-"))
    source = data.write_tiny_corpus(tmp / "data")
    return train(Config(model, seed=seed, epochs=2, batch_size=8, max_vocab=50), source, tmp / "results", "cpu", dry_run=True)
