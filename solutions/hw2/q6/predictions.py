"""Prediction files for the unlabelled Yelp sentences (HW2 Q6): write them from recorded runs, validate any.

``predictions_q1.txt`` ... ``predictions_q5.txt`` hold one ``0`` or ``1`` a line,
one line per unlabelled sentence, in the file's order.  Each is written from the
results file of one recorded run (the seed with the best *dev* accuracy: the
test split picks nothing), whose predictions were stored when it was trained,
so a prediction file is as reproducible as the run behind it.  Training those runs
is :mod:`.train`'s business.
"""

from __future__ import annotations

from pathlib import Path

from solutions.common import runs
from solutions.hw2.q6.model import MODELS


class PredictionsError(ValueError):
    """A malformed prediction file: names the file, the line and what is wrong."""


def file_name(model: str) -> str:
    return f"predictions_q{MODELS.index(model) + 1}.txt"


def chosen_run(model: str, root: Path | None = None) -> dict:
    """The recorded run whose predictions are written for ``model``: the best dev accuracy (then the lowest seed)."""
    recorded = runs.runs("yelp", model, root=root)
    if not recorded:
        raise runs.ResultsError(
            f"no recorded run of {model!r} in {runs.folder('yelp', root)}: train one first "
            f"(python -m solutions train yelp --model {model})"
        )
    return max(recorded, key=lambda r: (r["dev_accuracy"], -r["seed"]))


def validate(path: Path, expected_lines: int) -> list[int]:
    """The labels in ``path``; a clear error for anything but ``expected_lines`` lines of 0 or 1."""
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise PredictionsError(f"{path}: cannot read ({err.strerror})") from None
    if not raw:
        raise PredictionsError(f"{path}: empty; expected {expected_lines:,} lines of 0 or 1")
    if not raw.endswith(b"\n"):
        last = raw.count(b"\n") + 1
        raise PredictionsError(f"{path}:{last}: the last line has no newline at its end")
    labels = []
    for number, line in enumerate(raw[:-1].split(b"\n"), 1):
        if line.endswith(b"\r"):
            raise PredictionsError(f"{path}:{number}: Windows line ending (\\r\\n); write \\n only")
        if line not in (b"0", b"1"):
            shown = line[:20].decode("utf-8", "replace")
            raise PredictionsError(
                f"{path}:{number}: expected 0 or 1, found {shown!r}" + (" (an empty line)" if not line else "")
            )
        labels.append(int(line))
    if len(labels) != expected_lines:
        raise PredictionsError(f"{path}: {len(labels):,} lines, but there are {expected_lines:,} unlabelled sentences")
    return labels


def write_all(out_dir: Path, root: Path | None = None) -> list[Path]:
    """Write the five files from the chosen runs, then read each back through the validator."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for model in MODELS:
        run = chosen_run(model, root)
        predicted = run["unlabelled_predictions"]
        path = out_dir / file_name(model)
        path.write_text("".join(f"{c}\n" for c in predicted), encoding="ascii")
        validate(path, run["sizes"]["unlabelled"])
        print(
            f"{path}: {model}, seed {run['seed']} (dev accuracy {run['dev_accuracy']:.4f}), "
            f"{predicted.count('1'):,} of {len(predicted):,} predicted positive"
        )
        written.append(path)
    return written
