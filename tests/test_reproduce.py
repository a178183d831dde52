"""Recorded runs are reproducible: a cheap run of each deterministic task is trained again from its results
file's settings, and every figure must equal the recording exactly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from solutions.__main__ import main
from solutions.common import reproduce as rp
from solutions.common.files import DataError
from solutions.common.paths import RESULTS_DIR
from solutions.hw2.q6 import data as yelp_data


def _recorded(task: str, model: str, seed: int) -> Path:
    (path,) = sorted((RESULTS_DIR / task).glob(f"{model}-seed{seed}-*.json"))
    return path


def test_a_captioning_run_reproduces_figure_for_figure_and_a_changed_figure_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One real re-run of a recorded file in which two figures were altered: exactly those two are reported,
    so every other figure (losses of every epoch, exact-match rates, sample captions, counts) is equal."""
    recorded = json.loads(_recorded("captions", "rnn", 0).read_text(encoding="utf-8"))
    recorded["history"][7]["train_loss"] += 1e-9
    recorded["exact_match"]["val"] = 0.5
    copy = tmp_path / "captions" / "rnn-seed0-altered.json"
    copy.parent.mkdir()
    copy.write_text(json.dumps(recorded), encoding="utf-8")
    assert main(["reproduce", str(copy)]) == 1
    out = capsys.readouterr().out
    assert f"{copy}: 2 figure(s) differ:" in out
    assert "  exact_match.val: recorded 0.5, reproduced" in out
    assert "  history[7].train_loss: recorded" in out


def test_a_yelp_run_reproduces_exactly(capsys: pytest.CaptureFixture[str]) -> None:
    try:
        yelp_data.find_source()
    except DataError:
        pytest.skip("the Yelp sentences are not beside the project")
    path = _recorded("yelp", "bow", 0)
    assert main(["reproduce", str(path)]) == 0
    assert f"{path}: every figure reproduced exactly" in capsys.readouterr().out


def test_differences_compare_every_figure_and_skip_only_timings_and_provenance() -> None:
    a = {
        "test_accuracy": 0.9,
        "history": [{"loss": 1.0, "train_seconds": 3.0}, {"loss": 0.5, "train_seconds": 2.0}],
        "provenance": {"commit": "x", "started": "then"},
        "samples": ["a cat"],
        "parameters": 10,
    }
    b = json.loads(json.dumps(a))
    b["history"][1]["train_seconds"] = 9.0  # a timing: never a figure
    b["provenance"] = {"commit": "y", "started": "now"}
    assert list(rp.differences(a, b)) == []
    b["history"][1]["loss"] = 0.5000000000000001
    b["samples"] = ["a dog"]
    b["parameters"] = 10.0  # the same number, another type: not what was recorded
    b["extra"] = 1
    assert [str(d) for d in rp.differences(a, b)] == [
        "extra: recorded '(absent)', reproduced 1",
        "history[1].loss: recorded 0.5, reproduced 0.5000000000000001",
        "parameters: recorded 10, reproduced 10.0",
        "samples[0]: recorded 'a cat', reproduced 'a dog'",
    ]
    b = json.loads(json.dumps(a))
    b["history"].pop()
    assert [str(d) for d in rp.differences(a, b)] == ["history (length): recorded 2, reproduced 1"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"dry_run": True}, "a dry run is not a recorded result"),
        ({"hyperparameters": {"model": "rnn", "seed": 0, "epochs": 50, "warp": 9}}, "hyperparameters warp are not"),
    ],
)
def test_a_file_that_cannot_be_rerun_is_one_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: dict, message: str
) -> None:
    data = json.loads(_recorded("captions", "rnn", 0).read_text(encoding="utf-8")) | change
    copy = tmp_path / "captions" / "rnn-seed0.json"
    copy.parent.mkdir()
    copy.write_text(json.dumps(data), encoding="utf-8")
    assert main(["reproduce", str(copy)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {copy}") and message in err and "Traceback" not in err


def test_a_task_with_pretrained_weights_is_refused_by_name(tmp_path: Path) -> None:
    source = _recorded("captions", "rnn", 0)
    data = json.loads(source.read_text(encoding="utf-8")) | {"task": "transfer"}
    copy = tmp_path / "transfer" / source.name
    copy.parent.mkdir()
    copy.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(rp.ReproduceError, match="runs of the 'transfer' task need pretrained weights"):
        rp.rerun(copy, tmp_path / "out")
