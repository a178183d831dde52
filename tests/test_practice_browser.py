"""Practice mode and quiet marks in a real browser: headless Chromium over the built site, offline (issue 25).

The contract: the switch has ``data-practice-toggle`` (remembered in localStorage, across pages and reloads);
each answer's value element has ``data-practice`` = ``hidden`` (its value is not in the page's visible text),
``solved`` (an equivalent answer was typed: shown, with a ✓) or ``revealed`` (``data-practice-reveal`` pressed:
shown, without credit); a known mistake keeps it hidden and explains itself; ``data-practice-progress`` counts.
Quiet marks: one tab stop per answer (its field), labels in words, statuses that differ without colour.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

import pytest

from tests.conftest import CONTRAST_JS
from tests.test_answer_checker_browser import _answer, _form
from tests.test_browser import _errors, _outside_requests, _wait_for_math, navigate_instantly

pytestmark = pytest.mark.build

STATES = (
    "return Object.fromEntries([...document.querySelectorAll('[data-practice-for]')]"
    ".map(v => [v.dataset.practiceFor, v.dataset.practice]))"
)
# Whether an answer's value can be read on the screen: rendered, and its text in the visible text of its block.
VISIBLE = """
const v = [...document.querySelectorAll('[data-practice-for]')].find(v => v.dataset.practiceFor === arguments[0]);
const block = v.closest('p, td, .claim-display');
return {rendered: v.checkVisibility(), text: v.textContent.trim(), around: block.innerText,
        badge: v.nextElementSibling.classList.contains('practice-badge') && v.nextElementSibling.checkVisibility()};
