"""The in-page checker's live KaTeX preview is bounded: in headless Chromium over the built site, no hostile
input blocks the page for more than 100 ms, what is not previewed says why (never a silent cut), a
macro definition is refused, a formula loads and links to nothing, and typing renders once per pause.

Each input is pasted as a reader pastes it (the field's value set, one ``input`` event) without focusing
the field, so the checker's engine (Pyodide, in a worker) does not start and take the CPU from the timing.
Blocking is measured twice: the preview's own render time (``window.answerPreviewMs``) and the browser's
``longtask`` entries (tasks over 50 ms) while it renders. The suite shares two cores with other browsers and
builds, so a paste over the bound is pasted again, up to ``TRIES`` times, and the best try is judged: an input
that blocks the page blocks it on every try, while the machine's own spikes do not repeat (one of 111 ms, with
no KaTeX render at all, failed a CI run).
"""

from __future__ import annotations

import itertools
from urllib.parse import urljoin

import pytest

from tests.test_browser import _errors, _wait_for_math

pytestmark = pytest.mark.build

PAGE, FORMULA, INTEGER = "a2/part2/", "a2.q6.dL_df1", "a2.q4.valid_triplets"
BLOCK_MS = 100
TRIES = 3

LETTERS = "abcdefghijklmnopqrstuvwxyz"
MACRO_BOMB = "".join(rf"\def\{a}{{\{b}\{b}}}" for a, b in itertools.pairwise(LETTERS)) + r"\a"
NESTED_BRACES = "{" * 2000 + "x" + "}" * 2000
POWER_TOWER = ("x^{" * 3333 + "x" + "}" * 3333)[:10_000]


def _deep(depth: int, open_: str = "x^{", close: str = "}") -> str:
    return open_ * depth + "x" + close * depth


# (name, text, what the preview says, or None when it renders)
REFUSED = [
    ("macro bomb", MACRO_BOMB, r"not previewed: \def defines a macro; write the formula itself, without definitions"),
    ("\\gdef", r"\gdef\x{y}\x", r"not previewed: \gdef defines a macro"),
    ("\\newcommand", r"\newcommand{\x}{\x\x}\x", r"not previewed: \newcommand defines a macro"),
    ("\\renewcommand", r"\renewcommand{\frac}{x}\frac", r"not previewed: \renewcommand defines a macro"),
    ("\\let", r"\let\x\frac \x12", r"not previewed: \let defines a macro"),
    (
        "2,000 nested braces",
        NESTED_BRACES,
        "too long to check: 4,001 characters, and the checker reads at most 2,000; nothing is cut",
    ),
    ("10,000 characters of x^{x^{...}}", POWER_TOWER, "too long to check: 10,000 characters"),
    ("1,000 characters", "x+" * 500, "too long to preview: 1000 characters, at most 500 (Enter still checks it)"),
    ("240 nested braces", _deep(240, "{", "}"), "nested too deeply to preview: 240 levels, at most 20"),
    ("nested \\left", _deep(30, r"\left(", r"\right)"), "nested too deeply to preview: 30 levels, at most 20"),
    ("nested options", _deep(30, r"\sqrt[", "]{x}"), "nested too deeply to preview: 30 levels, at most 20"),
]
# Within the bounds: each renders, and within BLOCK_MS.
RENDERED = [
    ("a tower 20 high", _deep(20)),
    ("fractions 20 deep", _deep(20, r"\frac{1}{", "}")),
    ("an \\underbrace chain", (r"\underbrace{x+y}_{z}" * 25)[:500]),
    ("nested \\underbrace", _deep(19, r"\underbrace{", "}_{n}")),
    ("500 characters of sums", ("f_1+" * 125)[:499] + "1"),
    ("nested roots", _deep(20, r"\sqrt{", "}")),
    ("a matrix", r"\begin{pmatrix}" + r"\\".join(["&".join(["x^{2}"] * 7)] * 10) + r"\end{pmatrix}"),
]


@pytest.fixture(scope="module")
def page(driver: object, server: str) -> object:
    driver.get(urljoin(server, PAGE))
    _wait_for_math(driver)
    return driver


def _paste(drv: object, claim: str, text: str) -> dict:
    """Paste ``text`` into the claim's field up to ``TRIES`` times until a try blocks for at most ``BLOCK_MS``;
    return the best try (what it shows, how long it blocked; ``tries``: every try's longest block)."""
    best: dict | None = None
    blocked: list[float] = []
    for _ in range(TRIES):
        shown = _paste_once(drv, claim, text)
        worst = max([shown["ms"] or 0, *shown["long"]])
        blocked.append(round(worst))
        if best is None or worst < max([best["ms"] or 0, *best["long"]]):
            best = shown
        if worst <= BLOCK_MS:
            break
    return {**best, "tries": blocked}


