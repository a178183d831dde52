"""Re-run a recorded training run from its results file, and compare every figure with the recording.

``python -m solutions reproduce results/yelp/bow-seed0-....json`` reads the file's task, model, seed and
settings (``hyperparameters``), trains again with exactly those settings into a temporary folder, and
compares the new results file with the recorded one field by field.  Every figure must be equal, to the
last bit of its JSON text: accuracies, losses, the history of every epoch, predictions, sample captions,
counts.  What legitimately differs from one run to the next is left out and said so: the provenance
(time, commit, machine, package versions; the data checksum *is* compared) and wall-clock timings (any
field whose name holds ``seconds``).

A difference is reported one line per field, with its path in the file (``history[3].dev_loss``), the
recorded value and the new one.  Runs are deterministic on the CPU with a fixed number of threads (the
trainers seed every generator and the results record the threads), so any difference is news: a
changed code path, other package versions, or a different data set.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from solutions.common import runs

TASKS = ("captions", "yelp", "imdb")  # the tasks whose runs need no pretrained weights
NOT_FIGURES = ("provenance",)
# Older results files named the model setting after the task (the trainers now all record ``model``).
LEGACY_NAMES = {"cell_type": "model", "scenario": "model"}


def _settings(run: dict[str, Any]) -> dict[str, Any]:
    """The run's recorded settings, with the model setting under its current name."""
    return {LEGACY_NAMES.get(k, k): v for k, v in run["hyperparameters"].items()}


class ReproduceError(ValueError):
    """A results file that cannot be re-run here (its task, its settings, or missing data)."""


@dataclass(frozen=True)
class Difference:
    field: str  # its path in the results file: history[3].dev_loss
    recorded: Any
    reproduced: Any

    def __str__(self) -> str:
        return f"{self.field}: recorded {self.recorded!r}, reproduced {self.reproduced!r}"


def _is_timing(key: str) -> bool:
    return "seconds" in key


def differences(recorded: Any, reproduced: Any, where: str = "") -> Iterator[Difference]:
    """Every figure that differs between two results records (nested dicts and lists, compared exactly)."""
    if isinstance(recorded, dict) and isinstance(reproduced, dict):
        for key in sorted(set(recorded) | set(reproduced), key=str):
            if (not where and key in NOT_FIGURES) or _is_timing(str(key)):
                continue
            path = f"{where}.{key}" if where else str(key)
            if key not in reproduced or key not in recorded:
                yield Difference(path, recorded.get(key, "(absent)"), reproduced.get(key, "(absent)"))
            else:
                yield from differences(recorded[key], reproduced[key], path)
    elif isinstance(recorded, list) and isinstance(reproduced, list):
        if len(recorded) != len(reproduced):
            yield Difference(f"{where} (length)", len(recorded), len(reproduced))
        for k, (a, b) in enumerate(zip(recorded, reproduced, strict=False)):
            yield from differences(a, b, f"{where}[{k}]")
    elif type(recorded) is not type(reproduced) or recorded != reproduced:
        yield Difference(where, recorded, reproduced)


def _config(cls: type, settings: dict[str, Any], where: str) -> Any:
    """The trainer's Config built from a file's recorded settings; every setting must be one the code knows."""
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(settings) - known)
    if unknown:
        raise ReproduceError(f"{where}: hyperparameters {', '.join(unknown)} are not settings of the trainer")
    return cls(**settings)


def rerun(path: Path, into: Path, data: str | None = None) -> Path:
    """Train again with the settings ``path`` recorded; return the new results file (under ``into``)."""
    run = runs.load_run(path)
    task, settings = run["task"], _settings(run)
    if run.get("dry_run"):
        raise ReproduceError(f"{path}: a dry run is not a recorded result; reproduce a real run")
    if task == "captions":
        from solutions.hw2.q5 import train

        cfg = _config(train.Config, settings, str(path))
        return train.run(cfg.model, cfg.seed, cfg.epochs, into, config=cfg)
    if task == "yelp":
        from solutions.hw2.q6 import data as yelp_data
        from solutions.hw2.q6 import train

        return train.train(_config(train.Config, settings, str(path)), yelp_data.find_source(data), into)
    if task == "imdb":
        import torch

        from solutions.a2.part1 import data as imdb_data
        from solutions.a2.part1 import train

        if runs.embedding_init(run) != "random":
            raise ReproduceError(f"{path}: a run started from pretrained embeddings: train it again with --embeddings")
        segments = run["provenance"].get("segments") or [{}]
        threads = {s.get("threads") for s in segments} - {None}
        if len(threads) == 1:
            torch.set_num_threads(threads.pop())
        cfg = _config(train.Config, settings, str(path))
        with tempfile.TemporaryDirectory(prefix="reproduce-checkpoints-") as ckpt:  # never touch a real run's
            return train.train(cfg, imdb_data.find_source(data), into, "cpu", checkpoints=Path(ckpt))
    raise ReproduceError(
        f"{path}: runs of the {task!r} task need pretrained weights; reproduce one of {', '.join(TASKS)}"
    )


def reproduce(path: Path, data: str | None = None) -> list[Difference]:
    """Re-run ``path`` and return every figure that differs (an empty list: reproduced exactly)."""
    recorded = runs.load_run(path)
    with tempfile.TemporaryDirectory(prefix="reproduce-") as tmp:
        new = rerun(path, Path(tmp), data)
        reproduced = json.loads(new.read_text(encoding="utf-8"))
    recorded["hyperparameters"], reproduced["hyperparameters"] = _settings(recorded), _settings(reproduced)
    found = list(differences(recorded, reproduced))
    old_sum, new_sum = (r["provenance"].get("data_checksum") for r in (recorded, reproduced))
    if old_sum != new_sum:
        found.insert(0, Difference("provenance.data_checksum", old_sum, new_sum))
    return found
