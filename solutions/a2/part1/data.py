"""IMDB reviews for Assignment II, Part I: find, read, tokenise, split, index and batch them.

Accepts the official ``aclImdb_v1.tar.gz`` (downloaded from its canonical
address and checked when online), any local tarball of the same layout, or an
extracted ``aclImdb/`` folder; :func:`find_source` looks for them through the
shared locator (:func:`solutions.common.files.locate`).  Tokenisation follows the
notebook's recipe (spaCy's rule-based English tokenizer, ``spacy.blank("en")``)
and is cached under ``.cache/imdb/``, keyed by the data's checksum and spaCy's
version, so a change of either re-tokenises.  The model and its training are in
:mod:`.model` and :mod:`.train`.
"""

from __future__ import annotations

import hashlib
import lzma
import os
import random
import re
import tarfile
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import torch

from solutions.common import paths
from solutions.common.files import DataError, DataSet, Download, atomic_path, file_digest, locate

OFFICIAL = Download(
    "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz",
    "md5:7c2ac02c03563afcf9b574c7e56c153a",  # the checksum the publisher gives
    paths.IMDB_CACHE / "aclImdb_v1.tar.gz",
)
IMDB = DataSet("IMDB reviews", "IMDB_DATA", (paths.IMDB_LOCAL,), OFFICIAL, expect="give the aclImdb tarball or folder")
CACHE_DIR = paths.IMDB_CACHE

MEMBER_RE = re.compile(r"(?:^|/)aclImdb/(train|test)/(pos|neg)/([^/]+\.txt)$")
UNK, PAD = "<unk>", "<pad>"  # indices 0 and 1, as in the notebook (padding_idx=1)
UNK_INDEX, PAD_INDEX = 0, 1
SPLIT_SEED = 1234
MAX_REVIEW_BYTES = 1 << 20
MAX_TOTAL_BYTES = 1 << 30  # all reviews together (the real set is about 130 MB)


@dataclass
class Review:
    split: str  # "train" or "test"
    label: int  # 1 positive, 0 negative
    name: str
    text: str


def find_source(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The data to use: an explicit path, $IMDB_DATA, the local copy, or a checked download."""
    return locate(IMDB, explicit)


def _decoded(data: bytes, where: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise DataError(f"{where}: not UTF-8 text ({err.reason} at byte {err.start})") from None


def read_reviews(source: Path) -> list[Review]:
    """Every labelled review, sorted by (split, label, name) so the order never depends on the archive.

    A damaged archive, a review that is not UTF-8, one larger than :data:`MAX_REVIEW_BYTES` (the largest
    IMDB review is about 14 kB: a larger one is not a review, and is never read whole) and the same review
    twice are each a :class:`DataError` naming the archive and the member."""
    found: dict[tuple[str, int, str], Review] = {}

    def add(m: re.Match[str], text: str, where: str) -> None:
        review = Review(m[1], int(m[2] == "pos"), m[3], text)
        key = (review.split, review.label, review.name)
        if key in found:
            raise DataError(f"{where}: the same review ({m[1]}/{m[2]}/{m[3]}) appears twice")
        found[key] = review

    if source.is_dir():
        for path in sorted(source.rglob("*.txt")):
            m = MEMBER_RE.search(path.as_posix())
            if m and not path.is_file():  # a dangling link, a pipe: never opened (a pipe would wait for ever)
                raise DataError(f"{path}: not a regular file")
            if m:
                if path.stat().st_size > MAX_REVIEW_BYTES:
                    raise DataError(f"{path}: {path.stat().st_size:,} bytes; a review is at most {MAX_REVIEW_BYTES:,}")
                add(m, _decoded(path.read_bytes(), str(path)), str(path))
    else:
        total = 0
        try:
            with tarfile.open(source) as tar:
                for member in tar:
                    m = MEMBER_RE.search(member.name)
                    if not (m and member.isfile()):
                        continue
                    where = f"{source}: {member.name}"
                    if member.size > MAX_REVIEW_BYTES:
                        raise DataError(f"{where}: {member.size:,} bytes; a review is at most {MAX_REVIEW_BYTES:,}")
                    total += member.size
                    if total > MAX_TOTAL_BYTES:
                        raise DataError(f"{where}: the reviews pass {MAX_TOTAL_BYTES:,} bytes; IMDB holds about 130 MB")
                    add(m, _decoded(tar.extractfile(member).read(), where), where)  # type: ignore[union-attr]
                # The tar reader stops quietly at a damaged header; reading the compressed stream to its end
                # checks it whole (gzip's CRC), so a file damaged half-way cannot pass as a shorter data set.
                while tar.fileobj.read(1 << 20):  # type: ignore[union-attr]
                    pass
        except (tarfile.TarError, OSError, EOFError, zlib.error, lzma.LZMAError) as err:
            raise DataError(f"{source}: not a readable tar archive, or a truncated one ({err})") from None
    if not found:
        raise DataError(f"{source}: no reviews found (expected aclImdb/{{train,test}}/{{pos,neg}}/*.txt)")
    return sorted(found.values(), key=lambda r: (r.split, r.label, r.name))


def data_checksum(source: Path) -> str:
    if source.is_file():
        return "sha256:" + file_digest(source)
    h = hashlib.sha256()
    for r in read_reviews(source):
        h.update(f"{r.split}/{r.label}/{r.name}\0{r.text}\0".encode())
    return "sha256-tree:" + h.hexdigest()


def tokenize(texts: list[str]) -> list[list[str]]:
    import spacy

    tokenizer = spacy.blank("en").tokenizer
    return [[t.text for t in doc] for doc in tokenizer.pipe(texts, batch_size=256)]


def load_tokenized(source: Path, progress: bool = True) -> tuple[dict[str, list[tuple[int, list[str]]]], str]:
    """{split: [(label, tokens)]} and the data checksum; tokenised once per data and spaCy version."""
    import spacy

    checksum = data_checksum(source)
    key = hashlib.sha256(f"{checksum} spacy-{spacy.__version__} blank-en".encode()).hexdigest()[:20]
    cache = CACHE_DIR / f"tokens-{key}.pt"
    if cache.exists():
        return torch.load(cache, weights_only=False), checksum
    reviews = read_reviews(source)
    if progress:
        print(
            f"tokenising {len(reviews):,} reviews with spacy.blank('en') "
            f"(cached in {cache.relative_to(paths.REPO_ROOT)})"
        )
    tokens = tokenize([r.text for r in reviews])
    out: dict[str, list[tuple[int, list[str]]]] = {"train": [], "test": []}
    for r, toks in zip(reviews, tokens, strict=True):
        out[r.split].append((r.label, toks))
    with atomic_path(cache) as tmp:
        torch.save(out, tmp)
    return out, checksum


def split_train(examples: list[tuple[int, list[str]]], fraction: float = 0.7, seed: int = SPLIT_SEED):
    """The notebook's 70/30 random split of the labelled training reviews (17,500 / 7,500)."""
    order = list(range(len(examples)))
    random.Random(seed).shuffle(order)
    cut = round(fraction * len(examples))
    return [examples[i] for i in order[:cut]], [examples[i] for i in order[cut:]]


def build_vocab(examples: list[tuple[int, list[str]]], max_size: int = 25_000) -> dict[str, int]:
    """The ``max_size`` most frequent tokens (ties broken alphabetically) after <unk>=0 and <pad>=1."""
    counts = Counter(tok for _, toks in examples for tok in toks)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:max_size]
    vocab = {UNK: 0, PAD: 1}
    for tok, _ in ranked:
        vocab[tok] = len(vocab)
    return vocab


