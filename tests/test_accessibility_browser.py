"""Accessibility in a real browser: axe-core (pinned, ``scripts/fetch_axe.py``) on every page of the built site, in
both palettes, with a checker panel open where the page has one, and at a phone's width (390 px) nothing cut off.

axe-core is injected by the test (Selenium's ``execute_script``), never served by the site: the site's security
policy would refuse it anyway.  A serious or critical violation fails, with its rule, the elements and axe's help.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urljoin

import pytest

from tests.test_answer_checker_browser import _scheme
from tests.test_browser import _pages, _wait_for_math

pytestmark = pytest.mark.build

# Run axe on the document; resolve with each serious or critical violation, its nodes' selectors and summaries.
RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ["violations"]}).then(r => done(r.violations
  .filter(v => v.impact === "serious" || v.impact === "critical")
  .map(v => ({id: v.id, impact: v.impact, help: v.help,
              nodes: v.nodes.slice(0, 4).map(n => n.target.join(" ") + ": " + (n.failureSummary || "").slice(0, 160)),
              count: v.nodes.length}))), e => done([{id: "axe-error", help: String(e), nodes: [], count: 0}]));
"""


@contextmanager
def phone_width(driver: object) -> Iterator[None]:
    """The window at a phone's width (390 x 844) inside the block, a desktop's (1280 x 900) again after it."""
    driver.set_window_size(390, 844)
    try:
        yield
    finally:
        driver.set_window_size(1280, 900)


@pytest.fixture(scope="module")
def axe_js() -> str:
    from scripts import fetch_axe

    try:
        return fetch_axe.ensure().read_text(encoding="utf-8")
    except SystemExit as err:  # npm missing or the registry out of reach
        pytest.skip(f"axe-core could not be fetched: {err}")


def axe_violations(driver: object, axe_js: str) -> list[dict]:
    if not driver.execute_script("return typeof window.axe !== 'undefined'"):
        driver.execute_script(axe_js)
    driver.set_script_timeout(120)
    return driver.execute_async_script(RUN_AXE)


def open_a_checker(driver: object) -> bool:
    """Open the page's first answer field's panel (focus it, type, let the preview render); False without one."""
    return driver.execute_script(
        "const i = document.querySelector('form.answer-check input');"
        "if (!i) return false; i.scrollIntoView({block: 'center'}); i.focus();"
        "i.value = '2f_1'; i.dispatchEvent(new Event('input', {bubbles: true})); return true"
    )


@pytest.mark.parametrize("scheme", ["default", "slate"])
def test_no_serious_axe_violation_on_any_page(
    driver: object, server: str, built: Path, axe_js: str, scheme: str
) -> None:
    problems, opened = [], 0
    for page in _pages(built):
        driver.get(urljoin(server, page))
        _scheme(driver, scheme)
        _wait_for_math(driver)
        if open_a_checker(driver):
            opened += 1
            driver.execute_script("return new Promise(r => setTimeout(r, 400))")  # the preview renders
        for v in axe_violations(driver, axe_js):
            problems.append(f"{page or '/'} [{scheme}] {v['impact']} {v['id']} ({v['count']}): {v['help']}")
            problems += [f"    {n}" for n in v["nodes"]]
    assert opened >= 6  # the checker's panel really was open on the pages that have one
    assert not problems, "\n".join(problems)


