"""Reading recorded runs: pending without one, a clear error for a bad file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from solutions.common.runs import ResultsError, mean_test_accuracy, seed_count, std_test_accuracy
from solutions.engine import Pending
from tests.conftest import ROOT

PROVENANCE = {
    "commit": "x",
    "started": "2026-12-01T00:00:00+00:00",
    "duration_seconds": 1.0,
    "device": "cpu",
    "versions": {"torch": "2.13.0"},
}
REAL = min((ROOT / "results" / "imdb").glob("*.json"))  # a real results file, corrupted below


def write(root: Path, name: str, **fields: object) -> None:
    (root / "imdb").mkdir(parents=True, exist_ok=True)
    run = {"task": "imdb", "model": "rnn", "seed": 0, "epochs": 5, "test_accuracy": 0.5, "provenance": PROVENANCE}
    run.update(fields)
    (root / "imdb" / name).write_text(json.dumps(run))


def test_no_run_is_pending(tmp_path: Path) -> None:
    with pytest.raises(Pending, match="not measured yet: no 5-epoch training run of 'rnn' is recorded"):
        mean_test_accuracy("imdb", "rnn", 5, root=tmp_path)


def test_mean_over_seeds_of_matching_runs_only(tmp_path: Path) -> None:
    write(tmp_path, "a.json", seed=0, test_accuracy=0.80)
    write(tmp_path, "b.json", seed=1, test_accuracy=0.84)
    write(tmp_path, "c.json", seed=2, test_accuracy=0.10, epochs=1)  # another epoch count
    write(tmp_path, "d.json", seed=0, test_accuracy=0.10, model="lstm")
    assert mean_test_accuracy("imdb", "rnn", 5, root=tmp_path) == pytest.approx(82.0)


def test_malformed_file_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "imdb").mkdir()
    (tmp_path / "imdb" / "bad.json").write_text('{\n  "task": "imdb",\n  oops\n}')
    with pytest.raises(ResultsError, match=r"bad\.json:3: not valid JSON"):
        mean_test_accuracy("imdb", "rnn", 5, root=tmp_path)


def test_missing_fields_are_named(tmp_path: Path) -> None:
    (tmp_path / "imdb").mkdir()
    (tmp_path / "imdb" / "x.json").write_text(json.dumps({"task": "imdb", "model": "rnn"}))
    with pytest.raises(ResultsError, match=r"x\.json: seed: Field required"):
        mean_test_accuracy("imdb", "rnn", 5, root=tmp_path)


def test_spread_needs_two_seeds_and_uses_n_minus_1(tmp_path: Path) -> None:
    write(tmp_path, "a.json", seed=0, test_accuracy=0.80)
    with pytest.raises(Pending, match="a spread needs two seeds"):
        std_test_accuracy("imdb", "rnn", 5, root=tmp_path)
    assert seed_count("imdb", "rnn", 5, root=tmp_path) == 1
    write(tmp_path, "b.json", seed=1, test_accuracy=0.84)
    write(tmp_path, "c.json", seed=2, test_accuracy=0.86)
    # 80, 84, 86: mean 83.33, squared deviations 11.11 + 0.44 + 7.11 = 18.67, / 2 = 9.33
    assert std_test_accuracy("imdb", "rnn", 5, root=tmp_path) == pytest.approx(9.3333**0.5, rel=1e-4)
    assert seed_count("imdb", "rnn", 5, root=tmp_path) == 3


def test_the_same_seed_twice_is_refused_by_name(tmp_path: Path) -> None:
    write(tmp_path, "a.json", seed=0, test_accuracy=0.80)
    write(tmp_path, "b.json", seed=0, test_accuracy=0.82)
    with pytest.raises(ResultsError, match=r"b\.json: seed 0 of 'rnn' \(5 epochs\) is already recorded in a\.json"):
        mean_test_accuracy("imdb", "rnn", 5, root=tmp_path)


def test_a_run_without_an_accuracy_is_named(tmp_path: Path) -> None:
    write(tmp_path, "a.json", seed=3, test_accuracy=None)
    with pytest.raises(ResultsError, match="seed 3, has no test_accuracy"):
        mean_test_accuracy("imdb", "rnn", 5, root=tmp_path)


def test_runs_with_different_embedding_starts_are_kept_apart(tmp_path: Path) -> None:
    write(tmp_path, "a.json", seed=0, test_accuracy=0.80)  # before --embeddings existed: random
    glove = {"init": "glove", "file": "g.txt", "sha256": "ab" * 32}
    write(tmp_path, "b.json", seed=0, test_accuracy=0.90, embeddings=glove)
    write(tmp_path, "c.json", seed=1, test_accuracy=0.70, embeddings={"init": "random"})
    assert mean_test_accuracy("imdb", "rnn", 5, root=tmp_path, init="random") == pytest.approx(75.0)
    assert mean_test_accuracy("imdb", "rnn", 5, root=tmp_path, init="glove") == pytest.approx(90.0)
    assert seed_count("imdb", "rnn", 5, root=tmp_path, init="glove") == 1


def test_an_unknown_embedding_start_is_refused(tmp_path: Path) -> None:
    write(tmp_path, "a.json", seed=0, embeddings={"init": "word2vec"})
    with pytest.raises(ResultsError, match="seed 0: embeddings must be"):
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
        (lambda d: d.update(test_accuracy=1.7), "test_accuracy is 1.7: an accuracy is a fraction in [0, 1]"),
        (lambda d: d.update(test_accuracy=-0.5), "test_accuracy is -0.5: an accuracy is a fraction in [0, 1]"),
        (lambda d: d.update(test_accuracy=61.7), "test_accuracy is 61.7: an accuracy is a fraction in [0, 1]"),
        (lambda d: d.update(test_accuracy=True), "test_accuracy is True, not a finite number"),
        (lambda d: d["history"][1].update(valid_loss=float("nan")), "history[1].valid_loss is nan, not a finite"),
        (lambda d: d.update(seed="1"), "seed: Input should be a valid integer"),
        (lambda d: d.update(epochs="5"), "epochs: Input should be a valid integer"),
        (lambda d: d.update(provenance=None), "provenance: Input should be a valid dictionary"),
        (lambda d: d["provenance"].pop("commit"), "provenance.commit: Field required"),
        (lambda d: d.update(task="yelp"), "task: 'yelp' is not the folder it is in ('imdb')"),
        (lambda d: d.update(test_loss="0.3"), "test_loss is '0.3', not a finite number"),
        (lambda d: d["history"][0].update(train_seconds=[1]), "history[0].train_seconds is [1], not a finite number"),
        (lambda d: d.update(best_epoch="4 (best)"), "best_epoch is '4 (best)', not a finite number"),
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
    with pytest.raises(ResultsError, match=r"\(not written\): test_accuracy is 61\.7"):
        record.write(
            "x.json",
            {"test_accuracy": 61.7},
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
    with pytest.raises(ResultsError, match=r"exact_match\.val is 28\.0: an accuracy is a fraction in \[0, 1\]"):
        load_run(bad)
