"""Yelp review sentences for HW2 Q6: find, read, check, index and batch them.

The four files (``train``, ``dev``, ``test``, ``unlabelled``) hold one sentence a
line, already lower-cased and tokenised, tokens separated by single spaces;
the labelled files start each line with ``0`` (negative) or ``1`` (positive).
A malformed line is an error that names the file and the line: nothing is
skipped silently.  The vocabulary comes from the training split alone, so no
word of dev or test leaks into the model.

The data set has no canonical download address that we know of: give the
folder with ``--data``, ``$YELP_DATA``, or keep the copy beside the project
(``../shared/data/yelp_sentences``), whose ``SHA256SUMS`` is checked when present
(the shared locator, :func:`solutions.common.files.locate`).  The classifiers and
their training are in :mod:`.model` and :mod:`.train`.
"""

from __future__ import annotations

import os
import random
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import torch

from solutions.common import paths
from solutions.common.files import DataError, DataSet, combined_digest, file_digest, locate

SPLITS = ("train", "dev", "test", "unlabelled")
UNK, PAD = "<unk>", "<pad>"  # indices 0 and 1, as in Part I's IMDB pipeline
MAX_REPORTED = 5  # problems listed in one error; the count says how many more
EXPECT = f"give the folder that holds {', '.join(f'{s}.txt' for s in SPLITS)}"  # said when --data is wrong
YELP = DataSet("Yelp sentences", "YELP_DATA", (paths.YELP_LOCAL,), folder=True, expect=EXPECT)


@dataclass(frozen=True)
class Sentence:
    label: int | None  # None in the unlabelled split
    tokens: tuple[str, ...]


