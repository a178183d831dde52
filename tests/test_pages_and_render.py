"""Finding claim markers in Markdown, and what replaces them."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from solutions.engine.checks import REFUTED, VERIFIED, Result
from solutions.engine.pages import PageSyntaxError, find_claims, replace_claims
from solutions.engine.render import NONCE, anchor, checks_page_path, rel_link, render_occurrence
from tests.conftest import SETTINGS, load_claims

PAGE = """# Title

Inline [[a.b.c: 36]] and a formula [[a.b.d: $f_n - f_p$]] and generated [[a.b.e]].

| x | y |
|---|---|
| 1 | [[a.t.cell: $0$]] |

`[[not.a.claim: 1]]` is inline code.

```markdown
[[not.a.claim.either: 2]]
```

!!! note
    ```claim a.b.display
    \\frac{\\partial L}{\\partial f_1} = 2f_1
    ```
"""


def test_find_claims_reads_every_form() -> None:
    occs = find_claims(PAGE, "docs/p.md")
    assert [o.id for o in occs] == ["a.b.c", "a.b.d", "a.b.e", "a.t.cell", "a.b.display"]
    c, d, e, cell, disp = occs
    assert (c.value, c.line, c.is_latex) == ("36", 3, False)
    assert (d.latex, d.is_latex) == ("f_n - f_p", True)
    assert e.value is None
    assert cell.in_table and not c.in_table
    assert disp.display and disp.indent == "    " and disp.latex == r"\frac{\partial L}{\partial f_1} = 2f_1"
    assert disp.line == 16 and disp.where == "docs/p.md:16"


def test_replace_claims_keeps_everything_else() -> None:
    occs = find_claims(PAGE, "docs/p.md")
    out = replace_claims(PAGE, occs, lambda o: f"<{o.id}>")
    assert "Inline <a.b.c> and a formula <a.b.d> and generated <a.b.e>." in out
    assert "`[[not.a.claim: 1]]`" in out and "[[not.a.claim.either: 2]]" in out
    assert out.endswith("!!! note\n<a.b.display>\n")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("```claim a.b\nx\n", "never closed"),
        ("```claim a.b\n\n```\n", "is empty"),
        ("x [[a.b: ]] y", "empty value"),
        ("there are [[a2.q4.valid_triplets: 36 triplets", "not closed on the same line"),
        ("there are [[a2.q4.valid_triplets:\n36]] triplets", "not closed on the same line"),  # split over lines
        ("there are [[a2.q4.valid_triplets : 36]] triplets", "is not a claim marker"),
        ("there are [[A2.Q4.VALID: 36]] triplets", "is not a claim marker"),
        ("there are 36]] triplets", "closes no claim marker"),
        ("```claim\nx\n```\n", "one claim id"),
        ("```claim a.b c.d\nx\n```\n", "one claim id"),
        ("~~~claim a.b\nx\n~~~\n", "one claim id"),
        ("````claim a.b\nx\n````\n", "one claim id"),
    ],
)
def test_broken_markers_are_errors_with_a_line(text: str, reason: str) -> None:
    with pytest.raises(PageSyntaxError, match=reason) as err:
        find_claims("intro\n" + text, "docs/p.md")
    assert err.value.line == 2 and str(err.value).startswith("docs/p.md:2:")


LISTING = "checks/a2.x_claims.md"  # the listing of the claims module that declares the claim: its mark links there


def test_display_claim_inside_an_admonition_stays_indented() -> None:
    occ = find_claims(PAGE, "docs/p.md")[-1]
    html = render_occurrence(occ, Result("a.b.display", VERIFIED, "formula", how="sympy"), LISTING, "a2/p.md")
    lines = html.splitlines()
    assert all(ln.startswith("    ") for ln in lines if ln), lines
    assert f'<div class="claim-display claim-verified" markdown data-claims-engine="{NONCE}">' in html and "$$" in html


def test_mark_links_to_the_check_and_is_labelled() -> None:
    occ = find_claims("x [[a.b.c: 36]]", "docs/a2/p.md")[0]
    out = render_occurrence(
        occ, Result("a.b.c", REFUTED, "integer", how="enumeration", difference="+1"), LISTING, "a2/p.md"
    )
    assert out.startswith(
        f'<span class="claim-value" data-claims-engine="{NONCE}">36</span><a class="claim-mark claim-refuted" '
        'id="claim-a.b.c"'
    )
    assert 'href="../checks/a2.x_claims.md#a.b.c"' in out
    assert 'aria-label="refuted (a known mistake, checked to be wrong): c; how: enumeration; page - truth = +1"' in out
    assert ">✗</a>" in out


def test_links_are_relative_between_pages() -> None:
    assert rel_link("a2/part2.md", "verification.md") == "../verification.md"
    assert rel_link("index.md", "checks/a2.part2_claims.md", "x") == "checks/a2.part2_claims.md#x"
    assert checks_page_path("solutions.a2.part2_claims", SETTINGS) == "checks/a2.part2_claims.md"
    assert anchor("a2.q4.valid_triplets") == "claim-a2.q4.valid_triplets"


@pytest.mark.parametrize(
    ("module", "packages", "listing"),
    [
        ("solutions.a2.part2_claims", ("solutions",), "checks/a2.part2_claims.md"),
        ("solutions.hw2.q1.q1_claims", ("solutions",), "checks/hw2.q1_claims.md"),  # named for its own package
        ("solutions.hw2.q1.extra_claims", ("solutions",), "checks/hw2.q1.extra_claims.md"),
        ("course.hw2.q1_claims", ("other", "course"), "checks/hw2.q1_claims.md"),
        ("course.x.q1_claims", ("course", "course.x"), "checks/q1_claims.md"),  # the longest package that holds it
    ],
)
def test_a_listing_is_named_for_its_module_within_its_package(module: str, packages: tuple, listing: str) -> None:
    assert checks_page_path(module, replace(SETTINGS, packages=packages)) == listing


def test_check_listing_shows_the_helpers_a_check_calls() -> None:
    from solutions.engine.render import checks_page

    claims = [c for c in load_claims().values() if c.module == "solutions.hw2.q1.q1_claims"]
    page = checks_page("solutions.hw2.q1.q1_claims", "checks/hw2.q1_claims.md", claims, {})
    assert page.startswith("# Checks in `solutions/hw2/q1/q1_claims.py`")
    assert "# which calls solutions.hw2.q1.q1_claims._resnet18_count:" in page  # a function's private helper
    assert "# registered in a loop:" in page and "# which calls solutions.hw2.q1.q1_claims._trainable:" in page
    assert "`hw2.q1.resnet18_params` — not shown on any page" in page


def test_check_listing_of_a_module_without_claims() -> None:
    from solutions.engine.render import checks_page

    page = checks_page("solutions.hw2.q9_claims", "checks/hw2.q9_claims.md", [], {})
    assert "# Checks in `solutions/hw2/q9_claims.py`" in page and "declares no claims yet" in page


def test_a_listing_gives_each_claim_its_own_how_where_one_line_declares_several() -> None:
    from solutions.engine.render import checks_page

    claims = [c for c in load_claims().values() if c.module == "solutions.a2.part2.part2_claims"]
    page = checks_page("solutions.a2.part2.part2_claims", "checks/a2.part2_claims.md", claims, {})
    for c in claims:
        same_line = [o for o in claims if o.source_line == c.source_line]
        if len({o.how for o in same_line}) > 1:
            assert f"`{c.id}` — not shown on any page. How: {c.how}" in page
        else:
            assert f"How: {c.how}. Source:" in page


def test_inline_code_of_three_backticks_opens_no_code_block() -> None:
    """```x``` at the start of a line is inline code (CommonMark): the markers after it are still found."""
    page = "```pip install x``` does it.\n\nthere are [[a.b.c: 36]] triplets\n"
    assert [o.id for o in find_claims(page, "docs/p.md")] == ["a.b.c"]


def test_a_code_block_ends_only_at_a_fence_as_long_as_its_opening() -> None:
    page = "````markdown\n```\n[[a.b.example: 1]]\n```\n````\n\nthere are [[a.b.c: 36]] triplets\n"
    assert [o.id for o in find_claims(page, "docs/p.md")] == ["a.b.c"]


@pytest.mark.parametrize(
    ("page", "found"),
    [
        ("An example:\n\n    there are [[a.b.example: 36]] triplets\n\nthere are [[a.b.c: 36]]\n", ["a.b.c"]),
        ('!!! note "x"\n\n    there are [[a.b.c: 36]] triplets\n\n    and [[a.b.d: 1]]\n', ["a.b.c", "a.b.d"]),
        ("- an item\n\n    its second paragraph, [[a.b.c: 36]]\n", ["a.b.c"]),
        ('=== "Tab"\n\n    [[a.b.c: 36]]\n\nText\n\n    [[a.b.example: 1]]\n', ["a.b.c"]),
        ("Text\n    [[a.b.c: 36]] (a lazy continuation, not code)\n", ["a.b.c"]),
        ("```pip install x``` does it.\n\nthere are [[a.b.c: 36]] triplets\n", ["a.b.c"]),
        ("````md\n```\n[[a.b.example: 1]]\n```\n````\n\nthere are [[a.b.c: 36]]\n", ["a.b.c"]),
    ],
)
def test_an_indented_code_block_is_read_as_code_like_a_fenced_one(page: str, found: list[str]) -> None:
    """The scanner and the site's Markdown renderer agree: a marker is a claim exactly when it is not code."""
    import re

    import markdown

    assert [o.id for o in find_claims(page, "docs/p.md")] == found
    html = markdown.markdown(page, extensions=["admonition", "pymdownx.superfences", "pymdownx.details",
                                               "pymdownx.tabbed"])  # fmt: skip
    in_code = set(re.findall(r"\[\[([a-z.]+):", "".join(re.findall(r"<code>.*?</code>", html, re.DOTALL))))
    everywhere = set(re.findall(r"\[\[([a-z.]+):", page))
    assert everywhere - in_code == set(found)