# At a phone's width: what does not fit scrolls in its own focusable region, code in a table stays on one line,
# no formula or line gets a vertical scrollbar of its own, and a displayed claim's mark does not cover its equation.
PHONE_REPORT = r"""
const width = window.innerWidth, out = [];
const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (typeof el.className === 'string' &&
  el.className ? '.' + el.className.trim().split(/\s+/).slice(0, 2).join('.') : '');
const scrolls = e => /auto|scroll/.test(getComputedStyle(e).overflowX) && e.scrollWidth > e.clientWidth + 1;
const scroller = el => {
  for (let e = el.parentElement; e && e !== document.body; e = e.parentElement) {
    if (scrolls(e)) return e;
  }
  return null;
};
if (document.documentElement.scrollWidth > width + 1) out.push('the page scrolls sideways: ' +
  document.documentElement.scrollWidth + ' px wide');
for (const el of document.querySelectorAll('.md-content :is(table, .katex-display > .katex, pre > code)')) {
  const r = el.getBoundingClientRect();
  if (r.width === 0 || r.right <= width + 1) continue;
  const s = scrolls(el) ? el : scroller(el);
  if (!s) out.push(name(el) + ' is cut off at the right edge (' + Math.round(r.right) + ' px)');
  else if (s.tabIndex < 0) out.push(name(el) + ' scrolls in ' + name(s) + ', which the keyboard cannot reach');
}
for (const e of document.querySelectorAll('.md-content *')) {  // a scrollbar beside one line of text or a formula
  const small = e.clientHeight > 0 && e.clientHeight < 120;
  if (small && /auto|scroll/.test(getComputedStyle(e).overflowY) && e.scrollHeight > e.clientHeight) {
    out.push(name(e) + ' shows a vertical scrollbar (' + e.scrollHeight + ' px in ' + e.clientHeight + ')');
  }
}
for (const c of document.querySelectorAll('.md-content td code, .md-content th code')) {
  if (c.getClientRects().length > 1) out.push('code broken across lines in a table: ' + c.textContent.slice(0, 40));
}
for (const d of document.querySelectorAll('.claim-display')) {
  const mark = d.querySelector(':scope > p > .claim-mark'), math = d.querySelector('.katex-display, .katex');
  if (!mark || !math) continue;
  const a = mark.getBoundingClientRect(), b = (math.closest('.arithmatex') || math).getBoundingClientRect();
  if (a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom) {
    out.push('the mark ' + mark.textContent + ' covers its equation in ' + (d.id || name(d)));
  }
}
return out;
"""


def test_nothing_is_cut_off_on_a_phone(driver: object, server: str, built: Path) -> None:
    with phone_width(driver):
        problems = []
        for page in _pages(built):
            driver.get(urljoin(server, page))
            _wait_for_math(driver)
            driver.execute_script("return new Promise(r => setTimeout(r, 400))")  # a11y.js marks what scrolls
            problems += [f"{page or '/'}: {p}" for p in driver.execute_script(PHONE_REPORT)]
        assert not problems, "\n".join(problems[:60])


SKIP = "return [...document.querySelectorAll('a.skip-to-answer')].map(a => a.textContent)"
FOCUSED = (
    "const a = document.activeElement; return {tag: a.tagName, text: a.textContent.trim(), cls: a.className,"
    " field: !!a.closest('form[data-answer-for]'), claim: (a.closest('form[data-answer-for]') || {dataset: {}})"
    ".dataset.answerFor, opacity: getComputedStyle(a).opacity, top: a.getBoundingClientRect().top}"
)


def test_the_keyboard_reaches_the_first_answer_field_in_three_presses(driver: object, server: str) -> None:
    """Tab (the theme's "Skip to content"), Tab (ours, shown once focused), Enter: the first answer's field has the
    focus, instead of about 42 Tabs through the header and the navigation; after instant navigation too.  A page
    without answer fields has no such link."""
    import time

    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    from tests.test_browser import navigate_instantly

    def press(*keys: str) -> None:
        for key in keys:
            ActionChains(driver).send_keys(key).perform()

    for page, first in (("a2/part2/", "a2.q2.dL_dfa"), ("a2/part1/", "a2.p1.params.bilstm2")):
        driver.get(urljoin(server, page))
        _wait_for_math(driver)
        assert driver.execute_script(SKIP) == ["Skip to the first question's answer field"], page
        press(Keys.TAB)
        assert driver.execute_script(FOCUSED)["text"] == "Skip to content", page
        press(Keys.TAB)
        time.sleep(0.5)  # the theme fades a skip link in
        link = driver.execute_script(FOCUSED)
        assert link["text"] == "Skip to the first question's answer field" and link["opacity"] == "1", link
        assert 0 <= link["top"] < 200, link  # shown at the top of the window
        press(Keys.ENTER)
        field = driver.execute_script(FOCUSED)
        assert field["tag"] == "INPUT" and field["field"] and field["claim"] == first, (page, field)
    # Instant navigation replaces the theme's skip links: ours comes back, and leads to the new page's first field.
    driver.get(server)
    _wait_for_math(driver)
    assert driver.execute_script(SKIP) == []  # the home page has no answer field
    navigate_instantly(driver, "hw2/q6/")
    assert driver.execute_script(SKIP) == ["Skip to the first question's answer field"]
    driver.execute_script("document.querySelector('a.skip-to-answer').click()")
    assert driver.execute_script(FOCUSED)["claim"] == "hw2.q6.formula.bow"
    navigate_instantly(driver, "verification/")
    assert driver.execute_script(SKIP) == []


