"""Part I's two embedding starts: kept apart in every figure, and the start's description checked against its runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from solutions.a2.part1 import part1_claims as p1
from solutions.common import plots, runs
from solutions.engine import Pending
from tests.conftest import ROOT
from tests.test_results import write

GLOVE_RUN = min((ROOT / "results" / "imdb").glob("*-glove50-*.json"))
GLOVE_RECORD = json.loads(GLOVE_RUN.read_text(encoding="utf-8"))["embeddings"]


@pytest.fixture
def results(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(runs, "RESULTS_DIR", tmp_path)
    return tmp_path


def _glove(root: Path, stamp: str, model: str, seed: int, accuracy: float, **record: object) -> Path:
    return write(root, stamp, model, seed, test_accuracy=accuracy, embeddings={**GLOVE_RECORD, **record})


def test_each_start_averages_only_its_own_runs(results: Path) -> None:
    write(results, "000001", "lstm", 0, test_accuracy=0.70)
    write(results, "000002", "lstm", 1, test_accuracy=0.74)
    _glove(results, "000003", "lstm", 0, 0.86)
    _glove(results, "000004", "lstm", 1, 0.88)
    assert runs.mean_test_accuracy("imdb", "lstm", 5, init=p1.INIT) == pytest.approx(72.0)
    assert runs.mean_test_accuracy("imdb", "lstm", 5, init=p1.PRETRAINED) == pytest.approx(87.0)
    assert p1.glove50_lstm_gain() == pytest.approx(15.0)


def test_a_model_without_a_glove_run_is_pending_not_zero(results: Path) -> None:
    write(results, "000001", "bilstm2", 0, test_accuracy=0.77)
    with pytest.raises(Pending, match="no 5-epoch training run of 'bilstm2'"):
        runs.mean_test_accuracy("imdb", "bilstm2", 5, init=p1.PRETRAINED)


def test_the_start_description_is_what_every_run_records(results: Path) -> None:
    _glove(results, "000001", "lstm", 0, 0.86)
    _glove(results, "000002", "rnn", 0, 0.64)
    assert p1.glove50_words_found() == GLOVE_RECORD["words_found"]
    assert p1.glove50_dim() == GLOVE_RECORD["dim"]
    assert GLOVE_RECORD["file"] in p1.glove50_file().html


def test_runs_that_disagree_on_the_start_fail_its_description(results: Path) -> None:
    _glove(results, "000001", "lstm", 0, 0.86)
    _glove(results, "000002", "rnn", 0, 0.64, words_found=GLOVE_RECORD["words_found"] - 1)
    with pytest.raises(AssertionError, match="record different starts"):
        p1.glove50_words_found()


def test_vectors_other_than_the_pinned_file_fail_the_file_claim(results: Path) -> None:
    _glove(results, "000001", "lstm", 0, 0.86, sha256="0" * 64)
    with pytest.raises(AssertionError, match="not the pinned file"):
        p1.glove50_file()


def test_a_dimension_that_does_not_match_the_filled_coordinates_fails(results: Path) -> None:
    _glove(results, "000001", "lstm", 0, 0.86, coordinates="the first 40 of 100")
    with pytest.raises(AssertionError, match="filling 'the first 40 of 100'"):
        p1.glove50_dim()


def test_the_chosen_start_must_be_the_better_on_validation(results: Path) -> None:
    word2vec = json.loads(min((ROOT / "results" / "imdb").glob("*-word2vec-*.json")).read_text())["embeddings"]
    glove = _glove(results, "000001", "lstm", 0, 0.86)
    other = write(results, "000002", "lstm", 0, embeddings=word2vec)
    for path, valid in ((glove, 0.70), (other, 0.80)):  # word2vec better on validation: the page's choice is wrong
        _validation(path, valid)
    with pytest.raises(AssertionError, match="favours the other"):
        p1.pretrained_valid_gap()


def _validation(path: Path, valid: float) -> None:
    run = json.loads(path.read_text())
    for e in run["history"]:
        e["valid_accuracy"] = valid
    path.write_text(json.dumps(run))


def test_the_starts_are_compared_on_the_seeds_both_have(results: Path) -> None:
    """A paired comparison: a seed only one start has (the GloVe start's later answer-table runs) changes nothing."""
    word2vec = json.loads(min((ROOT / "results" / "imdb").glob("*-word2vec-*.json")).read_text())["embeddings"]
    _validation(_glove(results, "000001", "lstm", 0, 0.86), 0.80)
    _validation(write(results, "000002", "lstm", 0, embeddings=word2vec), 0.70)
    assert p1.pretrained_valid_gap() == pytest.approx(10.0) and p1.pretrained_compared_seeds() == 1
    _validation(_glove(results, "000003", "lstm", 1, 0.86), 0.50)  # only GloVe has seed 1: not compared
    assert p1.pretrained_valid_gap() == pytest.approx(10.0) and p1.pretrained_compared_seeds() == 1
    _validation(write(results, "000004", "lstm", 1, embeddings=word2vec), 0.35)  # now both have it
    assert p1.pretrained_valid_gap() == pytest.approx(12.5) and p1.pretrained_compared_seeds() == 2


def test_no_seed_in_common_is_pending(results: Path) -> None:
    word2vec = json.loads(min((ROOT / "results" / "imdb").glob("*-word2vec-*.json")).read_text())["embeddings"]
    _glove(results, "000001", "lstm", 0, 0.86)
    write(results, "000002", "lstm", 1, embeddings=word2vec)
    with pytest.raises(Pending, match="no seed in common"):
        p1.pretrained_valid_gap()


def test_the_chart_tells_the_starts_apart_by_shape() -> None:
    svg = plots.interval_chart(
        {"LSTM, random": [70.0, 72.0], "LSTM, GloVe 6B 50d": [86.0]},
        "t",
        "x",
        filled={"LSTM, GloVe 6B 50d"},
        colour_of={"LSTM, random": 0, "LSTM, GloVe 6B 50d": 0},
    )
    circles = [line for line in svg.splitlines() if line.startswith("<circle")]
    assert [('fill="none"' in c) for c in circles] == [True, True, False]
    assert len({c.split('stroke="')[1].split('"')[0] for c in circles}) == 1  # one model, one colour


def test_the_learning_curves_are_one_chart_per_model_each_start_in_its_own_style(results: Path) -> None:
    """Every run in its model's chart only, a GloVe run drawn with squares and a random one with circles, and a
    model without runs has no chart."""
    write(results, "000001", "lstm", 0)
    write(results, "000002", "lstm", 1)
    _glove(results, "000003", "lstm", 0, 0.86)
    write(results, "000004", "rnn", 0)
    charts = p1.learning_curves().html.split("</svg>")[:-1]
    assert [c.count("<title>") for c in charts] == [1, 1]
    lstm, rnn = sorted(charts, key=len, reverse=True)
    assert ">LSTM</text>" in lstm and ">RNN</text>" in rnn
    assert "seed 0, GloVe 6B 50d start" in lstm and "seed 1, random start" in lstm and "GloVe" not in rnn
    assert lstm.count("<rect") == 5 + 1 and rnn.count("<rect") == 0  # 5 epochs and the legend's marker


def test_every_recorded_run_is_a_row_of_an_html_table(results: Path) -> None:
    """A real table (a phone reads it row by row, a screen reader as a table), one row per results file, each
    start in words."""
    write(results, "000001", "lstm", 0)
    _glove(results, "000002", "lstm", 0, 0.86)
    shown = p1.recorded_runs()
    assert not shown.latex and shown.html.startswith("<table><thead>")
    body = shown.html.split("<tbody>")[1]
    assert body.count("<tr>") == 2 and body.count("<td>LSTM</td>") == 2
    assert "<td>random</td>" in body and "<td>GloVe 6B 50d</td>" in body and "<td>86.00</td>" in body
