"""Reading recorded runs: pending without one, a clear error for a bad file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from solutions.common.runs import ResultsError, mean_test_accuracy, seed_count, std_test_accuracy
from solutions.engine import Pending


def write(root: Path, name: str, **fields: object) -> None:
    (root / "imdb").mkdir(parents=True, exist_ok=True)
    run = {"task": "imdb", "model": "rnn", "seed": 0, "epochs": 5, "test_accuracy": 0.5, "provenance": {"commit": "x"}}
    run.update(fields)
    (root / "imdb" / name).write_text(json.dumps(run))


def test_no_run_is_pending(tmp_path: Path) -> None:
    with pytest.raises(Pending, match="no recorded 5-epoch run of 'rnn'"):
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
    with pytest.raises(ResultsError, match="missing seed, epochs, provenance"):
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
