"""Recorded training runs: the only source of any training figure on the site.

Each run is one JSON file under ``results/<task>/`` written by the training
command (never by hand), with its provenance.  Claims about accuracy read
them here; with no run recorded, the claim is :class:`Pending`.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

from solutions.engine.registry import REPO_ROOT, Pending

RESULTS_DIR = REPO_ROOT / "results"
REQUIRED = ("task", "model", "seed", "epochs", "test_accuracy", "provenance")


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


def runs(task: str, model: str, epochs: int | None = None, root: Path = RESULTS_DIR) -> list[dict[str, Any]]:
    folder = root / task
    found = [load_run(p) for p in sorted(folder.glob("*.json"))] if folder.is_dir() else []
    return [r for r in found if r["model"] == model and not r.get("dry_run") and (epochs is None or r["epochs"] == epochs)]


def mean_test_accuracy(task: str, model: str, epochs: int, root: Path = RESULTS_DIR) -> float:
    """Mean test accuracy (percent) over the recorded seeds; Pending when there is none."""
    recorded = runs(task, model, epochs, root)
    if not recorded:
        raise Pending(f"no recorded {epochs}-epoch run of {model!r} in results/{task}/")
    return statistics.fmean(100 * r["test_accuracy"] for r in recorded)
