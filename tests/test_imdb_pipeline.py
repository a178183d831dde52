"""The IMDB pipeline of Part I on small data: loading, splitting, batching, the models, a dry run."""

from __future__ import annotations

import json
import random
import re
import tarfile
from pathlib import Path

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from solutions.a2.part1 import data
from solutions.a2.part1 import model as imdb_model
from solutions.a2.part1 import train as imdb_train
from solutions.a2.part1.params import ARCHITECTURES, recurrent_params
from solutions.common.files import file_digest
from solutions.common.runs import runs


def test_tarball_and_folder_read_the_same(tmp_path: Path) -> None:
    folder = data.write_tiny_corpus(tmp_path / "d", per_class=3)
    tarball = tmp_path / "a.tar.gz"
    with tarfile.open(tarball, "w:gz") as tar:
        tar.add(folder, arcname="aclImdb")
    a, b = data.read_reviews(folder), data.read_reviews(tarball)
    assert [(r.split, r.label, r.name, r.text) for r in a] == [(r.split, r.label, r.name, r.text) for r in b]
    assert len(a) == 12 and {r.split for r in a} == {"train", "test"} and {r.label for r in a} == {0, 1}


def _tarball(tmp_path: Path, members: dict[str, bytes]) -> Path:
    """A gzipped tar archive holding ``members`` (name -> bytes), in that order."""
    import io

    out = tmp_path / "a.tar.gz"
    with tarfile.open(out, "w:gz") as tar:
        for name, payload in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    return out


def test_a_truncated_archive_is_a_data_error(tmp_path: Path) -> None:
    good = _tarball(tmp_path, {f"aclImdb/train/pos/{i}_7.txt": b"great film " * 200 for i in range(40)})
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(data.DataError, match=rf"{cut}: not a readable tar archive, or a truncated one"):
        data.read_reviews(cut)


@pytest.mark.parametrize(
    ("members", "says"),
    [
        ({"aclImdb/train/pos/0_9.txt": b"caf\xe9"}, r"aclImdb/train/pos/0_9\.txt: not UTF-8 text"),
        ({"aclImdb/test/neg/0_1.txt": b" " * (data.MAX_REVIEW_BYTES + 1)}, r"0_1\.txt: 1,048,577 bytes; a review"),
        ({"aclImdb/train/pos/0_9.txt": b"a", "x/aclImdb/train/pos/0_9.txt": b"b"}, r"appears twice"),
    ],
)
def test_a_bad_member_is_named(tmp_path: Path, members: dict[str, bytes], says: str) -> None:
    archive = _tarball(tmp_path, members)
    with pytest.raises(data.DataError, match=says) as err:
        data.read_reviews(archive)
    assert str(err.value).startswith(f"{archive}: ")


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
    for tokens, lengths, _labels in data.bucketed_batches(items, 16, shuffle=True, seed=3, pool=4):
        assert tokens.shape == (int(lengths.max()), len(lengths))
        for col, n in enumerate(lengths.tolist()):
            assert (tokens[n:, col] == 1).all()  # padded with <pad>
            seen.append(tuple(tokens[:n, col].tolist()))
    assert sorted(seen) == sorted(tuple(t.tolist()) for _, t in items)


@pytest.mark.parametrize("name", imdb_model.MODELS)
def test_packing_makes_padding_irrelevant(name: str) -> None:
    torch.manual_seed(0)
    model = imdb_model.SentimentRNN(ARCHITECTURES[name], vocab_size=30).eval()
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
    model = imdb_model.SentimentRNN(ARCHITECTURES[name], vocab_size=30)
    items = [(i % 2, torch.randint(2, 30, (12 + i,))) for i in range(6)]
    reach = imdb_train.gradient_reach(model, items, torch.device("cpu"), length=12, window=3)
    assert reach["reviews"] == 6 and len(reach["norm_by_position"]) == 12
    assert all(v > 0 for v in reach["norm_by_position"]) and reach["first_to_last_ratio"] > 0
    assert model.training is False and isinstance(model.embedding, torch.nn.Embedding)


def test_bench_times_both_sides_on_the_same_model(tmp_path: Path) -> None:
    from solutions.a2.part1 import bench as imdb_bench

    source = data.write_tiny_corpus(tmp_path / "d", per_class=40)
    out = imdb_bench.bench("rnn", limit=2, source=str(source), device="cpu")
    assert out["baseline_reviews_per_second"] > 0 and out["ours_reviews_per_second"] > 0
    assert out["ratio"] == pytest.approx(out["ours_reviews_per_second"] / out["baseline_reviews_per_second"])
    # Bucketing must cut the padded time steps the recurrent layers see per review.
    assert out["ours_time_steps_per_review"] < out["baseline_time_steps_per_review"]