# Only the engine may write its marks: what it renders carries this build's nonce, which the sanitizer trusts.
ANSWERABLE = {"kind": {"name": "integer"}}


def test_every_element_the_engine_renders_carries_the_builds_nonce() -> None:
    import html5lib

    occ = find_claims("there are [[?a.b.c: 36]] of them", "docs/a2/p.md")[0]
    out = render_occurrence(
        occ, Result("a.b.c", VERIFIED, "integer", how="enumeration", answer=ANSWERABLE), LISTING, "a2/p.md"
    )
    elements = [e for e in html5lib.parseFragment(out, namespaceHTMLElements=False).iter() if isinstance(e.tag, str)][
        1:
    ]
    assert [e.get("class") for e in elements] == [
        "claim-value",
        "claim-tail",
        "claim-mark claim-verified",
        "answer-slot",
    ]
    assert all(e.get("data-claims-engine") == NONCE for e in elements)


def test_the_nonce_is_new_in_every_build() -> None:
    import subprocess
    import sys

    code = "from solutions.engine.render import NONCE; print(NONCE)"
    runs = {
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout for _ in "ab"
    }
    assert len(runs) == 2 and all(len(r.strip()) == 32 for r in runs)


# Explicit ids: the nonce is new in every process, and the xdist workers must collect the same tests.
@pytest.mark.parametrize("nonce", ["", "0" * 32, NONCE.upper()], ids=["empty", "zeros", "upper-case"])
def test_a_mark_without_this_builds_nonce_is_refused(nonce: str) -> None:
    from solutions.engine.sanitize import check_html, strip_nonce

    occ = find_claims("[[a.b.c: 36]]", "docs/a2/p.md")[0]
    real = "<p>" + render_occurrence(occ, Result("a.b.c", VERIFIED, "integer"), LISTING, "a2/p.md") + "</p>"
    assert check_html(real, NONCE) is None
    assert "data-claims-engine" not in strip_nonce(real, NONCE)
    forged = real.replace(NONCE, nonce)
    offence = check_html(forged, NONCE)
    assert offence is not None and "a page may not write it" in offence.why
    assert offence.message("docs/a2/p.md", "# P\n\n" + forged).startswith("docs/a2/p.md:3: <span ")


