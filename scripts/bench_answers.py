"""Figures of the in-page answer checker, measured in headless Chromium over the built site.

Usage: ``.venv/bin/python scripts/bench_answers.py [SITE]`` (default ``site/``, built by ``make build``).

* **Cold start**: a fresh browser profile (nothing cached) opens a page, focuses a checker (which starts
  loading the engine), types an answer and presses Enter; the time from the focus to the verdict, in the
  page's own clock.  Three runs.
* **Warm verdict**: then ten more answers on the same page, from Enter to verdict; the median.
* **Bytes**: what the server sent from the focus to the first verdict (the worker's requests included,
  which the page's own resource timing does not see), and what a page that never opens a checker loads.
* **Size**: what the checker adds to the built site.

Needs Debian's chromium and chromium-driver (``make browser``).  Prints a table; writes nothing.
"""

from __future__ import annotations

import functools
import http.server
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import chromium  # scripts/chromium.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
PAGE = "a2/part2/"
COLD = ("a2.q6.dL_df1", "2(f_1 - f_2 - f_3) + f_4 + f_5")
WARM = [
    ("a2.q4.valid_triplets", "36"),
    ("a2.q4.valid_triplets", "18"),
    ("a2.q4.valid_triplets", "8"),
    ("a2.q6.dL_df1", "2f_1 - f_2"),
    ("a2.q6.dL_df1", r"\frac{\partial L}{\partial f_1} = 2(f_1 - f_2 - f_3) + f_4 + f_5"),
    ("a2.q5.t4.dL_df2", "f_4 - f_2"),
    ("a2.q5.t4.dL_df2", "f_4 - f_3"),
    ("a2.q6.dL_df1", "f_1^{99999999}"),
    ("a2.q5.t1.dL_df5", "f_1 - f_5"),
    ("a2.q6.dL_df5", "f_1 - f_2 + 2f_5 - f_6"),
]
CHECKER = ("assets/pyodide/", "assets/answers/", "javascripts/answer-")

# Runs in the page: focus (or not) the field, type, submit, and resolve with the in-page milliseconds.
ANSWER = r"""
const [claim, text, fromFocus, done] = arguments;
const form = document.querySelector(`form[data-answer-for="${claim}"]`);
const field = form.querySelector('input'), out = form.querySelector('[data-verdict]');
const t0 = performance.now();
field.focus();
field.value = text;
field.dispatchEvent(new Event('input', {bubbles: true}));
const t1 = performance.now();
new MutationObserver((_, obs) => {
  if (out.dataset.verdict) { obs.disconnect(); done([out.dataset.verdict, performance.now() - (fromFocus ? t0 : t1)]); }
}).observe(out, {attributes: true, attributeFilter: ['data-verdict']});
form.requestSubmit();
"""


def serve(site: Path) -> tuple[str, http.server.ThreadingHTTPServer, list[tuple[float, str, int]]]:
    sent: list[tuple[float, str, int]] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def log_request(self, code: object = "-", size: object = "-") -> None:
            path = Path(self.translate_path(self.path))
            sent.append((time.perf_counter(), self.path, path.stat().st_size if path.is_file() else 0))

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(site)))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{httpd.server_address[1]}/", httpd, sent


def browser(profile: Path) -> object:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    drv = webdriver.Chrome(
        options=chromium.options("/usr/bin/chromium", profile, "--window-size=1280,900"),
        service=Service("/usr/bin/chromedriver"),
    )
    drv.set_script_timeout(120)
    return drv


def wait_for_math(drv: object) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(drv, 30).until(lambda d: d.execute_script("return document.documentElement.dataset.mathRendered"))


def size(paths: list[Path]) -> int:
    return sum(f.stat().st_size for p in paths for f in ([p] if p.is_file() else p.rglob("*")) if f.is_file())


def main(site: Path) -> None:
    base, httpd, sent = serve(site)
    colds, warms, first_bytes, page_load = [], [], 0, []
    for run in range(3):
        with tempfile.TemporaryDirectory() as profile:
            drv = browser(Path(profile))
            try:
                mark = len(sent)
                drv.get(base + PAGE)
                wait_for_math(drv)
                time.sleep(1)
                if run == 0:
                    page_load = [(p, n) for _, p, n in sent[mark:]]
                mark = len(sent)
                verdict, ms = drv.execute_async_script(ANSWER, *COLD, True)
                assert verdict == "equivalent", verdict
                colds.append(ms / 1000)
                if run == 0:
                    first_bytes = sum(n for _, _, n in sent[mark:])
                    for claim, text in WARM:
                        verdict, ms = drv.execute_async_script(ANSWER, claim, text, False)
                        warms.append(ms / 1000)
            finally:
                drv.quit()
    httpd.shutdown()
    checker_files = [site / "assets/pyodide", site / "assets/answers", *site.glob("javascripts/answer-*.js")]
    extra_on_load = [(p, n) for p, n in page_load if any(c in p for c in CHECKER)]
    print(f"site: {site}")
    print(f"cold start, focus to first verdict (3 fresh profiles): {', '.join(f'{c:.2f} s' for c in colds)}")
    print(
        f"warm verdict, Enter to verdict, median of {len(warms)}: {statistics.median(warms) * 1000:.0f} ms "
        f"(max {max(warms) * 1000:.0f} ms)"
    )
    print(f"bytes sent for the first check (engine included): {first_bytes / 1e6:.1f} MB")
    print(
        f"a page that never opens a checker: {len(page_load)} requests; of the checker's files only "
        + ", ".join(f"{p} ({n / 1000:.1f} kB)" for p, n in extra_on_load)
    )
    print(f"size the checker adds to the site: {size(checker_files) / 1e6:.1f} MB of {size([site]) / 1e6:.1f} MB")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "site")