@pytest.mark.parametrize("name", [n for n in imdb_model.MODELS if not ARCHITECTURES[n].bidirectional])
def test_one_directional_shortcut_equals_the_packed_result(name: str) -> None:
    torch.manual_seed(1)
    model = imdb_model.SentimentRNN(ARCHITECTURES[name], vocab_size=30).eval()
    lengths = torch.tensor([7, 2, 5])
    tokens = torch.nn.utils.rnn.pad_sequence([torch.randint(2, 30, (int(n),)) for n in lengths], padding_value=1)
    packed = torch.nn.utils.rnn.pack_padded_sequence(model.embedding(tokens), lengths, enforce_sorted=False)
    hidden = model.rnn(packed)[1]
    hidden = hidden[0] if isinstance(hidden, tuple) else hidden
    assert torch.allclose(model(tokens, lengths), model.fc(hidden[-1]).squeeze(1), atol=1e-6)


def test_gradient_reach_keeps_tiny_norms_to_four_significant_figures() -> None:
    """Norms far below 1e-9 must not be rounded to zero: the chart is on a log scale."""
    torch.manual_seed(0)
    model = imdb_model.SentimentRNN(ARCHITECTURES["rnn"], vocab_size=20)
    with torch.no_grad():
        model.rnn.weight_hh_l0.mul_(0.05)  # a contracting recurrence: the signal shrinks ~20x per step
    items = [(i % 2, torch.randint(2, 20, (12,))) for i in range(4)]
    reach = imdb_train.gradient_reach(model, items, torch.device("cpu"), length=12, window=3)
    first = reach["norm_by_position"][0]
    assert 0 < first < 1e-9
    assert float(f"{first:.4g}") == first


@pytest.mark.parametrize("train_mode", [False, True], ids=["eval", "train"])
@pytest.mark.parametrize("name", list(ARCHITECTURES))
def test_padded_passes_equal_the_packed_module_values_and_gradients(name: str, train_mode: bool) -> None:
    """Ours and the notebook's packed nn module, on the same weights: same logits, same gradients
    (in training mode too, with dropout 0 so that there is nothing random to compare)."""
    assert imdb_model.packed_difference(ARCHITECTURES[name], train_mode) < 1e-6


def test_the_packed_comparison_sees_a_direction_read_wrongly(monkeypatch: pytest.MonkeyPatch) -> None:
    """The comparison can fail: a backward direction that reads the padding too (no reversal within each
    review's length) is far from the packed module."""
    monkeypatch.setattr(imdb_model, "reverse_within_length", lambda x, lengths: x.flip(0))
    assert imdb_model.packed_difference(ARCHITECTURES["bilstm"], train_mode=False) > 1e-3


@given(st.lists(st.integers(1, 7), min_size=1, max_size=5))
def test_reversing_within_length_flips_real_steps_and_keeps_padding(lengths: list[int]) -> None:
    n = torch.tensor(lengths)
    x = torch.arange(max(lengths) * len(lengths) * 2, dtype=torch.float32).view(max(lengths), len(lengths), 2)
    r = imdb_model.reverse_within_length(x, n)
    for b, length in enumerate(lengths):
        assert torch.equal(r[:length, b], x[:length, b].flip(0))
        assert torch.equal(r[length:, b], x[length:, b])
    assert torch.equal(imdb_model.reverse_within_length(r, n), x)


def _figures(run: dict) -> dict:
    """Everything a results file computes, without the clock (times differ between any two runs)."""
    timing = {"train_seconds", "reviews_per_second", "valid_seconds"}
    kept = {k: v for k, v in run.items() if k not in ("provenance", "test_seconds")}
    kept["history"] = [{k: v for k, v in e.items() if k not in timing} for e in run["history"]]
    return kept


