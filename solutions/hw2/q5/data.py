"""HW2 Q5's data: a small SYNTHETIC captioning set, built here from a seed (no real images anywhere), and
turning word indices back into text.

Each "image" is a scene of one or two objects, each with a size, a colour and a
shape, and (for two) how the first stands to the second.  Its caption says
exactly that, e.g. ``a small red circle to the left of a large blue square``.
Its "image features" are a fixed random projection of the one-hot attribute
vector to ``input_dim`` numbers, plus a little Gaussian noise: a stand-in for
the CNN features of the real COCO task, with the same layout as
:func:`solutions.hw2.q5.coco.load_coco_data` returns, so the same model and
training loop run on both.

Everything is a deterministic function of the seed (NumPy's PCG64 streams);
:func:`checksum` hashes the generated arrays so a results file can say
exactly which data it was trained on.  :func:`decode_captions` turns word
indices back into text, for this set and for COCO alike.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

NAME = "synthetic shapes captions"
SPECIAL = ("<NULL>", "<START>", "<END>", "<UNK>")  # the indices 0..3, as in the CS231n COCO vocabulary
SIZES = ("small", "large")
COLOURS = ("red", "green", "blue", "yellow", "purple")
SHAPES = ("circle", "square", "triangle")
RELATIONS = ("above", "below", "to the left of", "to the right of")
OBJECT_DIM = len(SIZES) + len(COLOURS) + len(SHAPES)
ATTRIBUTE_DIM = 2 * OBJECT_DIM + len(RELATIONS)  # object 1, object 2 (all zero when absent), the relation
MAX_WORDS = 4 + max(len(r.split()) for r in RELATIONS) + 4  # "a small red circle" REL "a large blue square"
MAX_LENGTH = MAX_WORDS + 2  # with <START> and <END>


def vocabulary() -> tuple[list[str], dict[str, int]]:
    """``(idx_to_word, word_to_idx)``: the four special tokens first, then every caption word, sorted."""
    words = {"a", *SIZES, *COLOURS, *SHAPES}
    for r in RELATIONS:
        words.update(r.split())
    idx_to_word = [*SPECIAL, *sorted(words)]
    return idx_to_word, {w: i for i, w in enumerate(idx_to_word)}


def _describe(obj: tuple[int, int, int]) -> str:
    size, colour, shape = obj
    return f"a {SIZES[size]} {COLOURS[colour]} {SHAPES[shape]}"


def _scene(rng: np.random.Generator, p_two: float) -> tuple[np.ndarray, str]:
    """One random scene: its one-hot attribute vector and its caption."""
    attrs = np.zeros(ATTRIBUTE_DIM)
    objects = [(int(rng.integers(len(SIZES))), int(rng.integers(len(COLOURS))), int(rng.integers(len(SHAPES))))]
    if rng.random() < p_two:
        objects.append((int(rng.integers(len(SIZES))), int(rng.integers(len(COLOURS))), int(rng.integers(len(SHAPES)))))
    for k, (size, colour, shape) in enumerate(objects):
        base = k * OBJECT_DIM
        attrs[[base + size, base + len(SIZES) + colour, base + len(SIZES) + len(COLOURS) + shape]] = 1.0
    caption = _describe(objects[0])
    if len(objects) == 2:
        rel = int(rng.integers(len(RELATIONS)))
        attrs[2 * OBJECT_DIM + rel] = 1.0
        caption += f" {RELATIONS[rel]} {_describe(objects[1])}"
    return attrs, caption


def encode(caption: str, word_to_idx: dict[str, int], length: int = MAX_LENGTH) -> np.ndarray:
    """``<START> words <END>`` as indices, padded with ``<NULL>`` to ``length``; unknown words become ``<UNK>``."""
    words = (word_to_idx.get(w, word_to_idx["<UNK>"]) for w in caption.split())
    ids = [word_to_idx["<START>"], *words, word_to_idx["<END>"]]
    if len(ids) > length:
        raise ValueError(f"caption {caption!r} needs {len(ids)} tokens, more than {length}")
    return np.array(ids + [word_to_idx["<NULL>"]] * (length - len(ids)), dtype=np.int32)


def build(
    seed: int = 0,
    num_train: int = 500,
    num_val: int = 100,
    input_dim: int = 64,
    noise: float = 0.1,
    p_two: float = 0.75,
) -> dict[str, Any]:
    """The data set, in the layout of the COCO loader.

    Keys: ``train_captions`` (num_train, MAX_LENGTH) int32, ``train_image_idxs``
    (num_train,), ``train_features`` (num_train, input_dim) float64, the same
    three for ``val``, ``idx_to_word``, ``word_to_idx``, ``name``, ``synthetic``
    (True) and ``checksum`` (``"sha256:..."`` of the arrays).  One caption per
    image, so ``*_image_idxs`` is ``0, 1, 2, ...``.
    """
    rng = np.random.default_rng(seed)
    idx_to_word, word_to_idx = vocabulary()
    projection = rng.standard_normal((ATTRIBUTE_DIM, input_dim)) / np.sqrt(4.0)  # about 4-7 attributes are on
    data: dict[str, Any] = {"idx_to_word": idx_to_word, "word_to_idx": word_to_idx, "name": NAME, "synthetic": True}
    for split, n in (("train", num_train), ("val", num_val)):
        scenes = [_scene(rng, p_two) for _ in range(n)]
        features = np.zeros((n, input_dim))
        for row, (attrs, _) in enumerate(scenes):
            for k in np.flatnonzero(attrs):  # a sum of rows in a fixed order: no BLAS, the same bits everywhere
                features[row] += projection[k]
        features += noise * rng.standard_normal((n, input_dim))
        data[f"{split}_features"] = features
        data[f"{split}_captions"] = (
            np.stack([encode(c, word_to_idx) for _, c in scenes]) if n else np.zeros((0, MAX_LENGTH), np.int32)
        )
        data[f"{split}_image_idxs"] = np.arange(n, dtype=np.int32)
    data["checksum"] = checksum(data)
    return data


def checksum(data: dict[str, Any]) -> str:
    """``"sha256:<hex>"`` over every array in ``data`` (name, dtype, shape and little-endian bytes) and the
    vocabulary."""
    h = hashlib.sha256()
    for key in sorted(k for k, v in data.items() if isinstance(v, np.ndarray)):
        arr = np.ascontiguousarray(data[key])
        arr = arr.astype(arr.dtype.newbyteorder("<"), copy=False)
        h.update(f"{key}|{arr.dtype.str}|{arr.shape}|".encode())
        h.update(arr.tobytes())
    if "idx_to_word" in data:
        h.update("\n".join(data["idx_to_word"]).encode())
    return "sha256:" + h.hexdigest()


def _word(idx_to_word: Sequence[str] | Mapping[int, str], i: int) -> str:
    if isinstance(idx_to_word, Mapping):
        return idx_to_word[i] if i in idx_to_word else idx_to_word[str(i)]  # a dict read from JSON has string keys
    return idx_to_word[i]


def decode_captions(captions: np.ndarray, idx_to_word: Sequence[str] | Mapping[int, str]) -> str | list[str]:
    """Word indices to text: one string for a 1-D array, a list of strings for a 2-D one.

    ``<NULL>`` and ``<START>`` are left out and a caption stops at its first
    ``<END>`` (not shown); ``<UNK>`` is kept, so unknown words stay visible.
    """
    captions = np.asarray(captions)
    if captions.ndim == 1:
        return decode_captions(captions[None], idx_to_word)[0]
    out = []
    for row in captions:
        words = []
        for i in row:
            word = _word(idx_to_word, int(i))
            if word == "<END>":
                break
            if word not in ("<NULL>", "<START>"):
                words.append(word)
        out.append(" ".join(words))
    return out
