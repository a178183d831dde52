"""Recorded training runs: the only source of any training figure on the site.

Each run is one JSON file under ``results/<task>/``, written by a training command (never by hand)
through :class:`Recorder`, the one recorder every trainer uses: the run's own figures plus its
provenance (the commit, with ``+dirty`` for uncommitted changes, the package versions, the device,
the seed, the data's checksum, the duration), written atomically.

Claims read the runs back with :func:`runs`, or with :func:`recorded`, which raises
:class:`~solutions.engine.Pending` when no run is recorded yet, and average them with
:func:`mean_percent` (or :func:`mean_test_accuracy`, which checks the runs belong together); a
file that cannot be trusted is a :class:`ResultsError` naming it.  Every file read or written is checked
against its task's schema, :mod:`solutions.common.schema` (one pydantic model per task).
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import platform
import statistics
import subprocess
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from solutions.common import paths, schema
from solutions.common.files import atomic_path
from solutions.engine import Pending

RESULTS_DIR = paths.RESULTS_DIR  # read when called, so a test can point it elsewhere

Run = dict[str, Any]


class ResultsError(ValueError):
    """A results file that cannot be trusted: says which file and what is wrong."""


# ------------------------------------------------------------------ reading


def folder(task: str, root: Path | None = None) -> Path:
    """``results/<task>/`` (``root`` defaults to :data:`RESULTS_DIR` as it is when called)."""
    return (root or RESULTS_DIR) / task


def validate_record(data: Any, where: str, backfill: bool = False) -> Run:
    """``data`` checked against its task's schema (:mod:`solutions.common.schema`); a :class:`ResultsError`
    naming ``where``, the field and why, in one line."""
    try:
        return schema.validate(data, where, backfill)
    except schema.SchemaError as err:
        raise ResultsError(str(err)) from None


def load_run(path: Path, backfill: bool = False) -> Run:
    """One results file, validated against its task's schema; its ``task`` must be the folder it is in, and
    its name must say the run's model and seed (:func:`solutions.common.schema.check_name`).  ``backfill``
    accepts a run without the fingerprint its task requires (for ``fingerprint --write`` only)."""
    if not path.is_file():
        raise ResultsError(f"{path}: {'a folder' if path.is_dir() else 'no such file'}, not a results file")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ResultsError(f"{path}: {path.stat().st_size:,} bytes; a results file is under {MAX_FILE_BYTES:,}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"), parse_constant=_no_constant)
    except json.JSONDecodeError as err:
        raise ResultsError(f"{path}:{err.lineno}: not valid JSON: {err.msg}") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ResultsError(f"{path}: cannot read it ({err})") from None
    except RecursionError:
        raise ResultsError(f"{path}: nested too deeply to be a results file") from None
    except ValueError as err:  # NaN or Infinity (see _no_constant), or an integer of thousands of digits
        raise ResultsError(f"{path}: not a results file: {str(err).splitlines()[0][:200]}") from None
    validate_record(data, str(path), backfill)
    try:
        schema.check_name(path, data)
    except schema.SchemaError as err:
        raise ResultsError(str(err)) from None
    return data


PRETRAINED_STARTS = ("glove", "glove50", "word2vec")

MAX_FILE_BYTES = 20_000_000  # the largest results file today is under 100 kB


def _no_constant(name: str) -> float:
    """JSON has no NaN or Infinity; Python's reader accepts them unless told otherwise."""
    raise ValueError(f"{name} is not a JSON number")


def embedding_init(run: Run) -> str:
    """How a run's embedding table started: ``"random"``, or a pretrained start named by its file and digest:
    ``"glove"`` (a GloVe 100d text file), ``"glove50"`` (GloVe 6B 50d in the first 50 coordinates) or
    ``"word2vec"`` (vectors learnt from the training reviews); see :mod:`solutions.a2.part1.embeddings`.

    Runs recorded before the ``--embeddings`` option existed carry no ``embeddings`` field; the code that
    wrote them (its commit is in each file) could only start from random values, so they read as random.
    """
    record = run.get("embeddings")
    if record is None:
        return "random"
    glove_named = isinstance(record, dict) and all(isinstance(record.get(k), str) for k in ("file", "sha256"))
    if (
        not isinstance(record, dict)
        or record.get("init") not in ("random", *PRETRAINED_STARTS)
        or (record["init"] != "random" and not glove_named)
    ):
        raise ResultsError(
            f"the run of {run.get('model')!r}, seed {run.get('seed')}: embeddings must be "
            f'{{"init": "random"}} or {{"init": "glove" | "glove50" | "word2vec", "file": ..., "sha256": ...}}, '
            f"not {record!r}"
        )
    return record["init"]


def embedding_key(run: Run) -> str:
    """``"random"``, or ``"<start>:<sha256>"``: runs from two different vector files are two experiments."""
    init = embedding_init(run)
    return init if init == "random" else f"{init}:{run['embeddings']['sha256']}"


