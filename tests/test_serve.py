"""``mkdocs serve`` keeps answering whatever a page gets wrong: a real server, on a small project of its own.

Each test starts ``python -m mkdocs serve --strict`` on a free port as a subprocess, in a temporary project
that uses the claims plugin of this repository (one claims module, three pages), edits a page under it and
waits for the rebuild.  A page's problems show as a banner at its top, with the message the log prints, and
on the home page; every other page still answers; a save during a rebuild is checked by the next one."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT

MKDOCS_YML = """\
site_name: Serve test
theme:
  name: material
plugins:
  - claims:
      packages: [course]
      workers: 1
  - search   # as the site: its entries are reused under serve too (solutions.engine.rebuild)
watch:
  - course
hooks:
  - hold.py
markdown_extensions:
  - admonition
  - attr_list
  - md_in_html
  - pymdownx.superfences
  - pymdownx.arithmatex:
      generic: true
"""

# A test saves a page at a known moment of a rebuild by holding one side while the file `hold-checks` or
# `hold-mkdocs` exists beside the project (outside it: neither is watched nor part of the inputs digest):
# importing the claims module waits (the checking process has not read the pages yet), or MkDocs waits before
# it reads a.md (the hook); and the claim's function says when it ran (`judged`, while MkDocs is held).
CLAIMS = """\
import sys
import time
from pathlib import Path

from solutions.engine import Integer, claim

beside = Path(__file__).resolve().parent.parent.parent
for _ in range(400):
    if not (beside / "hold-checks").exists():
        break
    time.sleep(0.05)


@claim("demo.triplets", Integer(), "counted by hand for this test")
def triplets():
    print("JUDGED demo.triplets", file=sys.stderr)  # the server's log shows it when the function runs
    if (beside / "hold-mkdocs").exists():  # (a stat: no read, which would keep the truth from being reused)
        (beside / "judged").touch()
    return 36
"""

HOOK = """\
import time
from pathlib import Path


def on_pre_page(page, config, files):
    hold = Path(config["config_file_path"]).parent.parent / "hold-mkdocs"
    for _ in range(400):
        if page.file.src_uri != "a.md" or not hold.exists():
            break
        time.sleep(0.05)
    return page
"""

PAGES = {
    # No claim (nor the claims summary) on the home page: MkDocs reads it first, then a.md, and only there
    # waits for the verdicts (the save-during-a-rebuild test counts on it).
    "index.md": "# Home\n\nA test site.\n",
    "a.md": "# A\n\nThere are [[demo.triplets: 36]] triplets.\n",
    "b.md": "# B\n\nNo result here.\n",
}


class Server:
    """A running ``mkdocs serve`` and what it printed (one file: stdout and stderr together)."""

    def __init__(self, project: Path) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.project = project
        self.log = project.parent / "serve.log"  # beside the project: not one of its inputs
        self.url = f"http://127.0.0.1:{self.port}/"
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": os.environ.get("HOME", str(project)),
            "PYTHONPATH": str(ROOT),  # this repository's engine, whatever the virtual environment points to
            "NO_MKDOCS_2_WARNING": "1",
            "PYTHONDONTWRITEBYTECODE": "1",  # no __pycache__ in the watched course folder: one rebuild per edit
        }
        with self.log.open("wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "mkdocs", "serve", "--strict", "-a", f"127.0.0.1:{self.port}"],
                cwd=project,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def printed(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_for(self, text: str, after: int = 0, timeout: float = 120) -> int:
        """Wait until ``text`` is printed after offset ``after``; return the offset just past it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            out = self.printed()
            if (at := out.find(text, after)) >= 0:
                return at + len(text)
            assert self.proc.poll() is None, f"mkdocs serve ended:\n{out[-3000:]}"
            time.sleep(0.2)
        raise AssertionError(f"{text!r} not printed within {timeout} s:\n{self.printed()[-3000:]}")

    def get(self, path: str) -> tuple[int, str]:
        """The page's status and text; a server that holds the request fails the test (it would hang)."""
        with urllib.request.urlopen(self.url + path, timeout=20) as r:  # our own local server
            return r.status, r.read().decode("utf-8")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)  # as Ctrl-C: the plugin stops its checking process
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    project = tmp_path / "project"
    (project / "course").mkdir(parents=True)
    (project / "docs").mkdir()
    (project / "mkdocs.yml").write_text(MKDOCS_YML, encoding="utf-8")
    (project / "course" / "__init__.py").write_text("", encoding="utf-8")
    (project / "course" / "demo_claims.py").write_text(CLAIMS, encoding="utf-8")
    (project / "hold.py").write_text(HOOK, encoding="utf-8")
    for name, text in PAGES.items():
        (project / "docs" / name).write_text(text, encoding="utf-8")
    srv = Server(project)
    try:
        srv.wait_for("Serving on")
        yield srv
    finally:
        srv.stop()


