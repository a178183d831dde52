"""Re-run a recorded training run from its results file, and compare every figure with the recording.

``python -m solutions reproduce results/yelp/bow-seed0-....json`` reads the file's task, model, seed and
settings (``hyperparameters``), trains again with exactly those settings into a temporary folder, and
compares the new results file with the recorded one field by field.  Every figure must be equal, to the
last bit of its JSON text: accuracies, losses, the history of every epoch, predictions, sample captions,
counts.  What legitimately differs from one run to the next is left out and said so: the provenance
(time, commit, machine, package versions; the data checksum *is* compared) and wall-clock timings (any
field whose name holds ``seconds``).

A re-run costs about what the recorded run took (its ``provenance.duration_seconds``): that is said before
training starts, and a run over the budget (``--budget``, :data:`DEFAULT_BUDGET` seconds by default) is
refused unless ``--yes`` says to go on.

A difference is reported one line per field, with its path in the file (``history[3].dev_loss``), the
recorded value and the new one.  Runs are deterministic on the CPU with a fixed number of threads (the
trainers seed every generator and the results record the threads), so any difference is news: a
changed code path, other package versions, or a different data set.

Fingerprints are the cheap check (:func:`check_fingerprint`): each recorded run stores the losses of its first
training batches, and the trainer's own code recomputes them from the file's settings in seconds (stopped
after those batches).  Equal losses tie the file's settings, seed and data to this code; they say nothing
about the later epochs, which only a full re-run checks.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from solutions.common import runs

TASKS = ("captions", "yelp", "imdb")  # the tasks whose runs need no pretrained weights
DEFAULT_BUDGET = 600.0  # seconds: a re-run expected to take longer is refused unless told to go on
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

        start = _start(run, path)
        segments = run["provenance"].get("segments") or [{}]
        threads = {s.get("threads") for s in segments} - {None}
        if len(threads) == 1:
            torch.set_num_threads(threads.pop())
        cfg = _config(train.Config, settings, str(path))
        with tempfile.TemporaryDirectory(prefix="reproduce-checkpoints-") as ckpt:  # never touch a real run's
            return train.train(cfg, imdb_data.find_source(data), into, "cpu", embeddings=start, checkpoints=Path(ckpt))
    raise ReproduceError(
        f"{path}: runs of the {task!r} task need pretrained weights; reproduce one of {', '.join(TASKS)}"
    )


def expected_cost(run: dict[str, Any]) -> float:
    """Seconds a re-run is expected to take: what the recorded run took (on its own machine), and never less
    than the time its own epochs and evaluations say they took (a file that understates its duration does
    not slip under the budget)."""
    parts = [v for row in run.get("history") or [] for k, v in row.items() if "seconds" in k and v is not None]
    parts += [v for k, v in run.items() if k.endswith("seconds") and isinstance(v, int | float)]
    return max(float(run["provenance"]["duration_seconds"]), float(sum(parts)))


def reproduce(
    path: Path,
    data: str | None = None,
    budget: float = DEFAULT_BUDGET,
    go_on: bool = False,
    say: Any = print,
) -> list[Difference]:
    """Re-run ``path`` and return every figure that differs (an empty list: reproduced exactly).  Says the
    expected cost first (through ``say``); over ``budget`` seconds it refuses unless ``go_on``."""
    recorded = runs.load_run(path)
    if recorded["task"] not in TASKS:
        raise ReproduceError(
            f"{path}: runs of the {recorded['task']!r} task need pretrained weights; "
            f"reproduce one of {', '.join(TASKS)}"
        )
    cost = expected_cost(recorded)
    if cost > budget and not go_on:
        raise ReproduceError(
            f"{path}: the recorded run took {cost:,.0f} s, over the budget of {budget:,.0f} s; "
            f"give --budget {int(cost * 1.5) + 1} or --yes to re-run it anyway"
        )
    say(
        f"{path}: expected cost about {cost:,.0f} s (the recorded run's duration on {recorded['provenance']['device']})"
    )
    with tempfile.TemporaryDirectory(prefix="reproduce-") as tmp:
        new = rerun(path, Path(tmp), data)
        reproduced = json.loads(new.read_text(encoding="utf-8"))
    recorded["hyperparameters"], reproduced["hyperparameters"] = _settings(recorded), _settings(reproduced)
    found = list(differences(recorded, reproduced))
    old_sum, new_sum = (r["provenance"].get("data_checksum") for r in (recorded, reproduced))
    if old_sum != new_sum:
        found.insert(0, Difference("provenance.data_checksum", old_sum, new_sum))
    return found


# ------------------------------------------------------------------ fingerprints


def recorded_threads(run: dict[str, Any]) -> int:
    """torch's CPU threads in an IMDB run: its segments' (one count for all), else its device's description."""
    counts = {s["threads"] for s in run["provenance"].get("segments") or []}
    if len(counts) > 1:
        raise ReproduceError(f"the run of {run['model']} seed {run['seed']} changed thread counts ({sorted(counts)})")
    if counts:
        return counts.pop()
    found = re.fullmatch(r"cpu \(.*, ([0-9]+) threads?\)", run["provenance"]["device"])
    if not found:
        raise ReproduceError(
            f"the run of {run['model']} seed {run['seed']} ran on {run['provenance']['device']!r}: its fingerprint "
            "is recomputed on the CPU only"
        )
    return int(found[1])


