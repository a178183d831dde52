"""Train the six Part I models on IMDB and record each run as a results file with provenance.

``python -m solutions train imdb --model rnn --epochs 5 --seed 0`` runs the
notebook's recipe: Adam (lr 1e-3), logistic loss, batch 64, length-bucketed
batches, packed sequences; the checkpoint with the best validation loss is
the one whose test accuracy is reported.  Every epoch is checkpointed, so an
interrupted run continues with ``--resume``.  ``--dry-run`` does the same on a
small generated corpus, so CI exercises the real code path.  The model itself
is in :mod:`.model`, the data in :mod:`.data`; the results file is written by
the shared :class:`~solutions.common.runs.Recorder`.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import hashlib
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn
from tqdm import tqdm

from solutions.a2.part1 import data
from solutions.a2.part1.embeddings import embedding_record
from solutions.a2.part1.embeddings import initialise as initialise_embeddings
from solutions.a2.part1.model import SentimentRNN
from solutions.a2.part1.params import ARCHITECTURES
from solutions.common import paths, runs
from solutions.common.files import atomic_path

CHECKPOINT_DIR = paths.CHECKPOINTS_DIR / "imdb"  # ignored by git


@dataclass
class Config(runs.Settings):
    """The notebook's recipe (the fields and their order are part of a checkpoint's identity)."""

    epochs: int = 5
    batch_size: int = 64
    max_vocab: int = 25_000
    embedding_dim: int = 100
    dropout: float = 0.5
    eval_batch_size: int = 256  # evaluation only: no gradient, so the batch size changes nothing but the speed


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


def gradient_reach(
    model: SentimentRNN, data_: list, device: torch.device, length: int = 400, n: int = 64, window: int = 50
) -> dict[str, Any] | None:
    """How much training signal reaches early tokens: the norm of dL/dx_t at each position t.

    Reviews of at least ``length`` tokens are cut to exactly that length (so every position is a real
    token), run in eval mode, and the loss is backpropagated to the embedded inputs x_t.  The ratio
    compares the first ``window`` positions with the last ``window``.
    """
    long = [(lab, t[:length]) for lab, t in data_ if len(t) >= length][:n]
    if not long:
        return None  # no review that long (a dry run's tiny corpus): nothing measured
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
    return {
        "length": length,
        "reviews": len(long),
        "window": window,
        "norm_by_position": [float(f"{v:.4g}") for v in norms.tolist()],  # 4 significant figures: they span decades
        "first_to_last_ratio": float(norms[:window].mean() / norms[-window:].mean()),
    }


class CheckpointError(ValueError):
    """A checkpoint that cannot continue this run (or that a new run would overwrite): names the file and
    what is wrong."""


class TrainingError(RuntimeError):
    """A run that cannot produce a result (e.g. its validation loss was never finite)."""


CHECKPOINT_KEYS = ("identity", "model", "optimizer", "rng", "cuda_rng", "history", "best", "segments")


def _prepare(source: Path, max_vocab: int) -> tuple[str, dict[str, int], list, list[list[tuple[int, torch.Tensor]]]]:
    """The data checksum, the vocabulary of the training split, the training examples (tokens; a pretrained
    start may learn from them), and the train, valid and test sets."""
    corpus, checksum = data.load_tokenized(source)
    train_ex, valid_ex = data.split_train(corpus["train"])
    vocab = data.build_vocab(train_ex, max_vocab)
    return checksum, vocab, train_ex, [data.numericalize(x, vocab) for x in (train_ex, valid_ex, corpus["test"])]


# A fingerprint trains four batches only: recomputing many of them reads the tokenised corpus once.
_prepared_once = functools.lru_cache(maxsize=1)(_prepare)


def fingerprint(
    cfg: Config, source: Path, threads: int, embeddings: str | Path | None = None, flush_denormal: bool = True
) -> list[float]:
    """The losses of the first :data:`~solutions.common.runs.FINGERPRINT_BATCHES` training batches of a run
    with ``cfg`` on the CPU with ``threads`` torch threads (restored after) and the run's denormal setting,
    computed by :func:`train` itself, stopped there: no checkpoint or results file is written."""
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        with tempfile.TemporaryDirectory(prefix="imdb-fingerprint-") as tmp:
            train(
                cfg,
                source,
                Path(tmp),
                "cpu",
                embeddings=embeddings,
                checkpoints=Path(tmp),
                fingerprint_only=True,
                flush_denormal=flush_denormal,
            )
    except runs.FingerprintTaken as taken:
        return taken.losses
    finally:
        torch.set_num_threads(before)
    raise ValueError(f"a run of {cfg} trains fewer than {runs.FINGERPRINT_BATCHES} batches")


def checkpoint_path(cfg: Config, embeddings: dict[str, Any], root: Path = CHECKPOINT_DIR) -> Path:
    init = "random" if embeddings["init"] == "random" else f"{embeddings['init']}-{embeddings['sha256'][:12]}"
    return root / f"{cfg.model}-seed{cfg.seed}-e{cfg.epochs}-{init}.pt"


def _save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    with atomic_path(path) as tmp:  # an interruption while saving leaves the previous epoch's checkpoint whole
        torch.save(state, tmp)


def _load_checkpoint(path: Path, identity: dict[str, Any]) -> dict[str, Any]:
    try:  # weights_only: a checkpoint holds tensors, numbers, strings and containers, never code to run
        state = torch.load(path, weights_only=True, map_location="cpu")
    except Exception as err:  # noqa: BLE001 - torch.load raises many types for a damaged file
        reason = "".join(c for c in str(err).splitlines()[0] if c.isprintable())[:200] if str(err) else ""
        raise CheckpointError(
            f"{path}: not a readable checkpoint ({type(err).__name__}: {reason}); delete it to start over"
        ) from None
    if not isinstance(state, dict) or not isinstance(state.get("identity"), dict):
        raise CheckpointError(f"{path}: not a checkpoint of `train imdb`; delete it to start over")
    missing = [k for k in CHECKPOINT_KEYS if k not in state]
    if missing:
        raise CheckpointError(f"{path}: incomplete checkpoint (no {', '.join(missing)}); delete it to start over")
    differs = [k for k in identity if state["identity"].get(k) != identity[k]]
    if differs:
        k = differs[0]
        raise CheckpointError(
            f"{path}: made with {k} = {state['identity'].get(k)!r}, this run has {identity[k]!r}; "
            "resume with the same settings and data, or delete the checkpoint to start over"
        )
    return state


def train(
    cfg: Config,
    source: Path,
    results_dir: Path | None = None,
    device: str | None = None,
    dry_run: bool = False,
    embeddings: str | Path | None = None,
    resume: bool = False,
    checkpoints: Path = CHECKPOINT_DIR,
    stop_after: int | None = None,
    fingerprint_only: bool = False,
    flush_denormal: bool = True,
) -> Path | None:
    """Train one model, write its results file, return the file's path.

    After every epoch the whole state (weights, Adam's moments, the random generator, the history,
    the best checkpoint so far) is saved under ``checkpoints``; with ``resume`` a run continues from
    its last finished epoch and ends with the same figures as one never interrupted.  ``stop_after``
    ends the run after that many epochs in total, checkpointed, and returns None (continue later
    with ``resume``).  ``fingerprint_only`` ends the run with :class:`~solutions.common.runs.FingerprintTaken`
    once the first :data:`~solutions.common.runs.FINGERPRINT_BATCHES` batches are trained (see :func:`fingerprint`).

    ``flush_denormal`` rounds subnormal floats (below about 1e-38) to zero on the CPU while the run lasts.
    Backpropagating through hundreds of recurrent steps drives many gradients into that range, where the
    CPU computes several times slower (a 1,500-step LSTM backward: 8.8 s with them, 2.9 s without); the
    values are too small to move a float32 weight.  Each stretch of a run records the setting (runs
    recorded before it existed did not flush, and their fingerprints are recomputed that way).
    """
    torch.set_flush_denormal(flush_denormal)  # torch has no getter: left at its default (off) on the way out
    try:
        return _train(
            cfg,
            source,
            results_dir,
            device,
            dry_run,
            embeddings,
            resume,
            checkpoints,
            stop_after,
            fingerprint_only,
            flush_denormal,
        )
    finally:
        torch.set_flush_denormal(False)


def _train(
    cfg: Config,
    source: Path,
    results_dir: Path | None,
    device: str | None,
    dry_run: bool,
    embeddings: str | Path | None,
    resume: bool,
    checkpoints: Path,
    stop_after: int | None,
    fingerprint_only: bool,
    flush_denormal: bool,
) -> Path | None:
    """:func:`train`'s body, run with the denormal setting in force."""
    torch.manual_seed(cfg.seed)
    dev = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    record = runs.Recorder("imdb", cfg.model, cfg.seed, results_dir)  # the time and commit of this stretch
    checksum, vocab, train_ex, (train_set, valid_set, test_set) = (_prepared_once if fingerprint_only else _prepare)(
        source, cfg.max_vocab
    )
    emb_record, emb_rows = embedding_record(embeddings, vocab, cfg.embedding_dim, train_ex)
    arch = ARCHITECTURES[cfg.model]
    model = SentimentRNN(arch, len(vocab), cfg.embedding_dim, cfg.dropout).to(dev)
    initialise_embeddings(model.embedding.weight, emb_rows)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    loss_fn = nn.BCEWithLogitsLoss()
    history: list[dict[str, Any]] = []
    first_batches = runs.Fingerprint(stop=fingerprint_only)  # the losses of epoch 1's first batches
    best: tuple[float, int, dict[str, torch.Tensor] | None] = (float("inf"), -1, None)
    segment = {
        "started": record.started.isoformat(timespec="seconds"),
        "commit": record.commit,
        "first_epoch": 1,
        "threads": torch.get_num_threads(),
        "flush_denormal": flush_denormal,
    }
    segments: list[dict[str, Any]] = []
    import spacy

    # Everything that decides what a resumed run computes must match the checkpoint's.
    vocab_hash = hashlib.sha256("\n".join(vocab).encode()).hexdigest()
    identity = {
        "config": asdict(cfg),
        "data_checksum": checksum,
        "vocabulary_sha256": vocab_hash,
        "embeddings": emb_record,
        "dry_run": dry_run,
        "device_type": dev.type,
        "torch": str(torch.__version__),
        "spacy": str(spacy.__version__),
    }
    ckpt = checkpoint_path(cfg, emb_record, checkpoints)
    if resume and ckpt.exists():
        state = _load_checkpoint(ckpt, identity)
        try:
            model.load_state_dict(state["model"])
            opt.load_state_dict(state["optimizer"])
            torch.set_rng_state(state["rng"])
            if dev.type == "cuda" and state["cuda_rng"] is not None:
                torch.cuda.set_rng_state_all(state["cuda_rng"])
            history, segments = list(state["history"]), list(state["segments"])
            first_batches.losses = [float(v) for v in state.get("fingerprint", [])]
            best = (float(state["best"][0]), int(state["best"][1]), state["best"][2])
        except (RuntimeError, ValueError, TypeError, IndexError, KeyError) as err:
            raise CheckpointError(
                f"{ckpt}: does not fit this model ({type(err).__name__}: {str(err)[:200]}); delete it to start over"
            ) from None
        segment["first_epoch"] = len(history) + 1
        print(f"{cfg.model} seed {cfg.seed}: resuming from {ckpt} after epoch {len(history)}")
    elif resume:
        print(f"{cfg.model} seed {cfg.seed}: no checkpoint at {ckpt}; starting from epoch 1")
    elif ckpt.exists():
        raise CheckpointError(
            f"{ckpt}: an interrupted run of these settings is saved here; continue it with --resume, "
            "or delete the file to start over"
        )
    if stop_after is not None and len(history) >= stop_after:
        print(f"{cfg.model} seed {cfg.seed}: already past epoch {stop_after} ({ckpt}); nothing to do")
        return None
    n_batches = -(-len(train_set) // cfg.batch_size)
    epochs_bar = tqdm(
        range(len(history) + 1, cfg.epochs + 1),
        initial=len(history),
        total=cfg.epochs,
        desc=f"{cfg.model} seed {cfg.seed}",
        unit="epoch",
    )
    for epoch in epochs_bar:
        model.train()
        t0, seen, loss_sum, correct = time.perf_counter(), 0, 0.0, 0
        bar = tqdm(
            data.bucketed_batches(train_set, cfg.batch_size, shuffle=True, seed=cfg.seed * 1000 + epoch),
            total=n_batches,
            desc=f"epoch {epoch}/{cfg.epochs}",
            unit="batch",
            leave=False,
        )
        for tokens, lengths, labels in bar:
            tokens, labels = tokens.to(dev), labels.to(dev)
            opt.zero_grad()
            logits = model(tokens, lengths)
            loss = loss_fn(logits, labels)
            loss.backward()
            opt.step()
            seen += len(labels)
            loss_sum += loss.item() * len(labels)
            if epoch == 1:
                first_batches.add(loss.item())
            correct += ((logits > 0).float() == labels).sum().item()
            bar.set_postfix(loss=f"{loss_sum / seen:.3f}")
        if dev.type == "cuda":
            torch.cuda.synchronize()
        train_time = time.perf_counter() - t0
        t1 = time.perf_counter()
        val_loss, val_acc = evaluate(model, valid_set, cfg.eval_batch_size, dev)
        history.append(
            {
                "epoch": epoch,
                "train_loss": loss_sum / seen,
                "train_accuracy": correct / seen,
                "valid_loss": val_loss,
                "valid_accuracy": val_acc,
                "train_seconds": train_time,
                "reviews_per_second": seen / train_time,
                "valid_seconds": time.perf_counter() - t1,
            }
        )
        epochs_bar.write(
            f"{cfg.model} seed {cfg.seed} epoch {epoch}: train loss {loss_sum / seen:.3f}, valid loss "
            f"{val_loss:.3f}, valid acc {val_acc:.3f}, {train_time:.1f} s "
            f"({seen / train_time:.1f} reviews/s)"
        )
        if val_loss < best[0]:  # the validation split alone chooses the checkpoint
            best = (val_loss, epoch, copy.deepcopy(model.state_dict()))
        done = {**segment, "last_epoch": epoch, "seconds": record.seconds}
        _save_checkpoint(
            ckpt,
            {
                "identity": identity,
                "model": model.state_dict(),
                "optimizer": opt.state_dict(),
                "rng": torch.get_rng_state(),
                "cuda_rng": torch.cuda.get_rng_state_all() if dev.type == "cuda" else None,
                "history": history,
                "best": best,
                "segments": [*segments, done],
                "fingerprint": first_batches.losses,
            },
        )
        if stop_after is not None and epoch >= stop_after and epoch < cfg.epochs:
            epochs_bar.close()
            print(f"{cfg.model} seed {cfg.seed}: stopped after epoch {epoch}; continue with --resume ({ckpt})")
            return None
    epochs_bar.close()
    if best[2] is None:
        raise TrainingError(
            f"{cfg.model} seed {cfg.seed}: no epoch had a finite validation loss "
            f"({[e['valid_loss'] for e in history]}); the run diverged and records nothing"
        )
    model.load_state_dict(best[2])
    t2 = time.perf_counter()
    test_loss, test_acc = evaluate(model, test_set, cfg.eval_batch_size, dev)
    test_seconds = time.perf_counter() - t2
    reach = gradient_reach(model, valid_set, dev)
    segments = [*segments, {**segment, "last_epoch": cfg.epochs, "seconds": record.seconds}]
    # A resumed run is one run: it started, with its commit, in its first stretch.
    record.started, record.commit = dt.datetime.fromisoformat(segments[0]["started"]), segments[0]["commit"]
    fields = {
        "test_accuracy": test_acc,
        "test_loss": test_loss,
        "best_epoch": best[1],
        "history": history,
        "test_seconds": test_seconds,
        "embeddings": emb_record,
        "hyperparameters": asdict(cfg),
        "vocab_size": len(vocab),
        "gradient_reach": reach,
        "sizes": {"train": len(train_set), "valid": len(valid_set), "test": len(test_set)},
        "parameters": sum(p.numel() for p in model.parameters()),
        "fingerprint": first_batches.record(),
    }
    tag = "" if emb_record["init"] == "random" else f"-{emb_record['init']}"
    out = record.write(
        f"{cfg.model}-seed{cfg.seed}-e{cfg.epochs}{tag}-{record.stamp()}.json",
        fields,
        epochs=cfg.epochs,
        dry_run=dry_run,
        device=runs.device_description(dev),
        packages=("torch", "spacy", "numpy"),
        data_source=source.name,
        data_checksum=checksum,
        duration_seconds=sum(s["seconds"] for s in segments),
        segments=segments,
    )
    ckpt.unlink(missing_ok=True)  # finished: a later --resume starts a new run rather than re-recording this one
    print(f"{cfg.model}: test accuracy {test_acc:.4f} (best epoch {best[1]}); recorded in {out}")
    return out


def dry_run(model: str, seed: int = 0, **kwargs: Any) -> Path | None:
    """The real pipeline on a tiny generated corpus; its results go to a temporary folder, marked dry_run.

    The corpus is the same every time, so an interrupted dry run (``stop_after``) continues with
    ``resume`` from its checkpoint in ``checkpoints/imdb/dry-run/``, as a real run would.
    """
    tmp = Path(tempfile.mkdtemp(prefix="imdb-dry-run-"))
    source = data.write_tiny_corpus(tmp / "data")
    kwargs.setdefault("checkpoints", CHECKPOINT_DIR / "dry-run")
    return train(
        Config(model, seed=seed, epochs=2, batch_size=8, max_vocab=50),
        source,
        tmp / "results",
        "cpu",
        dry_run=True,
        **kwargs,
    )
