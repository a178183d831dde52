"""HW2 Q5: the captioning model's gradients, decoding, overfitting 50 synthetic captions, the data, a dry run."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from solutions.hw2.common.gradcheck import numeric_gradient, rel_error
from solutions.hw2.q5 import data as shapes_captions
from solutions.hw2.q5 import train as caption_train
from solutions.hw2.q5.coco import CocoDataError, load_coco_data
from solutions.hw2.q5.data import decode_captions
from solutions.hw2.q5.model import Adam, CaptioningRNN, mean_loss, train
from tests import hw2_reference as ref
from tests.hw2_reference import report_largest_relative_error  # noqa: F401  (an autouse fixture)

TINY_VOCAB = {"<NULL>": 0, "<START>": 1, "<END>": 2, "<UNK>": 3, "a": 4, "red": 5, "circle": 6}


def tiny_batch(N: int, length: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Features (N, 4) and captions (N, length): <START>, words, <END>, then <NULL> padding;
    row 0 may be all padding."""
    rng = np.random.default_rng(seed)
    captions = np.zeros((N, length), dtype=np.int64)
    for n in range(N):
        words = rng.integers(2, 7, size=rng.integers(0, length - 1))  # may contain <END> and <UNK> too
        row = [1, *words, 2][:length]
        captions[n, : len(row)] = row
    if N > 1:
        captions[0, 1:] = 0  # <START> then nothing to predict: a fully masked row
    return rng.standard_normal((N, 4)), captions


@pytest.mark.parametrize("cell", ["rnn", "lstm"])
@pytest.mark.parametrize(("N", "length"), [(1, 2), (3, 5), (2, 2)])  # length 2: one time step
def test_loss_gradients_match_autograd_and_finite_differences(cell: str, N: int, length: int) -> None:
    model = CaptioningRNN(TINY_VOCAB, input_dim=4, wordvec_dim=3, hidden_dim=3, cell_type=cell, seed=N + length)
    for k in ("b_proj", "b", "b_vocab"):  # non-zero biases, so their gradients are checked on something
        model.params[k] += 0.1 * np.random.default_rng(1).standard_normal(model.params[k].shape)
    model.params["W_embed"] *= 100  # word vectors of size 1, not 0.01: else dWx is below the finite differences' noise
    features, captions = tiny_batch(N, length, seed=length)
    loss, grads = model.loss(features, captions)
    assert grads.keys() == model.params.keys()

    tensors = {k: torch.tensor(v, requires_grad=True) for k, v in model.params.items()}
    their_loss = ref.captioning_loss(
        tensors, torch.tensor(features), torch.tensor(captions), cell, TINY_VOCAB["<NULL>"]
    )
    their_loss.backward()
    np.testing.assert_allclose(loss, their_loss.item(), rtol=1e-12, atol=1e-14)
    ref.assert_matches_torch(grads, {k: t.grad.numpy() for k, t in tensors.items()}, f"captioning {cell} loss")

    for name, param in model.params.items():
        num = numeric_gradient(lambda _: model.loss(features, captions)[0], param)
        err = rel_error(grads[name], num, f"captioning {cell} loss vs finite differences")
        assert err < 1e-6, f"d{name}: {err:.2e}"


def test_float32_model_agrees_with_float64() -> None:
    features, captions = tiny_batch(3, 5, seed=0)
    m64 = CaptioningRNN(TINY_VOCAB, input_dim=4, wordvec_dim=3, hidden_dim=3, cell_type="lstm", seed=0)
    m32 = CaptioningRNN(
        TINY_VOCAB, input_dim=4, wordvec_dim=3, hidden_dim=3, cell_type="lstm", seed=0, dtype=np.float32
    )
    (l64, g64), (l32, g32) = m64.loss(features, captions), m32.loss(features, captions)
    assert all(g.dtype == np.float32 for g in g32.values())
    np.testing.assert_allclose(l32, l64, rtol=1e-5)
    for k in g64:
        np.testing.assert_allclose(g32[k], g64[k], rtol=1e-3, atol=1e-5)