def test_inside_an_engine_mark_the_page_text_is_still_checked() -> None:
    from solutions.engine.sanitize import check_html

    occ = find_claims("```claim a.b.c\nx <img src=x onerror=alert(1)>\n```", "docs/a2/p.md")[0]
    shown = render_occurrence(occ, Result("a.b.c", VERIFIED, "formula"), LISTING, "a2/p.md")
    offence = check_html(shown, NONCE)
    assert offence is not None and offence.what == '<img onerror="alert(1)">'


@pytest.mark.parametrize(
    ("html", "refused"),
    [
        ('<script id="__config" type="application/json">{}</script>', True),
        ('<p id="__config">{"search": "x.js"}</p>', True),  # read as the theme's configuration
        ('<input type="radio" id="__tabbed_1_1" name="__tabbed_1" checked><label for="__tabbed_1_1">A</label>', False),
        ('<p id="claim-a.b.c">36</p>', True),
        # `hidden` is refused: the theme's CSS shows an admonition, details or figure marked hidden anyway.
        ('<div class="admonition note" hidden><p>99.1</p></div>', True),
        ("<details hidden><summary>Score</summary>98.2</details>", True),
    ],
)
def test_a_page_may_not_name_an_element_of_the_engine_or_the_theme(html: str, refused: bool) -> None:
    from solutions.engine.sanitize import check_html

    offence = check_html(html, NONCE)
    assert (offence is not None) == refused, offence