"""
PROGRESS = (
    "const p = document.querySelector('[data-practice-progress]');"
    "return {text: p.textContent, solved: +p.dataset.solved, revealed: +p.dataset.revealed, total: +p.dataset.total}"
)


def _open(drv: object, server: str, page: str) -> None:
    drv.get(urljoin(server, page))
    _wait_for_math(drv)


def _fresh(drv: object, server: str, page: str = "a2/part2/") -> None:
    """The page, with nothing remembered from an earlier test."""
    _open(drv, server, page)
    drv.execute_script("localStorage.clear()")
    _open(drv, server, page)


def _switch(drv: object) -> str:
    return drv.find_element("css selector", "[data-practice-toggle]").get_attribute("aria-pressed")


def _turn_on(drv: object) -> None:
    assert _switch(drv) == "false"
    drv.find_element("css selector", "[data-practice-toggle]").click()
    assert _switch(drv) == "true"


def test_the_switch_hides_every_answer_and_persists_across_pages_and_reloads(driver: object, server: str) -> None:
    _fresh(driver, server)
    states = driver.execute_script(STATES)
    assert len(states) > 50 and set(states.values()) == {"shown"}  # off: every answer is shown
    seen = driver.execute_script(VISIBLE, "a2.q4.valid_triplets")
    assert seen["rendered"] and seen["text"] == "36" and "36" in seen["around"]
    _turn_on(driver)
    assert set(driver.execute_script(STATES).values()) == {"hidden"}
    for claim in ("a2.q4.valid_triplets", "a2.q6.dL_df1", "a2.q5.t1.dL_df5"):
        seen = driver.execute_script(VISIBLE, claim)
        assert not seen["rendered"], claim
    seen = driver.execute_script(VISIBLE, "a2.q4.valid_triplets")
    assert seen["text"] == "36" and "36" not in seen["around"]  # in the HTML, not in the visible text
    assert "2f_1 - 2f_2" not in driver.execute_script("return document.body.innerText")
    # Each hidden answer shows its field; an equation's shows its left-hand side as a prompt.
    assert _form(driver, "a2.q6.dL_df1").is_displayed()
    assert driver.execute_script(
        "return document.querySelector('[data-practice-for=\"a2.q6.dL_df1\"]').previousElementSibling.checkVisibility()"
    )
    driver.refresh()
    _wait_for_math(driver)
    assert _switch(driver) == "true" and set(driver.execute_script(STATES).values()) == {"hidden"}
    navigate_instantly(driver, "a2/part1/")  # Material swaps the page in: the switch holds there too
    assert _switch(driver) == "true" and set(driver.execute_script(STATES).values()) == {"hidden"}
    _open(driver, server, "hw2/q6/")  # and on a page loaded afresh
    assert _switch(driver) == "true" and set(driver.execute_script(STATES).values()) == {"hidden"}
    driver.find_element("css selector", "[data-practice-toggle]").click()
    assert _switch(driver) == "false" and set(driver.execute_script(STATES).values()) == {"shown"}
    _open(driver, server, "a2/part2/")
    assert _switch(driver) == "false" and set(driver.execute_script(STATES).values()) == {"shown"}
    assert not _errors(driver) and not _outside_requests(driver, server)


def test_solved_mistaken_and_revealed_answers_and_the_progress(driver: object, server: str) -> None:
    _fresh(driver, server)
    _turn_on(driver)
    total = driver.execute_script(PROGRESS)["total"]
    assert driver.execute_script(PROGRESS) == {
        "text": f"0 of {total} answered",
        "solved": 0,
        "revealed": 0,
        "total": total,
    }
    # A known mistake explains itself and keeps the answer hidden.
    verdict, _, shown = _answer(driver, "a2.q4.valid_triplets", "8")
    assert verdict == "mistake" and "known mistake" in shown.lower()
    assert "2^3" not in shown and "give the answer away" in shown  # its why waits until the answer is out
    assert driver.execute_script(STATES)["a2.q4.valid_triplets"] == "hidden"
    assert not driver.execute_script(VISIBLE, "a2.q4.valid_triplets")["rendered"]
    # A different answer keeps it hidden too, and does not say by how much (19 plus that would be the answer).
    verdict, _, shown = _answer(driver, "a2.q4.valid_triplets", "19")
    assert verdict == "different" and "give the answer away" in shown
    assert "−17" not in shown and "-17" not in shown, shown
    assert driver.execute_script(STATES)["a2.q4.valid_triplets"] == "hidden"
    # An equivalent answer reveals it, with a ✓, and counts.
    assert _answer(driver, "a2.q4.valid_triplets", "36")[0] == "equivalent"
    seen = driver.execute_script(VISIBLE, "a2.q4.valid_triplets")
    assert driver.execute_script(STATES)["a2.q4.valid_triplets"] == "solved"
    assert seen["rendered"] and "36" in seen["around"] and seen["badge"] and "✓" in seen["around"]
    assert driver.execute_script(PROGRESS)["solved"] == 1
    assert driver.execute_script(PROGRESS)["text"] == f"1 of {total} answered"
    # Once solved, a wrong answer says by how much again.
    verdict, _, shown = _answer(driver, "a2.q4.valid_triplets", "30")
    assert verdict == "different" and "6" in shown and "give the answer away" not in shown, shown
    # "Show the answer": revealed without credit, even if the right answer is typed afterwards.
    field = _form(driver, "a2.q6.dL_df2").find_element("css selector", "input")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", field)
    field.click()
    reveal = _form(driver, "a2.q6.dL_df2").find_element("css selector", "[data-practice-reveal]")
    assert reveal.is_displayed()
    reveal.click()
    assert driver.execute_script(STATES)["a2.q6.dL_df2"] == "revealed"
    seen = driver.execute_script(VISIBLE, "a2.q6.dL_df2")
    assert seen["rendered"] and not seen["badge"]
    assert _answer(driver, "a2.q6.dL_df2", "-2f_1 - f_2 - f_3 + f_4 + f_5 + 2f_6")[0] == "equivalent"
    assert driver.execute_script(STATES)["a2.q6.dL_df2"] == "revealed"
    progress = driver.execute_script(PROGRESS)
    assert (progress["solved"], progress["revealed"]) == (1, 1)
    assert progress["text"] == f"1 of {total} answered, 1 shown"
    # Kept in the browser: after a reload, the same states and counts.
    driver.refresh()
    _wait_for_math(driver)
    states = driver.execute_script(STATES)
    assert (states["a2.q4.valid_triplets"], states["a2.q6.dL_df2"], states["a2.q6.dL_df1"]) == (
        "solved",
        "revealed",
        "hidden",
    )
    # The home page counts per part of the site.
    _open(driver, server, "")
    homes = driver.execute_script(
        "return [...document.querySelectorAll('[data-practice-home] li')].map(li => li.textContent)"
    )
    assert any(re.fullmatch(r"Assignment II: 1 of \d+ answered, 1 shown", h) for h in homes), homes
    assert any(re.fullmatch(r"HW2 \(2019\): 0 of \d+ answered", h) for h in homes), homes
    assert not _errors(driver) and not _outside_requests(driver, server)


def test_quiet_marks_one_tab_stop_per_answer_labels_in_words(driver: object, server: str) -> None:
    _fresh(driver, server)
    report = driver.execute_script("""
      const content = document.querySelector('.md-content');
      const tabbable = [...content.querySelectorAll('a[href], button, input, select, textarea, [tabindex]')]
        .filter(e => e.tabIndex >= 0 && !e.disabled && e.checkVisibility());
      const forms = [...content.querySelectorAll('form[data-answer-for]')];
      return {
        marksInTabOrder: [...content.querySelectorAll('a.claim-mark')].filter(a => a.tabIndex >= 0).length,
        marks: content.querySelectorAll('a.claim-mark').length,
        perForm: forms.map(f => tabbable.filter(e => f.contains(e)).length),
        answers: content.querySelectorAll('[data-practice-for]').length,
        fieldLabels: forms.map(f => [f.dataset.answerFor, f.querySelector('input').getAttribute('aria-label')]),
        markLabels: [...content.querySelectorAll('a.claim-mark')].map(a => [a.id, a.getAttribute('aria-label'),
                                                                              a.getAttribute('title')]),
        displays: [...content.querySelectorAll('.claim-display.claim-answer')].map(d =>
          [d.getBoundingClientRect().height, d.querySelector('.claim-equation').getBoundingClientRect().height]),
      };""")
    assert report["marks"] > 60 and report["marksInTabOrder"] == 0
    assert len(report["perForm"]) == report["answers"] and set(report["perForm"]) == {1}  # one tab stop each
    ids = re.compile(r"\b(?:a2|hw2)\.[\w.]+")
    for claim, label in report["fieldLabels"]:
        assert label.startswith("Check your answer for ") and not ids.search(label), (claim, label)
    assert any(label.startswith("Check your answer for dL/df_1, in Q6") for _, label in report["fieldLabels"])
    for anchor, label, title in report["markLabels"]:
        assert label and not ids.search(label) and not ids.search(title), (anchor, label)
    # A displayed answer's field sits beside its mark: no band of its own under the equation.
    assert report["displays"] and all(d <= e + 2 for d, e in report["displays"]), report["displays"]


@pytest.mark.parametrize("scheme", ["default", "slate"])
def test_the_statuses_differ_without_colour(driver: object, server: str, scheme: str) -> None:
    """Verified, refuted and pending each keep a symbol and an outline of their own, so a reader who cannot tell
    the colours apart (or prints in grey) still can."""
    from tests.test_answer_checker_browser import _scheme

    looks = {}
    # Part I has verified and refuted marks (its common mistakes); HW2 Q1 pending ones (runs that need ImageNet
    # weights).  Part I had pending marks too until its last run was recorded.
    for page, statuses in (("a2/part1/", ["verified", "refuted"]), ("hw2/q1/", ["pending"])):
        _open(driver, server, page)
        _scheme(driver, scheme)
        looks |= driver.execute_script(
            """
          const out = {};
          for (const status of arguments[0]) {
            const a = document.querySelector('a.claim-mark.claim-' + status);
            if (!a) { out[status] = ['no mark', '']; continue; }
            const s = getComputedStyle(a);
            out[status] = [a.textContent.trim(), s.borderTopStyle + ' ' + (s.borderTopColor === 'rgba(0, 0, 0, 0)' ||
                           s.borderTopWidth === '0px' ? 'none' : 'drawn')];
          }
          return out;""",
            statuses,
        )
    symbols = {v[0] for v in looks.values()}
    outlines = {v[1] for v in looks.values()}
    assert symbols == {"✓", "✗", "…"}, looks
    assert len(outlines) == 3, looks


CONTRAST = (
    CONTRAST_JS
    + r"""
