"""The built site in a real browser: headless Chromium (Debian's ``chromium`` and ``chromium-driver``) via Selenium.

Every page is opened from a server on 127.0.0.1, in the light and the dark palette, and after
Material's instant navigation.  On each: no JavaScript error, every formula rendered by KaTeX
(no raw ``\\frac``, ``\\(`` or ``$$`` left as text, MathML beside the HTML for screen readers),
every claim's status mark present, readable (contrast) and linked to a page and anchor that exist,
and no request leaving localhost.  With ``SCREENSHOTS=1`` (``make screenshots``) a full-page screenshot
of every page in each palette is written to ``screenshots/`` (ignored by git) for review.

``make test`` installs the browser where it can (apt-get as root); elsewhere these tests are
skipped with the reason, except under CI (``CI=true``), where a missing browser is a failure.
"""

from __future__ import annotations

import itertools
import json
import os
import re
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

import pytest

from tests.conftest import CONTRAST_JS, ROOT

SCREENSHOTS = ROOT / "screenshots"
MARKS = {"✓", "✗", "…", "!"}

pytestmark = pytest.mark.build

# What the page itself reports, gathered in one script run in the page.
PAGE_REPORT = (
    CONTRAST_JS
    + r"""
const skip = el => el.closest('.katex, code, pre, script, style, textarea, .md-search, .md-source, svg');
const walker = document.createTreeWalker(document.querySelector('.md-content') || document.body, NodeFilter.SHOW_TEXT);
const raw = [];
for (let n = walker.nextNode(); n; n = walker.nextNode()) {
  if (skip(n.parentElement)) continue;
  const t = n.textContent;
  if (/\\frac|\\\(|\\\[|\$\$|\\begin\{|\\partial/.test(t)) raw.push(t.trim().slice(0, 80));
}
const marks = [...document.querySelectorAll('a.claim-mark')].map(a => (
  {href: a.href, text: a.textContent.trim(), label: a.getAttribute('aria-label') || '',
   contrast: contrast(a, 'rgb(255, 255, 255)')}));
return {
  raw: raw,
  katex: document.querySelectorAll('.katex').length,
  katexWithoutMathml: [...document.querySelectorAll('.katex')]
    .filter(k => !k.querySelector('.katex-mathml math')).length,
  katexErrors: [...document.querySelectorAll('.katex-error')].map(e => e.textContent.slice(0, 80)),
  marks: marks,
  scheme: document.body.getAttribute('data-md-color-scheme'),
  height: document.documentElement.scrollHeight,
};
"""
)


# Read in one go: the result list re-renders while the index loads, so element handles go stale.
SEARCH_LINKS = "return [...document.querySelectorAll('.md-search-result__link')].map(a => a.href)"


def _pages(built: Path) -> list[str]:
    return sorted(
        p.parent.relative_to(built).as_posix() + "/" if p.parent != built else "" for p in built.rglob("index.html")
    )


def _wait_for_math(drv: object) -> None:
    """Until KaTeX has rendered the page and a11y.js has laid it out since (tables, what scrolls: its last scan
    after the last change has run)."""
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(drv, 30).until(
        lambda d: d.execute_script(
            "const s = document.documentElement.dataset;"
            "return s.mathRendered === 'true' && (s.a11yScan === 'done' || !window.a11yScrollScan)"
        )
    )


def navigate_instantly(drv: object, target: str) -> None:
    """Follow the navigation's link to ``target`` as a reader clicks it (Material swaps the page in) and wait
    for its math."""
    drv.execute_script(
        "document.documentElement.dataset.mathRendered = 'false';"
        "[...document.querySelectorAll('a.md-nav__link')].find(a => a.href.endsWith(arguments[0])).click();",
        target,
    )
    _wait_for_math(drv)
    # The path: Material's section tracking may write the last page's section into the hash as the page swaps in.
    assert urlparse(drv.current_url).path.endswith(target), drv.current_url


def _outside_requests(drv: object, base: str) -> list[str]:
    urls = []
    for entry in drv.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            url = message["params"]["request"]["url"]
            if not url.startswith(
                (base, "data:", "blob:", "about:", "chrome:", "chrome-untrusted:")
            ):  # chrome: is the browser itself
                urls.append(url)
    return urls


def _errors(drv: object) -> list[str]:
    return [e["message"] for e in drv.get_log("browser") if e["level"] == "SEVERE"]


def _screenshot(drv: object, name: str, height: int) -> None:
    if not os.environ.get("SCREENSHOTS"):  # `make screenshots` sets it: full pages cost ~0.6 s each
        return
    SCREENSHOTS.mkdir(exist_ok=True)
    drv.set_window_size(1280, min(max(height, 900), 16000))
    drv.save_screenshot(str(SCREENSHOTS / name))
    drv.set_window_size(1280, 900)


def _target_exists(built: Path, href: str, base: str) -> bool:
    parsed = urlparse(href)
    path = built / unquote(parsed.path.removeprefix(urlparse(base).path))
    page = path / "index.html" if path.is_dir() or not path.suffix else path
    if not page.is_file():
        return False
    return not parsed.fragment or f'id="{parsed.fragment}"' in page.read_text(encoding="utf-8")