def test_html_nested_without_end_is_refused_in_linear_time() -> None:
    """html5lib builds a deeply nested tree in time that grows with the square of its depth: a page that
    nests (or leaves open) more elements than any Markdown does is refused before it is parsed."""
    import time

    from solutions.engine.sanitize import MAX_DEPTH, check_html

    assert check_html("<div>" * MAX_DEPTH + "x" + "</div>" * MAX_DEPTH, NONCE) is None
    start = time.monotonic()
    offence = check_html("<p><b><i>" * 20_000, NONCE)
    assert time.monotonic() - start < 10  # html5lib alone takes minutes on it
    assert offence is not None and offence.message("docs/p.md", "# P\n<p><b><i>") == (
        "docs/p.md:2: <i> nested 60000 elements deep: "
        f"HTML on a page may nest (or leave open) at most {MAX_DEPTH} elements"
    )


def test_only_an_answer_gets_a_field_and_practice_wrapping() -> None:
    """``[[?id: value]]`` is an answer: its value is wrapped for practice mode and it gets a field labelled in
    words; any other claim gets only its mark.  Neither label holds the claim's id (that is in the link)."""
    page = "## Q4: how many triplets?\n\nthere are [[?a.q4.valid_triplets: 36]] of them, [[a.q4.anchors: 6]] anchors\n"
    answer, other = find_claims(page, "docs/a2/p.md")
    assert (answer.answer, other.answer) == (True, False)
    result = Result("a.q4.valid_triplets", VERIFIED, "integer", how="enumeration", answer=ANSWERABLE)
    shown = render_occurrence(answer, result, LISTING, "a2/p.md")
    assert 'data-practice="shown" data-practice-for="a.q4.valid_triplets"' in shown
    assert 'data-label="valid triplets, in Q4: how many triplets?"' in shown and "answer-slot" in shown
    assert 'aria-label="verified: valid triplets, in Q4: how many triplets?; how: enumeration"' in shown
    assert 'tabindex="-1"' in shown  # the mark is quiet: the field is the answer's one tab stop
    plain = render_occurrence(other, Result("a.q4.anchors", VERIFIED, "integer", answer=ANSWERABLE), LISTING, "a2/p.md")
    assert "answer-slot" not in plain and "data-practice" not in plain
    for html_ in (shown, plain):
        labels = re.findall(r'(?:aria-label|title|data-label)="([^"]*)"', html_)
        assert labels and not any("a.q4." in label for label in labels)


