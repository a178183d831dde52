"""``verify --changed`` (``make check``): only what a working-tree change touches, with the build's messages.

A small course in a temporary git repository: two claims modules (one importing a helper, one reading a
recorded run from ``runs/``), two pages, committed; each test changes one thing and runs the command as a
contributor does, in a fresh process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from solutions.engine import changed

ROOT = Path(__file__).resolve().parent.parent

FILES = {
    "mkdocs.yml": "site_name: demo\nplugins:\n  - claims:\n      packages: [demo]\n      workers: 1\n",
    "docs/index.md": "# Home\n\nThe answer is [[demo.answer: 36]].\n",
    "docs/runs.md": "# Runs\n\nThe best run scored [[demo.best: 7]].\n",
    "demo/__init__.py": "",
    "demo/helper.py": "def value() -> int:\n    return 36\n",
    "demo/a_claims.py": (
        "from demo import helper\nfrom solutions.engine import Integer, claim\n\n\n"
        "@claim('demo.answer', Integer(), 'the helper')\ndef answer() -> int:\n    return helper.value()\n"
    ),
    "demo/b_claims.py": (
        "import json\nfrom pathlib import Path\n\nfrom solutions.engine import Integer, claim\n\n\n"
        "@claim('demo.best', Integer(), 'the recorded run')\ndef best() -> int:\n"
        "    return json.loads((Path(__file__).parent.parent / 'runs' / 'r.json').read_text())['score']\n"
    ),
    "runs/r.json": '{"score": 7}\n',
    "README.md": "A demo.\n",
}


def _git(project: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(project), *args], check=True, capture_output=True)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    for rel, text in FILES.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "start")
    return tmp_path


def _check(project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "solutions", "verify", "--changed", "--config", str(project / "mkdocs.yml")],
        check=False,
        cwd=project,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(project)])},
    )


def _edit(project: Path, rel: str, old: str, new: str) -> None:
    path = project / rel
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")


def test_a_clean_tree_has_nothing_to_check(project: Path) -> None:
    run = _check(project)
    assert run.returncode == 0, run.stderr
    assert "nothing to check: 0 changed file(s)" in run.stdout


def test_a_wrong_value_on_a_changed_page_fails_with_the_builds_message(project: Path) -> None:
    _edit(project, "docs/index.md", "36", "37")
    run = _check(project)
    assert run.returncode == 1
    assert "checking 1 claim(s)" in run.stdout and "1 page(s): index.md" in run.stdout
    assert "demo.best" not in run.stdout  # the other page's claim is not judged
    assert "docs/index.md:3: claim demo.answer is wrong." in run.stderr
    assert "Traceback" not in run.stderr


def test_a_changed_helper_rechecks_the_claims_of_the_modules_that_import_it(project: Path) -> None:
    _edit(project, "demo/helper.py", "36", "35")
    run = _check(project)
    assert run.returncode == 1
    assert "claims modules: demo.a_claims)" in run.stdout and "0 page(s)" in run.stdout
    assert "docs/index.md:3: claim demo.answer is wrong." in run.stderr


def test_a_changed_run_rechecks_the_claims_that_read_its_folder(project: Path) -> None:
    _edit(project, "runs/r.json", "7", "8")
    run = _check(project)
    assert run.returncode == 1
    assert "claims modules: demo.b_claims)" in run.stdout
    assert "docs/runs.md:3: claim demo.best is wrong." in run.stderr


def test_page_checks_run_on_a_changed_page(project: Path) -> None:
    """An unchecked number (claim coverage) and an event handler (the sanitizer): each named at its line."""
    _edit(project, "docs/runs.md", "# Runs\n", '# Runs\n\nWe ran 12 times.\n\n<img src="x.png" onerror="alert(1)">\n')
    run = _check(project)
    assert run.returncode == 1
    assert "docs/runs.md:3: the number '12' is not checked" in run.stderr
    assert "docs/runs.md:5: <img" in run.stderr and "event handler" in run.stderr
    assert "Traceback" not in run.stderr


def test_a_marker_removed_from_a_page_leaves_a_check_no_page_shows(project: Path) -> None:
    _edit(project, "docs/index.md", "The answer is [[demo.answer: 36]].", "No answer.")
    run = _check(project)
    assert run.returncode == 1
    assert "the check for claim demo.answer exists, but no page under docs/ shows it" in run.stderr


def test_outside_a_git_checkout_it_says_so_in_one_line(tmp_path: Path) -> None:
    for rel in ("mkdocs.yml", "docs/index.md", "demo/__init__.py", "demo/helper.py", "demo/a_claims.py"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(FILES[rel], encoding="utf-8")
    run = _check(tmp_path)
    assert run.returncode == 2
    assert run.stderr.startswith(f"error: {tmp_path.resolve()}: not a git checkout")
    assert len(run.stderr.strip().splitlines()) == 1


def test_imports_are_read_relative_and_absolute(tmp_path: Path) -> None:
    files = {
        "pkg/__init__.py": "",
        "pkg/a.py": "from . import b\n",
        "pkg/b.py": "from .sub.c import f\n",
        "pkg/sub/__init__.py": "from .. import d\n",
        "pkg/sub/c.py": "import pkg.d\n",
        "pkg/d.py": "",
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    modules = {rel.removesuffix(".py").removesuffix("/__init__").replace("/", "."): tmp_path / rel for rel in files}
    assert changed.imports_of("pkg.a", modules["pkg.a"], modules) == {"pkg", "pkg.b"}
    assert changed.imports_of("pkg.sub", modules["pkg.sub"], modules) == {"pkg", "pkg.d"}
    reach = changed.reached_by(modules)
    assert {"pkg.b", "pkg.sub", "pkg.sub.c", "pkg.d"} <= reach["pkg.a"]
    assert reach["pkg.d"] == {"pkg.d"}


def test_renames_and_new_files_are_listed(project: Path) -> None:
    _git(project, "mv", "docs/runs.md", "docs/best.md")
    (project / "docs/new.md").write_text("# New\n")
    assert changed.changed_files(project) == ["docs/best.md", "docs/new.md", "docs/runs.md"]
