"""Train the five HW2 Q6 classifiers on the Yelp sentences and record each run with provenance.

``python -m solutions train yelp --model all --seed 0 1 2`` trains every model
for every seed on the CPU (seconds each).  Each epoch is scored on the dev
split; the checkpoint with the best dev accuracy is the one whose test accuracy
is reported and whose predictions for the unlabelled sentences are stored in
the results file.  The test split is read once, at the end, and never steers a
choice.  ``--dry-run`` runs the same code on a tiny generated corpus.  The results
file is written by the shared :class:`~solutions.common.runs.Recorder`.
"""

from __future__ import annotations

import copy
import functools
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn
from tqdm import tqdm

from solutions.common import glove as glove_mod
from solutions.common import runs
from solutions.hw2.q6 import data
from solutions.hw2.q6.model import MODELS, USES_GLOVE, build

# Chosen on the dev split with seed 0 (dropout 0 or 0.3 for each model; see the Q6 page), then used for every seed.
SETTINGS: dict[str, dict[str, Any]] = {
    "bow": {"epochs": 10, "lr": 1e-2, "dropout": 0.0},
    "avg": {"epochs": 10, "lr": 5e-3, "dropout": 0.3},
    "glove_avg": {"epochs": 10, "lr": 5e-3, "dropout": 0.3},
    "glove_rnn": {"epochs": 10, "lr": 2e-3, "dropout": 0.3},
    "glove_lstm": {"epochs": 10, "lr": 2e-3, "dropout": 0.3},
}


@dataclass
class Config(runs.Settings):
    """One model's settings; :meth:`for_model` starts from its entry in :data:`SETTINGS`."""

    epochs: int = 10
    batch_size: int = 64
    weight_decay: float = 0.0
    dropout: float = 0.0
    embedding_dim: int = 50  # GloVe 6B 50d; the untrained embeddings of model 2 get the same size
    hidden: int = 64
    threads: int = 1

    @classmethod
    def for_model(cls, model: str, seed: int = 0, **overrides: Any) -> Config:
        if model not in MODELS:
            raise ValueError(f"yelp has no model {model!r}; choose from all, {', '.join(MODELS)}")
        return cls(model, seed, **{**SETTINGS[model], **overrides})


def logits_of(model: nn.Module, split: data.Encoded, batch_size: int = 512) -> torch.Tensor:
    model.eval()
    with torch.no_grad():
        batches = data.batches(split, batch_size, shuffle=False)
        return torch.cat([model(tokens, lengths) for tokens, lengths, _ in batches])


def score(logits: torch.Tensor, labels: torch.Tensor) -> tuple[float, float]:
    """(mean logistic loss, accuracy); positive when sigmoid(logit) > 1/2, i.e. logit > 0."""
    loss = nn.functional.binary_cross_entropy_with_logits(logits, labels).item()
    return loss, ((logits > 0).float() == labels).float().mean().item()


