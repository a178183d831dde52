"""Fetch KaTeX for self-hosting: `npm pack`, verify the tarball's sha256, unpack what the site needs.

Usage: python scripts/fetch_katex.py VERSION SHA256 DEST

The site loads no script, style or font from another host; this puts KaTeX's
files under docs/ (ignored by git) so MkDocs copies them into the site.
Standard library only: it runs before the virtual environment has anything.
"""

from __future__ import annotations

import shutil
import sys
import tarfile
import tempfile
from pathlib import Path

import npm_fetch  # scripts/npm_fetch.py, beside this script

WANTED = ("katex.min.js", "katex.min.css", "contrib/auto-render.min.js")


def main(version: str, sha256: str, dest: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tarball = npm_fetch.pack("katex", version, sha256, Path(tmp), "fetch_katex")
        staging = dest.with_name(dest.name + ".tmp")
        shutil.rmtree(staging, ignore_errors=True)
        with tarfile.open(tarball) as tar:
            for member in tar.getmembers():
                rel = member.name.removeprefix("package/dist/")
                if member.isfile() and (rel in WANTED or (rel.startswith("fonts/") and rel.endswith(".woff2"))):
                    target = staging / rel
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with tar.extractfile(member) as src:  # type: ignore[union-attr]
                        target.write_bytes(src.read())
        (staging / "VERSION").write_text(f"katex {version} sha256 {sha256}\n")
        shutil.rmtree(dest, ignore_errors=True)
        staging.rename(dest)  # all or nothing: a half-fetched KaTeX never lands in docs/
    print(f"fetch_katex: KaTeX {version} in {dest}")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2], Path(sys.argv[3]))