SHEET = """
const form = document.querySelector('table form.answer-check');
const input = form.querySelector('input');
input.scrollIntoView({block: 'end'}); input.focus(); input.value = '60400';
input.dispatchEvent(new Event('input', {bubbles: true}));
return new Promise(r => setTimeout(() => {
  const i = input.getBoundingClientRect(), p = form.querySelector('.answer-panel').getBoundingClientRect();
  r({open: form.classList.contains('open'), inputBottom: i.bottom, inputTop: i.top, panelTop: p.top,
     panelHeight: p.height, height: window.innerHeight});
}, 600));
"""


def test_a_table_fields_checker_on_a_phone_stays_below_its_field_and_goes_when_scrolled_away(
    driver: object, server: str
) -> None:
    """On a phone, a field in a table opens its checker as a sheet at the foot of the screen: at most a third of the
    screen, below the field (scrolled up if it sat low); the sheet closes when the field scrolls out of sight."""
    with phone_width(driver):
        driver.get(urljoin(server, "a2/part1/"))
        _wait_for_math(driver)
        seen = driver.execute_script(SHEET)
        assert seen["open"], seen
        assert seen["panelHeight"] <= 0.34 * seen["height"], seen
        assert seen["inputTop"] >= 0 and seen["inputBottom"] <= seen["panelTop"], seen  # the field stays in sight
        driver.execute_script("window.scrollBy(0, 3 * window.innerHeight)")
        driver.execute_script("return new Promise(r => setTimeout(r, 500))")
        assert not driver.execute_script("return !!document.querySelector('table form.answer-check.open')")


# Each table of the page: whether its wrapper scrolls sideways, whether it is read row by row (a11y.js), its
# headings (kept, for screen readers) and the labels its cells got.
TABLES = """
document.querySelectorAll('.md-content details').forEach(d => { d.open = true; });
const wide = () => [...document.querySelectorAll('.md-content .md-typeset__scrollwrap')]
  .some(w => w.scrollWidth > w.clientWidth + 1);
// a11y.js lays the tables out a moment after a box opens (and again after KaTeX): up to 10 s on a loaded machine
for (let waited = 0; waited < 10000 && (waited < 600 || wide()); waited += 200) {
  await new Promise(r => setTimeout(r, 200));
}
return [...document.querySelectorAll('.md-content .md-typeset__scrollwrap table')].map(t => {
  const w = t.closest('.md-typeset__scrollwrap');
  const row = t.querySelector('tbody tr');
  return {scrolls: w.scrollWidth > w.clientWidth + 1, stacked: !!t.dataset.stacked, role: t.getAttribute('role'),
          heads: t.querySelectorAll('thead th').length, cells: row ? row.cells.length : 0,
          named: [...t.querySelectorAll('thead th')].slice(1).filter(th => th.textContent.trim()).length,
          labels: row ? row.querySelectorAll('.stack-label[aria-hidden="true"]').length : 0,
          text: t.innerText.slice(0, 40)};
});
"""


def test_a_wide_table_is_read_row_by_row_on_a_phone(driver: object, server: str, axe_js: str) -> None:
    """At 390 px no table of Part II or HW2 Q4 scrolls sideways: one too wide is stacked (a row per block, each cell
    labelled with a copy of its heading, the headings kept for screen readers), its answer fields still check, axe
    finds nothing serious; at a desktop's width nothing scrolls either, and the tables that fit there are tables
    again."""
    from tests.test_answer_checker_browser import _answer

    with phone_width(driver):
        problems, stacked = [], 0
        for page in ("a2/part2/", "hw2/q4/", "a2/part1/"):
            driver.get(urljoin(server, page))
            _wait_for_math(driver)
            for t in driver.execute_script(TABLES):
                if t["scrolls"]:
                    problems.append(f"{page}: a table scrolls sideways: {t}")
                if t["stacked"]:
                    stacked += 1
                    if t["role"] != "table" or t["labels"] != t["named"] or t["heads"] != t["cells"]:
                        problems.append(f"{page}: a stacked table lost its headings or labels: {t}")
            if page == "a2/part2/":
                # Q5's answer table: 7 columns, stacked; a field in it still checks.
                verdict, _, shown = _answer(driver, "a2.q5.t1.dL_df1", "f_5 - f_2")
                if verdict != "equivalent":
                    problems.append(f"a field in a stacked table: {verdict} {shown!r}")
                problems += [
                    f"{page} at 390 px: axe {v['id']}: {v['help']} {v['nodes']}" for v in axe_violations(driver, axe_js)
                ]
        assert stacked >= 5, stacked
        driver.set_window_size(1280, 900)
        driver.get(urljoin(server, "a2/part2/"))
        _wait_for_math(driver)
        back = driver.execute_script(TABLES)  # at a desktop's width: tables again where they fit
        assert not any(t["scrolls"] for t in back), back
        fits = [t for t in back if t["text"].startswith(("sample", "\t\n"))]  # the six samples, Q5's table
        assert len(fits) == 2 and not any(t["stacked"] for t in fits), back
        assert not problems, "\n".join(problems)