def find_source(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The folder to read: an explicit path, $YELP_DATA, or the copy beside the project."""
    return locate(YELP, explicit)


# A well-formed line: single-space-separated tokens without whitespace, after the label 0 or 1 when labelled.
_WELL_FORMED = {True: re.compile(r"[01](?: \S+)+"), False: re.compile(r"\S+(?: \S+)*")}


def parse_lines(lines: list[str], path: Path, labelled: bool) -> list[Sentence]:
    """Parse one split's lines (without their newlines); every malformed line is reported by number."""
    if all(map(_WELL_FORMED[labelled].fullmatch, lines)):  # the usual case, checked in one pass
        if labelled:
            return [Sentence(int(line[0]), tuple(line[2:].split(" "))) for line in lines]
        return [Sentence(None, tuple(line.split(" "))) for line in lines]
    out, problems = [], []
    for number, line in enumerate(lines, 1):
        where = f"{path}:{number}"
        if line.endswith("\r"):
            problems.append(
                f"{where}: ends with a carriage return (Windows line ending); save the file with \\n line endings"
            )
            continue
        if not line.strip():
            problems.append(f"{where}: empty line")
            continue
        parts = line.split(" ")
        if "" in parts:
            problems.append(
                f"{where}: tokens must be separated by single spaces, with none at the start or end: {line!r}"
            )
            continue
        if "\t" in line:
            problems.append(f"{where}: a tab inside the line; tokens are separated by single spaces")
            continue
        if not labelled:
            out.append(Sentence(None, tuple(parts)))
            continue
        if parts[0] not in ("0", "1"):
            problems.append(f"{where}: the line must start with the label 0 or 1, not {parts[0][:20]!r}")
            continue
        if len(parts) == 1:
            problems.append(f"{where}: a label with no sentence after it")
            continue
        out.append(Sentence(int(parts[0]), tuple(parts[1:])))
    if problems:
        more = f"\n  ... and {len(problems) - MAX_REPORTED} more" if len(problems) > MAX_REPORTED else ""
        raise DataError(f"{len(problems)} malformed line(s):\n  " + "\n  ".join(problems[:MAX_REPORTED]) + more)
    return out


def read_split(path: Path, labelled: bool) -> list[Sentence]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise DataError(f"{path}:{line}: not UTF-8 text ({err.reason} at byte {err.start})") from None
    text = text.lstrip("\ufeff")  # byte-order marks (some editors write one) are not part of the first token
    if not text.strip():
        raise DataError(f"{path}: empty: a split holds one sentence per line")
    if not text.endswith("\n"):
        text += "\n"  # a last line without its newline is still a line
    return parse_lines(text.split("\n")[:-1], path, labelled)


# What `sha256sum` writes, in text mode ("<hex>  name") or binary mode ("<hex> *name").
_SUMS_LINE = re.compile(r"([0-9a-fA-F]{64}) [ *](.+)")


def check_sums(folder: Path) -> dict[str, str]:
    """Each split's sha256; checked against the folder's SHA256SUMS where it has one."""
    sums = {}
    for split in SPLITS:
        path = folder / f"{split}.txt"
        if not path.is_file():
            raise DataError(f"{path}: missing (a Yelp sentences folder holds {', '.join(s + '.txt' for s in SPLITS)})")
        sums[split] = file_digest(path)
    listed = folder / "SHA256SUMS"
    checked: set[str] = set()
    if listed.is_file():
        for number, line in enumerate(listed.read_text(encoding="utf-8-sig").splitlines(), 1):
            if not line.strip():
                continue
            entry = _SUMS_LINE.fullmatch(line.rstrip())
            if entry is None:
                raise DataError(
                    f"{listed}:{number}: not a sha256sum line (<64 hex digits>, two spaces or ' *', a name)"
                )
            expected, name = entry.group(1).lower(), entry.group(2).removeprefix("./")
            split = name.removesuffix(".txt")
            if split not in sums:
                raise DataError(f"{listed}:{number}: {name!r} is not one of the splits ({', '.join(SPLITS)})")
            if sums[split] != expected:
                raise DataError(
                    f"{folder / name}: sha256 {sums[split]} differs from {listed}:{number} ({expected}): "
                    "the file has changed"
                )
            checked.add(split)
        if unchecked := [s for s in SPLITS if s not in checked]:  # a list that leaves a split out checks nothing of it
            raise DataError(f"{listed}: lists no checksum for {', '.join(s + '.txt' for s in unchecked)}")
    return sums


def load(folder: Path) -> tuple[dict[str, list[Sentence]], str]:
    """All four splits and one checksum that changes when any of them does."""
    sums = check_sums(folder)
    corpus = {s: read_split(folder / f"{s}.txt", labelled=s != "unlabelled") for s in SPLITS}
    return corpus, combined_digest(sums)  # in SPLITS order, as every recorded run computed it


def summary(corpus: dict[str, list[Sentence]]) -> dict[str, dict[str, int]]:
    """What the page says about the data, recorded with every run: positives per labelled split, longest sentence."""
    return {
        "positives": {s: sum(x.label for x in corpus[s]) for s in SPLITS if s != "unlabelled"},
        "max_tokens": {s: max(len(x.tokens) for x in corpus[s]) for s in SPLITS},
    }


class Vocab:
    """Every training token, most frequent first (ties alphabetical), after ``<unk>`` and ``<pad>``."""

    def __init__(self, sentences: list[Sentence], min_freq: int = 1) -> None:
        counts = Counter(tok for s in sentences for tok in s.tokens)
        words = sorted((w for w, n in counts.items() if n >= min_freq), key=lambda w: (-counts[w], w))
        self.itos = [UNK, PAD, *words]
        self.stoi = {w: i for i, w in enumerate(self.itos)}

    def __len__(self) -> int:
        return len(self.itos)

    @property
    def pad(self) -> int:
        return self.stoi[PAD]

    @property
    def unk(self) -> int:
        return self.stoi[UNK]

    def encode(self, tokens: tuple[str, ...]) -> list[int]:
        return [self.stoi.get(t, self.unk) for t in tokens]


@dataclass
class Encoded:
    """One split as padded tensors: tokens (N, T_max), lengths (N,), labels (N,) or None."""

    tokens: torch.Tensor
    lengths: torch.Tensor
    labels: torch.Tensor | None

    def __len__(self) -> int:
        return len(self.lengths)


def encode(sentences: list[Sentence], vocab: Vocab) -> Encoded:
    ids = [vocab.encode(s.tokens) for s in sentences]
    width = max(len(x) for x in ids)
    tokens = torch.full((len(ids), width), vocab.pad, dtype=torch.long)
    for row, x in enumerate(ids):
        tokens[row, : len(x)] = torch.tensor(x)
    labels = None if sentences[0].label is None else torch.tensor([s.label for s in sentences], dtype=torch.float32)
    return Encoded(tokens, torch.tensor([len(x) for x in ids]), labels)


def batches(data: Encoded, batch_size: int, shuffle: bool, seed: int = 0) -> Iterator[tuple[torch.Tensor, ...]]:
    """(tokens, lengths, labels) batches cut to their longest sentence.  The training file is sorted by
    label, so training batches are shuffled: in file order every early batch would be all negative."""
    order = (
        torch.randperm(len(data), generator=torch.Generator().manual_seed(seed)) if shuffle else torch.arange(len(data))
    )
    for start in range(0, len(data), batch_size):
        idx = order[start : start + batch_size]
        lengths = data.lengths[idx]
        tokens = data.tokens[idx, : int(lengths.max())]
        yield tokens, lengths, (data.labels[idx] if data.labels is not None else None)


def write_tiny_corpus(folder: Path, seed: int = 0) -> Path:
    """A small corpus in the real format (for ``--dry-run`` and tests): sentiment words decide the label."""
    rng = random.Random(seed)
    good, bad = ["great", "tasty", "friendly", "fresh", "love"], ["awful", "cold", "rude", "stale", "never"]
    filler = ["the", "food", "was", "and", "service", "we", "a", "place", "_num_", "."]
    folder.mkdir(parents=True, exist_ok=True)
    for split, n in (("train", 120), ("dev", 40), ("test", 40), ("unlabelled", 30)):
        lines = []
        for k in range(n):
            label = k % 2
            words = [rng.choice(filler) for _ in range(rng.randint(2, 9))]
            words.insert(rng.randrange(len(words) + 1), rng.choice(good if label else bad))
            lines.append(" ".join(words) if split == "unlabelled" else f"{label} " + " ".join(words))
        if split == "train":
            lines.sort(key=lambda line: line[0])  # sorted by label, as the real training file is
        (folder / f"{split}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder
