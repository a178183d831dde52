"""Shared fixtures: the strict site build (once per session), a private copy of the docs to plant errors in, and
the browser tests' server and Chromium."""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from scripts import chromium, site_server
from solutions.engine import answers, registry
from solutions.engine.checks import reused_truths
from solutions.engine.config import Settings, from_mkdocs_yml
from solutions.engine.site import verify_docs
from solutions.engine.verdicts import Report

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
# The engine's settings as the site build reads them (the `claims` entry of mkdocs.yml).
SETTINGS: Settings = from_mkdocs_yml(ROOT / "mkdocs.yml")


def load_claims() -> dict[str, registry.Claim]:
    """Every claim of the course, as the checking process loads them."""
    return registry.load_all(SETTINGS.packages, SETTINGS.root)


# `make test` gives each test file to one of the workers (pytest-xdist, --dist loadfile), in collection order
# (--no-loadscope-reorder: xdist would otherwise sort the files by their number of tests, which put the browser
# files, few tests of minutes each, last, with one core busy and the other idle for ten minutes at the end).  The
# files that take longest come first, the two that build the site apart from the first that does not, so that
# the first worker builds the shared site while the second runs other tests (per-file seconds summed from
# `pytest --junitxml`, 2026-12-03, a training run and other builds on the machine: accessibility 554, site build
# 455, coverage build 370, IMDB pipeline 319, answer checker 210, browser 195, planted errors 178).
LONGEST_FIRST = (
    "test_accessibility_browser.py",
    "test_coverage_build.py",
    "test_site_build.py",
    "test_imdb_pipeline.py",
    "test_answer_checker_browser.py",
    "test_planted_errors.py",
    "test_browser.py",
    "test_matrix_answers.py",
    "test_reproduce.py",
    "test_coverage.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: each file's tests keep their order


@functools.cache
def site_report() -> Report:
    """Every claim of the real docs judged, once per test process (``verify_docs``, as ``verify`` and the site's
    checking process judge them): the tests that only read that report share it."""
    return verify_docs(DOCS, SETTINGS)


# In-page JavaScript for the browser tests: `contrast(el, fallback)` is the WCAG contrast ratio of an element's text
# against the first opaque background of it or its ancestors (`fallback`, a CSS colour, where there is none).
CONTRAST_JS = r"""
const lum = rgb => {
  const c = rgb.match(/[\d.]+/g).slice(0, 3).map(Number).map(v => v / 255)
    .map(v => v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4));
  return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
};
const background = (el, fallback) => {
  for (let e = el; e; e = e.parentElement) {
    const bg = getComputedStyle(e).backgroundColor;
    if (bg && !/rgba\(.*, 0\)$/.test(bg) && bg !== 'transparent') return bg;
  }
  return fallback;
};
const contrast = (el, fallback) => {
  const fg = lum(getComputedStyle(el).color), bg = lum(background(el, fallback));
  return (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
};
"""


# The command line's exit status for each verdict of `python -m solutions check` (the CLI-versus-page tests).
CLI_EXIT = {"equivalent": 0, "different": 1, "mistake": 1, "invalid": 2, "timeout": 2}


@pytest.fixture(scope="module")
def report() -> Report:
    """The site's report (see :func:`site_report`)."""
    return site_report()


@pytest.fixture(scope="module")
def catalog(report: Report) -> answers.Catalog:
    """The in-page checker's catalog of every claim, passed through JSON as the browser receives it."""
    data = answers.catalog(report.results, lambda cid: f"page#claim-{cid}", 5.0)
    return answers.Catalog.from_json(json.dumps(data))


@pytest.fixture(scope="session", autouse=True)
def _reused_truths() -> Iterator[None]:
    """The tests judge many copies of the same pages with the same code: compute each claim's truth once.
    (A test that swaps a claim's function gets a fresh truth: the reuse is keyed on the function.)"""
    with reused_truths():
        yield


@pytest.fixture
def docs_copy(tmp_path: Path) -> Path:
    """A copy of docs/ (without the fetched KaTeX files) that a test may edit."""
    dest = tmp_path / "docs"
    shutil.copytree(DOCS, dest, ignore=shutil.ignore_patterns("katex", "katex.tmp", "pyodide", "pyodide.tmp"))
    return dest


def plant(page: Path, old: str, new: str) -> int:
    """Replace exactly one occurrence of ``old`` in ``page``; return its 1-based line."""
    text = page.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {page}"
    line = text[: text.index(old)].count("\n") + 1
    page.write_text(text.replace(old, new), encoding="utf-8")
    return line


def mkdocs_build(project: Path, site: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(project / "mkdocs.yml"), "-d", str(site)],
        check=False,
        cwd=project,
        capture_output=True,
        text=True,
        timeout=600,
        env={"NO_MKDOCS_2_WARNING": "1", "PATH": str(Path(sys.executable).parent)},
    )


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real site, built once with ``mkdocs build --strict`` as CI and contributors build it.

    Under pytest-xdist (``make test`` runs one worker per core) the workers share that one build: the first to
    need it builds it into the run's common temporary folder, holding a file lock (``filelock``) that the others
    wait on, and a failed build is reported by every worker that needs it, from the same stderr."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):  # not distributed
        return _build_site(tmp_path_factory.mktemp("site"))
    from filelock import FileLock

    shared = tmp_path_factory.getbasetemp().parent  # the same folder for every worker of this run
    with FileLock(shared / "site.lock"):
        site, done, failed = shared / "site", shared / "site.done", shared / "site.failed"
        if failed.exists():
            pytest.fail(failed.read_text(encoding="utf-8"))
        if not done.exists():
            try:
                _build_site(site)
            except AssertionError as err:
                failed.write_text(str(err), encoding="utf-8")
                raise
            done.touch()
    return site


def _build_site(site: Path) -> Path:
    run = mkdocs_build(ROOT, site)
    assert run.returncode == 0, run.stderr[-4000:]
    return site


# The browser tests' fixtures (tests/test_browser.py, tests/test_answer_checker_browser.py): the built site
# served on 127.0.0.1, and headless Chromium driven by Selenium.
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))


def _browser_or_reason() -> str | None:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        return f"no {' or '.join(missing)} (apt-get install chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (make env installs it)"
    return None


@pytest.fixture(scope="module")
def server(built: Path) -> Iterator[str]:
    """The built site on a free port; its sitemap names that port, so that instant navigation works as deployed."""
    url, httpd = site_server.serve(built)
    yield url
    httpd.shutdown()


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    reason = _browser_or_reason()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"the browser test cannot run: {reason}")
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = chromium.options(
        CHROMIUM,
        tmp_path_factory.mktemp("chromium"),
        "--disable-dev-shm-usage",
        "--window-size=1280,900",
        "--force-prefers-reduced-motion",
        # No name resolves but this machine's: a page (or a worker, whose requests the log below misses) that
        # needed another host would fail, not just be reported.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
    )
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    drv = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    drv.set_page_load_timeout(60)
    yield drv
    drv.quit()