TARGETS = """
return [...document.querySelectorAll('form.answer-check .answer-input')].filter(i => i.offsetParent)
  .map(i => { const b = i.getBoundingClientRect(); return [i.closest('form').dataset.answerFor, b.width, b.height]; });
"""


def test_every_answer_field_is_a_target_a_finger_can_hit(driver: object, server: str) -> None:
    """WCAG 2.5.8: each answer field at least 24 x 24 px, on a phone that does not report a coarse pointer too."""
    with phone_width(driver):
        small, seen = [], 0
        for page in ("a2/part1/", "a2/part2/", "hw2/q3/"):
            driver.get(urljoin(server, page))
            _wait_for_math(driver)
            for claim, width, height in driver.execute_script(TARGETS):
                seen += 1
                if width < 23.5 or height < 23.5:
                    small.append(f"{page} {claim}: {width:.1f} x {height:.1f} px")
        assert seen >= 60 and not small, (seen, small[:10])


BESIDE = """
return [...document.querySelectorAll('.md-content .claim-display')].filter(d => d.offsetParent).map(d => {
  const mark = d.querySelector(':scope > p > .claim-mark'), eq = d.querySelector('.katex-display');
  if (!mark || !eq) return null;
  const m = mark.getBoundingClientRect(), e = eq.getBoundingClientRect();
  return {id: mark.id, beside: d.hasAttribute('data-mark-beside'), level: m.top < e.bottom && m.bottom > e.top};
}).filter(x => x);
"""


def test_a_narrow_equation_keeps_its_mark_beside_it_on_a_phone(driver: object, server: str) -> None:
    """At 390 px a displayed claim's mark goes under its equation only when the equation leaves no room for it:
    Q2's short equations keep theirs on their own line (a line saved each), Q6's long chains do not."""
    with phone_width(driver):
        driver.get(urljoin(server, "a2/part2/"))
        _wait_for_math(driver)
        driver.execute_script("return new Promise(r => setTimeout(r, 600))")  # a11y.js lays them out
        seen = {d["id"]: d for d in driver.execute_script(BESIDE)}
        q2 = [seen[f"claim-a2.q2.dL_df{r}"] for r in "apn"]
        assert all(d["beside"] and d["level"] for d in q2), q2
        q6 = seen["claim-a2.q6.dL_df1"]
        assert not q6["beside"] and not q6["level"], q6


def test_answering_in_a_table_on_a_phone_neither_moves_it_nor_piles_up_sheets(driver: object, server: str) -> None:
    """Opening a field widens its cell: the table keeps its layout while the field is open (it once switched to
    rows under the reader's finger).  A second field's sheet replaces the first's, verdict and all."""
    from tests.test_answer_checker_browser import _answer

    state = (
        "return document.querySelector('form[data-answer-for=\"a2.p1.params.bilstm2\"]').closest('table')"
        ".dataset.stacked || ''"
    )
    opened = "return [...document.querySelectorAll('table form.answer-check.open')].map(f => f.dataset.answerFor)"
    with phone_width(driver):
        driver.get(urljoin(server, "a2/part1/"))
        _wait_for_math(driver)
        driver.execute_script("return new Promise(r => setTimeout(r, 600))")
        before = driver.execute_script(state)
        assert _answer(driver, "a2.p1.params.bilstm2", "3,947,001")[0] == "mistake"
        driver.execute_script("return new Promise(r => setTimeout(r, 600))")  # a11y.js would have re-laid it out
        assert driver.execute_script(state) == before
        assert _answer(driver, "a2.p1.params.birnn2", "361,600")[0] == "equivalent"
        assert driver.execute_script(opened) == ["a2.p1.params.birnn2"]
