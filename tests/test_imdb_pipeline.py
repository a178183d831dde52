"""The IMDB pipeline of Part I on small data: loading, splitting, batching, the models, a dry run."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

import pytest
import torch

from solutions.a2 import imdb_data as data
from solutions.a2 import imdb_train
from solutions.a2.rnn_params import ARCHITECTURES, recurrent_params
from solutions.results import runs


def test_tarball_and_folder_read_the_same(tmp_path: Path) -> None:
    folder = data.write_tiny_corpus(tmp_path / "d", per_class=3)
    tarball = tmp_path / "a.tar.gz"
    with tarfile.open(tarball, "w:gz") as tar:
        tar.add(folder, arcname="aclImdb")
    a, b = data.read_reviews(folder), data.read_reviews(tarball)
    assert [(r.split, r.label, r.name, r.text) for r in a] == [(r.split, r.label, r.name, r.text) for r in b]
    assert len(a) == 12 and {r.split for r in a} == {"train", "test"} and {r.label for r in a} == {0, 1}


def test_unusable_data_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "x.tar.gz"
    bad.write_text("not a tarball")
    with pytest.raises(data.DataError, match=r"x\.tar\.gz: not a readable tar archive"):
        data.read_reviews(bad)
    with pytest.raises(data.DataError, match="no such file"):
        data.find_source(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(data.DataError, match="no reviews found"):
        data.read_reviews(tmp_path / "empty")


def test_split_is_70_30_seeded_and_disjoint() -> None:
    examples = [(i % 2, [str(i)]) for i in range(25_000)]
    train, valid = data.split_train(examples)
    assert (len(train), len(valid)) == (17_500, 7_500)
    assert {t[1][0] for t in train}.isdisjoint({v[1][0] for v in valid})
    assert data.split_train(examples) == (train, valid)


def test_vocab_keeps_the_most_frequent_after_unk_and_pad() -> None:
    examples = [(1, ["b", "a", "a", "c", "c", "c", "d"])]
    vocab = data.build_vocab(examples, max_size=2)
    assert vocab == {"<unk>": 0, "<pad>": 1, "c": 2, "a": 3}
    assert data.numericalize([(1, ["c", "zzz"])], vocab)[0][1].tolist() == [2, 0]


def test_bucketed_batches_cover_everything_once() -> None:
    items = [(i % 2, torch.arange(1 + i % 17) + 2) for i in range(203)]
    seen = []
    for tokens, lengths, labels in data.bucketed_batches(items, 16, shuffle=True, seed=3, pool=4):
        assert tokens.shape == (int(lengths.max()), len(lengths))
        for col, n in enumerate(lengths.tolist()):
            assert (tokens[n:, col] == 1).all()  # padded with <pad>
            seen.append(tuple(tokens[:n, col].tolist()))
    assert sorted(seen) == sorted(tuple(t.tolist()) for _, t in items)


@pytest.mark.parametrize("name", imdb_train.MODELS)
def test_packing_makes_padding_irrelevant(name: str) -> None:
    torch.manual_seed(0)
    model = imdb_train.SentimentRNN(ARCHITECTURES[name], vocab_size=30).eval()
    short = torch.tensor([5, 6, 7])
    long = torch.tensor([8, 9, 10, 11, 12, 13])
    alone = model(short[:, None], torch.tensor([3]))
    padded = torch.nn.utils.rnn.pad_sequence([long, short], padding_value=1)
    batched = model(padded, torch.tensor([6, 3]))
    assert torch.allclose(alone, batched[1:], atol=1e-6)
    assert sum(p.numel() for p in model.rnn.parameters()) == recurrent_params(ARCHITECTURES[name])


def test_dry_run_trains_and_records_with_provenance() -> None:
    out = imdb_train.dry_run("rnn", seed=1)
    run = json.loads(out.read_text())
    assert run["dry_run"] is True and run["model"] == "rnn" and run["seed"] == 1
    assert len(run["history"]) == run["epochs"] == 2
    assert 0.0 <= run["test_accuracy"] <= 1.0 and run["best_epoch"] in (1, 2)
    assert set(run["provenance"]) >= {"commit", "versions", "device", "data_checksum", "duration_seconds", "started"}
    assert run["provenance"]["data_checksum"].startswith("sha256")
    assert runs("imdb", "rnn", root=out.parent.parent) == []  # a dry run never counts as a result


@pytest.mark.parametrize("name", ["rnn", "bilstm2"])
def test_gradient_reach_measures_every_position(name: str) -> None:
    torch.manual_seed(0)
    model = imdb_train.SentimentRNN(ARCHITECTURES[name], vocab_size=30)
    items = [(i % 2, torch.randint(2, 30, (12 + i,))) for i in range(6)]
    reach = imdb_train.gradient_reach(model, items, torch.device("cpu"), length=12, window=3)
    assert reach["reviews"] == 6 and len(reach["norm_by_position"]) == 12
    assert all(v > 0 for v in reach["norm_by_position"]) and reach["first_to_last_ratio"] > 0
    assert model.training is False and isinstance(model.embedding, torch.nn.Embedding)


def test_bench_times_both_sides_on_the_same_model(tmp_path: Path) -> None:
    from solutions.a2 import imdb_bench

    source = data.write_tiny_corpus(tmp_path / "d", per_class=40)
    out = imdb_bench.bench("rnn", limit=2, source=str(source), device="cpu")
    assert out["baseline_reviews_per_second"] > 0 and out["ours_reviews_per_second"] > 0
    assert out["ratio"] == pytest.approx(out["ours_reviews_per_second"] / out["baseline_reviews_per_second"])
    # Bucketing must cut the padded time steps the recurrent layers see per review.
    assert out["ours_time_steps_per_review"] < out["baseline_time_steps_per_review"]


@pytest.mark.parametrize("name", [n for n in imdb_train.MODELS if not ARCHITECTURES[n].bidirectional])
def test_one_directional_shortcut_equals_the_packed_result(name: str) -> None:
    torch.manual_seed(1)
    model = imdb_train.SentimentRNN(ARCHITECTURES[name], vocab_size=30).eval()
    lengths = torch.tensor([7, 2, 5])
    tokens = torch.nn.utils.rnn.pad_sequence([torch.randint(2, 30, (int(n),)) for n in lengths], padding_value=1)
    packed = torch.nn.utils.rnn.pack_padded_sequence(model.embedding(tokens), lengths, enforce_sorted=False)
    hidden = model.rnn(packed)[1]
    hidden = hidden[0] if isinstance(hidden, tuple) else hidden
    assert torch.allclose(model(tokens, lengths), model.fc(hidden[-1]).squeeze(1), atol=1e-6)


def test_gradient_reach_keeps_tiny_norms_to_four_significant_figures() -> None:
    """Norms far below 1e-9 must not be rounded to zero: the chart is on a log scale."""
    torch.manual_seed(0)
    model = imdb_train.SentimentRNN(ARCHITECTURES["rnn"], vocab_size=20)
    with torch.no_grad():
        model.rnn.weight_hh_l0.mul_(0.05)  # a contracting recurrence: the signal shrinks ~20x per step
    items = [(i % 2, torch.randint(2, 20, (12,))) for i in range(4)]
    reach = imdb_train.gradient_reach(model, items, torch.device("cpu"), length=12, window=3)
    first = reach["norm_by_position"][0]
    assert 0 < first < 1e-9
    assert float(f"{first:.4g}") == first