const fallback = getComputedStyle(document.body).backgroundColor;
return [...document.querySelectorAll(arguments[0])].filter(e => e.checkVisibility()).map(e => [
  e.className || e.tagName, e.textContent.trim().slice(0, 30), contrast(e, fallback), getComputedStyle(e).outlineStyle
]);
"""
)


@pytest.mark.parametrize("scheme", ["default", "slate"])
def test_practice_controls_are_named_readable_and_focusable(driver: object, server: str, scheme: str) -> None:
    """No new accessibility problem: the switch, the progress, a reveal control and a solved badge have names and a
    contrast of at least 4.5:1 in both palettes, and the buttons show a focus outline."""
    from selenium.webdriver.common.keys import Keys

    from tests.test_answer_checker_browser import _scheme

    _fresh(driver, server)
    _scheme(driver, scheme)
    toggle = driver.find_element("css selector", "[data-practice-toggle]")
    assert toggle.tag_name == "button" and toggle.text.startswith("Practice mode")
    for pressed in ("false", "true"):
        assert toggle.get_attribute("aria-pressed") == pressed
        for cls, text, ratio, _ in driver.execute_script(CONTRAST, "[data-practice-toggle], [data-practice-progress]"):
            assert ratio >= 4.5, (scheme, pressed, cls, text, ratio)
        if pressed == "false":
            toggle.click()
    field = _form(driver, "a2.q4.valid_triplets").find_element("css selector", "input")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", field)
    field.click()
    for _ in range(3):  # the reveal control is in the open panel's tab order (after its close button)
        driver.switch_to.active_element.send_keys(Keys.TAB)
        focused = driver.switch_to.active_element
        if focused.get_attribute("data-practice-reveal"):
            break
    assert focused.get_attribute("data-practice-reveal") == "a2.q4.valid_triplets" and focused.text
    (cls, text, ratio, outline), *_ = driver.execute_script(CONTRAST, ":focus")
    assert ratio >= 4.5 and outline != "none", (cls, text, ratio, outline)
    driver.execute_script(
        "localStorage.setItem(arguments[0], JSON.stringify({'a2.q4.valid_triplets': 'solved'}))",
        "verified-answers.practice.done",
    )
    driver.refresh()
    _wait_for_math(driver)
    for cls, text, ratio, _ in driver.execute_script(CONTRAST, ".practice-badge"):
        assert ratio >= 4.5, (scheme, cls, text, ratio)
    driver.execute_script("localStorage.clear()")


# What a reader can see of a page's hidden answers: each hidden answer's value (a number's digits; a formula's TeX,
# its right-hand side for an equation), and the page's visible text with every collapsed box opened (a reader may
# open them): its innerText (numbers) and the TeX of every formula on the screen (KaTeX keeps its source in an
# annotation).
SEEN_ANSWERS = r"""
const content = document.querySelector('.md-content');
content.querySelectorAll('details:not([open])').forEach(d => { d.open = true; });
const tex = k => { const a = k.querySelector('annotation'); return a ? a.textContent : ''; };
return {
  answers: [...content.querySelectorAll('[data-practice-for]')].map(v => ({
    id: v.dataset.practiceFor, state: v.dataset.practice, rendered: v.checkVisibility(),
    tex: [...v.querySelectorAll('.katex')].map(tex).join(' '),
    text: v.querySelector('.katex') ? '' : v.textContent.trim()})),
  text: content.innerText,
  math: [...content.querySelectorAll('.katex')].filter(k => k.checkVisibility()).map(tex),
  giveaways: [...content.querySelectorAll('[data-practice-until]')].map(g => ({
    until: g.dataset.practiceUntil,
    parts: [...content.querySelectorAll('[data-practice-giveaway]')].length,
    note: (g.classList.contains('practice-withheld') ? g : g.previousElementSibling).checkVisibility()})),
};
"""


def _plain_tex(tex: str) -> str:
    """A formula's TeX, compared without spacing, alignment and environments."""
    for junk in (r"\begin{aligned}", r"\end{aligned}", r"\displaystyle", "&", r"\\", r"\left", r"\right", r"\,"):
        tex = tex.replace(junk, "")
    return re.sub(r"\s+", "", tex)


