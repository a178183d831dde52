"""Fetch axe-core for the accessibility test: `npm pack`, verify the tarball's sha256, keep ``axe.min.js``.

Usage: python scripts/fetch_axe.py [DEST]   (default: .cache/axe-core/, ignored by git)

axe-core is a test tool, never part of the site: the browser test (tests/test_accessibility_browser.py)
injects it into each page it opens.  Standard library only.
"""

from __future__ import annotations

import sys
import tarfile
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import npm_fetch  # scripts/npm_fetch.py, beside this script (found when imported as scripts.fetch_axe too)

VERSION = "4.14.1"
SHA256 = "e6b0ce02b84d892e2e33e403485e7f3d6c29e2be6df65daf44d89ba564139745"
DEST = Path(__file__).resolve().parent.parent / ".cache" / "axe-core"


def ensure(dest: Path = DEST) -> Path:
    """The path of the pinned ``axe.min.js``, fetched into ``dest`` first when it is not there yet."""
    script = dest / f"axe-{VERSION}.min.js"
    if script.is_file():
        return script
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tarball = npm_fetch.pack("axe-core", VERSION, SHA256, Path(tmp), "fetch_axe")
        with tarfile.open(tarball) as tar:
            source = tar.extractfile("package/axe.min.js")
            assert source is not None
            partial = script.with_suffix(".tmp")
            partial.write_bytes(source.read())
            partial.rename(script)  # all or nothing
    return script


if __name__ == "__main__":
    print(f"fetch_axe: axe-core {VERSION} in {ensure(Path(sys.argv[1]) if len(sys.argv) > 1 else DEST)}")