def _paste_once(drv: object, claim: str, text: str) -> dict:
    """Paste ``text`` into the claim's field once; wait for the preview; return what it shows and how long it
    blocked."""
    from selenium.webdriver.support.ui import WebDriverWait

    drv.execute_script(
        "window.__long = []; window.answerPreviewMs = undefined;"
        "window.__obs && window.__obs.disconnect();"
        "window.__obs = new PerformanceObserver(l => l.getEntries().forEach(e => window.__long.push(e.duration)));"
        "window.__obs.observe({type: 'longtask'});"
        "const form = document.querySelector(`form[data-answer-for='${arguments[0]}']`);"
        "form.querySelector('.answer-preview').textContent = '';"
        "form.elements.answer.value = arguments[1];"
        "form.elements.answer.dispatchEvent(new Event('input', {bubbles: true}));",
        claim,
        text,
    )
    preview = f"form[data-answer-for='{claim}'] .answer-preview"
    WebDriverWait(drv, 30, poll_frequency=0.02).until(
        lambda d: d.execute_script(f'return document.querySelector("{preview}").textContent !== ""')
    )
    drv.execute_script("return new Promise(r => setTimeout(r, 300))")  # the longtask entries arrive after the task
    return drv.execute_script(
        f'const p = document.querySelector("{preview}");'
        "return {refused: p.dataset.refused || '', text: p.textContent, ms: window.answerPreviewMs,"
        " long: window.__long, katex: p.querySelectorAll('.katex').length,"
        " error: p.querySelectorAll('.katex-error').length,"
        " links: p.querySelectorAll('a, img, [href], [src]').length, width: p.getBoundingClientRect().width};"
    )


@pytest.mark.parametrize(("name", "text", "said"), REFUSED, ids=[r[0] for r in REFUSED])
def test_a_hostile_input_is_not_previewed_and_the_reader_is_told_why(
    page: object, name: str, text: str, said: str
) -> None:
    shown = _paste(page, FORMULA, text)
    assert shown["refused"].startswith(said.strip("()")), shown
    assert said in shown["text"] and shown["katex"] == 0
    assert shown["ms"] is None  # KaTeX never saw it
    assert max(shown["long"], default=0) <= BLOCK_MS, f"long tasks {shown['long']}; each try's worst {shown['tries']}"


@pytest.mark.parametrize(("name", "text"), RENDERED, ids=[r[0] for r in RENDERED])
def test_what_is_previewed_blocks_the_page_for_at_most_100_ms(page: object, name: str, text: str) -> None:
    shown = _paste(page, FORMULA, text)
    assert shown["refused"] == "" and shown["katex"] == 1, shown
    assert shown["ms"] <= BLOCK_MS, f"{name}: rendered in {shown['ms']:.0f} ms"
    assert max(shown["long"], default=0) <= BLOCK_MS, f"{name}: long tasks {shown['long']}, tries {shown['tries']}"
    print(f"{name}: {len(text)} characters, rendered in {shown['ms']:.1f} ms, long tasks {shown['long']}")


def test_too_many_expansions_is_katexs_own_error_not_a_freeze(page: object) -> None:
    shown = _paste(page, FORMULA, r"\iff" * 120)
    assert shown["ms"] <= BLOCK_MS and max(shown["long"], default=0) <= BLOCK_MS, shown
    assert shown["error"] == 1 and "Too many expansions" in page.execute_script(
        f"return document.querySelector(\"form[data-answer-for='{FORMULA}'] .katex-error\").title"
    )


@pytest.mark.parametrize(
    "text",
    [
        r"\href{javascript:alert(1)}{x}",
        r"\url{http://127.0.0.1/x}",
        r"\includegraphics[height=1em]{http://127.0.0.1/x.png}",
        r"\htmlClass{md-header}{x} \htmlData{x=1}{y} \htmlStyle{position:fixed}{z} \htmlId{x}{y}",
    ],
)
def test_a_formula_links_to_and_loads_nothing(page: object, text: str) -> None:
    shown = _paste(page, FORMULA, text)
    assert shown["links"] == 0, shown
    inside = f"form[data-answer-for='{FORMULA}'] .answer-preview"
    assert not page.execute_script(f'return document.querySelector("{inside} [class*=md-], {inside} [style*=fixed]")')


def test_a_size_is_capped(page: object) -> None:
    shown = _paste(page, FORMULA, r"\rule{10000em}{10000em} \kern{10000em} x")
    assert shown["width"] < 400, shown  # 5 em each at most


def test_a_long_number_is_said_too_long_not_cut(page: object) -> None:
    shown = _paste(page, INTEGER, "1" * 3000)
    assert "too long to check: 3,000 characters, and the checker reads at most 2,000; nothing is cut" in shown["text"]
    assert (
        page.execute_script(f"return document.querySelector(\"form[data-answer-for='{INTEGER}'] input\").value.length")
        == 3000
    )


def test_typing_renders_once_after_a_pause_not_on_every_key(driver: object, server: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(urljoin(server, PAGE))
    _wait_for_math(driver)
    field = driver.find_element(By.CSS_SELECTOR, f"form[data-answer-for='{FORMULA}'] input")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'}); window.answerPreviewRenders = 0", field)
    field.click()
    typed = r"2(f_1 - f_2 - f_3) + f_4 + f_5"
    field.send_keys(typed)  # one key after another, quicker than the pause
    WebDriverWait(driver, 10).until(lambda d: d.execute_script("return window.answerPreviewRenders") >= 1)
    driver.execute_script("return new Promise(r => setTimeout(r, 600))")
    assert driver.execute_script("return window.answerPreviewRenders") == 1
    preview = driver.find_element(By.CSS_SELECTOR, f"form[data-answer-for='{FORMULA}'] .answer-preview")
    assert preview.find_elements(By.CSS_SELECTOR, ".katex") and not _errors(driver)
