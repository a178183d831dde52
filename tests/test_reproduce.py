"""Recorded runs are reproducible: a cheap run of each deterministic task is trained again from its results
file's settings, and every figure must equal the recording exactly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from solutions.__main__ import main
from solutions.common import reproduce as rp
from solutions.common import runs
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
    copy = tmp_path / "captions" / "rnn-seed0-20260101T000000Z.json"
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
        (
            {"hyperparameters": {"model": "rnn", "seed": 0, "epochs": 50, "warp": 9}},
            "hyperparameters.batch_size: missing",
        ),
    ],
)
def test_a_file_that_cannot_be_rerun_is_one_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: dict, message: str
) -> None:
    data = json.loads(_recorded("captions", "rnn", 0).read_text(encoding="utf-8")) | change
    copy = tmp_path / "captions" / "rnn-seed0-20260101T000000Z.json"
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
    with pytest.raises(runs.ResultsError, match=rf"{copy}: model: 'rnn': input should be 'finetune' or 'freeze'"):
        rp.rerun(copy, tmp_path / "out")


def _copy(tmp_path: Path, change: Any = None, text: str | None = None, task: str = "captions") -> Path:
    """A copy of a recorded run under ``tmp_path/<task>/`` (its own name), changed by ``change``, or ``text``."""
    source = _recorded(task, "rnn" if task == "captions" else "bow", 0)
    data = json.loads(source.read_text(encoding="utf-8"))
    if change is not None:
        change(data)
    copy = tmp_path / task / source.name
    copy.parent.mkdir(parents=True, exist_ok=True)
    copy.write_text(text if text is not None else json.dumps(data), encoding="utf-8")
    return copy


HOSTILE = {
    "not JSON": (None, "{\n  'task': 'captions'\n", ":2: not valid JSON: Expecting property name"),
    "JSON of the wrong shape": (None, "[1, 2, 3]", ": a results file holds one JSON object, not list"),
    "a bare number": (None, "1e999", ": a results file holds one JSON object, not float"),
    "an integer of 5,000 digits": (
        lambda d: d.update(parameters=0),
        None,
        ": not a results file: Exceeds the limit",
    ),
    "NaN": (lambda d: d.update(final_train_loss=float("nan")), None, ": not a results file: NaN is not a JSON number"),
    "Infinity": (lambda d: d["history"][3].update(val_loss=float("inf")), None, ": not a results file: Infinity is"),
    "a string for a number": (lambda d: d.update(final_train_loss="0.009"), None, ": final_train_loss: '0.009': input"),
    "a percentage for a fraction": (
        lambda d: d["exact_match"].update(val=28.0),
        None,
        ": exact_match.val: 28.0 is not",
    ),
    "a negative loss": (
        lambda d: d["history"][0].update(train_loss=-1.0),
        None,
        ": history[0].train_loss: -1.0 is neg",
    ),
    "an unknown key": (lambda d: d.update(verified_by="reviewer"), None, ": verified_by: not a field of this task's"),
    "a forged commit": (lambda d: d["provenance"].update(commit="HEAD"), None, ": provenance.commit: 'HEAD': string"),
    "an unknown task": (lambda d: d.update(task="mnist"), None, ": task: 'mnist' is not one of captions, imdb"),
    "a bad fingerprint": (
        lambda d: d.update(fingerprint={"batches": 4, "losses": [1.0, 2.0]}),
        None,
        ": fingerprint: 2 losses for 4 batches",
    ),
    "a name that is not the content's": (
        lambda d: d.update(seed=1) or d["hyperparameters"].update(seed=1),
        None,
        ": seed: the file says 1, its name says 0",
    ),
    "another cell than the name's": (
        lambda d: d.update(model="lstm") or d["hyperparameters"].update(model="lstm", lr_decay=0.995),
        None,
        ": model: the file says 'lstm', its name says 'rnn'",
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
@pytest.mark.parametrize("command", ["reproduce", "fingerprint"])
def test_a_hostile_results_file_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str, command: str
) -> None:
    change, text, says = HOSTILE[case]
    if case.startswith("an integer"):  # json.dumps cannot write it as a number; write the file's text instead
        text = (
            _copy(tmp_path, change)
            .read_text(encoding="utf-8")
            .replace('"parameters": 0', '"parameters": 1' + "0" * 5000)
        )
    copy = _copy(tmp_path, change, text)
    assert main([command, str(copy)]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith(f"error: {copy}{says}"), captured.err
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err and captured.out == ""


@pytest.mark.parametrize(
    ("where", "says"), [("missing.json", ": no such file, not a results file"), (".", ": a folder, not a results file")]
)
def test_a_path_that_is_not_a_file_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str, says: str
) -> None:
    path = tmp_path / where
    assert main(["reproduce", str(path)]) == 2
    assert capsys.readouterr().err == f"error: {path}{says}\n"


def test_a_run_over_the_budget_is_refused_unless_told_to_go_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = _copy(tmp_path, lambda d: d["provenance"].update(duration_seconds=3463.6))
    assert main(["reproduce", str(copy)]) == 2
    assert capsys.readouterr().err == (
        f"error: {copy}: the recorded run took 3,464 s, over the budget of 600 s; "
        "give --budget 5196 or --yes to re-run it anyway\n"
    )
    assert main(["reproduce", str(copy), "--budget", "100"]) == 2
    assert "over the budget of 100 s" in capsys.readouterr().err
    for budget in ("nan", "inf", "-5", "0", "ten"):
        assert main(["reproduce", str(copy), "--budget", budget]) == 2
        assert capsys.readouterr().err == f"error: --budget is a number of seconds above 0, not {budget!r}\n"

    trained = []

    def rerun(path: Path, into: Path, data: str | None = None) -> Path:  # training itself is tested above
        trained.append(path)
        return _recorded("captions", "rnn", 0)

    monkeypatch.setattr(rp, "rerun", rerun)
    for go_on in (["--yes"], ["--go-on"], ["--budget", "4000"]):
        assert main(["reproduce", str(copy), *go_on]) == 0
        out = capsys.readouterr().out
        assert out.startswith(f"{copy}: expected cost about 3,464 s (the recorded run's duration on cpu (")
        assert out.endswith(f"{copy}: every figure reproduced exactly\n")
    assert trained == [copy] * 3


def test_a_file_that_understates_its_duration_does_not_slip_under_the_budget(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The cost is never less than the time the run's own epochs say they took."""
    copy = _copy(tmp_path, lambda d: d["provenance"].update(duration_seconds=0.5))
    epochs = sum(v for row in json.loads(copy.read_text())["history"] for k, v in row.items() if "seconds" in k)
    assert epochs > 1
    assert main(["reproduce", str(copy), "--budget", "1"]) == 2
    assert "over the budget of 1 s" in capsys.readouterr().err