def _rhs(tex: str) -> str:
    """A formula answer's value: the right-hand side of its equation, without spacing or outer brackets."""
    value = _plain_tex(re.split(r"(?<![<>\\])=", tex)[-1])
    return value[1:-1] if value.startswith("(") and value.endswith(")") else value


def _leaks(seen: dict) -> list[str]:
    """The hidden answers whose value a reader can still see on the page (the contract of ``hidden``)."""
    numbers = {n.replace(",", "") for n in re.findall(r"\d[\d,]*\d|\d", seen["text"])}
    math = [_plain_tex(m) for m in seen["math"]]
    # An answer the reader has solved or shown is on the screen by right, even where another (hidden) answer has
    # the same value: Q5's cells t2 dL/df_1 and t4 dL/df_2 are both f_4 - f_3.
    shown = {a["text"] or _rhs(a["tex"]) for a in seen["answers"] if a["state"] != "hidden"}
    out = []
    for answer in seen["answers"]:
        if answer["state"] != "hidden" or (answer["text"] or _rhs(answer["tex"])) in shown:
            continue
        if answer["rendered"]:
            out.append(f"{answer['id']}: its value is rendered")
        if answer["text"]:  # a number
            if answer["text"].replace(",", "") in numbers:
                out.append(f"{answer['id']}: {answer['text']} is in the visible text")
            continue
        value = _rhs(answer["tex"])
        # The whole value, as a formula or a side or bracket of one (not f_3 - f_5 inside f_1 + f_3 - f_5 - f_6).
        whole = re.compile(rf"(?:^|[=(,]){re.escape(value)}(?:$|[=),])")
        if value not in ("0", "") and any(whole.search(m) for m in math):
            out.append(f"{answer['id']}: {value} is in the visible math")
    return out


