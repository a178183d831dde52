"""The in-page answer checker's figures, in headless Chromium over a built site:
``.venv/bin/python scripts/measure_checker.py [SITE]`` (SITE: a built site folder, default ``site/``).

1. Typing: 200 characters typed key by key (Selenium's send_keys) into a formula field, against the same
   into a plain ``<input>`` on the same page.
2. Cold start, each in a fresh browser (empty cache), with the bytes the checker fetched (the sizes of the files
   its worker requested, as served): (a) a number's answer typed at once into the first field focused (focus
   starts the checker) and Enter: seconds from Enter, which here is also from the first keystroke; (b) the same
   with a formula (which needs sympy); (c) in practice mode, where the checker starts once the page is idle: the
   page loaded, a reader who answers READ_S seconds after the page loaded: seconds from Enter to the verdict,
   and from the page's start to the checker ready.  (a) and (b) are then measured again after a reload, the
   checker's files in the browser's cache (a reader coming back).
3. Warm after instant navigation: then a click on the navigation's link to another page (Material swaps
   the page in) and an answer there: seconds from Enter to the verdict.

Prints one line per figure; writes nothing.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urljoin, urlparse

import chromium  # scripts/chromium.py, beside this script
import site_server

ROOT = Path(__file__).resolve().parent.parent
TEXT = ("2(f_1 - f_2 - f_3) + f_4 + f_5 " * 7)[:200]
READ_S = 3.0  # practice mode: seconds a reader takes between the page showing and pressing Enter


def wait_math(drv: object) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(drv, 60).until(lambda d: d.execute_script("return document.documentElement.dataset.mathRendered"))


def answer(drv: object, claim: str, text: str) -> float:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    form = drv.find_element(By.CSS_SELECTOR, f'form[data-answer-for="{claim}"]')
    field = form.find_element(By.CSS_SELECTOR, "input")
    verdict = form.find_element(By.CSS_SELECTOR, "[data-verdict]")
    drv.execute_script("arguments[0].scrollIntoView({block: 'center'})", field)
    field.click()
    field.send_keys(text)
    t0 = time.perf_counter()
    field.send_keys(Keys.ENTER)
    WebDriverWait(drv, 120, poll_frequency=0.01).until(lambda _: verdict.get_attribute("data-verdict"))
    return time.perf_counter() - t0


def typing(drv: object, field: object) -> float:
    field.click()
    t0 = time.perf_counter()
    field.send_keys(TEXT)
    return time.perf_counter() - t0


def fetched(drv: object, base: str, site: Path) -> tuple[int, int]:
    """The bytes and files the checker's worker has requested so far (its sizes as served)."""
    requests = drv.execute_script("return window.answerCheckRequests") or []
    files = {urlparse(u).path for u in requests if u.startswith(base)}
    size = sum((site / p.lstrip("/")).stat().st_size for p in files if (site / p.lstrip("/")).is_file())
    return size, len(files)


def browser(profile: Path) -> object:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = chromium.options("/usr/bin/chromium", profile, "--window-size=1280,900", "--disable-dev-shm-usage")
    return webdriver.Chrome(options=opts, service=Service("/usr/bin/chromedriver"))


