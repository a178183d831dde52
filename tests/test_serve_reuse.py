"""What ``mkdocs serve`` reuses from one rebuild to the next, and that it cannot go stale: the whole verdicts while
the inputs digest (the code, the recorded results and the installed packages, not the docs) and the pages' claims
are unchanged; otherwise each claims module's truths while its own key holds (:mod:`solutions.engine.inputs`), so
that an edit computes again exactly the modules that depend on it.  A build is never handed any."""

from __future__ import annotations

import json
import os
import pickle
import re
import subprocess
import sys
import time
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


def test_a_file_written_since_a_standby_started_is_seen_even_if_its_bytes_are_back(tmp_path: Path) -> None:
    """An edit undone (the same digest) while a standby process imported: its start time tells."""
    root = _project(tmp_path)
    old = time.time_ns() - 60 * 10**9
    for path in root.rglob("*"):
        os.utime(path, ns=(old, old))
    since = time.time_ns()
    assert not background.changed_since(root, [root / "docs"], since)
    helper = root / "course" / "helper.py"
    helper.write_bytes(helper.read_bytes())  # written again, bytes unchanged
    assert background.changed_since(root, [root / "docs"], since)
    os.utime(helper, ns=(old, old))
    (root / "docs" / "a.md").write_text("Edited.\n", encoding="utf-8")  # the docs: not what the process imports
    assert not background.changed_since(root, [root / "docs"], since)


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


def _check(root: Path, known: background.Kept | None) -> background.SiteCheck:
    return background.start(
        root / "docs", replace(SETTINGS, packages=("course",), root=root, workers=1), known
    ).result()