def test_sample_is_greedy_and_pads_after_end() -> None:
    model = CaptioningRNN(TINY_VOCAB, input_dim=4, wordvec_dim=3, hidden_dim=3, cell_type="lstm", seed=0)
    features = np.random.default_rng(0).standard_normal((2, 4))
    model.params["b_vocab"][TINY_VOCAB["<END>"]] = 100.0  # every first word is <END>
    assert model.sample(features, max_length=4).tolist() == [[2, 0, 0, 0]] * 2
    model.params["b_vocab"][TINY_VOCAB["<END>"]] = 0.0
    model.params["b_vocab"][TINY_VOCAB["red"]] = 100.0  # never ends: max_length words
    out = model.sample(features, max_length=6)
    assert out.shape == (2, 6) and out.dtype.kind == "i" and (out == TINY_VOCAB["red"]).all()
    assert decode_captions(out, {str(i): w for w, i in TINY_VOCAB.items()}) == ["red red red red red red"] * 2


def test_adam_minimises_a_quadratic() -> None:
    params, opt = {"w": np.array([3.0, -2.0])}, Adam(lr=0.1)
    for _ in range(500):
        opt.step(params, {"w": 2 * params["w"]})
    assert np.abs(params["w"]).max() < 1e-2


def overfit_data() -> dict:
    data = shapes_captions.build(seed=0)
    data["train_captions"], data["train_image_idxs"] = data["train_captions"][:50], data["train_image_idxs"][:50]
    return data


# Measured with seed 0: rnn 0.145, lstm 0.026 (seeds 0-4: rnn 0.07-0.22, lstm 0.022-0.027); from about 28 at the start.
@pytest.mark.parametrize(("cell", "lr_decay", "threshold"), [("rnn", 0.95, 0.25), ("lstm", 0.995, 0.05)])
def test_overfits_50_synthetic_captions(cell: str, lr_decay: float, threshold: float) -> None:
    """The homework's schedule (Adam 5e-3, batch 25, 50 epochs), with a smaller model than its 256/512 to stay quick."""
    data = overfit_data()
    model = CaptioningRNN(data["word_to_idx"], input_dim=64, wordvec_dim=128, hidden_dim=256, cell_type=cell, seed=0)
    history = train(
        model,
        data | {"val_captions": data["val_captions"][:0]},
        epochs=50,
        batch_size=25,
        lr=5e-3,
        lr_decay=lr_decay,
        seed=0,
    )
    assert len(history) == 50 and history[0]["train_loss"] > 20
    assert history[-1]["train_loss"] < threshold
    assert history[-1]["lr"] == pytest.approx(5e-3 * lr_decay**49)
    sampled = model.sample(data["train_features"][:50], shapes_captions.MAX_LENGTH)
    generated = decode_captions(sampled, data["idx_to_word"])
    assert generated == decode_captions(data["train_captions"], data["idx_to_word"])  # every caption, word for word
    assert mean_loss(model, data, "train") < threshold


def test_synthetic_set_is_deterministic_and_grammatical() -> None:
    a, b, c = shapes_captions.build(seed=0), shapes_captions.build(seed=0), shapes_captions.build(seed=1)
    assert a["checksum"] == b["checksum"] != c["checksum"] and a["checksum"].startswith("sha256:")
    assert a["synthetic"] is True and a["idx_to_word"][:4] == ["<NULL>", "<START>", "<END>", "<UNK>"]
    assert a["train_features"].shape == (500, 64) and a["val_captions"].shape == (100, shapes_captions.MAX_LENGTH)
    assert (a["train_captions"][:, 0] == 1).all()
    for text in decode_captions(a["train_captions"], a["idx_to_word"]):
        words = text.split()
        assert words[0] == "a" and words[2] in shapes_captions.COLOURS and words[3] in shapes_captions.SHAPES
        assert len(words) == 4 or " ".join(words[4:-4]) in shapes_captions.RELATIONS