@pytest.mark.parametrize("name", ["bilstm2", "rnn"])
def test_an_interrupted_run_resumes_to_identical_figures(tmp_path: Path, name: str) -> None:
    source = data.write_tiny_corpus(tmp_path / "d")
    cfg = imdb_train.Config(name, seed=4, epochs=3, batch_size=8, max_vocab=50)
    whole = imdb_train.train(cfg, source, tmp_path / "a", "cpu", dry_run=True, checkpoints=tmp_path / "ca")
    assert not list((tmp_path / "ca").glob("*.pt"))  # a finished run leaves no checkpoint to resume
    assert (
        imdb_train.train(cfg, source, tmp_path / "b", "cpu", dry_run=True, checkpoints=tmp_path / "cb", stop_after=1)
        is None
    )
    assert not (tmp_path / "b").exists() and len(list((tmp_path / "cb").glob("*.pt"))) == 1
    resumed = imdb_train.train(
        cfg, source, tmp_path / "b", "cpu", dry_run=True, checkpoints=tmp_path / "cb", resume=True
    )
    a, b = json.loads(whole.read_text()), json.loads(resumed.read_text())
    assert _figures(a) == _figures(b)
    assert [s["first_epoch"] for s in b["provenance"]["segments"]] == [1, 2]
    assert [s["last_epoch"] for s in b["provenance"]["segments"]] == [1, 3]
    assert len(a["provenance"]["segments"]) == 1


def test_resume_refuses_a_checkpoint_of_other_settings(tmp_path: Path) -> None:
    source = data.write_tiny_corpus(tmp_path / "d")
    cfg = imdb_train.Config("rnn", seed=0, epochs=3, batch_size=8, max_vocab=50)
    imdb_train.train(cfg, source, tmp_path / "r", "cpu", dry_run=True, checkpoints=tmp_path / "c", stop_after=1)
    ckpt = next((tmp_path / "c").glob("*.pt"))
    state = torch.load(ckpt, weights_only=False)
    state["identity"]["config"]["lr"] = 0.5
    torch.save(state, ckpt)
    with pytest.raises(
        imdb_train.CheckpointError, match=r"rnn-seed0-e3-random\.pt: made with config = .*delete the checkpoint"
    ):
        imdb_train.train(cfg, source, tmp_path / "r", "cpu", dry_run=True, checkpoints=tmp_path / "c", resume=True)
    del state["optimizer"]
    state["identity"]["config"]["lr"] = cfg.lr
    torch.save(state, ckpt)
    with pytest.raises(imdb_train.CheckpointError, match=r"incomplete checkpoint \(no optimizer\)"):
        imdb_train.train(cfg, source, tmp_path / "r", "cpu", dry_run=True, checkpoints=tmp_path / "c", resume=True)
    ckpt.write_bytes(b"not a checkpoint")
    with pytest.raises(imdb_train.CheckpointError, match="not a readable checkpoint"):
        imdb_train.train(cfg, source, tmp_path / "r", "cpu", dry_run=True, checkpoints=tmp_path / "c", resume=True)
    # without --resume a saved run is never overwritten
    with pytest.raises(imdb_train.CheckpointError, match="continue it with --resume, or delete the file"):
        imdb_train.train(cfg, source, tmp_path / "r", "cpu", dry_run=True, checkpoints=tmp_path / "c")
    assert ckpt.read_bytes() == b"not a checkpoint"


