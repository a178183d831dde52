"""Claim coverage in real ``mkdocs build`` runs of one-page sites (the site's Markdown extensions and the claims
plugin, with a claims package of one claim): what the reader receives is what is scanned, an unchecked number
stops the build with one line naming the source file and line, and hostile pages build (or are refused) in
seconds."""

from __future__ import annotations

import resource
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, mkdocs_build

pytestmark = pytest.mark.build


def _cpu_seconds() -> float:
    """Processor time of this process's finished children (the build and its checking process): what a build
    costs, which the wall clock overstates when the tests run beside each other on every core."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


CLAIMS = """from solutions.engine import Integer, claim


@claim("demo.answer", Integer(), "a constant")
def answer() -> int:
    return 36
"""


def _site(tmp_path: Path, page: str, extra: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Build a one-page project whose docs/index.md is ``page`` (``extra``: more files under docs/)."""
    from mkdocs.utils.yaml import yaml_load

    with open(ROOT / "mkdocs.yml", encoding="utf-8") as f:
        real = yaml_load(f)
    project = tmp_path / "project"
    (project / "docs").mkdir(parents=True)
    (project / "demo").mkdir()
    (project / "solutions").symlink_to(ROOT / "solutions")  # the engine of this worktree, from the cwd
    (project / "demo" / "__init__.py").write_text("", encoding="utf-8")
    (project / "demo" / "demo_claims.py").write_text(CLAIMS, encoding="utf-8")
    (project / "docs" / "index.md").write_text(page, encoding="utf-8")
    for name, text in (extra or {}).items():
        (project / "docs" / name).write_text(text, encoding="utf-8")
    extensions = [
        {"pymdownx.snippets": {"base_path": ["docs"], "restrict_base_path": True, "check_paths": True}}
        if isinstance(e, dict) and "pymdownx.snippets" in e
        else e
        for e in real["markdown_extensions"]
    ]
    config = {
        "site_name": "coverage",
        "plugins": [{"claims": {"packages": ["demo"], "workers": 1}}],
        "markdown_extensions": extensions,
    }
    (project / "mkdocs.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return mkdocs_build(project, project / "site")


CLAIM = "The answer is [[demo.answer: 36]].\n"


def test_a_clean_page_builds_and_its_claim_value_is_no_unchecked_number(tmp_path: Path) -> None:
    run = _site(
        tmp_path, "---\ncontext:\n  - name: HW2 of a 2019 course\n---\n\n# Demo\n\nHW2 of a 2019 course.\n\n" + CLAIM
    )
    assert run.returncode == 0, run.stderr[-3000:]


@pytest.mark.parametrize(
    ("body", "number", "line"),
    [
        ("Text\n{: title='accuracy 87' }\n", "87", 6),  # an attribute list's tooltip
        ("The answer is &#51;&#55;.\n", "37", 1),  # a character reference: located at the heading, said so
        ("Shown: <!-->37 here.\n", "37", 5),
        ('--8<-- "notes.md"\n', "87", 1),  # a snippet-included number
    ],
)
def test_an_unchecked_number_stops_the_build_at_its_source_line(
    tmp_path: Path, body: str, number: str, line: int
) -> None:
    run = _site(tmp_path, "# Demo\n\n" + CLAIM + "\n" + body, {"notes.md": "The accuracy is 87%.\n"})
    assert run.returncode != 0
    expected = f"docs/index.md:{line}: the number '{number}' is not checked: make it a claim ([[id: value]]) or "
    assert expected in run.stderr, run.stderr[-3000:]
    assert "Traceback" not in run.stderr


def test_twenty_thousand_declarations_build_in_seconds(tmp_path: Path) -> None:
    n = 20_000
    front = "---\ncontext:\n" + "".join(f"  - name: word{k} has {k}\n" for k in range(n)) + "---\n\n"
    body = "\n\n".join(f"Here word{k} has {k}." for k in range(n))
    start = _cpu_seconds()
    run = _site(tmp_path, front + "# Demo\n\n" + CLAIM + "\n" + body + "\n")
    seconds = _cpu_seconds() - start
    assert run.returncode == 0, run.stderr[-3000:]
    assert seconds < 60, seconds


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("\n\n".join(f"<!-- b {k}" for k in range(100_000)), "docs/index.md:5: '<!--' opens a comment that no"),
        ("\n".join(f"a <!-- b {k}" for k in range(100_000)), "docs/index.md:5: '<!--' opens a comment that no"),
        ("\n".join(f"\\( x {k}" for k in range(10_000)), "opens math with \\( 10000 times without closing it"),
    ],
    ids=["comments in paragraphs", "comments in one paragraph", "math openers"],
)
def test_unclosed_openers_are_refused_in_seconds(tmp_path: Path, body: str, message: str) -> None:
    start = _cpu_seconds()
    run = _site(tmp_path, "# Demo\n\n" + CLAIM + "\n" + body + "\n")
    seconds = _cpu_seconds() - start
    assert run.returncode != 0 and message in run.stderr, run.stderr[-3000:]
    assert seconds < 60, seconds


def test_many_comments_closed_at_the_end_build_in_seconds(tmp_path: Path) -> None:
    """100,000 comments build in linear time: 47 to 63 processor seconds on the 2-core machine (the build and its
    checking process, busy beside other work); a quadratic scan of them would take hours."""
    body = "\n\n".join(f"<!-- b {k}" for k in range(100_000)) + " -->"
    start = _cpu_seconds()
    run = _site(tmp_path, "# Demo\n\n" + CLAIM + "\n" + body + "\n")
    seconds = _cpu_seconds() - start
    assert run.returncode == 0, run.stderr[-3000:]
    assert seconds < 120, seconds
