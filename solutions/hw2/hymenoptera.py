"""The ants-versus-bees images of HW2 Q1: find them, list them, read them.

Accepts the tutorial's ``hymenoptera_data.zip`` (read in place, never unpacked),
an extracted ``hymenoptera_data/`` folder, ``$HYMENOPTERA_DATA``, the copy beside
the project, or a download from the tutorial's address checked against the
sha256 of the archive this project was verified with.  A file counts as an
image by its extension, as torchvision's ``ImageFolder`` counts them, so the
placeholder ``imageNotFound.gif`` in ``train/ants`` is left out (and listed as
skipped); an image that does not decode is an error naming the file.
"""

from __future__ import annotations

import hashlib
import io
import os
import urllib.request
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from solutions.engine.registry import REPO_ROOT

URL = "https://download.pytorch.org/tutorial/hymenoptera_data.zip"
SHA256 = "3930bcea8964df9e3316c297fe0b091a10b681f992ce474f3f18f254ce7f3d28"
LOCAL_COPY = REPO_ROOT.parent / "shared" / "data" / "hymenoptera" / "hymenoptera_data.zip"
CACHE = REPO_ROOT / ".cache" / "hymenoptera" / "hymenoptera_data.zip"
CLASSES = ("ants", "bees")  # sorted, so ants = 0 and bees = 1, as ImageFolder numbers them
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")


class DataError(ValueError):
    """The images cannot be used: names the file and what is wrong."""


@dataclass
class Split:
    items: list[tuple[str, int]]  # (name inside the source, class index)
    skipped: list[str] = field(default_factory=list)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def find_source(explicit: str | os.PathLike[str] | None = None) -> Path:
    for candidate in (explicit, os.environ.get("HYMENOPTERA_DATA")):
        if candidate:
            path = Path(candidate)
            if not path.exists():
                raise DataError(f"{path}: no such file or folder (give hymenoptera_data.zip or its extracted folder)")
            return path
    for path in (LOCAL_COPY, CACHE):
        if path.is_file():
            return path
    return download()


def download(dest: Path = CACHE) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(".part")
    try:
        urllib.request.urlretrieve(URL, tmp)
    except OSError as err:
        raise DataError(f"no local hymenoptera_data and {URL} could not be downloaded ({err}); "
                        "pass --data PATH or set $HYMENOPTERA_DATA") from None
    if (got := sha256(tmp)) != SHA256:
        tmp.unlink()
        raise DataError(f"{URL}: sha256 {got}, expected {SHA256}; the download was removed")
    tmp.replace(dest)
    return dest


class Source:
    """A zip or a folder with ``train/`` and ``val/`` (possibly under ``hymenoptera_data/``)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.zip = zipfile.ZipFile(path) if path.is_file() else None
        names = self.zip.namelist() if self.zip else [p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file()]
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