def train(
    cfg: Config,
    folder: Path,
    results_dir: Path | None = None,
    glove_path: str | None = None,
    dry_run: bool = False,
    progress: bool = True,
    fingerprint: runs.Fingerprint | None = None,
) -> Path:
    """Train one model, write its results file, return the file's path (with ``cfg.threads`` threads,
    restored after).  ``fingerprint`` collects the first training batches' losses (a new one by default)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(cfg.threads)
    try:
        return _train(cfg, folder, results_dir, glove_path, dry_run, progress, fingerprint or runs.Fingerprint())
    finally:
        torch.set_num_threads(threads)


def fingerprint(cfg: Config, folder: Path, glove_path: str | None = None) -> list[float]:
    """The losses of the first :data:`~solutions.common.runs.FINGERPRINT_BATCHES` training batches of a run with
    ``cfg``, computed by :func:`train` itself, stopped there (nothing is written)."""
    with tempfile.TemporaryDirectory(prefix="yelp-fingerprint-") as tmp:
        try:
            train(cfg, folder, Path(tmp), glove_path, progress=False, fingerprint=runs.Fingerprint(stop=True))
        except runs.FingerprintTaken as taken:
            return taken.losses
    raise ValueError(f"a run of {cfg} trains fewer than {runs.FINGERPRINT_BATCHES} batches")


def _prepare(folder: Path) -> tuple[dict[str, list[data.Sentence]], str, data.Vocab, list[data.Encoded]]:
    """The corpus, its checksum, the vocabulary of the training split and the four encoded splits."""
    corpus, checksum = data.load(folder)
    vocab = data.Vocab(corpus["train"])
    return corpus, checksum, vocab, [data.encode(corpus[s], vocab) for s in data.SPLITS]


# A fingerprint trains a few batches only: recomputing many of them reads and encodes the corpus once.
_prepared_once = functools.lru_cache(maxsize=1)(_prepare)


def _train(
    cfg: Config,
    folder: Path,
    results_dir: Path | None,
    glove_path: str | None,
    dry_run: bool,
    progress: bool,
    first_batches: runs.Fingerprint,
) -> Path:
    record = runs.Recorder("yelp", cfg.model, cfg.seed, results_dir)
    torch.manual_seed(cfg.seed)
    corpus, checksum, vocab, (train_set, dev_set, test_set, unlabelled) = (
        _prepared_once(folder) if first_batches.stop else _prepare(folder)
    )

    pretrained, glove_info = None, None
    if cfg.model in USES_GLOVE:
        vectors = glove_mod.load(glove_path)
        cfg.embedding_dim = vectors.dim  # 50 from the package; a --glove file may bring another size
        pretrained, found = glove_mod.embedding_matrix(vocab.itos, vectors, vocab.pad, seed=cfg.seed)
        glove_info = {"source": vectors.source, "dim": vectors.dim, "found": found, "vocab_size": len(vocab)}
    model = build(
        cfg.model,
        len(vocab),
        vocab.pad,
        dim=cfg.embedding_dim,
        hidden=cfg.hidden,
        dropout=cfg.dropout,
        pretrained=pretrained,
    )
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    loss_fn = nn.BCEWithLogitsLoss()

    history: list[dict[str, Any]] = []
    best: tuple[float, int, dict | None] = (-1.0, 0, None)
    for epoch in range(1, cfg.epochs + 1):
        model.train()
        t0, seen, loss_sum, correct = time.perf_counter(), 0, 0.0, 0
        bar = tqdm(
            data.batches(train_set, cfg.batch_size, shuffle=True, seed=cfg.seed * 1000 + epoch),
            total=-(-len(train_set) // cfg.batch_size),
            desc=f"{cfg.model} seed {cfg.seed} epoch {epoch}/{cfg.epochs}",
            unit="batch",
            leave=False,
            disable=not progress,
        )
        for tokens, lengths, labels in bar:
            opt.zero_grad()
            logits = model(tokens, lengths)
            loss = loss_fn(logits, labels)
            first_batches.add(loss.item())
            loss.backward()
            opt.step()
            seen += len(labels)
            loss_sum += loss.item() * len(labels)
            correct += ((logits > 0).float() == labels).sum().item()
        train_seconds = time.perf_counter() - t0
        dev_loss, dev_acc = score(logits_of(model, dev_set), dev_set.labels)
        history.append(
            {
                "epoch": epoch,
                "train_loss": loss_sum / seen,
                "train_accuracy": correct / seen,
                "dev_loss": dev_loss,
                "dev_accuracy": dev_acc,
                "train_seconds": train_seconds,
            }
        )
        if dev_acc > best[0]:  # ties keep the earlier epoch
            best = (dev_acc, epoch, copy.deepcopy(model.state_dict()))
    model.load_state_dict(best[2])
    test_loss, test_acc = score(logits_of(model, test_set), test_set.labels)
    predicted = (logits_of(model, unlabelled) > 0).int().tolist()

    fields = {
        "test_accuracy": test_acc,
        "test_loss": test_loss,
        "dev_accuracy": best[0],
        "best_epoch": best[1],
        "history": history,
        "hyperparameters": asdict(cfg),
        "vocab_size": len(vocab),
        "glove": glove_info,
        "sizes": {s: len(x) for s, x in zip(data.SPLITS, (train_set, dev_set, test_set, unlabelled), strict=True)},
        "data_summary": data.summary(corpus),
        "parameters": sum(p.numel() for p in model.parameters() if p.requires_grad),
        "unlabelled_predictions": "".join(map(str, predicted)),
        "fingerprint": first_batches.record(),
    }
    out = record.write(
        f"{cfg.model}-seed{cfg.seed}-{record.stamp(microseconds=True)}.json",
        fields,
        epochs=cfg.epochs,
        dry_run=dry_run,
        device=runs.device_description(),
        packages=("torch", "numpy"),
        data_source=folder.name,
        data_checksum=checksum,
    )
    print(
        f"{cfg.model} seed {cfg.seed}: dev {best[0]:.4f} (epoch {best[1]}), test {test_acc:.4f}, "
        f"{record.seconds:.1f} s; recorded in {out}"
    )
    return out


def dry_run(model: str, seed: int = 0, glove_path: str | None = None) -> Path:
    """The real pipeline on a tiny generated corpus; results go to a temporary folder, marked dry_run."""
    tmp = Path(tempfile.mkdtemp(prefix="yelp-dry-run-"))
    folder = data.write_tiny_corpus(tmp / "data")
    cfg = Config.for_model(model, seed, epochs=2, batch_size=16)
    return train(cfg, folder, tmp / "results", glove_path, dry_run=True, progress=False)