def edit(server: Server, page: str, old: str, new: str) -> int:
    """Replace ``old`` by ``new`` in a page of the served project; the offset of the log when it was saved."""
    path = server.project / "docs" / page
    text = path.read_text(encoding="utf-8")
    assert old in text
    at = len(server.printed())
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return at


def rebuilt(server: Server, after: int) -> int:
    """Wait for the rebuild that follows ``after`` to be served."""
    return server.wait_for("Reloading browsers", server.wait_for("Detected file changes", after))


def test_an_unchecked_number_shows_on_its_page_and_every_page_answers(server: Server) -> None:
    assert "claim-verified" in server.get("a/")[1]
    at = rebuilt(server, edit(server, "b.md", "No result here.", "It took 17 minutes."))
    message = "docs/b.md:3: the number '17' is not checked"
    assert message in server.printed()[at:] or message in server.printed()
    for path in ("", "a/", "b/", "verification/"):
        assert server.get(path)[0] == 200, path
    page = server.get("b/")[1]
    assert "1 problem(s) on this page" in page
    assert "docs/b.md:3: the number &#x27;17&#x27; is not checked" in page
    assert page.index("problem(s) on this page") < page.index("It took")  # at the top, above the page's text
    home = server.get("")[1]
    assert "1 problem(s) on this site" in home and 'href="b/"' in home
    assert home.index("problem(s) on this site") > home.index("<article")  # in the page, not above the header

    # A failing claim: the same, with the claim's own message (page says, code computes) on its page.
    rebuilt(server, edit(server, "a.md", "[[demo.triplets: 36]]", "[[demo.triplets: 37]]"))
    page = server.get("a/")[1]
    assert "docs/a.md:3: claim demo.triplets is wrong." in page and "page says:     37" in page
    assert "claim demo.triplets is wrong." in server.printed()
    assert "2 problem(s) on this site" in server.get("")[1]

    # A page the engine cannot read: shown as its banner only; the others as before.
    rebuilt(server, edit(server, "a.md", "[[demo.triplets: 37]]", "[[demo.triplets: ]]"))
    status, page = server.get("a/")
    assert status == 200 and "the page is not shown until it is fixed" in page and "docs/a.md:3" in page
    assert "There are" not in page
    assert server.get("b/")[0] == 200

    # MkDocs' own warning (a broken link), which `--strict` stops on: still served, listed on the home page.
    rebuilt(server, edit(server, "b.md", "It took 17 minutes.", "See [the missing page](missing.md)."))
    assert "contains a link &#x27;missing.md&#x27;, but the target is not found" in server.get("")[1]
    assert server.get("b/")[0] == 200 and "Aborted with 1 warnings in strict mode!: served anyway" in server.printed()

    # Fixed: no banner is left anywhere.
    at = edit(server, "a.md", "[[demo.triplets: ]]", "[[demo.triplets: 36]]")
    edit(server, "b.md", "See [the missing page](missing.md).", "No result here.")
    rebuilt(server, at)
    for path in ("", "a/", "b/"):
        assert "problem(s) on this" not in server.get(path)[1], path
    assert "Traceback" not in server.printed()


@pytest.mark.parametrize("first", ["mkdocs", "checks"])
def test_a_save_during_a_rebuild_is_checked_by_the_next_one_without_a_traceback(server: Server, first: str) -> None:
    """A page saved between the moments MkDocs and the checking process read it (either first): its marks say
    it was not checked, a rebuild follows and checks it; never a traceback (it was a KeyError)."""
    beside = server.project.parent
    held = beside / ("hold-checks" if first == "mkdocs" else "hold-mkdocs")
    held.touch()
    (beside / "judged").unlink(missing_ok=True)
    claims = server.project / "course" / "demo_claims.py"
    at = len(server.printed())
    claims.write_text(claims.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")  # so a process checks
    started = server.wait_for("Building documentation...", server.wait_for("Detected file changes", at))
    if first == "mkdocs":
        time.sleep(3)  # MkDocs has read a.md and waits for the verdicts; the checking process has not read it
    else:
        deadline = time.monotonic() + 60  # the checking process has read a.md and judged it; MkDocs has not
        while not (beside / "judged").exists():
            assert time.monotonic() < deadline, server.printed()[-3000:]
            time.sleep(0.1)
    edit(server, "a.md", "# A\n", "# A\n\nA line more: the claim moves down.\n")
    held.unlink()
    server.wait_for("Reloading browsers", started)
    # The save queued another build, which checks the page as saved.
    server.wait_for("Reloading browsers", server.wait_for("Detected file changes", started))
    out = server.printed()
    assert "docs/a.md: the page changed while its claims were being checked" in out[started:]
    assert "Traceback" not in out and "KeyError" not in out
    page = server.get("a/")[1]
    assert "A line more" in page and "claim-verified" in page and "problem(s) on this page" not in page