def runs(
    task: str, model: str, epochs: int | None = None, root: Path | None = None, init: str | None = None
) -> list[Run]:
    """The real (not dry) runs of one model; two files for the same seed are an error, not two seeds.
    ``init`` keeps only runs whose embeddings started that way (runs with different starts are
    different experiments, never averaged together)."""
    where = folder(task, root)
    found = [(p, load_run(p)) for p in sorted(where.glob("*.json"))] if where.is_dir() else []
    chosen = [
        (p, r)
        for p, r in found
        if r["model"] == model
        and not r.get("dry_run")
        and (epochs is None or r["epochs"] == epochs)
        and (init is None or embedding_init(r) == init)
    ]
    seen: dict[tuple[int, int, str], Path] = {}
    for p, r in chosen:
        key = (r["seed"], r["epochs"], embedding_key(r))
        if key in seen:
            raise ResultsError(
                f"{p}: seed {r['seed']} of {model!r} ({r['epochs']} epochs) is already recorded in "
                f"{seen[key].name}; a mean over seeds counts each seed once: remove one of them"
            )
        seen[key] = p
    return [r for _, r in chosen]


def recorded(
    task: str,
    *models: str,
    epochs: int | None = None,
    init: str | None = None,
    keep: Callable[[Run], Any] | None = None,
    what: str = "",
    root: Path | None = None,
) -> list[Run]:
    """The recorded runs of ``models`` (model by model, in the order given), or :class:`Pending` when there is none.

    ``epochs`` and ``init`` filter as in :func:`runs`; ``keep`` keeps only the runs it is true of,
    and ``what`` says so in the pending message (e.g. ``" with ImageNet weights"``).
    """
    found = [r for m in models for r in runs(task, m, epochs, root, init) if keep is None or keep(r)]
    if not found:
        length = f" {epochs}-epoch" if epochs is not None else ""
        of = f" of {models[0]!r}" if len(models) == 1 else ""
        start = f" with {init} embeddings" if init is not None and init != "random" else ""
        raise Pending(f"not measured yet: no{length} training run{of}{start}{what} is recorded (results/{task}/)")
    return found


def setting(name: str, used: Any, found: Iterable[Run]) -> Any:
    """A recipe setting as the code uses it (``used``, e.g. a trainer's default), checked against every run in
    ``found``: each recorded ``hyperparameters[name]`` must equal it, so a page stating the recipe, the code
    and the recorded runs cannot drift apart.  Raises AssertionError naming the runs that differ."""
    differ = sorted(
        f"{r['model']} seed {r['seed']} ({r['hyperparameters'].get(name)!r})"
        for r in found
        if r["hyperparameters"].get(name) != used
    )
    if differ:
        raise AssertionError(f"the code uses {name} = {used!r}, but recorded runs differ: {', '.join(differ)}")
    return used


def spread(values: list[float], of: str = "run(s)") -> float:
    """The sample standard deviation (n - 1 in the denominator) of one value per seed; :class:`Pending` below
    two seeds (``of`` names the runs in its message)."""
    if len(values) < 2:
        raise Pending(f"only {len(values)} recorded {of} so far: a spread needs two seeds")
    return statistics.stdev(values)


def mean_percent(found: Iterable[Run], field: str) -> float:
    """The mean over ``found`` of a fraction each run recorded as ``field`` (an accuracy), in percent."""
    return statistics.fmean(100 * r[field] for r in found)


def _accuracies(found: list[Run], task: str) -> list[float]:
    starts = sorted({embedding_key(r) for r in found})
    if len(starts) > 1:
        raise ResultsError(
            f"results/{task}/: the runs of {found[0]['model']!r} started their embeddings in different "
            f"ways ({', '.join(starts)}); pick one with init=... rather than averaging them together"
        )
    missing = [r for r in found if not isinstance(r.get("test_accuracy"), int | float)]
    if missing:
        raise ResultsError(
            f"results/{task}/: the run of {missing[0]['model']!r}, seed {missing[0]['seed']}, has no test_accuracy"
        )
    return [100 * r["test_accuracy"] for r in found]


def mean_test_accuracy(task: str, model: str, epochs: int, root: Path | None = None, init: str | None = None) -> float:
    """Mean test accuracy (percent) over the recorded seeds; Pending when there is none."""
    return statistics.fmean(_accuracies(recorded(task, model, epochs=epochs, init=init, root=root), task))


def std_test_accuracy(task: str, model: str, epochs: int, root: Path | None = None, init: str | None = None) -> float:
    """Sample standard deviation (percent points, n - 1 in the denominator); Pending below two seeds."""
    return spread(_accuracies(runs(task, model, epochs, root, init), task), f"{epochs}-epoch run(s) of {model!r}")


def seed_count(task: str, model: str, epochs: int, root: Path | None = None, init: str | None = None) -> int:
    """How many seeds the mean is over; Pending when there is none."""
    return len(recorded(task, model, epochs=epochs, init=init, root=root))


# ------------------------------------------------------------------ fingerprints

FINGERPRINT_BATCHES = 4  # the first training batches whose losses identify a run (code, data, seed, threads)


