"""Fetch what the in-page answer checker runs on: Pyodide, sympy and mpmath, all self-hosted.

Usage: python scripts/fetch_pyodide.py DEST

* Pyodide (CPython compiled to WebAssembly) from the npm registry with ``npm pack``, its tarball
  checked against :data:`PYODIDE_SHA256`; only the files a page needs are kept.
* sympy and mpmath from PyPI as wheels (``pip download --require-hashes``: pinned and hashed).
* Both wheels, and Pyodide's own standard library, are **compiled to bytecode by that same Pyodide
  under Node.js** (``.pyc`` of its Python version, 3.12; this machine's Python may differ) and
  zipped without their tests.  Measured: compiling sympy's sources is most of a cold start otherwise
  (about 8 s of 16 s under Node on two cores).

Everything lands in DEST (``docs/assets/pyodide/``, ignored by git), all or nothing, with a
``VERSION`` file naming what was fetched.  Standard library only: it runs before the virtual
environment has anything.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import npm_fetch  # scripts/npm_fetch.py, beside this script

PYODIDE_VERSION = "0.27.7"
PYODIDE_SHA256 = "89d5d952675eb08e11286e52c7238f1248ce71726e896db9703e73bef23dc343"
# sympy 1.14 declares mpmath<1.4: the pair the site's own environment pins (requirements.lock).
WHEELS = {
    "sympy-1.14.0-py3-none-any.whl": "e091cc3e99d2141a0ba2847328f5479b05d94a6635cb96148ccb3f34671bd8f5",
    "mpmath-1.3.0-py3-none-any.whl": "a0b2b9fe80bbcd81a6647ff13108738cfb482d481d826cc0e02f5b35e5c88d2c",
}
# What a page needs from the npm package (not its TypeScript types, maps or console).
KEPT = ("pyodide.js", "pyodide.asm.js", "pyodide.asm.wasm", "pyodide-lock.json", "python_stdlib.zip", "package.json")
LIBS_ZIP = "sympy-mpmath.zip"  # the two wheels, compiled
HERE = Path(__file__).resolve().parent

# Run by Node.js: load Pyodide from the staging folder, compile, write the zips back.  Inside, the
# Python standard library's own zipfile and compileall do the work.
COMPILE_JS = r"""
const [dir, ...wheels] = process.argv.slice(2);
const fs = require("fs");
const { loadPyodide } = require(dir + "/pyodide.js");
(async () => {
  const py = await loadPyodide({ indexURL: dir + "/" });
  py.FS.mkdirTree("/build/in");
  for (const w of wheels) py.FS.writeFile("/build/in/" + require("path").basename(w), fs.readFileSync(w));
  py.FS.writeFile("/build/stdlib.zip", fs.readFileSync(dir + "/python_stdlib.zip"));
  py.runPython(`
import compileall, os, shutil, sys, zipfile

def compiled_zip(tree, out):
    # Tests and benchmarks are never imported by the checker; everything else is bytecode only.
    for root, dirs, files in os.walk(tree):
        for d in [d for d in dirs if d in ("tests", "benchmarks")]:
            shutil.rmtree(os.path.join(root, d))
            dirs.remove(d)
    if not compileall.compile_dir(tree, quiet=2, legacy=True, workers=1):
        raise SystemExit("compileall failed in " + tree)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for root, dirs, files in os.walk(tree):
            dirs.sort()
            for f in sorted(files):
                full = os.path.join(root, f)
                if f.endswith(".py") and os.path.exists(full + "c"):
                    continue  # its bytecode stands in for it
                info = zipfile.ZipInfo(os.path.relpath(full, tree), (2020, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                with open(full, "rb") as fh:
                    z.writestr(info, fh.read())

for w in sorted(os.listdir("/build/in")):
    zipfile.ZipFile("/build/in/" + w).extractall("/build/libs")
compiled_zip("/build/libs", "/build/libs.zip")
zipfile.ZipFile("/build/stdlib.zip").extractall("/build/stdlib")
compiled_zip("/build/stdlib", "/build/stdlib-compiled.zip")
sys.path.insert(0, "/build/libs.zip")
import sympy, mpmath  # the compiled zip imports
print("compiled: sympy", sympy.__version__, "mpmath", mpmath.__version__, "python", sys.version.split()[0])
`);
  fs.writeFileSync(dir + "/LIBS", py.FS.readFile("/build/libs.zip"));
  fs.writeFileSync(dir + "/python_stdlib.zip", py.FS.readFile("/build/stdlib-compiled.zip"));
})().catch((e) => { console.error(String(e)); process.exit(1); });
"""


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fail(message: str) -> None:
    sys.exit(f"fetch_pyodide: {message}")


def main(dest: Path) -> None:
    node = shutil.which("node")
    if node is None:
        fail("Node.js is needed to compile the wheels (Debian: apt-get install nodejs npm); install it and run again")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        tarball = npm_fetch.pack("pyodide", PYODIDE_VERSION, PYODIDE_SHA256, tmp, "fetch_pyodide")
        staging = dest.with_name(dest.name + ".tmp")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        with tarfile.open(tarball) as tar:
            for member in tar.getmembers():
                rel = member.name.removeprefix("package/")
                if member.isfile() and rel in KEPT:
                    with tar.extractfile(member) as src:  # type: ignore[union-attr]
                        (staging / rel).write_bytes(src.read())
        wheels = tmp / "wheels"
        requirements = tmp / "requirements.txt"
        requirements.write_text(
            "".join(f"{w.split('-')[0]}=={w.split('-')[1]} --hash=sha256:{h}\n" for w, h in WHEELS.items())
        )
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "-q", "--disable-pip-version-check", "--no-deps"]
            + ["--only-binary=:all:", "--require-hashes", "-r", str(requirements), "-d", str(wheels)],
            check=True,
        )
        for name, expected in WHEELS.items():
            if (digest := sha256(wheels / name)) != expected:
                fail(f"{name} has sha256 {digest}, expected {expected}; refusing to use it")
        script = tmp / "compile.cjs"
        script.write_text(COMPILE_JS)
        run = subprocess.run(
            [node, str(script), str(staging.resolve()), *(str(wheels / w) for w in WHEELS)],
            check=False,
            capture_output=True,
            text=True,
        )
        if run.returncode != 0:
            fail(f"compiling the wheels under Pyodide failed:\n{run.stdout}{run.stderr}")
        (staging / "LIBS").rename(staging / LIBS_ZIP)
        (staging / "VERSION").write_text(
            f"pyodide {PYODIDE_VERSION} sha256 {PYODIDE_SHA256}\n"
            + "".join(f"{w} sha256 {h}\n" for w, h in WHEELS.items())
            + f"{LIBS_ZIP} and python_stdlib.zip: compiled to bytecode by this Pyodide ({run.stdout.strip()})\n"
        )
        shutil.rmtree(dest, ignore_errors=True)
        staging.rename(dest)  # all or nothing: a half-fetched Pyodide never lands in docs/
    print(f"fetch_pyodide: Pyodide {PYODIDE_VERSION}, sympy and mpmath (compiled) in {dest}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]))
