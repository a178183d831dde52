"""What ``mkdocs serve`` reuses from one rebuild to the next, and that it cannot go stale: the inputs digest
covers the code, the recorded results and the installed packages (not the docs); a checking process handed
known truths compares the pages with them instead of computing them; a build is never handed any."""

from __future__ import annotations

import pickle
from dataclasses import replace
from importlib import metadata
from pathlib import Path
from types import SimpleNamespace

import pytest

from solutions.engine import background
from solutions.engine.verdicts import FAILED, VERIFIED
from tests.conftest import ROOT, SETTINGS
from tests.test_serve import Server, edit, rebuilt, server  # noqa: F401  # the running server fixture


def _project(tmp_path: Path) -> Path:
    for folder in ("course", "docs", "results"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "course" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "course" / "helper.py").write_text("def count():\n    return 36\n", encoding="utf-8")
    (tmp_path / "results" / "run.json").write_text('{"accuracy": 0.9}\n', encoding="utf-8")
    (tmp_path / "docs" / "a.md").write_text("There are 36 triplets.\n", encoding="utf-8")
    return tmp_path


def _digest(root: Path) -> str:
    return background.inputs_digest(root, [root / "docs"])


@pytest.mark.parametrize(
    ("what", "change"),
    [
        ("an imported helper", lambda r: (r / "course" / "helper.py").write_text("def count():\n    return 37\n")),
        ("a results file", lambda r: (r / "results" / "run.json").write_text('{"accuracy": 0.91}\n')),
        ("a new results file", lambda r: (r / "results" / "run2.json").write_text("{}\n")),
        ("a removed file", lambda r: (r / "results" / "run.json").unlink()),
    ],
)
def test_the_inputs_digest_changes_with_the_code_and_results(tmp_path: Path, what: str, change: object) -> None:
    root = _project(tmp_path)
    before = _digest(root)
    assert _digest(root) == before  # deterministic
    change(root)  # type: ignore[operator]
    assert _digest(root) != before, what