def write_tiny_coco(folder: Path, h5py) -> None:
    """A few captions in the CS231n layout: the file names, dataset names and dtypes of the real set."""
    rng = np.random.default_rng(0)
    folder.mkdir()
    with h5py.File(folder / "coco2014_captions.h5", "w") as f:
        f["train_captions"] = rng.integers(0, 7, size=(6, 5)).astype(np.int32)
        f["train_image_idxs"] = np.array([0, 0, 1, 2, 2, 2], dtype=np.int32)
        f["val_captions"] = rng.integers(0, 7, size=(2, 5)).astype(np.int32)
        f["val_image_idxs"] = np.array([1, 0], dtype=np.int32)
        f["train_urls"] = np.array([b"http://x/0.jpg", b"http://x/1.jpg", b"http://x/2.jpg"])
    for split, n in (("train", 3), ("val", 2)):
        with h5py.File(folder / f"{split}2014_vgg16_fc7_pca.h5", "w") as f:
            f["features"] = rng.standard_normal((n, 8)).astype(np.float32)
    words = sorted(TINY_VOCAB, key=TINY_VOCAB.get)
    (folder / "coco2014_vocab.json").write_text(json.dumps({"idx_to_word": words, "word_to_idx": TINY_VOCAB}))


def test_coco_loader_reads_the_cs231n_layout(tmp_path: Path) -> None:
    h5py = pytest.importorskip("h5py")
    write_tiny_coco(tmp_path / "coco", h5py)
    data = load_coco_data(tmp_path / "coco")
    assert data["train_captions"].shape == (6, 5) and data["train_features"].shape == (3, 8)
    assert data["val_features"].shape == (2, 8) and data["word_to_idx"] == TINY_VOCAB
    assert data["train_urls"].tolist() == ["http://x/0.jpg", "http://x/1.jpg", "http://x/2.jpg"]
    small = load_coco_data(tmp_path / "coco", max_train=4, seed=3)
    assert small["train_captions"].shape == (4, 5) and small["train_features"].shape == (3, 8)
    rows = {tuple(r) for r in data["train_captions"].tolist()}
    assert {tuple(r) for r in small["train_captions"].tolist()} <= rows
    with h5py.File(tmp_path / "coco" / "coco2014_captions.h5", "a") as f:
        del f["val_image_idxs"]
    with pytest.raises(CocoDataError, match=r"coco2014_captions\.h5: no dataset val_image_idxs"):
        load_coco_data(tmp_path / "coco")


def test_coco_loader_names_the_missing_file(tmp_path: Path) -> None:
    (tmp_path / "coco").mkdir()
    (tmp_path / "coco" / "coco2014_captions.h5").write_bytes(b"")
    with pytest.raises(CocoDataError, match=r"train2014_vgg16_fc7_pca\.h5: no such file"):
        load_coco_data(tmp_path / "coco")
    with pytest.raises(CocoDataError, match="no such folder"):
        load_coco_data(tmp_path / "nowhere")


def test_dry_run_writes_a_results_file(tmp_path: Path) -> None:
    out = caption_train.run("rnn", seed=1, epochs=50, results_dir=tmp_path, dry_run=True)
    assert out.parent == tmp_path / "captions" and out.name.startswith("rnn-seed1-") and out.suffix == ".json"
    assert [p.name for p in out.parent.iterdir()] == [out.name]  # no temporary file left behind
    run = json.loads(out.read_text())
    assert run["task"] == "captions" and run["model"] == "rnn" and run["seed"] == 1 and run["dry_run"] is True
    assert run["epochs"] == len(run["history"]) == 2 and run["final_train_loss"] == run["history"][-1]["train_loss"]
    assert all({"train_loss", "seconds", "val_loss"} <= set(h) for h in run["history"])
    assert run["data"]["synthetic"] is True and run["data"]["checksum"] == shapes_captions.build(0)["checksum"]
    assert set(run["provenance"]) >= {"commit", "started", "duration_seconds", "device", "versions"}
    assert set(run["provenance"]["versions"]) == {"python", "numpy"} and run["provenance"]["device"].startswith("cpu")
    assert run["samples"]["train"] and {"generated", "truth"} == set(run["samples"]["val"][0])
    assert run["hyperparameters"]["lr"] == 5e-3 and run["hyperparameters"]["lr_decay"] == 0.95
