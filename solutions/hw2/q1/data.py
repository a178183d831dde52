"""The ants-versus-bees images of HW2 Q1: find them, list them, read them.

Accepts the tutorial's ``hymenoptera_data.zip`` (read in place, never unpacked),
an extracted ``hymenoptera_data/`` folder, ``$HYMENOPTERA_DATA``, the copy beside
the project, or a download from the tutorial's address checked against the
sha256 of the archive this project was verified with (the shared locator,
:func:`solutions.common.files.locate`).  A file counts as an image by its
extension, as torchvision's ``ImageFolder`` counts them, so the placeholder
``imageNotFound.gif`` in ``train/ants`` is left out (and listed as skipped); an
image that does not decode is an error naming the file.  :func:`write_tiny_folder`
makes a small folder of the same layout for dry runs.  Training is in :mod:`.train`.
"""

from __future__ import annotations

import io
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from solutions.common import paths
from solutions.common.files import DataError, DataSet, Download, locate

SHA256 = "3930bcea8964df9e3316c297fe0b091a10b681f992ce474f3f18f254ce7f3d28"
OFFICIAL = Download(
    "https://download.pytorch.org/tutorial/hymenoptera_data.zip",
    f"sha256:{SHA256}",
    paths.HYMENOPTERA_CACHE / "hymenoptera_data.zip",
)
EXPECT = "give hymenoptera_data.zip or its extracted folder"  # said when a path given for the data is wrong
HYMENOPTERA = DataSet("hymenoptera_data", "HYMENOPTERA_DATA", (paths.HYMENOPTERA_LOCAL,), OFFICIAL, expect=EXPECT)
CLASSES = ("ants", "bees")  # sorted, so ants = 0 and bees = 1, as ImageFolder numbers them
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")


@dataclass
class Split:
    """One split's images as (name inside the source, class index), and the files that are not images."""

    items: list[tuple[str, int]]
    skipped: list[str] = field(default_factory=list)


def find_source(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The archive or folder to read: an explicit path, $HYMENOPTERA_DATA, the local copy, or a checked download."""
    return locate(HYMENOPTERA, explicit)


class Source:
    """A zip or a folder with ``train/`` and ``val/`` (possibly under ``hymenoptera_data/``)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.zip = zipfile.ZipFile(path) if path.is_file() else None
        names = (
            self.zip.namelist()
            if self.zip
            else [p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file()]
        )
        self.names = sorted(names)

    def split(self, name: str) -> Split:
        out = Split([])
        for member in self.names:
            parts = member.split("/")
            if len(parts) < 3 or parts[-3] != name or parts[-2] not in CLASSES or member.endswith("/"):
                continue
            if member.lower().endswith(IMAGE_EXTENSIONS):
                out.items.append((member, CLASSES.index(parts[-2])))
            else:
                out.skipped.append(member)
        if not out.items:
            raise DataError(f"{self.path}: no images under {name}/ants or {name}/bees")
        return out

    def read(self, member: str) -> Image.Image:
        raw = self.zip.read(member) if self.zip else (self.path / member).read_bytes()
        try:
            img = Image.open(io.BytesIO(raw))
            img.load()
        except (UnidentifiedImageError, OSError) as err:
            raise DataError(f"{self.path}/{member}: not a readable image ({err})") from None
        return img.convert("RGB")


def write_tiny_folder(folder: Path, per_class: int = 4, seed: int = 0) -> Path:
    """Small random JPEGs in the real layout (train/val x ants/bees), plus a placeholder GIF that must be skipped."""
    rng = np.random.default_rng(seed)
    for split in ("train", "val"):
        for label in CLASSES:
            (folder / split / label).mkdir(parents=True, exist_ok=True)
            for k in range(per_class):
                size = (int(rng.integers(40, 90)), int(rng.integers(40, 90)), 3)
                pixels = rng.integers(0, 256, size=size, dtype=np.uint8)
                Image.fromarray(pixels).save(folder / split / label / f"{k}.jpg")
    Image.new("P", (8, 8)).save(folder / "train" / "ants" / "imageNotFound.gif")
    return folder