def test_the_inputs_digest_changes_with_an_installed_version(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _project(tmp_path)
    real = list(metadata.distributions())
    before = _digest(root)
    bumped = [SimpleNamespace(metadata={"Name": d.metadata["Name"]}, version=d.version) for d in real]
    bumped[0].version += ".post1"
    monkeypatch.setattr(metadata, "distributions", lambda: bumped)
    assert _digest(root) != before


def test_the_inputs_digest_ignores_the_docs_and_hidden_folders(tmp_path: Path) -> None:
    root = _project(tmp_path)
    before = _digest(root)
    (root / "docs" / "a.md").write_text("There are 37 triplets.\n", encoding="utf-8")  # the pages are judged anew
    (root / ".cache").mkdir()
    (root / ".cache" / "x").write_text("x", encoding="utf-8")
    assert _digest(root) == before


CLAIMS = """\
from solutions.engine import Integer, claim

from course.helper import count


@claim("demo.triplets", Integer(), "counted")
def triplets():
    return count()
"""


def test_a_checking_process_compares_with_the_truths_it_is_handed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Handed a truth, the process does not run the claim's function: the page is compared with the truth handed
    (here a wrong one, to tell), and the truths come back for the next rebuild."""
    root = _project(tmp_path)
    (root / "course" / "demo_claims.py").write_text(CLAIMS, encoding="utf-8")
    (root / "docs" / "a.md").write_text("There are [[demo.triplets: 36]] triplets.\n", encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # this repository's engine in the process
    settings = replace(SETTINGS, packages=("course",), root=root, workers=1)
    built = background.start(root / "docs", settings).result()  # a build: hands nothing back
    assert [r.status for r in built.report.results] == [VERIFIED] and built.truths == {}
    cold = background.start(root / "docs", settings, {}).result()  # serve's first build
    assert [r.status for r in cold.report.results] == [VERIFIED]
    assert pickle.loads(cold.truths["demo.triplets"]) == 36
    handed = background.start(root / "docs", settings, {"demo.triplets": pickle.dumps(35)}).result()
    assert [r.status for r in handed.report.results] == [FAILED]
    assert "code computes: 35" in handed.report.results[0].message


def test_a_truth_computed_from_a_file_outside_the_digest_is_never_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Data beside the project (as ../shared/data is) is not in the inputs digest: a truth read from it, and any
    computed after it in the same process, is computed again on every rebuild instead of being kept."""
    root = _project(tmp_path / "project")
    (tmp_path / "data.txt").write_text("36\n", encoding="utf-8")
    reads = CLAIMS.replace("from course.helper import count\n", "from pathlib import Path\n").replace(
        "return count()", f"return int(Path({str(tmp_path / 'data.txt')!r}).read_text())"
    )
    (root / "course" / "demo_claims.py").write_text(reads, encoding="utf-8")
    (root / "docs" / "a.md").write_text("There are [[demo.triplets: 36]] triplets.\n", encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    check = background.start(root / "docs", replace(SETTINGS, packages=("course",), root=root, workers=1), {}).result()
    assert [r.status for r in check.report.results] == [VERIFIED]
    assert check.truths == {}


def test_serve_reuses_the_verdicts_for_a_prose_edit_and_the_truths_for_a_value_edit(server: Server) -> None:  # noqa: F811
    ran = "JUDGED demo.triplets"  # printed by the claim's function
    # Prose: no claim changed, nor any code: the last verdicts stand, no checking process starts.
    at = edit(server, "b.md", "No result here.", "No result here, still.")
    rebuilt(server, at)
    assert "the last verdicts stand" in server.printed()[at:] and ran not in server.printed()[at:]
    assert "claim-verified" in server.get("a/")[1]
    # A claim's value: compared with the truth kept, the claim's function does not run.
    at = edit(server, "a.md", "[[demo.triplets: 36]]", "[[demo.triplets: 37]]")
    rebuilt(server, at)
    assert "with 1 truths kept" in server.printed()[at:] and ran not in server.printed()[at:]
    assert "claim demo.triplets is wrong." in server.get("a/")[1]
    # The code: every truth is computed again.
    claims = server.project / "course" / "demo_claims.py"
    at = len(server.printed())
    claims.write_text(claims.read_text(encoding="utf-8").replace("return 36", "return 37"), encoding="utf-8")
    rebuilt(server, at)
    assert "every truth computed" in server.printed()[at:] and ran in server.printed()[at:]
    page = server.get("a/")[1]
    assert "claim-verified" in page and "problem(s) on this page" not in page


def test_serve_reuses_the_sanitizers_answer_only_for_the_same_html(server: Server) -> None:  # noqa: F811
    """Under serve, a page whose HTML is unchanged is not parsed again (its answers are kept by a key of the HTML);
    HTML that changed is checked afresh, both ways: active content is refused at once, and shown again when gone."""
    assert "claim-verified" in server.get("a/")[1]
    at = rebuilt(server, edit(server, "b.md", "No result here.", "No result here. <img src=x onerror=alert(1)>"))
    page = server.get("b/")[1]
    assert "the page is not shown until it is fixed" in page and "event handler runs code" in page
    assert "claim-verified" in server.get("a/")[1]  # a page whose HTML did not change: its marks still counted
    at = rebuilt(server, edit(server, "b.md", " <img src=x onerror=alert(1)>", ""))
    page = server.get("b/")[1]
    assert "problem(s) on this page" not in page and "No result here." in page
    at = rebuilt(server, edit(server, "a.md", "triplets.", "triplets. <span class=claim-mark>✓</span>"))
    page = server.get("a/")[1]
    assert "the page is not shown until it is fixed" in page and "claim-mark" in page, page[-3000:]
    assert "Traceback" not in server.printed()[at:]
