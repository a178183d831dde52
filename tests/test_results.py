"""Reading recorded runs: pending without one, a clear error for a bad file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from solutions.common.runs import ResultsError, mean_test_accuracy, seed_count, std_test_accuracy
from solutions.engine import Pending
from tests.conftest import ROOT

REAL = min((ROOT / "results" / "imdb").glob("*.json"))  # a real results file, changed below


def run_like(model: str = "rnn", seed: int = 0, epochs: int = 5, **fields: object) -> dict:
    """A real IMDB results file made into a run of ``model``, ``seed`` and ``epochs``, with ``fields`` changed."""
    run = json.loads(REAL.read_text(encoding="utf-8"))
    run.update(model=model, seed=seed, epochs=epochs)
    run["hyperparameters"].update(model=model, seed=seed, epochs=epochs)
    run["history"] = [dict(run["history"][0], epoch=e) for e in range(1, epochs + 1)]
    run["best_epoch"] = min(run["best_epoch"], epochs)
    run.update(fields)
    return run


def write(root: Path, stamp: str, model: str = "rnn", seed: int = 0, epochs: int = 5, **fields: object) -> Path:
    """``run_like(...)`` written as the trainer names it, ``<model>-seed<seed>-e<epochs>-<stamp>Z.json``."""
    (root / "imdb").mkdir(parents=True, exist_ok=True)
    run = run_like(model, seed, epochs, **fields)
    init = (run.get("embeddings") or {}).get("init", "random")
    tag = "" if init == "random" else f"-{init}"  # as the trainer tags a pretrained start
    path = root / "imdb" / f"{model}-seed{seed}-e{epochs}{tag}-20260101T{stamp}Z.json"
    path.write_text(json.dumps(run))
    return path


def test_no_run_is_pending(tmp_path: Path) -> None:
    with pytest.raises(Pending, match="not measured yet: no 5-epoch training run of 'rnn' is recorded"):
        mean_test_accuracy("imdb", "rnn", 5, root=tmp_path)


def test_mean_over_seeds_of_matching_runs_only(tmp_path: Path) -> None:
    write(tmp_path, "000001", seed=0, test_accuracy=0.80)
    write(tmp_path, "000002", seed=1, test_accuracy=0.84)
    write(tmp_path, "000003", seed=2, test_accuracy=0.10, epochs=1)  # another epoch count
    write(tmp_path, "000004", seed=0, test_accuracy=0.10, model="lstm")
    assert mean_test_accuracy("imdb", "rnn", 5, root=tmp_path) == pytest.approx(82.0)


def test_malformed_file_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "imdb").mkdir()
    (tmp_path / "imdb" / "rnn-seed0-e5-20260101T000000Z.json").write_text('{\n  "task": "imdb",\n  oops\n}')
    with pytest.raises(ResultsError, match=r"20260101T000000Z\.json:3: not valid JSON"):
        mean_test_accuracy("imdb", "rnn", 5, root=tmp_path)


def test_missing_fields_are_named(tmp_path: Path) -> None:
    (tmp_path / "imdb").mkdir()
    (tmp_path / "imdb" / "x.json").write_text(json.dumps({"task": "imdb", "model": "rnn"}))
    with pytest.raises(ResultsError, match=r"x\.json: seed: missing"):
        mean_test_accuracy("imdb", "rnn", 5, root=tmp_path)


def test_spread_needs_two_seeds_and_uses_n_minus_1(tmp_path: Path) -> None:
    write(tmp_path, "000001", seed=0, test_accuracy=0.80)
    with pytest.raises(Pending, match="a spread needs two seeds"):
        std_test_accuracy("imdb", "rnn", 5, root=tmp_path)
    assert seed_count("imdb", "rnn", 5, root=tmp_path) == 1
    write(tmp_path, "000002", seed=1, test_accuracy=0.84)
    write(tmp_path, "000003", seed=2, test_accuracy=0.86)
    # 80, 84, 86: mean 83.33, squared deviations 11.11 + 0.44 + 7.11 = 18.67, / 2 = 9.33
    assert std_test_accuracy("imdb", "rnn", 5, root=tmp_path) == pytest.approx(9.3333**0.5, rel=1e-4)
    assert seed_count("imdb", "rnn", 5, root=tmp_path) == 3


def test_the_same_seed_twice_is_refused_by_name(tmp_path: Path) -> None:
    write(tmp_path, "000001", seed=0, test_accuracy=0.80)
    second = write(tmp_path, "000002", seed=0, test_accuracy=0.82)
    with pytest.raises(ResultsError, match=rf"{second}: seed 0 of 'rnn' \(5 epochs\) is already recorded in rnn-seed0"):
        mean_test_accuracy("imdb", "rnn", 5, root=tmp_path)


def test_a_run_without_an_accuracy_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, "000001", seed=3, test_accuracy=None)
    with pytest.raises(ResultsError, match=rf"{path}: test_accuracy: None: input should be a valid number"):
        mean_test_accuracy("imdb", "rnn", 5, root=tmp_path)


def test_runs_with_different_embedding_starts_are_kept_apart(tmp_path: Path) -> None:
    write(tmp_path, "000001", seed=0, test_accuracy=0.80, embeddings=None)  # before --embeddings existed: random
    glove = {"init": "glove", "file": "g.txt", "sha256": "ab" * 32, "detail": "GloVe"}
    write(tmp_path, "000002", seed=0, test_accuracy=0.90, embeddings=glove)
    write(tmp_path, "000003", seed=1, test_accuracy=0.70, embeddings={"init": "random", "detail": "N(0, 1)"})
    assert mean_test_accuracy("imdb", "rnn", 5, root=tmp_path, init="random") == pytest.approx(75.0)
    assert mean_test_accuracy("imdb", "rnn", 5, root=tmp_path, init="glove") == pytest.approx(90.0)
    assert seed_count("imdb", "rnn", 5, root=tmp_path, init="glove") == 1


def test_an_unknown_embedding_start_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "000001", seed=0, embeddings={"init": "fasttext", "detail": "?"})
    with pytest.raises(
        ResultsError,
        match=rf"{path}: embeddings.init: 'fasttext': input should be 'random', 'glove', 'glove50' or 'word2vec'",
    ):
        mean_test_accuracy("imdb", "rnn", 5, root=tmp_path, init="random")


def _corrupt(root: Path, change: object, folder: str = "imdb") -> Path:
    """A copy of a real results file with one change (a function of its parsed JSON)."""
    data = json.loads(REAL.read_text(encoding="utf-8"))
    change(data)  # type: ignore[operator]
    (root / folder).mkdir(parents=True, exist_ok=True)
    out = root / folder / REAL.name
    out.write_text(json.dumps(data), encoding="utf-8")  # json.dumps writes NaN for float("nan"), as Python would
    return out


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (lambda d: d.update(test_accuracy=1.7), "test_accuracy: 1.7 is not a fraction in [0, 1]"),
        (lambda d: d.update(test_accuracy=-0.5), "test_accuracy: -0.5 is not a fraction in [0, 1]"),
        (lambda d: d.update(test_accuracy=61.7), "test_accuracy: 61.7 is not a fraction in [0, 1]"),
        (lambda d: d.update(test_accuracy=True), "test_accuracy: True: input should be a valid number"),
        (lambda d: d["history"][2].update(valid_accuracy=1.3), "history[2].valid_accuracy: 1.3 is not a fraction"),
        (lambda d: d["history"][1].update(valid_loss=float("nan")), "not a results file: NaN is not a JSON number"),
        (lambda d: d.update(test_loss=float("inf")), "not a results file: Infinity is not a JSON number"),
        (lambda d: d.update(test_loss=1e400), "not a results file: Infinity is not a JSON number"),
        (lambda d: d.update(test_loss=-0.1), "test_loss: -0.1 is negative; a loss or a duration is >= 0"),
        (lambda d: d.update(parameters=10**30), "parameters: 1000000000000000000000000000000 is not a positive count"),
        (lambda d: d.update(parameters=0), "parameters: 0 is not a positive count"),
        (lambda d: d.update(seed="1"), "seed: '1': input should be a valid integer"),
        (lambda d: d.update(epochs="5"), "epochs: '5': input should be a valid integer"),
        (lambda d: d.update(provenance=None), "provenance: None: input should be a valid dictionary"),
        (lambda d: d["provenance"].pop("commit"), "provenance.commit: missing"),
        (lambda d: d["provenance"].update(commit="x"), "provenance.commit: 'x': string should match pattern"),
        (lambda d: d["provenance"].update(commit="g" * 40), "provenance.commit: 'gggg"),
        (lambda d: d["provenance"].update(started="yesterday"), "provenance.started: 'yesterday' is not an ISO 8601"),
        (
            lambda d: d["provenance"].update(started="2026-12-01T00:00:00"),
            "provenance.started: '2026-12-01T00:00:00' has",
        ),
        (lambda d: d["provenance"].update(data_checksum="md5:00"), "provenance.data_checksum: 'md5:00': string should"),
        (lambda d: d.update(task="yelp"), "model: 'bilstm': input should be 'bow', 'avg'"),
        (lambda d: d.update(task="mnist"), "task: 'mnist' is not one of captions, imdb, yelp, transfer, style"),
        (lambda d: d.update(test_loss="0.3"), "test_loss: '0.3': input should be a valid number"),
        (lambda d: d["history"][0].update(train_seconds=[1]), "history[0].train_seconds: [1]: input should be a valid"),
        (lambda d: d.update(best_epoch="4 (best)"), "best_epoch: '4 (best)': input should be a valid integer"),
        (lambda d: d.update(best_epoch=9), "best_epoch: 9 is past the run's 5 epochs"),
        (lambda d: d.update(verified=True), "verified: not a field of this task's results files"),
        (lambda d: d["history"][0].update(note="ok"), "history[0].note: not a field of this task's results files"),
        (lambda d: d["provenance"].update(signed_by="x"), "provenance.signed_by: not a field of this task's results"),
        (lambda d: d["hyperparameters"].update(seed=7), "hyperparameters.seed is 7 but the run's seed is 0"),
        (lambda d: d["history"].pop(), "history: epochs [1, 2, 3, 4] are not 1 to 5, one entry each"),
        (lambda d: d.update(fingerprint={"batches": 4, "losses": [0.7]}), "fingerprint: 1 losses for 4 batches"),
        (lambda d: d.update(fingerprint={"batches": 1, "losses": ["0.7"]}), "fingerprint.losses[0]: '0.7': input"),
        (
            lambda d: d.update(model="lstm") or d["hyperparameters"].update(model="lstm"),
            "model: the file says 'lstm', its name says 'bilstm'",
        ),
        (lambda d: d.update(seed=1) or d["hyperparameters"].update(seed=1), "seed: the file says 1, its name says 0"),
    ],
)
def test_a_corrupted_results_file_is_refused_naming_the_file_and_field(tmp_path: Path, change, says: str) -> None:
    bad = _corrupt(tmp_path, change)
    model = json.loads(REAL.read_text(encoding="utf-8"))["model"]
    with pytest.raises(ResultsError) as err:
        mean_test_accuracy("imdb", model, 5, root=tmp_path)
    assert str(err.value).startswith(f"{bad}: ") and says in str(err.value)


def test_every_recorded_results_file_passes_the_schema() -> None:
    from solutions.common.runs import load_run

    files = sorted((ROOT / "results").glob("*/*.json"))
    assert len(files) >= 10
    for path in files:
        load_run(path)


def test_the_recorder_refuses_to_write_a_bad_record(tmp_path: Path) -> None:
    from solutions.common.runs import Recorder

    record = Recorder("imdb", "rnn", 0, tmp_path)
    fields = {k: v for k, v in run_like(test_accuracy=61.7).items() if k not in ("task", "model", "seed", "epochs")}
    del fields["provenance"], fields["dry_run"]
    with pytest.raises(ResultsError, match=r"\(not written\): test_accuracy: 61\.7 is not a fraction in \[0, 1\]"):
        record.write(
            "x.json",
            fields,
            epochs=5,
            dry_run=False,
            device="cpu",
            packages=("torch",),
            data_source=None,
            data_checksum=None,
        )
    assert not (tmp_path / "imdb" / "x.json").exists()


def test_a_results_file_nested_too_deeply_is_named(tmp_path: Path) -> None:
    from solutions.common.runs import load_run

    (tmp_path / "imdb").mkdir()
    deep = tmp_path / "imdb" / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(ResultsError, match=rf"{deep}: nested too deeply"):
        load_run(deep)


def test_a_fraction_inside_a_nested_record_is_checked_too(tmp_path: Path) -> None:
    from solutions.common.runs import load_run

    real = min((ROOT / "results" / "captions").glob("*.json"))
    data = json.loads(real.read_text(encoding="utf-8"))
    data["exact_match"]["val"] = 28.0  # a percentage where a fraction belongs: the page would show 2,800 %
    (tmp_path / "captions").mkdir()
    bad = tmp_path / "captions" / real.name
    bad.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ResultsError, match=rf"{bad}: exact_match\.val: 28\.0 is not a fraction in \[0, 1\]"):
        load_run(bad)


def test_verify_names_a_bad_results_file_and_its_field(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The site's check reads runs through the same schema: a forged figure fails the claims that read it."""
    from solutions.__main__ import main
    from solutions.common import runs
    from solutions.engine import checks

    bad = _corrupt(tmp_path, lambda d: d.update(test_accuracy=0.99, verified=True))
    monkeypatch.setattr(runs, "RESULTS_DIR", tmp_path)
    monkeypatch.setattr(checks, "_truths", None)  # the suite reuses truths (conftest); these runs are new
    model = json.loads(REAL.read_text(encoding="utf-8"))["model"]
    assert main(["verify", f"a2.p1.acc.{model}"]) == 1
    assert f"{bad}: verified: not a field of this task's results files" in capsys.readouterr().err