def numericalize(examples: list[tuple[int, list[str]]], vocab: dict[str, int]) -> list[tuple[int, torch.Tensor]]:
    """Each review's tokens as indices (an empty review becomes one <unk>)."""
    unk = vocab[UNK]
    return [
        (label, torch.tensor([vocab.get(t, unk) for t in toks] or [unk], dtype=torch.long)) for label, toks in examples
    ]


def bucketed_batches(
    data: list[tuple[int, torch.Tensor]], batch_size: int, shuffle: bool, seed: int = 0, pool: int = 100
) -> Iterator[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    """Batches of similar length: (tokens T x B padded with <pad>, lengths B, labels B).

    Training shuffles, then sorts within pools of ``pool`` batches so padding stays small while the
    order stays random; evaluation simply sorts by length.
    """
    idx = list(range(len(data)))
    rng = random.Random(seed)
    if shuffle:
        rng.shuffle(idx)
        step = batch_size * pool
        chunks = [sorted(idx[i : i + step], key=lambda j: len(data[j][1])) for i in range(0, len(idx), step)]
        batches = [c[i : i + batch_size] for c in chunks for i in range(0, len(c), batch_size)]
        rng.shuffle(batches)
    else:
        idx.sort(key=lambda j: len(data[j][1]))
        batches = [idx[i : i + batch_size] for i in range(0, len(idx), batch_size)]
    for b in batches:
        seqs = [data[j][1] for j in b]
        lengths = torch.tensor([len(s) for s in seqs])
        tokens = torch.nn.utils.rnn.pad_sequence(seqs, padding_value=1)
        yield tokens, lengths, torch.tensor([data[j][0] for j in b], dtype=torch.float32)


def write_tiny_corpus(root: Path, per_class: int = 24, seed: int = 0) -> Path:
    """A small generated corpus in the aclImdb layout, for --dry-run: real code path, seconds of work."""
    rng = random.Random(seed)
    words = {1: ["great", "wonderful", "loved", "superb", "fun"], 0: ["awful", "boring", "hated", "dull", "bad"]}
    filler = ["the", "film", "plot", "actor", "was", "and", "a", "scene", "it", "story"]
    for split in ("train", "test"):
        for label, name in ((1, "pos"), (0, "neg")):
            folder = root / "aclImdb" / split / name
            folder.mkdir(parents=True, exist_ok=True)
            for i in range(per_class):
                n = rng.randint(5, 40)
                text = " ".join(rng.choice(words[label] if rng.random() < 0.3 else filler) for _ in range(n)) + "."
                (folder / f"{i}_{7 if label else 2}.txt").write_text(text, encoding="utf-8")
    return root / "aclImdb"