def test_an_answer_block_is_written_claim_question_mark_id() -> None:
    page = "## Q6: the total\n\n```claim ?a.q6.dL_df1\n\\frac{\\partial L}{\\partial f_1} = 2f_1\n```\n"
    (occ,) = find_claims(page, "docs/a2/p.md")
    assert occ.answer and occ.display and occ.id == "a.q6.dL_df1"
    shown = render_occurrence(occ, Result(occ.id, VERIFIED, "formula", answer=ANSWERABLE), LISTING, "a2/p.md")
    assert 'class="claim-equation" data-practice="shown"' in shown
    assert 'data-practice-lhs="\\frac{\\partial L}{\\partial f_1}"' in shown
    assert 'data-label="dL/df_1, in Q6: the total"' in shown


@pytest.mark.parametrize("container", ['??? info "Every run"', "!!! note", "- a list item:"])
def test_generated_html_inside_a_container_stays_inside_it(container: str) -> None:
    """A generated table is several lines of HTML: each must keep the indentation of its marker's line, or
    Markdown ends the container at the second line (the table would fall out of a folded box)."""
    import markdown

    page = f"# T\n\n{container}\n\n    [[a.b.gen]]\n\nAfter the box.\n"
    table = "<table>\n<tr><td>commit</td></tr>\n\n<tr><td>abc123</td></tr>\n</table>"
    result = Result("a.b.gen", VERIFIED, "generated", how="files")
    result.shown_html = table
    occ = find_claims(page, "docs/p.md")[0]
    assert occ.line_indent == "    "
    out = replace_claims(page, [occ], lambda o: render_occurrence(o, result, LISTING, "p.md"))
    html = markdown.markdown(out, extensions=["admonition", "pymdownx.details", "md_in_html"])
    outer = {"?": "</details>", "!": "</div>", "-": "</li>"}[container[0]]
    assert html.index("abc123") < html.index(outer) < html.index("After the box."), html
    # an inline marker in running text is unchanged: its replacement is one line
    inline = find_claims("!!! note\n    text [[a.b.c: 36]]\n", "docs/p.md")[0]
    assert inline.line_indent == ""


def test_generated_html_in_a_table_cell_keeps_the_table_whole() -> None:
    """Generated HTML in a cell is one line, a span, with its mark after it: a figure or a line break would end
    the row (a file name and its mark fell out of Part I's table as rows of their own)."""
    import markdown

    page = "| what | value |\n|---|---|\n| vectors | [[a.b.file]] |\n| after | x |\n"
    result = Result("a.b.file", VERIFIED, "generated", how="files")
    result.shown_html = "<code>v.npy</code>\nfrom <code>pkg</code>"
    (occ,) = find_claims(page, "docs/p.md")
    assert occ.in_table
    out = replace_claims(page, [occ], lambda o: render_occurrence(o, result, LISTING, "p.md"))
    html = markdown.markdown(out, extensions=["tables", "md_in_html"])
    assert html.count("<tr>") == 3 and "<figure" not in html, html
    row = html.split("<tr>")[2]
    assert "v.npy" in row and "from <code>pkg</code>" in row and 'class="claim-mark' in row, row


