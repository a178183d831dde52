"""Fetch KaTeX for self-hosting: `npm pack`, verify the tarball's sha256, unpack what the site needs.

Usage: python scripts/fetch_katex.py VERSION SHA256 DEST

The site loads no script, style or font from another host; this puts KaTeX's
files under docs/ (ignored by git) so MkDocs copies them into the site.
Standard library only: it runs before the virtual environment has anything.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

WANTED = ("katex.min.js", "katex.min.css", "contrib/auto-render.min.js")


def main(version: str, sha256: str, dest: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("fetch_katex: npm is not installed; install Node.js (Debian: apt-get install npm) and run again")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([npm, "pack", f"katex@{version}", "--silent"], cwd=tmp, check=True, stdout=subprocess.DEVNULL)
        tarball = Path(tmp) / f"katex-{version}.tgz"
        digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
        if digest != sha256:
            sys.exit(f"fetch_katex: {tarball.name} has sha256 {digest}, expected {sha256}; refusing to use it")
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
