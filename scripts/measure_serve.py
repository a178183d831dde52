"""Measure ``mkdocs serve``'s save-to-updated-page time on a copy of this project (prose edit, claim value edit,
median of N each) and the cold strict build with and without the claims plugin.

    .venv/bin/python scripts/measure_serve.py [N] [--back-to-back]

Each save waits until the server has settled: the standby checking process the last rebuild started has imported
the code (:func:`settle`), as it has when a contributor saves a few seconds after looking at the page.
``--back-to-back`` saves 1 s after each reload instead (the standby is then still importing).

The copy is made in a temporary folder (the working tree is never edited); the server runs there on a free port.
A "save-to-updated-page" time runs from writing the page to the first answer of the server that shows the edit.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROSE = ("docs/hw2/q3.md", "hw2/q3/", "A vanilla RNN reads a sequence", "A vanilla RNN takes a sequence")
VALUE = ("docs/a2/part1.md", "a2/part1/", "[[?a2.p1.params.rnn: 60,400]]", "[[?a2.p1.params.rnn: 60,401]]")
# A code edit (a comment in one claims module): only that module's truths are computed again (solutions.engine.inputs).
CODE = ("solutions/a2/part2/part2_claims.py", "a2/part2/", '"""', '"""  # edited')


def copy_project(dest: Path) -> Path:
    ignore = shutil.ignore_patterns(".git", ".venv", ".cache", "site", "__pycache__", ".pytest_cache")
    shutil.copytree(ROOT, dest, ignore=ignore)
    shared = ROOT.parent / "shared"  # the data beside the project (solutions.common.paths.SHARED_DATA)
    if shared.is_dir() and not (dest.parent / "shared").exists():
        (dest.parent / "shared").symlink_to(shared)
    return dest


def env() -> dict[str, str]:
    return {**os.environ, "NO_MKDOCS_2_WARNING": "1"}


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=120) as r:  # our own local server
        return r.read().decode("utf-8")


def settle(log: Path, seconds: float = 60) -> None:
    """Wait until the standby checking process the last build started (if any) has imported the code, as it has
    when a contributor saves a few seconds after looking at the page (at most ``seconds``)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        printed = log.read_text(errors="replace")
        if printed.count("has imported the code (standby)") >= printed.count("starting the next checking process"):
            return
        time.sleep(0.1)


def save_to_page(base: str, log: Path, project: Path, case: tuple[str, str, str, str], forward: bool) -> float:
    path, url, old, new = case
    if not forward:
        old, new = new, old
    page = project / path
    text = page.read_text(encoding="utf-8")
    assert old in text, old
    shown = re.sub(r"\[\[[^:]*: ([^\]]*)\]\]", r"\1", new) if path.startswith("docs/") else ""  # a claim's value
    at = len(log.read_text(errors="replace"))
    t0 = time.perf_counter()
    page.write_text(text.replace(old, new, 1), encoding="utf-8")
    # The first reload after the save that shows it: a page's new text, or for a code edit the module computed
    # again (a rebuild started before the save was seen reloads too, and shows nothing new).
    while True:
        printed = log.read_text(errors="replace")[at:]
        if shown:
            if "Reloading browsers" in printed and shown in get(base + url):
                return time.perf_counter() - t0
        elif (seen := printed.find("computed again for the changed modules: solutions")) >= 0 and (
            "Reloading browsers" in printed[seen:]
        ):
            return time.perf_counter() - t0
        time.sleep(0.02)


def serve_figures(n: int, settled: bool) -> dict[str, list[float]]:
    with tempfile.TemporaryDirectory() as tmp:
        project = copy_project(Path(tmp) / "project")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        log = Path(tmp) / "serve.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "mkdocs", "serve", "--strict", "-a", f"127.0.0.1:{port}"],
                cwd=project,
                env=env(),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            while "Serving on" not in log.read_text(errors="replace"):
                assert proc.poll() is None, log.read_text(errors="replace")[-3000:]
                time.sleep(0.5)
            base = f"http://127.0.0.1:{port}/"
            figures: dict[str, list[float]] = {"prose": [], "value": [], "code": []}
            for name, case in (("prose", PROSE), ("value", VALUE), ("code", CODE)):
                for i in range(n):
                    figures[name].append(save_to_page(base, log, project, case, forward=i % 2 == 0))
                    time.sleep(1.0)  # livereload polls
                    if settled:
                        settle(log)
            printed = log.read_text(errors="replace")
            shutil.copy(log, Path(tempfile.gettempdir()) / "measure_serve.log")  # kept: what each rebuild reused
            assert "Traceback" not in printed, printed[-3000:]
            return figures
        finally:
            os.killpg(proc.pid, signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def build_seconds(with_plugin: bool) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        project = copy_project(Path(tmp) / "project")
        args = [sys.executable, "-m", "mkdocs", "build", "-d", str(Path(tmp) / "site")]
        if with_plugin:
            args.append("--strict")
        else:
            # The same site without the claims plugin: its markers stay text, its generated pages (and the links
            # and anchors to them) are missing, so MkDocs' warnings may not stop it.
            args.append("--no-strict")
            yml = project / "mkdocs.yml"
            text = yml.read_text(encoding="utf-8")
            start = text.index("  - claims:")
            end = text.index("  - search:")
            yml.write_text(text[:start] + text[end:], encoding="utf-8")
        t0 = time.perf_counter()
        run = subprocess.run(args, cwd=project, env=env(), capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - t0
        assert run.returncode == 0, run.stderr[-3000:]
        return seconds


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args else 5
    settled = "--back-to-back" not in sys.argv
    figures = serve_figures(n, settled)
    when = "each save after the server settled" if settled else "each save 1 s after the last reload"
    for name, values in figures.items():
        print(f"serve save-to-updated-page ({when}), {name} edit: median {statistics.median(values):.2f} s of", end=" ")
        print(", ".join(f"{v:.2f}" for v in values))
    cold, bare = build_seconds(True), build_seconds(False)
    print(
        f"build: strict with claims checked cold {cold:.1f} s, without the plugin {bare:.1f} s, ratio {cold / bare:.2f}"
    )


if __name__ == "__main__":
    main()
