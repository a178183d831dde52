"""What the fetch scripts share (scripts/fetch_katex.py, scripts/fetch_pyodide.py): a package from the npm
registry by ``npm pack``, refused unless its tarball has the pinned sha256.  Standard library only: the
fetch scripts run before the virtual environment has anything."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path


def pack(package: str, version: str, sha256: str, into: Path, who: str) -> Path:
    """``npm pack package@version`` in ``into``; the tarball's path, or exit naming ``who`` and what is wrong."""
    npm = shutil.which("npm")
    if npm is None:
        sys.exit(f"{who}: npm is not installed; install Node.js (Debian: apt-get install nodejs npm) and run again")
    subprocess.run([npm, "pack", f"{package}@{version}", "--silent"], cwd=into, check=True, stdout=subprocess.DEVNULL)
    tarball = into / f"{package}-{version}.tgz"
    digest = hashlib.sha256(tarball.read_bytes()).hexdigest()
    if digest != sha256:
        sys.exit(f"{who}: {tarball.name} has sha256 {digest}, expected {sha256}; refusing to use it")
    return tarball