def cold(base: str, site: Path, claim: str, text: str, practice: bool = False) -> None:
    """A fresh browser (empty cache): one answer, its seconds from Enter and the checker's bytes."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    with tempfile.TemporaryDirectory() as profile:
        drv = browser(Path(profile))
        try:
            if practice:  # the switch, as a reader who turned it on earlier left it
                drv.get(urljoin(base, "404.html"))
                drv.execute_script("localStorage.setItem('verified-answers.practice', 'on')")
            drv.get(urljoin(base, "a2/part2/"))
            wait_math(drv)
            if practice:
                loaded = drv.execute_script("return performance.now()") / 1000
                time.sleep(max(READ_S - loaded, 0))
            seconds = answer(drv, claim, text)
            size, n = fetched(drv, base, site)
            startup = drv.execute_script("return window.answerCheckStartup") or {}
            ready = (drv.execute_script("return window.answerCheckReadyAt") or 0) / 1000
            if practice:
                print(
                    f"practice mode, cold: Enter {READ_S:.0f} s after the page started; first verdict {seconds:.2f} s "
                    f"after Enter; the checker was ready {ready:.2f} s after the page started "
                    f"(math rendered at {loaded:.2f} s); fetched {size:,} bytes by the verdict, {n} files"
                )
            else:
                print(
                    f"cold start to first verdict ({claim} = {text}, typed at once, Enter): {seconds:.2f} s from "
                    f"Enter; fetched {size:,} bytes by the verdict, {n} files"
                )
            if "\\" in text or "_" in text:  # a formula: the worker reports sympy loaded and warm after the verdict
                try:
                    WebDriverWait(drv, 60).until(
                        lambda d: "warm" in (d.execute_script("return window.answerCheckStartup") or {})
                    )
                except TimeoutException:
                    print("  (the worker did not report sympy loaded and warm within 60 s)")
            else:  # a number: nothing more loads unless a formula's field is opened
                time.sleep(3)
            size, n = fetched(drv, base, site)
            startup = drv.execute_script("return window.answerCheckStartup") or {}
            print(f"  {size:,} bytes in all ({n} files) a few seconds after the verdict")
            print("  worker timings (ms since it started): " + ", ".join(f"{k} {v:.0f}" for k, v in startup.items()))
            if not practice:  # a reader coming back: the page loaded again, a new worker, its files in the cache
                drv.get(urljoin(base, "a2/part2/"))
                wait_math(drv)
                print(f"  the same after a reload (files from the browser's cache): {answer(drv, claim, text):.2f} s")
        finally:
            drv.quit()


def main(site: Path) -> None:
    from selenium.webdriver.common.by import By

    base, _ = site_server.serve(site)
    # 2. cold starts, each in a fresh browser
    cold(base, site, "a2.q4.valid_triplets", "36")
    cold(base, site, "a2.q6.dL_df1", "2(f_1 - f_2 - f_3) + f_4 + f_5")
    cold(base, site, "a2.q4.valid_triplets", "36", practice=True)
    with tempfile.TemporaryDirectory() as profile:
        drv = browser(Path(profile))
        try:
            # 1. typing while the checker starts (a fresh browser: focus starts the worker) ...
            drv.get(urljoin(base, "a2/part2/"))
            wait_math(drv)
            form = drv.find_element(By.CSS_SELECTOR, 'form[data-answer-for="a2.q6.dL_df2"]')
            drv.execute_script("arguments[0].scrollIntoView({block: 'center'})", form)
            starting = typing(drv, form.find_element(By.CSS_SELECTOR, "input"))
            print(f"typing {len(TEXT)} characters while the checker starts (focus starts it): {starting:.2f} s")
            answer(drv, "a2.q6.dL_df2", "")  # ... and once it has started, in a formula field and in a plain input
            form = drv.find_element(By.CSS_SELECTOR, 'form[data-answer-for="a2.q6.dL_df1"]')
            drv.execute_script("arguments[0].scrollIntoView({block: 'center'})", form)
            field = form.find_element(By.CSS_SELECTOR, "input")
            checker = typing(drv, field)
            plain = drv.execute_script(
                "const i = document.createElement('input'); i.id = '__plain'; arguments[0].before(i); return i", form
            )
            baseline = typing(drv, plain)
            renders = drv.execute_script("return window.answerPreviewRenders || 0")
            print(
                f"typing {len(TEXT)} characters: {checker:.2f} s in a checker field, {baseline:.2f} s in a plain "
                f"input ({renders} preview renders)"
            )
            # 3. warm, after instant navigation
            drv.execute_script(
                "document.documentElement.dataset.mathRendered = '';"
                "[...document.querySelectorAll('a.md-nav__link')].find(a => a.href.endsWith('hw2/q6/')).click();"
            )
            wait_math(drv)
            loads = drv.execute_script("return performance.getEntriesByType('navigation').length")
            warm = answer(drv, "hw2.q6.params.bow", "0")
            again = answer(drv, "hw2.q6.params.bow", "1")
            print(
                f"first verdict after instant navigation to hw2/q6/: {warm:.3f} s (documents loaded: {loads}); "
                f"a second one there: {again:.3f} s"
            )
        finally:
            drv.quit()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "site")
