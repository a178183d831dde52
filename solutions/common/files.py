"""Files the course reads and writes: one hashing helper, atomic writes, and one data locator.

* :func:`file_digest` hashes a file in blocks (sha256 unless told otherwise); every checksum the
  course records or checks goes through it, and :func:`combined_digest` joins several into one.
* :func:`atomic_path` gives a temporary name beside a file and moves it into place only when the
  writing succeeded, so an interruption never leaves half a file under the real name.
* :func:`locate` finds a data set: an explicit path, else an environment variable, else a copy
  kept beside the project, else a download from its canonical address, checked against a pinned
  digest before it is kept (:func:`fetch`).  Every data module finds its data this way.

Which locations and digests a data set has is said by its own data module, once, as a
:class:`DataSet`; reading the data is that module's business too.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path


class DataError(ValueError):
    """Data that cannot be found or used: says which file (and line) and what is wrong."""


def file_digest(path: Path, algorithm: str = "sha256") -> str:
    """The hex digest of a file's bytes, read in blocks of 1 MiB (large archives never sit in memory)."""
    h = hashlib.new(algorithm)
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def combined_digest(digests: Mapping[str, str]) -> str:
    """``"sha256:<hex>"`` over ``name:digest`` lines in the mapping's order: one checksum for several files."""
    return "sha256:" + hashlib.sha256("".join(f"{name}:{d}\n" for name, d in digests.items()).encode()).hexdigest()


@contextlib.contextmanager
def atomic_path(dest: Path) -> Iterator[Path]:
    """A temporary path beside ``dest`` to write; it replaces ``dest`` when the block ends, and is removed on error."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=dest.parent, prefix=dest.name + ".", suffix=".tmp")
    os.close(handle)
    tmp = Path(name)
    try:
        yield tmp
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, dest)


@dataclass(frozen=True)
class Download:
    """A data set's canonical address, the digest its file must have, and where the checked copy is kept."""

    url: str
    digest: str  # "<algorithm>:<hex>", e.g. "sha256:3930bc..." (the algorithm the publisher gives)
    dest: Path

    def matches(self, path: Path) -> str | None:
        """None when ``path`` has the pinned digest, else the digest it has."""
        algorithm, expected = self.digest.split(":", 1)
        got = file_digest(path, algorithm)
        return None if got == expected else f"{algorithm} {got}"


def fetch(download: Download, hint: str) -> Path:
    """The checked copy at ``download.dest``: kept from an earlier download when its digest matches, else fetched
    now; a download whose digest differs is removed, never used.  ``hint`` tells what to do instead."""
    if download.dest.is_file() and download.matches(download.dest) is None:
        return download.dest
    with atomic_path(download.dest) as tmp:
        try:
            with urllib.request.urlopen(download.url, timeout=60) as response, tmp.open("wb") as out:
                while block := response.read(1 << 20):
                    out.write(block)
        except OSError as err:
            raise DataError(f"cannot download {download.url} ({err}); {hint}") from None
        wrong = download.matches(tmp)
        if wrong is not None:
            raise DataError(f"{download.url}: the download has {wrong}, expected {download.digest}; it was removed")
    return download.dest


@dataclass(frozen=True)
class DataSet:
    """Where :func:`locate` looks for one data set, as its data module says once.

    ``name`` is how messages call it, ``env`` the environment variable that may name it, ``local`` the copies
    kept beside the project (the first that exists is used), ``download`` its checked download if it has one;
    ``folder`` when it must be a folder.  ``option`` is the command-line option that names it (messages add
    ``PATH`` or ``FOLDER``), ``expect`` what should be there, said when a path given for it is wrong.
    """

    name: str
    env: str
    local: tuple[Path, ...] = ()
    download: Download | None = None
    folder: bool = False
    option: str = "--data"
    expect: str = ""


def locate(data: DataSet, explicit: str | os.PathLike[str] | None) -> Path:
    """Where to read ``data`` from: ``explicit`` (a command-line option), else ``$env``, else the first
    of its local copies that exists, else its download.

    An explicit path or ``$env`` that does not exist (or, for a folder, is not a folder) is an
    error, never passed over; ``expect`` says what should be there.  With no download, finding
    nothing is an error that says where it looked.
    """
    folder, expect = data.folder, data.expect
    hint = f"pass {data.option} {'FOLDER' if folder else 'PATH'} or set ${data.env}"
    for candidate in (explicit, os.environ.get(data.env)):
        if candidate:
            path = Path(candidate)
            if folder and not path.is_dir():
                raise DataError(f"{path}: not a folder ({expect})" if expect else f"{path}: not a folder")
            if not path.exists():
                raise DataError(f"{path}: no such file or folder ({expect})" if expect else f"{path}: no such file")
            return path
    for path in data.local:
        if path.is_dir() if folder else path.exists():
            return path
    if data.download is None:
        looked = ", ".join(map(str, data.local)) or "no local copy"
        raise DataError(f"no {data.name} found: {hint} (looked in {looked})")
    return fetch(data.download, hint)
