"""The real COCO captioning data of HW2 Q5, in the CS231n layout: the loader and its checks.

The page's runs train on the synthetic set of :mod:`.data` (which also turns word
indices back into text); this loader is for anyone with the real files, and gives
the same layout, so the same model and training loop run on both.  The folder holds:

* ``coco2014_captions.h5``: datasets ``train_captions`` (int, one row per
  caption, ``<START> ... <END> <NULL> ...``), ``train_image_idxs`` (the row of
  ``train_features`` each caption describes), ``val_captions``,
  ``val_image_idxs``, and optionally ``train_urls`` / ``val_urls``;
* ``train2014_vgg16_fc7_pca.h5`` and ``val2014_vgg16_fc7_pca.h5`` (or, with
  ``pca_features=False``, ``train2014_vgg16_fc7.h5`` / ``val2014_vgg16_fc7.h5``),
  each with a dataset ``features`` (one row per image);
* ``coco2014_vocab.json`` with ``idx_to_word`` (a list) and ``word_to_idx``;
* optionally ``train2014_urls.txt`` / ``val2014_urls.txt``, one image URL a line.

h5py is imported only when the data are loaded, so the rest of the package
works without it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

CAPTIONS_FILE = "coco2014_captions.h5"
VOCAB_FILE = "coco2014_vocab.json"
REQUIRED = ("train_captions", "train_image_idxs", "val_captions", "val_image_idxs")


class CocoDataError(ValueError):
    """The COCO folder is missing a file or a dataset, or its parts do not fit together; the message names which."""


def _need(path: Path) -> Path:
    if not path.is_file():
        raise CocoDataError(f"{path}: no such file (the CS231n COCO captioning folder needs it)")
    return path


def _text_or_numbers(arr: np.ndarray) -> np.ndarray:
    """HDF5 stores text (the URLs) as bytes: decode it; leave numbers alone."""
    if arr.dtype.kind == "S":
        return np.char.decode(arr, "utf-8")
    if arr.dtype.kind == "O":
        return np.array([v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in arr.ravel()]).reshape(arr.shape)
    return arr


def load_coco_data(
    base_dir: str | Path, max_train: int | None = None, pca_features: bool = True, seed: int | None = 0
) -> dict[str, Any]:
    """Load the folder into a dict of arrays (the keys as in the files, plus ``train_features``, ``val_features``,
    ``idx_to_word`` and ``word_to_idx``).

    ``max_train`` keeps a random subset of that many *training captions*
    (drawn without replacement with ``seed``; the features of every image stay,
    since captions point into them by index).
    """
    base = Path(base_dir)
    if not base.is_dir():
        raise CocoDataError(f"{base}: no such folder (expected the CS231n COCO captioning data)")
    suffix = "_pca" if pca_features else ""
    captions_path = _need(base / CAPTIONS_FILE)
    feature_paths = {split: _need(base / f"{split}2014_vgg16_fc7{suffix}.h5") for split in ("train", "val")}
    vocab_path = _need(base / VOCAB_FILE)
    try:
        import h5py  # only here: the rest of the package works without it
    except ImportError as err:
        raise ImportError("loading the COCO captioning files needs h5py: pip install h5py") from err

    data: dict[str, Any] = {}
    with h5py.File(captions_path, "r") as f:
        missing = [k for k in REQUIRED if k not in f]
        if missing:
            raise CocoDataError(
                f"{captions_path}: no dataset {', '.join(missing)} (it has: {', '.join(sorted(f)) or 'none'})"
            )
        for key, value in f.items():
            data[key] = _text_or_numbers(np.asarray(value))

    for split, path in feature_paths.items():
        with h5py.File(path, "r") as f:
            if "features" not in f:
                raise CocoDataError(f"{path}: no dataset features (it has: {', '.join(sorted(f)) or 'none'})")
            data[f"{split}_features"] = np.asarray(f["features"])
        urls = base / f"{split}2014_urls.txt"
        if urls.is_file():
            data[f"{split}_urls"] = np.array(urls.read_text(encoding="utf-8").split())

    try:
        vocab = json.loads(vocab_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise CocoDataError(f"{vocab_path}:{err.lineno}: not valid JSON: {err.msg}") from None
    for key in ("idx_to_word", "word_to_idx"):
        if key not in vocab:
            raise CocoDataError(f"{vocab_path}: no key {key!r}")
        data[key] = vocab[key]

    for split in ("train", "val"):
        captions, idxs = data[f"{split}_captions"], data[f"{split}_image_idxs"]
        n_images = len(data[f"{split}_features"])
        if len(captions) != len(idxs):
            raise CocoDataError(f"{captions_path}: {len(captions)} {split}_captions but {len(idxs)} {split}_image_idxs")
        if len(idxs) and (idxs.min() < 0 or idxs.max() >= n_images):
            raise CocoDataError(
                f"{captions_path}: {split}_image_idxs points outside the {n_images} rows of {split} features"
            )
        if captions.size and captions.max() >= len(data["idx_to_word"]):
            raise CocoDataError(
                f"{captions_path}: {split}_captions uses word {captions.max()}, "
                f"beyond the {len(data['idx_to_word'])} words of {VOCAB_FILE}"
            )

    if max_train is not None and max_train < len(data["train_captions"]):
        keep = np.random.default_rng(seed).choice(len(data["train_captions"]), size=max_train, replace=False)
        data["train_captions"] = data["train_captions"][keep]
        data["train_image_idxs"] = data["train_image_idxs"][keep]
    return data
