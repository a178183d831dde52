"""Recorded training runs: the only source of any training figure on the site.

Each run is one JSON file under ``results/<task>/`` written by the training
command (never by hand), with its provenance.  Claims about accuracy read
them here; with no run recorded, the claim is :class:`Pending`.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from solutions.engine.registry import REPO_ROOT, Pending

RESULTS_DIR = REPO_ROOT / "results"
REQUIRED = ("task", "model", "seed", "epochs", "provenance")


class ResultsError(ValueError):
    """A results file that cannot be trusted: says which file and what is wrong."""


def load_run(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise ResultsError(f"{path}:{err.lineno}: not valid JSON: {err.msg}") from None
    missing = [k for k in REQUIRED if k not in data]
    if missing:
        raise ResultsError(f"{path}: missing {', '.join(missing)}")
    return data


def embedding_init(run: dict[str, Any]) -> str:
    """How a run's embedding table started: ``"random"`` or ``"glove"``.

    Runs recorded before the ``--embeddings`` option existed carry no ``embeddings`` field; the code that
    wrote them (its commit is in each file) could only start from random values, so they read as random.
    """
    record = run.get("embeddings")
    if record is None:
        return "random"
    if (not isinstance(record, dict) or record.get("init") not in ("random", "glove")
            or (record["init"] == "glove" and not all(isinstance(record.get(k), str) for k in ("file", "sha256")))):
        raise ResultsError(f"the run of {run.get('model')!r}, seed {run.get('seed')}: embeddings must be "
                           f"{{\"init\": \"random\"}} or {{\"init\": \"glove\", \"file\": ..., \"sha256\": ...}}, not {record!r}")
    return record["init"]


def embedding_key(run: dict[str, Any]) -> str:
    """``"random"``, or ``"glove:<sha256>"``: runs from two different vector files are two experiments."""
    init = embedding_init(run)
    return init if init == "random" else f"glove:{run['embeddings']['sha256']}"


def runs(task: str, model: str, epochs: int | None = None, root: Path | None = None,
         init: str | None = None) -> list[dict[str, Any]]:
    """The real (not dry) runs of one model; two files for the same seed are an error, not two seeds.
    ``init`` keeps only runs whose embeddings started that way (runs with different starts are
    different experiments, never averaged together).
    ``root`` defaults to RESULTS_DIR as it is when called (so a test can point it elsewhere)."""
    folder = (root or RESULTS_DIR) / task
    found = [(p, load_run(p)) for p in sorted(folder.glob("*.json"))] if folder.is_dir() else []
    chosen = [(p, r) for p, r in found
              if r["model"] == model and not r.get("dry_run") and (epochs is None or r["epochs"] == epochs)
              and (init is None or embedding_init(r) == init)]
    seen: dict[tuple[int, int, str], Path] = {}
    for p, r in chosen:
        key = (r["seed"], r["epochs"], embedding_key(r))
        if key in seen:
            raise ResultsError(f"{p}: seed {r['seed']} of {model!r} ({r['epochs']} epochs) is already recorded in "
                               f"{seen[key].name}; a mean over seeds counts each seed once: remove one of them")
        seen[key] = p
    return [r for _, r in chosen]


def _accuracies(recorded: list[dict[str, Any]], task: str) -> list[float]:
    starts = sorted({embedding_key(r) for r in recorded})
    if len(starts) > 1:
        raise ResultsError(f"results/{task}/: the runs of {recorded[0]['model']!r} started their embeddings in different "
                           f"ways ({', '.join(starts)}); pick one with init=... rather than averaging them together")
    missing = [r for r in recorded if not isinstance(r.get("test_accuracy"), int | float)]
    if missing:
        raise ResultsError(f"results/{task}/: the run of {missing[0]['model']!r}, seed {missing[0]['seed']}, has no test_accuracy")
    return [100 * r["test_accuracy"] for r in recorded]


def mean_test_accuracy(task: str, model: str, epochs: int, root: Path | None = None, init: str | None = None) -> float:
    """Mean test accuracy (percent) over the recorded seeds; Pending when there is none."""
    recorded = runs(task, model, epochs, root, init)
    if not recorded:
        raise Pending(f"no recorded {epochs}-epoch run of {model!r} in results/{task}/")
    return statistics.fmean(_accuracies(recorded, task))


def std_test_accuracy(task: str, model: str, epochs: int, root: Path | None = None, init: str | None = None) -> float:
    """Sample standard deviation (percent points, n - 1 in the denominator); Pending below two seeds."""
    recorded = runs(task, model, epochs, root, init)
    if len(recorded) < 2:
        raise Pending(f"{len(recorded)} recorded {epochs}-epoch run(s) of {model!r}: a spread needs two seeds")
    return statistics.stdev(_accuracies(recorded, task))


def seed_count(task: str, model: str, epochs: int, root: Path | None = None, init: str | None = None) -> int:
    """How many seeds the mean is over; Pending when there is none."""
    recorded = runs(task, model, epochs, root, init)
    if not recorded:
        raise Pending(f"no recorded {epochs}-epoch run of {model!r} in results/{task}/")
    return len(recorded)


def git_commit() -> str:
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO_ROOT, capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO_ROOT,
                               capture_output=True, text=True, check=True).stdout.strip()
        return sha + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def write_atomically(path: Path, payload: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp", encoding="utf-8") as tmp:
        json.dump(payload, tmp, indent=2)
        tmp.write("\n")
    os.replace(tmp.name, path)
