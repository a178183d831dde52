"""Headless Chromium as this project starts it: offline, with no traffic of its own.

Shared by the browser test (tests/test_browser.py) and the site benchmark (scripts/bench_site.py), so
both measure the same browser the same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",  # no update checks, no safe-browsing lists: every request is the page's
    "--disable-quic",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def options(binary: str | Path, profile: Path, *extra: str) -> Any:
    """Selenium's Chrome options for ``binary`` with a fresh profile folder, :data:`FLAGS` and ``extra`` flags."""
    from selenium import webdriver

    opts = webdriver.ChromeOptions()
    opts.binary_location = str(binary)
    for flag in (*FLAGS, f"--user-data-dir={profile}", *extra):
        opts.add_argument(flag)
    return opts
