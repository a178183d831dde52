"""Importing a claims module is bounded: a module that hangs, raises, exits or kills the process stops the
build (and the command line) within seconds past the plugin's `import_limit`, with one line naming the module."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from solutions.engine import background
from solutions.engine.config import ConfigError, Settings, from_mkdocs_yml
from solutions.engine.registry import wall_limit

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 1.0
HINT = "(an endless loop or a blocking call at import time?)"
TIMEOUT = f"hostile/x_claims.py: importing it took longer than 1 s of CPU time or 3 s in all {HINT}"
# A fresh Python that imports the engine takes about a second here; the watcher's grace is 2 s.
SLACK_S = wall_limit(LIMIT) + background.WATCH_GRACE_S + 8

IT = "hostile/x_claims.py: importing it"
ENDED = f"{IT} ended the checking process"
SWALLOW = "while True:\n    try:\n        while True:\n            pass\n    except BaseException:\n        pass\n"
HOSTILE = {
    "endless loop": ("while True:\n    pass\n", TIMEOUT),
    "sleep": ("import time\n\ntime.sleep(10**6)\n", TIMEOUT),
    "input": ("input()\n", f"{IT} raised EOFError: EOF when reading a line"),
    "stdin read": ("import sys\n\nsys.stdin.read()\nwhile True:\n    pass\n", TIMEOUT),
    # The process's own alarm cannot answer these: the parent's watcher stops the process.
    "alarm ignored": ("import signal\n\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\nwhile 1:\n    pass\n", TIMEOUT),
    "alarm swallowed": (SWALLOW, TIMEOUT),
    "raises": ("raise RuntimeError('boom\\nsecond line')\n", f"{IT} raised RuntimeError: boom second line"),
    "sys.exit": ("import sys\n\nsys.exit(4)\n", f"{IT} called sys.exit(4)"),
    "os._exit": ("import os\n\nos._exit(7)\n", f"{ENDED} (exit status 7)"),
    "segfault": ("import ctypes\n\nctypes.string_at(0)\n", f"{ENDED} (killed by signal SIGSEGV)"),
    "SIGKILL": ("import os, signal\n\nos.kill(os.getpid(), signal.SIGKILL)\n", f"{ENDED} (killed by signal SIGKILL)"),
}


def _project(tmp_path: Path, body: str, limit: float = LIMIT) -> Path:
    """A course with one claims module (``body``), a page, and an mkdocs.yml naming it."""
    package = tmp_path / "hostile"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a_claims.py").write_text(
        "from solutions.engine import Integer, claim\n\n\n@claim('h.one', Integer(), 'one')\ndef one():\n    return 1\n"
    )
    (package / "x_claims.py").write_text(body)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs/index.md").write_text("# A page\n\nOne is [[h.one: 1]].\n")
    (tmp_path / "mkdocs.yml").write_text(
        f"site_name: hostile\nplugins:\n  - claims:\n      packages: [hostile]\n      import_limit: {limit}\n"
    )
    return tmp_path


@pytest.fixture
def on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This worktree's engine first, then the temporary course (a process started in ``tmp_path``)."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT), str(tmp_path)]))
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


@pytest.mark.parametrize("case", list(HOSTILE))
def test_the_checking_process_names_a_module_that_cannot_be_imported(on_path: Path, case: str) -> None:
    body, line = HOSTILE[case]
    project = _project(on_path, body)
    settings = from_mkdocs_yml(project / "mkdocs.yml")
    t0 = time.monotonic()
    with pytest.raises(background.CheckerFailed) as err:
        background.start(project / "docs", settings).result()
    assert str(err.value) == line
    assert time.monotonic() - t0 < SLACK_S


def test_a_module_within_the_limit_is_checked(on_path: Path) -> None:
    project = _project(on_path, "import time\n\ntime.sleep(0.3)\n", limit=5)
    check = background.start(project / "docs", from_mkdocs_yml(project / "mkdocs.yml")).result()
    assert [(r.claim_id, r.status) for r in check.report.results] == [("h.one", "verified")]


def test_the_limit_is_cpu_time_with_a_slacker_clock(on_path: Path) -> None:
    """A busy machine stretches an import's clock time, not its CPU time: a module that waits (spending no CPU)
    past the CPU-time limit but within the clock's is checked."""
    project = _project(on_path, "import time\n\ntime.sleep(1.5)\n", limit=1)
    check = background.start(project / "docs", from_mkdocs_yml(project / "mkdocs.yml")).result()
    assert [(r.claim_id, r.status) for r in check.report.results] == [("h.one", "verified")]