def test_dropout_acts_between_layers_only() -> None:
    """Two layers: the embeddings, the first layer's outputs and the head's input are dropped, nothing else."""
    calls: list[tuple[int, ...]] = []
    model = imdb_model.SentimentRNN(ARCHITECTURES["bilstm2"], vocab_size=30).train()
    original = torch.nn.functional.dropout

    def spy(x: torch.Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> torch.Tensor:
        calls.append(tuple(x.shape))
        return original(x, p, training, inplace)

    tokens = torch.randint(2, 30, (6, 3))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(torch.nn.functional, "dropout", spy)
        model(tokens, torch.tensor([6, 4, 2]))
    assert calls == [(6, 3, 100), (6, 3, 400), (3, 400)]


def _tiny_glove(path: Path, words: dict[str, float], dim: int = 100) -> Path:
    path.write_text("".join(f"{w} " + " ".join([f"{v:g}"] * dim) + "\n" for w, v in words.items()), encoding="utf-8")
    return path


def test_glove_embeddings_start_the_table_as_the_notebook_did(tmp_path: Path) -> None:
    vocab = {"<unk>": 0, "<pad>": 1, "great": 2, "zzz": 3}
    glove_file = _tiny_glove(tmp_path / "g.txt", {"great": 0.5, "<unk>": 9.0, "<pad>": 9.0, "other": 1.0})
    record, rows = imdb_train.embedding_record(glove_file, vocab, 100)
    assert record["init"] == "glove" and record["file"] == "g.txt" and record["words_found"] == 1
    assert record["sha256"] == file_digest(glove_file)
    torch.manual_seed(0)
    model = imdb_model.SentimentRNN(ARCHITECTURES["rnn"], vocab_size=4)
    before = model.embedding.weight.detach().clone()
    imdb_train.initialise_embeddings(model.embedding.weight, rows)
    w = model.embedding.weight.detach()
    assert torch.equal(w[2], torch.full((100,), 0.5))  # a GloVe word: its vector
    assert torch.equal(w[3], before[3])  # a word GloVe lacks keeps its N(0, 1) start
    assert not w[0].any() and not w[1].any()  # <unk> and <pad> zeroed, whatever the file says


def test_glove_file_errors_name_the_file(tmp_path: Path) -> None:
    from solutions.common.glove import GloveError

    vocab = {"<unk>": 0, "<pad>": 1, "a": 2}
    with pytest.raises(GloveError, match=r"g50\.txt: vectors of dimension 50; the model's embeddings have 100"):
        imdb_train.embedding_record(_tiny_glove(tmp_path / "g50.txt", {"a": 1.0}, dim=50), vocab, 100)
    with pytest.raises(GloveError, match=r"missing\.txt: cannot read"):
        imdb_train.embedding_record(tmp_path / "missing.txt", vocab, 100)
    (tmp_path / "latin1.txt").write_bytes(b"caf\xe9 " + b"1 " * 100 + b"\n")
    with pytest.raises(GloveError, match=r"latin1\.txt: not UTF-8"):
        imdb_train.embedding_record(tmp_path / "latin1.txt", vocab, 100)


def test_a_glove_run_records_its_start_and_is_kept_apart(tmp_path: Path) -> None:
    source = data.write_tiny_corpus(tmp_path / "d")
    glove_file = _tiny_glove(tmp_path / "glove.6B.100d.txt", {"great": 0.3, "awful": -0.3, "the": 0.1})
    cfg = imdb_train.Config("rnn", seed=0, epochs=1, batch_size=8, max_vocab=50)
    out = imdb_train.train(cfg, source, tmp_path / "r", "cpu", embeddings=glove_file, checkpoints=tmp_path / "c")
    plain = imdb_train.train(cfg, source, tmp_path / "r", "cpu", checkpoints=tmp_path / "c")
    run = json.loads(out.read_text())
    assert run["embeddings"]["init"] == "glove" and run["embeddings"]["words_found"] == 3 and "-glove-" in out.name
    assert json.loads(plain.read_text())["embeddings"]["init"] == "random"
    # the same seed with two starts is two experiments, not one seed recorded twice
    assert [r["embeddings"]["init"] for r in runs("imdb", "rnn", root=tmp_path / "r", init="glove")] == ["glove"]
    assert [r["embeddings"]["init"] for r in runs("imdb", "rnn", root=tmp_path / "r", init="random")] == ["random"]


def test_bench_prints_every_architecture_with_all_three_sides(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from solutions.a2.part1 import bench as imdb_bench

    source = data.write_tiny_corpus(tmp_path / "d", per_class=40)
    figures = imdb_bench.bench_all(["birnn", "lstm"], limit=1, source=str(source), device="cpu", packed=True)
    assert set(figures) == {"birnn", "lstm"}
    for f in figures.values():
        assert all(f[f"{side}_reviews_per_second"] > 0 for side in ("baseline", "packed", "ours"))
    table = capsys.readouterr().out.split("| model |")[1]
    assert "| birnn |" in table and "| lstm |" in table and "packed reviews/s" in table


def test_cli_dry_run_stops_and_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from solutions.__main__ import main

    monkeypatch.setattr(imdb_train, "CHECKPOINT_DIR", tmp_path / "ckpt")
    assert main(["train", "imdb", "--model", "birnn", "--dry-run", "--stop-after", "1", "--seed", "5"]) == 0
    assert "stopped after epoch 1; continue with --resume" in capsys.readouterr().out
    assert main(["train", "imdb", "--model", "birnn", "--dry-run", "--resume", "--seed", "5"]) == 0
    out = capsys.readouterr().out
    assert "resuming from" in out and "after epoch 1" in out and "birnn: test accuracy" in out
    assert not list((tmp_path / "ckpt").rglob("*.pt"))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["train", "imdb", "--model", "rnn", "--dry-run", "--embeddings", "nowhere/glove.txt"],
            r"nowhere/glove\.txt: cannot read",
        ),
        (["train", "imdb", "--model", "rnn", "--dry-run", "--threads", "0"], "--threads must be at least 1"),
        (["train", "imdb", "--model", "rnn", "--dry-run", "--epochs", "0"], "--epochs must be at least 1"),
        (["train", "imdb", "--model", "rnn", "--dry-run", "--stop-after", "-1"], "--stop-after must be at least 1"),
        (["bench", "imdb", "--batches", "0"], "--batches must be at least 1"),
        (["bench", "imdb", "--model", "rnn", "--data", "nowhere.tar.gz"], r"nowhere\.tar\.gz: no such file"),
    ],
)
def test_cli_bad_input_is_named_without_a_traceback(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from solutions.__main__ import main

    assert main(args) == 2
    assert re.search(message, capsys.readouterr().err)


def test_a_review_that_is_not_a_regular_file_is_named_and_never_opened(tmp_path: Path) -> None:
    import os

    folder = data.write_tiny_corpus(tmp_path / "d", per_class=2)
    pipe = folder / "train" / "pos" / "99_9.txt"
    os.mkfifo(pipe)  # reading it would wait for ever
    with pytest.raises(data.DataError, match=rf"{pipe}: not a regular file"):
        data.read_reviews(folder)


def test_an_archive_damaged_half_way_is_refused_not_read_short(tmp_path: Path) -> None:
    good = _tarball(tmp_path, {f"aclImdb/train/pos/{i}_7.txt": bytes(range(32, 127)) * 40 for i in range(60)})
    raw = bytearray(good.read_bytes())
    middle = len(raw) // 2
    raw[middle : middle + 16] = bytes(16)  # sixteen zero bytes in the middle of the compressed stream
    damaged = tmp_path / "damaged.tar.gz"
    damaged.write_bytes(bytes(raw))
    with pytest.raises(data.DataError, match=rf"{damaged}: not a readable tar archive, or a truncated one"):
        data.read_reviews(damaged)


def test_glove_50d_fills_the_first_half_of_each_row_and_leaves_the_rest_random() -> None:
    """GloVe 6B 50d (the installed package) as the first 50 of 100 coordinates; the rest keep N(0, 1)."""
    from solutions.a2.part1 import embeddings
    from solutions.common import glove

    vectors = glove.from_package()
    the = vectors.vectors[vectors.words.index("the")]
    vocab = {"<unk>": 0, "<pad>": 1, "the": 2, "zzzqqq-not-a-word": 3}
    record, rows = embeddings.embedding_record(embeddings.GLOVE_50D, vocab, 100)
    assert record["init"] == "glove50" and record["dim"] == 50 and record["words_found"] == 1
    torch.manual_seed(0)
    model = imdb_model.SentimentRNN(ARCHITECTURES["rnn"], vocab_size=4)
    before = model.embedding.weight.detach().clone()
    imdb_train.initialise_embeddings(model.embedding.weight, rows)
    w = model.embedding.weight.detach()
    assert torch.equal(w[2, :50], torch.from_numpy(the))  # GloVe's 50 numbers, exactly
    assert torch.equal(w[2, 50:], before[2, 50:])  # the other 50 keep the table's own start
    assert torch.equal(w[3], before[3])  # a word GloVe lacks keeps its start whole
    assert not w[0].any() and not w[1].any()


def test_word2vec_start_learns_from_the_training_text_only_and_the_same_everywhere(tmp_path: Path) -> None:
    """The project's own vectors: learnt from the training examples given (nothing else), deterministic."""
    from solutions.a2.part1 import embeddings

    random_ = random.Random(0)
    words = [f"w{i}" for i in range(30)]
    train = [(i % 2, [random_.choice(words) for _ in range(40)]) for i in range(200)]
    vocab = {"<unk>": 0, "<pad>": 1, **{w: i + 2 for i, w in enumerate(words)}, "unseen": 32}
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(data, "CACHE_DIR", tmp_path / "a")
        first, rows = embeddings.embedding_record(embeddings.WORD2VEC, vocab, 100, train)
        mp.setattr(data, "CACHE_DIR", tmp_path / "b")  # learnt again from nothing cached
        second, rows2 = embeddings.embedding_record(embeddings.WORD2VEC, vocab, 100, train)
    assert first["init"] == "word2vec" and first["words_found"] == 30
    assert first["sha256"] == second["sha256"]
    torch.testing.assert_close(rows, rows2, rtol=0, atol=0, equal_nan=True)
    assert rows[32].isnan().all()  # a word the training text never had keeps the random start
    with pytest.raises(ValueError, match="learnt from the training reviews"):
        embeddings.embedding_record(embeddings.WORD2VEC, vocab, 100)
