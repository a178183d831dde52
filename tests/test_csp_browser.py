"""The Content-Security-Policy in a real browser (headless Chromium, as in tests/test_browser.py).

A script or an event handler planted into a built page after the build (past every check of the build) does
not run: the page's policy allows only the site's own scripts and the theme's inline ones, by hash.  And the
real pages still work under it: their math renders and no script is refused.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.build

PLANTED = (
    "<p>There are 35 valid triplets.</p>"
    "<img src=x onerror=\"document.title='handler ran'\">"
    "<script>document.title = 'script ran'</script>"
)


def _severe(driver: object) -> list[str]:
    return [e["message"] for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def _settle(driver: object, seconds: float = 1.5) -> None:
    """Wait for the page's scripts (KaTeX renders on DOMContentLoaded) and any planted one to have had a go."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and driver.execute_script("return document.readyState") != "complete":
        time.sleep(0.1)
    time.sleep(seconds)


def test_a_script_planted_in_a_built_page_does_not_run(driver: object, server: str, built: Path) -> None:
    page = built / "a2/part2/index.html"
    text = page.read_text(encoding="utf-8")
    marker = '<article class="md-content__inner md-typeset">'
    assert text.count(marker) == 1
    planted = page.with_name("planted.html")  # beside the page: the same relative URLs, the same policy
    planted.write_text(text.replace(marker, marker + PLANTED), encoding="utf-8")
    try:  # the built site is shared by other tests (one reads every page's policy): the planted page goes after
        driver.get_log("browser")  # drop what earlier tests logged
        driver.get(server + "a2/part2/planted.html")
        _settle(driver)
        title = driver.execute_script("return document.title")
        assert "ran" not in title and "Verified ML Answers" in title
        assert driver.execute_script("return document.querySelectorAll('.katex').length") > 0  # the site's own run
        refused = [m for m in _severe(driver) if "Content Security Policy" in m]
        assert any("inline script" in m for m in refused), refused
        assert any("event handler" in m for m in refused), refused
    finally:
        planted.unlink()


@pytest.mark.parametrize("path", ["a2/part2/", "a2/worked-example-notebook/", "hw2/q3/", "404.html"])
def test_the_real_pages_run_under_their_policy(driver: object, server: str, path: str) -> None:
    driver.get_log("browser")
    driver.get(server + path)
    _settle(driver)
    assert _severe(driver) == [] if path != "404.html" else not [m for m in _severe(driver) if "Security" in m]
    if path != "404.html":
        assert driver.execute_script("return document.querySelectorAll('.katex').length") > 0
        assert driver.execute_script("return document.querySelectorAll('.katex-error').length") == 0
