"""Overfit the captioning model on 50 synthetic examples and record the run as a results file with provenance.

The homework's recipe for this check: 50 training captions, Adam with
learning rate 5e-3, batch 25, 50 epochs, the learning rate multiplied by
0.95 after each epoch for the RNN and by 0.995 for the LSTM, word vectors of
256 and hidden states of 512.  The data are the SYNTHETIC shapes captions
(:mod:`solutions.hw2.q5.data`), not COCO: the results file says so.

``python -m solutions train captions --model lstm --seed 0`` writes
``results/captions/lstm-seed0-<UTC time>.json`` (through the shared
:class:`~solutions.common.runs.Recorder`); ``--dry-run`` trains 2 epochs on
10 captions and marks the file ``dry_run``.  The model and its training loop
are in :mod:`.model`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from threadpoolctl import threadpool_limits

from solutions.common import runs
from solutions.hw2.q5 import data as shapes
from solutions.hw2.q5.model import CELLS, CaptioningRNN, train

LR_DECAY = {"rnn": 0.95, "lstm": 0.995}
DATA_SEED = 0  # one data set for every training seed: the seeds then vary the model only


@dataclass
class Config(runs.Settings):
    """The homework's recipe; ``model`` is the cell, ``rnn`` or ``lstm``."""

    epochs: int = 50
    batch_size: int = 25
    lr: float = 5e-3
    lr_decay: float = 0.95
    max_train: int = 50
    wordvec_dim: int = 256
    hidden_dim: int = 512
    input_dim: int = 64
    max_length: int = shapes.MAX_LENGTH


def _prepare(cfg: Config) -> tuple[dict, str, CaptioningRNN]:
    """The data set (cut to ``cfg.max_train`` training captions), its checksum and the initialised model."""
    data = shapes.build(DATA_SEED, input_dim=cfg.input_dim)
    checksum = data["checksum"]  # of the whole generated set, before the training captions are cut down
    data["train_captions"] = data["train_captions"][: cfg.max_train]
    data["train_image_idxs"] = data["train_image_idxs"][: cfg.max_train]

    model = CaptioningRNN(
        data["word_to_idx"],
        input_dim=cfg.input_dim,
        wordvec_dim=cfg.wordvec_dim,
        hidden_dim=cfg.hidden_dim,
        cell_type=cfg.model,
        seed=cfg.seed,
    )
    return data, checksum, model


def fingerprint(cfg: Config) -> list[float]:
    """The losses of the first :data:`~solutions.common.runs.FINGERPRINT_BATCHES` training batches of a run with
    ``cfg``, computed by the training code itself (stopped there): what a real run records as its fingerprint."""
    data, _, model = _prepare(cfg)
    try:
        train(
            model,
            data,
            cfg.epochs,
            cfg.batch_size,
            cfg.lr,
            cfg.lr_decay,
            cfg.seed,
            fingerprint=runs.Fingerprint(stop=True),
        )
    except runs.FingerprintTaken as taken:
        return taken.losses
    raise ValueError(f"a run of {cfg} trains fewer than {runs.FINGERPRINT_BATCHES} batches")


def run(
    cell_type: str,
    seed: int = 0,
    epochs: int = 50,
    results_dir: Path | None = None,
    dry_run: bool = False,
    config: Config | None = None,
) -> Path:
    """Train one model with the homework's recipe, write its results file, return the file's path.

    A dry run trains 2 epochs on 10 captions (batch 5) and is marked ``"dry_run": true``.  ``config``
    replaces the recipe (``reproduce`` passes the settings a results file recorded).
    """
    if cell_type not in CELLS:
        raise ValueError(f"cell_type must be one of {CELLS}, not {cell_type!r}")
    record = runs.Recorder("captions", cell_type, seed, results_dir)
    cfg = config or Config(cell_type, seed, epochs=epochs, lr_decay=LR_DECAY[cell_type])
    if dry_run:
        cfg.epochs, cfg.max_train, cfg.batch_size = 2, 10, 5

    data, checksum, model = _prepare(cfg)
    first_batches = runs.Fingerprint()
    history = train(
        model,
        data,
        cfg.epochs,
        cfg.batch_size,
        cfg.lr,
        cfg.lr_decay,
        seed=seed,
        progress=True,
        fingerprint=first_batches,
    )

    exact, samples = {}, {}
    with threadpool_limits(limits=1, user_api="blas"):  # as in train(): see the docstring of .model
        for split in ("train", "val"):  # how many captions come out exactly right, greedily decoded
            features = data[f"{split}_features"][data[f"{split}_image_idxs"]]
            generated = shapes.decode_captions(model.sample(features, cfg.max_length), data["idx_to_word"])
            truth = shapes.decode_captions(data[f"{split}_captions"], data["idx_to_word"])
            exact[split] = sum(g == t for g, t in zip(generated, truth, strict=True)) / len(truth)
            samples[split] = [{"generated": g, "truth": t} for g, t in zip(generated[:5], truth[:5], strict=True)]

    fields = {
        "final_train_loss": history[-1]["train_loss"],
        "final_val_loss": history[-1].get("val_loss"),
        "exact_match": exact,
        "history": history,
        "samples": samples,
        "hyperparameters": asdict(cfg),
        "data": {
            "name": shapes.NAME,
            "synthetic": True,
            "checksum": checksum,
            "seed": DATA_SEED,
            "train_captions": len(data["train_captions"]),
            "val_captions": len(data["val_captions"]),
            "vocab_size": len(data["idx_to_word"]),
        },
        "parameters": sum(p.size for p in model.params.values()),
        "fingerprint": first_batches.record(),
    }
    out = record.write(
        f"{cell_type}-seed{seed}-{record.stamp()}.json",
        fields,
        epochs=cfg.epochs,
        dry_run=dry_run,
        device=runs.device_description(threads=1, unit="NumPy BLAS thread"),
        packages=("numpy",),
        data_source=f"{shapes.NAME} (seed {DATA_SEED})",
        data_checksum=checksum,
    )
    print(
        f"{cell_type}: final training loss {fields['final_train_loss']:.4f}, exact captions "
        f"{exact['train']:.0%} train / {exact['val']:.0%} val; recorded in {out}"
    )
    return out