def recorded_flush(run: dict[str, Any]) -> bool:
    """Whether an IMDB run's first stretch flushed subnormal floats to zero (runs recorded before the
    setting existed did not); the fingerprint is taken in that stretch."""
    segments = run["provenance"].get("segments") or [{}]
    return bool(segments[0].get("flush_denormal", False))


def _start(run: dict[str, Any], path: Path) -> str | None:
    """The ``--embeddings`` value that starts a run again as the file records it: None (random) or a start this
    project can rebuild by itself (GloVe 6B 50d from its package, word2vec from the training reviews)."""
    from solutions.a2.part1 import embeddings

    init = runs.embedding_init(run)
    rebuilt = {"random": None, "glove50": embeddings.GLOVE_50D, "word2vec": embeddings.WORD2VEC}
    if init not in rebuilt:
        raise ReproduceError(
            f"{path}: a run started from the GloVe file {run['embeddings'].get('file')!r}: train it again with "
            "--embeddings and that file"
        )
    return rebuilt[init]


def fingerprint_of(path: Path, data: str | None = None, backfill: bool = False) -> list[float]:
    """The fingerprint of the run ``path`` records, recomputed by its trainer from the file's settings, data,
    seed (and, for IMDB, its thread count), stopped after the fingerprint's batches."""
    run = runs.load_run(path, backfill)
    task, settings = run["task"], _settings(run)
    if task == "captions":
        from solutions.hw2.q5 import train

        return train.fingerprint(_config(train.Config, settings, str(path)))
    if task == "yelp":
        from solutions.hw2.q6 import data as yelp_data
        from solutions.hw2.q6 import train

        return train.fingerprint(_config(train.Config, settings, str(path)), yelp_data.find_source(data))
    if task == "imdb":
        from solutions.a2.part1 import data as imdb_data
        from solutions.a2.part1 import train

        start = _start(run, path)
        try:
            threads = recorded_threads(run)
        except ReproduceError as err:
            raise ReproduceError(f"{path}: {err}") from None
        cfg = _config(train.Config, settings, str(path))
        return train.fingerprint(cfg, imdb_data.find_source(data), threads, start, recorded_flush(run))
    raise ReproduceError(f"{path}: the {task!r} task records no fingerprint; fingerprints are for {', '.join(TASKS)}")


def check_fingerprint(path: Path, data: str | None = None) -> list[Difference]:
    """Every loss of the recorded fingerprint that the recomputation does not reproduce exactly."""
    run = runs.load_run(path)
    if run.get("fingerprint") is None:
        raise ReproduceError(f"{path}: fingerprint: none recorded (add one with `fingerprint --write`)")
    recorded = run["fingerprint"]["losses"]
    return list(
        differences({"losses": recorded}, {"losses": fingerprint_of(path, data)[: len(recorded)]}, "fingerprint")
    )


def added_after_run() -> dict[str, str]:
    """What marks a fingerprint added to a finished run: the commit that computed it, and the date."""
    return {"commit": runs.git_commit(), "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}


def add_fingerprint(path: Path, data: str | None = None, stamp: dict[str, str] | None = None) -> list[float]:
    """Write the fingerprint of a run recorded before its trainer recorded one into its file, marked
    ``added_after_run`` with ``stamp`` (:func:`added_after_run`; take it once, before the first file is
    written, which makes the working tree dirty); a file that has one already is left alone (an error)."""
    run = runs.load_run(path, backfill=True)
    if run.get("fingerprint") is not None:
        raise ReproduceError(f"{path}: fingerprint: recorded already; check it with `fingerprint` (no --write)")
    losses = fingerprint_of(path, data, backfill=True)
    fingerprint = {"batches": len(losses), "losses": losses, "added_after_run": stamp or added_after_run()}
    out = {k: v for k, v in run.items() if k != "provenance"} | {"fingerprint": fingerprint}
    out["provenance"] = run["provenance"]  # last, as the Recorder writes it
    runs.write_atomically(path, runs.validate_record(out, f"{path} (not written)"))
    return losses