def test_a_checking_process_compares_with_the_truths_it_is_handed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Handed a truth whose module's key holds, the process does not run the claim's function: the page is compared
    with the truth handed (here a wrong one, to tell), and the truths come back for the next rebuild."""
    root = _project(tmp_path)
    (root / "course" / "demo_claims.py").write_text(CLAIMS, encoding="utf-8")
    (root / "docs" / "a.md").write_text("There are [[demo.triplets: 36]] triplets.\n", encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # this repository's engine in the process
    built = _check(root, None)  # a build: hands nothing back
    assert [r.status for r in built.report.results] == [VERIFIED] and built.kept == background.Kept()
    cold = _check(root, background.Kept())  # serve's first build
    assert [r.status for r in cold.report.results] == [VERIFIED] and cold.reused == 0
    assert pickle.loads(cold.kept.truths["demo.triplets"]) == 36
    assert set(cold.kept.keys) == {"course.demo_claims"}
    wrong = background.Kept({"demo.triplets": pickle.dumps(35)}, cold.kept.keys)
    handed = _check(root, wrong)
    assert [r.status for r in handed.report.results] == [FAILED] and handed.reused == 1
    assert "code computes: 35" in handed.report.results[0].message
    forged = background.Kept(wrong.truths, {"course.demo_claims": ("0" * 64, [])})  # a key that does not hold
    again = _check(root, forged)
    assert [r.status for r in again.report.results] == [VERIFIED] and again.stale == ["course.demo_claims"]


def test_a_checking_process_reuses_a_verdict_only_for_the_same_value_place_truth_and_engine(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under serve, a page value whose text, place and truth are unchanged (and the engine too) keeps its last
    verdict: a value edit judges only the value edited."""
    root = _project(tmp_path)
    pairs = '\n\n@claim("demo.pairs", Integer(), "counted")\ndef pairs():\n    return 6\n'
    (root / "course" / "demo_claims.py").write_text(CLAIMS + pairs, encoding="utf-8")
    page = root / "docs" / "a.md"
    page.write_text("There are [[demo.triplets: 36]] triplets.\n\nAnd [[demo.pairs: 6]] pairs.\n", encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", str(ROOT))

    def shown(check: background.SiteCheck) -> list[tuple[str, str]]:
        return [(r.status, r.message) for r in check.report.results]

    cold = _check(root, background.Kept())
    assert cold.judged_again == 2 and len(cold.kept.results) == 2
    again = _check(root, cold.kept)
    assert again.judged_again == 0 and shown(again) == shown(cold)
    page.write_text(page.read_text(encoding="utf-8").replace("[[demo.pairs: 6]]", "[[demo.pairs: 7]]"))
    edited = _check(root, again.kept)
    assert edited.judged_again == 1 and [r.status for r in edited.report.results] == [VERIFIED, FAILED]
    assert _check(root, edited.kept).judged_again == 1  # a failure is never kept (it may be the machine's: a timeout)
    other_engine = _check(root, replace(edited.kept, engine="0" * 64))  # the engine's code or a version changed
    assert other_engine.judged_again == 2 and shown(other_engine) == shown(edited)
    # A truth the verdicts were not judged with: its values are judged again (the other keeps its verdict).
    wrong = replace(edited.kept, truths={**edited.kept.truths, "demo.triplets": pickle.dumps(35)})
    assert _check(root, wrong).judged_again == 2  # and the failed value, judged again as every failure is
    moved = "\n" + page.read_text(encoding="utf-8")  # each value one line down: its place is in its verdict
    page.write_text(moved, encoding="utf-8")
    shifted = _check(root, edited.kept)
    assert shifted.judged_again == 2 and [r.line for r in shifted.report.results] == [2, 4]


def test_a_standby_whose_import_time_reads_changed_hands_over_to_a_fresh_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A claims module that reads a file outside the project when imported (which the plugin's guard does not
    walk): edited after the standby imported it, the standby says so and a fresh process judges instead."""
    root = _project(tmp_path / "project")
    beside = tmp_path / "count.txt"
    beside.write_text("36\n", encoding="utf-8")
    module = (
        "from pathlib import Path\nfrom solutions.engine import Integer, claim\n\n"
        "COUNT = int((Path(__file__).resolve().parent.parent.parent / 'count.txt').read_text())\n\n\n"
        "@claim('demo.triplets', Integer(), 'read when imported')\ndef triplets():\n    return COUNT\n"
    )
    (root / "course" / "demo_claims.py").write_text(module, encoding="utf-8")
    (root / "docs" / "a.md").write_text("There are [[demo.triplets: 37]] triplets.\n", encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    old = time.time_ns() - 60 * 10**9
    os.utime(beside, ns=(old, old))  # written long before the standby starts
    settings = replace(SETTINGS, packages=("course",), root=root, workers=1)

    def imported() -> background.Running:
        ready = background.standby(root / "docs", settings)
        deadline = time.monotonic() + 120
        while not ready._watch.done and time.monotonic() < deadline:  # the standby has imported the course
            time.sleep(0.1)
        assert ready._watch.done
        return ready

    unchanged = imported().go(background.Kept()).result()  # nothing changed: the standby judges
    assert [r.status for r in unchanged.report.results] == [FAILED]  # the page says 37, the file 36
    ready = imported()
    beside.write_text("37\n", encoding="utf-8")
    running = ready.go(background.Kept())
    with pytest.raises(background.StandbyStale, match="count.txt"):
        running.result()
    fresh = running.restart().result()
    assert [r.status for r in fresh.report.results] == [VERIFIED]


# A small course for the per-module keys: `helper` is imported by a_claims only; `runs` reads results/run.json
# (and caches it), imported by c1_claims and c2_claims; b_claims imports the distribution `fakedist` (installed in a
# folder of its own on the path) and nothing of the course; d_claims reads a file beside the project.
MODULES = {
    "helper.py": "def count():\n    return 36\n",
    "runs.py": (
        "import functools, json\nfrom pathlib import Path\n\n\n@functools.cache\ndef accuracy():\n"
        "    return json.loads((Path(__file__).parent.parent / 'results' / 'run.json').read_text())['accuracy']\n"
    ),
    "a_claims.py": CLAIMS.replace("demo.triplets", "a.triplets"),
    "b_claims.py": (
        "from solutions.engine import Integer, claim\nimport fakedist\n\n\n"
        "@claim('b.version', Integer(), 'read')\ndef version():\n    return fakedist.MAJOR\n"
    ),
    "c1_claims.py": (
        "from solutions.engine import Decimal, claim\nfrom course.runs import accuracy\n\n\n"
        "@claim('c1.acc', Decimal(0.01), 'read')\ndef acc():\n    return 100 * accuracy()\n"
    ),
    "c2_claims.py": (
        "from solutions.engine import Decimal, claim\nfrom course.runs import accuracy\n\n\n"
        "@claim('c2.acc', Decimal(0.01), 'read')\ndef acc():\n    return 100 * accuracy()\n"
    ),
    "d_claims.py": (
        "from pathlib import Path\nfrom solutions.engine import Integer, claim\n\n\n"
        "@claim('d.count', Integer(), 'read')\ndef count():\n"
        "    return int((Path(__file__).parent.parent.parent / 'data.txt').read_text())\n"
    ),
}
PAGE = (
    "There are [[a.triplets: 36]] triplets, version [[b.version: 1]], accuracy [[c1.acc: 90]] and "
    "[[c2.acc: 90]], and [[d.count: 7]] items.\n"
)
ALL = {"course.a_claims", "course.b_claims", "course.c1_claims", "course.c2_claims", "course.d_claims"}


def _fakedist(site: Path, version: str) -> None:
    (site / "fakedist").mkdir(parents=True, exist_ok=True)
    (site / "fakedist" / "__init__.py").write_text("MAJOR = 1\n", encoding="utf-8")
    info = site / "fakedist-0.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: fakedist\nVersion: {version}\n", encoding="utf-8")
    (info / "top_level.txt").write_text("fakedist\n", encoding="utf-8")


@pytest.fixture
def course(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = _project(tmp_path / "project")
    for name, text in MODULES.items():
        (root / "course" / name).write_text(text, encoding="utf-8")
    (root / "docs" / "a.md").write_text(PAGE, encoding="utf-8")
    (tmp_path / "data.txt").write_text("7\n", encoding="utf-8")
    _fakedist(tmp_path / "site", "1.0")
    monkeypatch.setenv("PYTHONPATH", f"{ROOT}{os.pathsep}{tmp_path / 'site'}")
    return root


@pytest.mark.parametrize(
    ("what", "change", "dependent"),
    [
        ("nothing", lambda r: None, set()),
        ("an imported helper", lambda r: _replace(r / "course" / "helper.py", "36", "37"), {"course.a_claims"}),
        (
            "a results file read through a cached helper",
            lambda r: _replace(r / "results" / "run.json", "0.9", "0.91"),
            {"course.c1_claims", "course.c2_claims"},
        ),
        ("a pinned version", lambda r: _fakedist(r.parent / "site", "1.1"), {"course.b_claims"}),
        ("a file beside the project", lambda r: _replace(r.parent / "data.txt", "7", "8"), {"course.d_claims"}),
        ("a page's prose", lambda r: _replace(r / "docs" / "a.md", "There are", "We count"), set()),
        (
            "the claims module itself",
            lambda r: _replace(r / "course" / "d_claims.py", "'read'", "'read from data.txt'"),
            {"course.d_claims"},
        ),
    ],
)
def test_an_edit_computes_again_exactly_the_claims_that_depend_on_it(
    course: Path, what: str, change: object, dependent: set[str]
) -> None:
    """Each claims module's truths are keyed on its code and every project module it imports, the distributions
    those import, and the files its code (or an imported helper's, cached or not) read: an edit makes exactly the
    modules that depend on it compute again; every other truth is reused, and the verdicts are those of a build."""
    cold = _check(course, background.Kept())
    assert all(r.status == VERIFIED for r in cold.report.results), [r.message for r in cold.report.results]
    assert set(cold.kept.keys) == ALL
    change(course)  # type: ignore[operator]
    warm = _check(course, cold.kept)
    assert set(warm.stale) == dependent, what
    assert warm.reused == len(ALL) - len(dependent), what
    build = _check(course, None)  # from cold: the verdicts to match
    assert [(r.claim_id, r.status, r.truth) for r in warm.report.results] == [
        (r.claim_id, r.status, r.truth) for r in build.report.results
    ]
    assert set(warm.kept.keys) == ALL  # and all of them keyed again for the next rebuild
    assert _check(course, warm.kept).stale == []


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_serve_reuses_the_verdicts_for_a_prose_edit_and_the_truths_for_a_value_edit(server: Server) -> None:  # noqa: F811
    ran = "JUDGED demo.triplets"  # printed by the claim's function
    # Prose: no claim changed, nor any code: the last verdicts stand, no checking process starts.
    at = edit(server, "b.md", "No result here.", "No result here, still.")
    rebuilt(server, at)
    assert "the last verdicts stand" in server.printed()[at:] and ran not in server.printed()[at:]
    assert "claim-verified" in server.get("a/")[1]
    # A claim's value: compared with the truth kept, the claim's function does not run.  A first value edit makes
    # the standby process one started after a build of this test (the one there was may have started just after an
    # earlier test wrote a file, which a standby must not trust); the second save waits until that standby has
    # imported the code, as a contributor reading the page does, and must use it.
    rebuilt(server, edit(server, "a.md", "[[demo.triplets: 36]]", "[[demo.triplets: 35]]"))
    started, ready = "starting the next checking process now", "the next checking process has imported the code"
    deadline = time.monotonic() + 120
    while server.printed().count(ready) < server.printed().count(started):  # the latest standby is ready
        assert time.monotonic() < deadline, server.printed()[-3000:]
        time.sleep(0.2)
    at = edit(server, "a.md", "[[demo.triplets: 35]]", "[[demo.triplets: 37]]")
    rebuilt(server, at)
    assert "1 truths reused; computed again for the changed modules: none" in server.printed()[at:]
    assert ran not in server.printed()[at:]
    standby = "checking in the process started after the last build"  # it had imported the code already
    assert standby in server.printed()[at:], server.printed()[at:]
    assert "claim demo.triplets is wrong." in server.get("a/")[1]
    # The code: every truth is computed again.
    claims = server.project / "course" / "demo_claims.py"
    at = len(server.printed())
    claims.write_text(claims.read_text(encoding="utf-8").replace("return 36", "return 37"), encoding="utf-8")
    rebuilt(server, at)
    assert "0 truths reused; computed again for the changed modules: course.demo_claims" in server.printed()[at:]
    assert ran in server.printed()[at:]
    assert standby not in server.printed()[at:]  # it imported the code before the edit
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


def _as_built(page: str) -> str:
    """A served page without the live-reload script the server adds (the last ``<script>`` before ``</body>``)."""
    end = page.rindex("</body>")
    start = page.rindex("<script>", 0, end)
    return _untimed(page[:start] + page[end:])


def _untimed(page: str) -> str:
    """The Verification page says how long the checks took: the one figure two builds need not share."""
    return re.sub(r"Checking them all took [0-9.]+ s", "Checking them all took (time)", page)


def test_a_served_rebuild_shows_exactly_what_a_cold_build_writes(server: Server, tmp_path: Path) -> None:  # noqa: F811
    """After edits under serve (renderings, search entries, verdicts and truths reused where their keys held),
    every page and the search index equal what ``mkdocs build`` writes from cold for the same files."""
    rebuilt(server, edit(server, "b.md", "No result here.", "No result here, still."))
    at = edit(server, "a.md", "triplets.", "triplets, counted.")
    rebuilt(server, at)
    assert "Traceback" not in server.printed()
    reused = re.search(
        r"MkDocs' rendering of (\d+) pages and the search entries of (\d+) reused", server.printed()[at:]
    )
    assert reused and int(reused[1]) >= 2 and int(reused[2]) >= 2, reused  # b.md's and the home page's, at least
    built = tmp_path / "built"
    config = server.project / "built.yml"  # the server's own address as the site's (serve sets it so)
    config.write_text((server.project / "mkdocs.yml").read_text("utf-8") + f"site_url: {server.url}\n", "utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(built)],
        cwd=server.project,
        env={**os.environ, "PYTHONPATH": str(ROOT), "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    pages = ["", "a/", "b/", "verification/", "checks/demo_claims/"]
    for url in pages:
        status, served = server.get(url)
        assert status == 200
        assert _as_built(served) == _untimed((built / url / "index.html").read_text(encoding="utf-8")), url
    served_index = json.loads(_untimed(server.get("search/search_index.json")[1]))
    built_index = json.loads(_untimed((built / "search" / "search_index.json").read_text("utf-8")))
    assert served_index == built_index, [d for d in served_index["docs"] if d not in built_index["docs"]]