class FingerprintTaken(Exception):  # not an error: the end of a run started only for its fingerprint
    """Raised by a :class:`Fingerprint` made with ``stop=True`` once it holds its batches' losses."""

    def __init__(self, losses: list[float]) -> None:
        super().__init__(f"fingerprint of {len(losses)} batches taken")
        self.losses = losses


class Fingerprint:
    """The losses of a run's first :data:`FINGERPRINT_BATCHES` training batches, in the order trained.

    A trainer calls :meth:`add` with every training batch's loss and records :meth:`record` in its results
    file.  Made with ``stop=True`` it ends the run (:class:`FingerprintTaken`) as soon as it is complete, so
    the fingerprint of a recorded run is recomputed by the trainer's own code path, without the whole run.
    """

    def __init__(self, batches: int = FINGERPRINT_BATCHES, stop: bool = False) -> None:
        self.batches, self.stop, self.losses = batches, stop, []

    def add(self, loss: float) -> None:
        if len(self.losses) < self.batches:
            self.losses.append(float(loss))
        if self.stop and len(self.losses) >= self.batches:
            raise FingerprintTaken(list(self.losses))

    def record(self) -> dict[str, Any]:
        return {"batches": len(self.losses), "losses": list(self.losses)}


# ------------------------------------------------------------------ writing


def git_commit() -> str:
    """The commit checked out, with ``+dirty`` when tracked files differ from it; ``unknown`` outside git."""
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=paths.REPO_ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=paths.REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        return sha + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def write_atomically(path: Path, payload: dict[str, Any]) -> None:
    """``payload`` as indented JSON at ``path``, which holds either the old file or the whole new one."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


def versions(*packages: str) -> dict[str, str]:
    """Python's version and each package's ``__version__`` (the packages are imported already by the trainer)."""
    return {"python": platform.python_version(), **{p: str(importlib.import_module(p).__version__) for p in packages}}


def device_description(device: Any = None, threads: int | None = None, unit: str = "thread") -> str:
    """The GPU's name for a CUDA ``torch.device``; else ``cpu (<processor>, <n> threads)``, where ``n`` is
    ``threads`` or, when not given, torch's own CPU thread count."""
    if device is not None and getattr(device, "type", None) == "cuda":
        import torch

        return torch.cuda.get_device_name(device)
    if threads is None:
        import torch

        threads = torch.get_num_threads()
    return f"cpu ({platform.processor() or platform.machine()}, {threads} {unit}{'' if threads == 1 else 's'})"


@dataclass
class Settings:
    """What every trainer's settings start with, in this order; a trainer's ``Config`` adds its own fields after
    these and sets its own defaults.  The results file records them all as ``hyperparameters``."""

    model: str
    seed: int = 0
    epochs: int = 1
    batch_size: int = 1
    lr: float = 1e-3


class Recorder:
    """One training run, from its start to its results file.

    Created when the run starts: it notes the time and the commit then (the code that trains is the
    code at the start, whatever is committed meanwhile).  :meth:`write` writes the results file
    ``results/<task>/<name>`` once, atomically: ``task``, ``model``, ``seed``, ``epochs``,
    ``dry_run``, the trainer's own fields, and ``provenance``.  A run resumed from a checkpoint sets
    :attr:`started` and :attr:`commit` to its first stretch's before writing.
    """

    def __init__(self, task: str, model: str, seed: int, results_dir: Path | None = None) -> None:
        self.task, self.model, self.seed = task, model, seed
        self.results_dir = results_dir
        self.started = dt.datetime.now(dt.UTC)
        self.commit = git_commit()
        self._clock = time.perf_counter()

    @property
    def seconds(self) -> float:
        """Seconds since the recorder was created."""
        return time.perf_counter() - self._clock

    def stamp(self, microseconds: bool = False) -> str:
        """The start in UTC for a file name: ``20261202T101500Z`` (``...T101500123456Z`` with microseconds)."""
        return self.started.strftime("%Y%m%dT%H%M%S%fZ" if microseconds else "%Y%m%dT%H%M%SZ")

    def path(self, name: str) -> Path:
        """Where a file of this run named ``name`` goes: ``results/<task>/<name>``."""
        return folder(self.task, self.results_dir) / name

    def write(
        self,
        name: str,
        fields: dict[str, Any],
        *,
        epochs: int,
        dry_run: bool,
        device: str,
        packages: tuple[str, ...],
        data_source: str | None,
        data_checksum: str | None,
        **provenance: Any,
    ) -> Path:
        """Write the results file and return its path.  ``packages`` are the ones whose versions are recorded;
        ``provenance`` adds to (or, e.g. ``duration_seconds`` of a resumed run, replaces) the standard entries."""
        payload = {
            "task": self.task,
            "model": self.model,
            "seed": self.seed,
            "epochs": epochs,
            "dry_run": dry_run,
            **fields,
            "provenance": {
                "commit": self.commit,
                "started": self.started.isoformat(timespec="seconds"),
                "duration_seconds": self.seconds,
                "device": device,
                "versions": versions(*packages),
                "data_source": data_source,
                "data_checksum": data_checksum,
                **provenance,
            },
        }
        out = self.path(name)
        write_atomically(out, validate_record(payload, f"{out} (not written)"))
        return out
