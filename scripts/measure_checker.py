"""The in-page answer checker's figures, in headless Chromium over a built site:
``.venv/bin/python scripts/measure_checker.py [SITE]`` (SITE: a built site folder, default ``site/``).

1. Typing: 200 characters typed key by key (Selenium's send_keys) into a formula field, against the same
   into a plain ``<input>`` on the same page.
2. Cold start: a fresh browser, a page loaded afresh, an answer typed and Enter pressed: seconds to the
   verdict, and the bytes the checker fetched (the sizes of the files its worker requested, as served).
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


def main(site: Path) -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    base, _ = site_server.serve(site)
    with tempfile.TemporaryDirectory() as profile:
        opts = chromium.options("/usr/bin/chromium", Path(profile), "--window-size=1280,900", "--disable-dev-shm-usage")
        drv = webdriver.Chrome(options=opts, service=Service("/usr/bin/chromedriver"))
        try:
            drv.get(urljoin(base, "a2/part2/"))
            wait_math(drv)
            # 2. cold start (first, while nothing of the checker is loaded), typing while it starts
            cold = answer(drv, "a2.q4.valid_triplets", "36")
            requests = drv.execute_script("return window.answerCheckRequests") or []
            files = {urlparse(u).path for u in requests if u.startswith(base)}
            size = sum((site / p.lstrip("/")).stat().st_size for p in files if (site / p.lstrip("/")).is_file())
            startup = drv.execute_script("return window.answerCheckStartup")
            print(f"cold start to first verdict: {cold:.2f} s; the checker fetched {size:,} bytes, {len(files)} files")
            print("  worker timings (ms since it started): " + ", ".join(f"{k} {v:.0f}" for k, v in startup.items()))
            # 1. typing while the checker starts (a page loaded again: focus starts a new worker; files cached) ...
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