@pytest.mark.parametrize("page", ["a2/part2/", "a2/part1/"])
def test_practice_mode_hides_every_answer_and_the_passages_that_give_it_away(
    driver: object, server: str, page: str
) -> None:
    """In practice mode no hidden answer's value is in the page's visible text, the reasoning that states it
    included ([[giveaway ?id]] ... [[/giveaway]]: Q4's 6·2·3 before the hidden 36, a box of mistakes that names the
    right value); a note stands in each hidden passage's place; answering brings the passage back."""
    _fresh(driver, server, page)
    seen = driver.execute_script(SEEN_ANSWERS)
    assert seen["giveaways"] and not any(g["note"] for g in seen["giveaways"])  # off: nothing hidden, no notes
    if page == "a2/part2/":  # off, the reasoning gives the answer away; that is what practice mode must hide
        assert re.search(r"6\s*⋅\s*2\s*⋅\s*3", seen["text"]), "Q4's reasoning is not on the page"
    _turn_on(driver)
    seen = driver.execute_script(SEEN_ANSWERS)
    assert seen["answers"] and {a["state"] for a in seen["answers"]} == {"hidden"}
    assert not _leaks(seen), "\n".join(_leaks(seen))
    assert all(g["note"] for g in seen["giveaways"]), seen["giveaways"]
    if page == "a2/part2/":
        assert not re.search(r"6\s*⋅\s*2\s*⋅\s*3", seen["text"])
        assert "gives the answer away" in seen["text"]
        # Solving Q4 brings its reasoning back (and its note goes); the other giveaways stay hidden.
        assert _answer(driver, "a2.q4.valid_triplets", "36")[0] == "equivalent"
        seen = driver.execute_script(SEEN_ANSWERS)
        assert re.search(r"6\s*⋅\s*2\s*⋅\s*3", seen["text"])
        notes = {g["until"]: g["note"] for g in seen["giveaways"]}
        assert notes["a2.q4.valid_triplets"] is False and notes["a2.q5.t1.dL_df5 a2.q5.t3.dL_df1"] is True
        assert not _leaks(seen), "\n".join(_leaks(seen))
        # "Show the answer" does the same for a Q5 cell: a mistake's box that explains its right value comes back;
        # sheet A's box, whose wrong-variable formula also shows the value of another cell (t2's), waits for both.
        field = _form(driver, "a2.q5.t4.dL_df2").find_element("css selector", "input")
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", field)
        field.click()
        _form(driver, "a2.q5.t4.dL_df2").find_element("css selector", "[data-practice-reveal]").click()
        seen = driver.execute_script(SEEN_ANSWERS)
        assert "The anchor's gradient is negative minus positive" in seen["text"]
        assert "Sheet A had the right value but the wrong variable" not in seen["text"]
        assert not _leaks(seen), "\n".join(_leaks(seen))
    toggle = driver.find_element("css selector", "[data-practice-toggle]")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", toggle)
    toggle.click()  # off again: everything is back
    seen = driver.execute_script(SEEN_ANSWERS)
    assert not any(g["note"] for g in seen["giveaways"])
    assert not _errors(driver) and not _outside_requests(driver, server)