GIVEAWAY_PAGE = """# Q

Each of [[a.n: 6]] anchors: [[giveaway ?a.total]]that makes [[a.product: $6 \\cdot 2$]] choices:[[/giveaway]] there are
[[?a.total: 12]] of them. `[[giveaway ?a.total]]` in code is an example.

[[giveaway ?a.total ?a.other]]

??? failure "A mistake"
    It names the right value, [[a.right: 12]].

[[/giveaway]]

The other answer: [[?a.other: 3]].
"""


def test_a_giveaway_is_hidden_with_its_answers_and_rendered_by_the_engine() -> None:
    """``[[giveaway ?id ...]] ... [[/giveaway]]``: a phrase (both markers on one line) becomes a span, whole blocks
    (each marker alone on a line) lie between two empty divs; both carry the build's nonce, so the sanitizer
    trusts them, and a page cannot write data-practice-until itself."""
    from solutions.engine.pages import find_giveaways
    from solutions.engine.render import giveaway
    from solutions.engine.sanitize import check_html

    claims = find_claims(GIVEAWAY_PAGE, "docs/p.md")
    marks = find_giveaways(GIVEAWAY_PAGE, "docs/p.md", claims)
    assert [(m.ids, m.line, m.block) for m in marks] == [
        (("a.total",), 3, False),
        ((), 3, False),
        (("a.total", "a.other"), 6, True),
        ((), 11, True),
    ]
    html = [giveaway(m) for m in marks]
    assert html[0].startswith('<span class="practice-giveaway" data-practice-until="a.total"') and html[1] == "</span>"
    assert 'data-practice-until="a.total a.other"' in html[2] and "practice-giveaway-end" in html[3]
    assert check_html(f"<p>{html[0]}x{html[1]}</p>{html[2]}<p>y</p>{html[3]}", NONCE) is None
    assert check_html('<span data-practice-until="a.total">x</span>', NONCE) is not None  # not by hand
    text = replace_claims(GIVEAWAY_PAGE, [*claims, *marks], lambda o: giveaway(o) if o in marks else "C")
    assert "[[" not in text.replace("`[[giveaway ?a.total]]`", "")


@pytest.mark.parametrize(
    ("page", "why"),
    [
        ("[[giveaway ?a.nope]]x[[/giveaway]] [[?a.total: 1]]", "no answer of this page"),
        ("[[giveaway ?a.n]]x[[/giveaway]] [[a.n: 1]]", "no answer of this page"),  # not an answer
        ("[[giveaway ?a.total]]x [[?a.total: 1]][[/giveaway]]", "inside this giveaway"),
        ("[[giveaway ?a.total]]x\n[[/giveaway]] [[?a.total: 1]]", "closed differently"),
        ("x [[?a.total: 1]]\n\n[[giveaway ?a.total]]\n\ny\n", "never closed"),
        ("x [[?a.total: 1]] [[/giveaway]]", "closes no giveaway"),
        ("x [[?a.total: 1]]\n[[giveaway ?a.total]]\n\ny\n\n[[/giveaway]]\n", "between blank lines"),
        ("x [[?a.total: 1]]\n\n  [[giveaway ?a.total]]\n\ny\n\n[[/giveaway]]\n", "at the margin"),
        ("[[giveaway ?a.total]] a [[giveaway ?a.total]] b [[/giveaway]] [[?a.total: 1]]", "before the one"),
        ("[[giveaway a.total]]x[[/giveaway]] [[?a.total: 1]]", "is not a claim marker"),
    ],
)
def test_a_giveaway_that_cannot_be_read_stops_the_build(page: str, why: str) -> None:
    from solutions.engine.pages import find_giveaways

    with pytest.raises(PageSyntaxError, match=why):
        find_giveaways(page, "docs/p.md", find_claims(page, "docs/p.md"))