def _run(
    args: list[str], cwd: Path, stdin: int | None = subprocess.DEVNULL
) -> tuple[subprocess.CompletedProcess, float]:
    t0 = time.monotonic()
    run = subprocess.run(
        [sys.executable, *args],
        check=False,
        cwd=cwd,
        stdin=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    return run, time.monotonic() - t0


@pytest.mark.parametrize("case", ["endless loop", "raises", "sys.exit"])
def test_verify_names_a_module_that_cannot_be_imported(on_path: Path, case: str) -> None:
    body, line = HOSTILE[case]
    project = _project(on_path, body)
    run, seconds = _run(["-m", "solutions", "verify", "--config", str(project / "mkdocs.yml")], ROOT)
    assert (run.returncode, run.stderr) == (2, f"error: {line}\n")
    assert seconds < SLACK_S


def test_check_does_not_wait_for_a_module_that_reads_the_terminal(on_path: Path) -> None:
    """`input()` at import time, with a standard input that stays open (a terminal): end-of-file, not a wait."""
    project = _project(on_path, "input()\n")
    args = ["-m", "solutions", "check", "--config", str(project / "mkdocs.yml"), "h.one", "1"]
    run, seconds = _run(args, ROOT, stdin=subprocess.PIPE)
    assert (run.returncode, run.stderr) == (2, f"error: {HOSTILE['input'][1]}\n")
    assert seconds < SLACK_S


def test_a_hanging_module_fails_the_site_build_with_one_line(on_path: Path) -> None:
    project = _project(on_path, "while True:\n    pass\n")
    run, seconds = _run(["-m", "mkdocs", "build", "--strict", "-d", str(on_path / "site")], project)
    assert run.returncode == 1
    # MkDocs' own line says which page waited for the verdicts; the next is the engine's, and the last.
    errors = [ln for ln in run.stderr.splitlines() if "ERROR" in ln]
    assert len(errors) == 2 and errors[0].endswith("Error reading page 'index.md':"), run.stderr
    assert errors[1].endswith(f"-  {TIMEOUT}"), run.stderr
    assert "Traceback" not in run.stderr
    assert seconds < SLACK_S + 10  # MkDocs' own start too


@pytest.mark.parametrize("value", [0, -1, "soon", True])
def test_the_import_limit_must_be_a_positive_number(tmp_path: Path, value: object) -> None:
    (tmp_path / "mkdocs.yml").write_text(
        f"site_name: x\nplugins:\n  - claims:\n      packages: [solutions]\n      import_limit: {str(value).lower()}\n"
    )
    with pytest.raises(ConfigError, match="import_limit"):
        from_mkdocs_yml(tmp_path / "mkdocs.yml")


def test_the_import_limit_travels_to_the_checking_process() -> None:
    settings = Settings(("solutions",), ROOT, import_limit=7.5)
    assert Settings.from_json(settings.to_json()).import_limit == 7.5
    assert from_mkdocs_yml(ROOT / "mkdocs.yml").import_limit >= 30  # generous: the torch module takes ~4 s


def test_cancelling_a_check_ends_its_children_and_never_waits_for_them(on_path: Path) -> None:
    """A build that fails for another reason (a page that cannot be read) cancels the checks; a child the
    checking process forked keeps its output pipe open, and waiting for that pipe once hung the build."""
    body = "import os, time\n\nif os.fork() == 0:\n    time.sleep(60)\n    os._exit(0)\ntime.sleep(60)\n"
    project = _project(on_path, body, limit=120)
    running = background.start(project / "docs", from_mkdocs_yml(project / "mkdocs.yml"))
    time.sleep(1.0)  # the module is imported and has forked
    t0 = time.monotonic()
    running.cancel()
    assert time.monotonic() - t0 < 5