def _check(report: dict, page: str, built: Path, base: str) -> list[str]:
    problems = [f"{page}: raw math left as text: {t!r}" for t in report["raw"]]
    problems += [f"{page}: KaTeX could not render {t!r}" for t in report["katexErrors"]]
    if report["katexWithoutMathml"]:
        problems.append(f"{page}: {report['katexWithoutMathml']} formulas without MathML for screen readers")
    for m in report["marks"]:
        if m["text"] not in MARKS or not m["label"]:
            problems.append(f"{page}: a status mark {m['text']!r} without its symbol or label")
        if m["contrast"] < 4.5:
            problems.append(
                f"{page}: mark {m['label'][:40]!r} has contrast {m['contrast']:.2f} (< 4.5) "
                f"in the {report['scheme']} palette"
            )
        if not _target_exists(built, m["href"], base):
            problems.append(f"{page}: mark {m['label'][:40]!r} links to {m['href']}, which does not exist")
    return problems


@pytest.mark.parametrize("scheme", ["default", "slate"])
def test_every_page_in_a_real_browser(driver: object, server: str, built: Path, scheme: str) -> None:
    pages = _pages(built)
    assert len(pages) >= 15
    problems, marks, formulas = [], 0, 0
    for page in pages:
        driver.get(urljoin(server, page))
        if (
            scheme == "slate"
            and driver.execute_script("return document.body.getAttribute('data-md-color-scheme')") != "slate"
        ):
            driver.execute_script(
                "document.querySelector('label.md-header__button[for^=\"__palette\"]:not([hidden])').click()"
            )
        _wait_for_math(driver)
        report = driver.execute_script(PAGE_REPORT)
        assert report["scheme"] == scheme, f"{page}: palette {report['scheme']}, expected {scheme}"
        problems += _check(report, page, built, server)
        problems += [f"{page}: JavaScript error: {e}" for e in _errors(driver)]
        problems += [f"{page}: request to {u}" for u in _outside_requests(driver, server)]
        marks, formulas = marks + len(report["marks"]), formulas + report["katex"]
        _screenshot(driver, f"{scheme}-{page.strip('/').replace('/', '-') or 'home'}.png", report["height"])
    assert not problems, "\n".join(problems[:40])
    assert marks > 250 and formulas > 200  # the checks above really looked at something


def test_instant_navigation_keeps_math_and_marks(driver: object, server: str, built: Path) -> None:
    driver.get(server)
    _wait_for_math(driver)
    problems, reports = [], {}
    for target in ("a2/part2/", "hw2/q3/", "a2/worked-example-notebook/", "hw2/q6/", "hw2/q2/", "a2/part1/"):
        before = driver.execute_script("return window.performance.getEntriesByType('navigation').length")
        navigate_instantly(driver, target)
        # Instant navigation swaps the page in place: no new document was loaded.
        assert driver.execute_script("return window.performance.getEntriesByType('navigation').length") == before
        reports[target] = driver.execute_script(PAGE_REPORT)
        problems += _check(reports[target], target, built, server)
    problems += [f"JavaScript error: {e}" for e in _errors(driver)] + [
        f"request to {u}" for u in _outside_requests(driver, server)
    ]
    for target, swapped in reports.items():  # the same page loaded afresh shows as much as the swapped-in one
        driver.get(urljoin(server, target))
        _wait_for_math(driver)
        fresh = driver.execute_script(PAGE_REPORT)
        if (swapped["katex"], len(swapped["marks"])) != (fresh["katex"], len(fresh["marks"])) or not fresh["katex"]:
            problems.append(
                f"{target}: {swapped['katex']} formulas and {len(swapped['marks'])} marks after instant navigation, "
                f"{fresh['katex']} and {len(fresh['marks'])} when loaded afresh"
            )
    assert not problems, "\n".join(problems)


def test_a_mark_leads_to_the_check_behind_it(driver: object, server: str) -> None:
    driver.get(urljoin(server, "a2/part2/"))
    _wait_for_math(driver)
    driver.execute_script("document.querySelector('a.claim-mark.claim-verified').click()")
    _wait_for_math(driver)
    fragment = urlparse(driver.current_url).fragment
    assert "/checks/" in driver.current_url and re.fullmatch(r"a2\.q\d\.[\w.]+", fragment)
    assert driver.execute_script("return document.getElementById(arguments[0]) !== null", fragment)


def test_search_finds_a_question_and_a_claim_id(driver: object, server: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    for query, expected in (("Q6", "/hw2/q6/"), ("a2.q4.valid_triplets", "/checks/a2.part2_claims/")):
        driver.get(server)
        box = driver.find_element(By.CSS_SELECTOR, "input.md-search__input")
        box.click()
        box.send_keys(query)
        WebDriverWait(driver, 20).until(lambda d, e=expected: any(e in href for href in d.execute_script(SEARCH_LINKS)))


def test_headings_in_order_and_every_image_described(built: Path) -> None:
    problems = []
    for page in built.rglob("index.html"):
        html = page.read_text(encoding="utf-8")
        article = re.search(r'<article class="md-content__inner md-typeset">(.*?)</article>', html, re.DOTALL)
        if not article:
            continue
        levels = [int(h) for h in re.findall(r"<h([1-6])\b", article.group(1))]
        name = page.relative_to(built).as_posix()
        if levels.count(1) != 1 or levels[0] != 1:
            problems.append(
                f"{name}: {levels.count(1)} h1 headings, the first heading is h{levels[0] if levels else '-'}"
            )
        problems += [f"{name}: h{a} followed by h{b}" for a, b in itertools.pairwise(levels) if b > a + 1]
        problems += [
            f"{name}: an image without alt text: {img[:80]}"
            for img in re.findall(r"<img\b[^>]*>", article.group(1))
            if not re.search(r'\balt="[^"]+"', img)
        ]
        problems += [
            f"{name}: a chart without role and label"
            for svg in re.findall(r"<svg\b[^>]*>", article.group(1))
            if 'class="chart"' in svg and not ('role="img"' in svg and "aria-label=" in svg)
        ]
    assert not problems, "\n".join(problems)
