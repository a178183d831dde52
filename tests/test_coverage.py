"""Claim coverage, read from the rendered page: every number and formula a reader sees is a claim or
declared context.

Most cases render Markdown with Python-Markdown configured from mkdocs.yml (the site's extensions and
settings, :func:`solutions.engine.site.site_markdown`); tests/test_coverage_build.py runs real builds.
Each hostile case is one a Markdown-level regular expression missed.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solutions.engine.coverage import CoverageError, items, notebook_coverage, page_coverage, visible
from solutions.engine.pages import UNCLOSED_LIMIT, PageSyntaxError, find_claims
from solutions.engine.site import markdown_pages, page_html, render_pages, site_markdown, verify_docs
from solutions.engine.verdicts import Report
from tests.conftest import DOCS, ROOT, SETTINGS, load_claims

RENDER = site_markdown(ROOT / "mkdocs.yml")


def html_of(text: str) -> str:
    return page_html(text, find_claims(text, "docs/x.md"), RENDER)


def found(text: str) -> list[str]:
    return [it.text for it in items(visible(html_of(text)))]


def kinds(text: str) -> list[tuple[str, str]]:
    return [(it.kind, it.text) for it in items(visible(html_of(text)))]


def coverage(text: str, sources: Path | None = None):
    return page_coverage(html_of(text), text, "docs/x.md", len(find_claims(text, "docs/x.md")), RENDER, sources)


# ------------------------------------------------------------------ what is a number, what is a formula


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("a vocabulary of 25,000 tokens", ["25,000"]),
        ("dropout 0.5 and a 70/30 split", ["0.5", "70", "30"]),
        ("100-dimensional embeddings", ["100"]),
        ("HW2 Q6 and f_1 and L2", []),  # digits after letters are names
        ("GloVe 6B vectors", ["6"]),  # digits before letters are a number (6 billion)
        ("the year (2019).", ["2019"]),
        ("a thin space: 1\u202f446\u202f400 parameters", ["1\u202f446\u202f400"]),
    ],
)
def test_numbers(text: str, numbers: list[str]) -> None:
    assert kinds(text) == [("number", n) for n in numbers]


@pytest.mark.parametrize(
    ("math", "is_formula"),
    [
        ("$f_a$", False),
        ("$L^t$", False),
        ("$L^1$", False),  # an indexed name
        (r"$\odot$", False),  # a lone symbol names the operator
        ("$W_{ih}$", False),
        ("$z_t > 0$", True),
        ("$6^3$", True),
        ("$0$", True),
        ("$gh(d + h + 2)$", True),
        (r"$4h \times p$", True),
    ],
)
def test_formulas(math: str, is_formula: bool) -> None:
    assert kinds(f"so {math} here") == ([("formula", math)] if is_formula else [])


def test_display_math_is_one_formula_over_its_lines() -> None:
    assert kinds("Then\n\n$$\nL = 2 f_1\n  + 3\n$$\n\nend\n") == [("formula", "$$L = 2 f_1 + 3$$")]


@pytest.mark.parametrize(
    "text",
    [
        "the count is [[a2.q4.valid_triplets: 36]] here",  # a claim marker is checked, not prose
        "run `train --epochs 5` now",  # inline code
        "```sh\ntrain --epochs 5\n```",  # fenced code
        "Some text:\n\n    indented code 42\n",  # indented code
        "see [the page](../a2/part1.md#x-2) now",  # a link target
        "<!-- claims:summary 3 -->",  # a comment
        "1. first item\n2. second item",  # list markers (the browser draws them)
        "```claim a2.q6.dL_df1\n\\frac{\\partial L}{\\partial f_1} = 2f_1\n```",  # a claim block
        "A note.[^1]\n\n[^1]: See the book.",  # a footnote's number and its link back
    ],
)
def test_what_a_reader_does_not_read_as_a_statement(text: str) -> None:
    assert found(text) == []


# ------------------------------------------------------------------ hostile pages: what a regex model missed


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The answer is &#51;&#54; here.", ["36"]),  # character references: a browser shows 36
        ("The answer is &#x33;6 and &frac12;.", ["36", "½"]),
        ("Hidden? <!-->36 is shown: the comment ended at once.", ["36"]),  # `<!-->` is an empty comment
        ("Hidden? <!--->36 is shown too.", ["36"]),  # so is `<!--->`
        ("A real comment <!-- 36 --> hides it.", []),
        ("Text\n{: title='accuracy 87' }", ["87"]),  # an attribute list's tooltip
        ("![chart](a.png){: alt='99 bars' }", ["99"]),
        ('<abbr title="87 percent">acc</abbr> and <img alt=\'a 3x chart\' src="x2.png">', ["87", "3"]),
        ("The HTML spec.\n\n*[HTML]: a language of 1993", ["1993"]),  # an abbreviation's tooltip
        ('<ol start="48"><li>item</li></ol>', ["48"]),  # a list's first number is shown
        ('<span hidden>36</span><template>37</template><input type="hidden" value="38">', []),
        ('<span hidden="until-found">36</span>', ["36"]),  # find-in-page shows it
        ('<sup><a class="footnote-ref" href="#fn:x">36</a></sup>', ["36"]),  # no such footnote: a number
        ('<span class="claim-value">36</span> and <span class="claim-value">37</span>', ["36", "37"]),  # no mark
        ("$$\n" + "x + " * 1500 + "36\n$$", ["$$" + "x + " * 1500 + "36$$"]),  # past a 4,000-character limit
        ('<span title="' + "a" * 5000 + ' 36">x</span>', ["36"]),
        ('??? note "Question 36"\n    The text.', ["36"]),  # a collapsible block's summary
        ('=== "Run 7"\n\n    Text.', ["7"]),  # a content tab's label
        ("| a | b |\n|---|---|\n| x | 87 |", ["87"]),
        ("_42_ and __43__", ["42", "43"]),  # emphasis around a number
        ("$a<b$ the accuracy is 87% and $c>d$", ["$a<b$", "87", "$c>d$"]),
        ("it is 87² or ３", ["87", "²", "３"]),  # number characters that are no ASCII digit
        # Invisible "letters" (Hangul fillers, default-ignorable) before a number do not make it a name.
        ("accuracy\u115f96.4 and \u316495.5 and \uffa094.1 and a\u200b93", ["96.4", "95.5", "94.1", "93"]),
        # Attributes inside a math span are still shown to the reader.
        ('<span class="arithmatex">\\(x\\)<abbr title="accuracy 94.6">y</abbr></span>', ["94.6"]),
    ],
)
def test_numbers_a_hostile_page_might_hide(text: str, expected: list[str]) -> None:
    assert found(text) == expected


def test_a_snippet_included_number_is_found_and_located(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("The accuracy is 87%.\n", encoding="utf-8")
    from solutions.engine.coverage import markdown_renderer

    render = markdown_renderer(["pymdownx.snippets"], {"pymdownx.snippets": {"base_path": [str(tmp_path)]}})
    page = '# Notes\n\nIntro.\n\n--8<-- "notes.md"\n'
    cov = page_coverage(render(page), page, "docs/x.md", 0, render)
    assert [(it.text, it.line) for it in cov.unchecked] == [("87", 1)]
    assert "the line of the heading above it" in cov.unchecked[0].note


def test_a_character_reference_is_located_at_its_heading() -> None:
    page = "# Title\n\nIntro.\n\n## Results\n\nThe answer is &#51;&#54;.\n"
    (item,) = coverage(page).unchecked
    assert (item.text, item.line) == ("36", 5) and "heading above it" in item.note


def test_a_notebook_is_scanned_in_its_markdown_and_its_outputs(tmp_path: Path) -> None:
    from mkdocs_jupyter.nbconvert2 import nb2html

    nb = {
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": "# Title\n\nIt took 17 minutes, $x = 2$."},
            {
                "cell_type": "code",
                "execution_count": 5,
                "metadata": {},
                "source": "print('accuracy', 99)  # code 123 is code",
                "outputs": [{"name": "stdout", "output_type": "stream", "text": "accuracy 99\n"}],
            },
            {
                "cell_type": "code",
                "execution_count": 6,
                "metadata": {},
                "source": "x",
                "outputs": [
                    {
                        "output_type": "execute_result",
                        "execution_count": 6,
                        "metadata": {},
                        "data": {"text/html": "<b>&#52;&#50;</b>", "text/plain": "42"},
                    }
                ],
            },
        ],
        "metadata": {"context": [{"statement": "It took 17 minutes"}]},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path = tmp_path / "n.ipynb"
    path.write_text(json.dumps(nb, indent=1), encoding="utf-8")
    cov = notebook_coverage(nb2html(str(path)), path.read_text(encoding="utf-8"), "docs/n.ipynb")
    assert [it.text for it in cov.unchecked] == ["$x = 2$", "99", "42"]  # not the prompts' 5 and 6, not code
    assert [it.text for it in cov.context] == ["17"]
    with pytest.raises(CoverageError, match=r"docs/n\.ipynb:1: not a valid notebook"):
        notebook_coverage("", "{", "docs/n.ipynb")


def test_the_real_notebook_shows_no_unchecked_number() -> None:
    from mkdocs_jupyter.nbconvert2 import nb2html

    path = DOCS / "a2/worked-example-notebook.ipynb"
    cov = notebook_coverage(nb2html(str(path)), path.read_text(encoding="utf-8"), "docs/nb.ipynb")
    assert cov.unchecked == [] and len(cov.context) == len(cov.declared)


# ------------------------------------------------------------------ declaring context

PAGE = """---
context:
  - name: Winter 2021        # the term
  - statement: question 6 (20 points)
---

# Title

*Course, Winter 2021, question 6 (20 points).*

The answer is [[a2.q4.valid_triplets: 36]].
"""


def test_declared_context_is_not_a_result() -> None:
    cov = coverage(PAGE)
    assert cov.unchecked == [] and cov.percent == 100.0
    assert [it.text for it in cov.context] == ["2021", "6", "20"]
    assert [(d.kind, d.text) for d in cov.declared] == [
        ("name", "Winter 2021"),
        ("statement", "question 6 (20 points)"),
    ]


def test_a_declaration_matches_across_a_line_break_and_markup() -> None:
    assert coverage(PAGE.replace("question 6 (20 points).*", "question 6\n(20 points).*")).unchecked == []
    page = '---\ncontext:\n  - statement: "**Step 1.** then $x = 2$"\n---\n\n**Step 1.** then $x = 2$ and so on.\n'
    assert coverage(page).unchecked == []


def test_an_undeclared_number_is_unchecked_with_its_line() -> None:
    cov = coverage(PAGE + "\nIt took 17 minutes.\n")
    assert [(it.text, it.line) for it in cov.unchecked] == [("17", 13)]
    assert cov.results == 2 and cov.percent == 50.0


def test_changing_declared_text_unmasks_its_number() -> None:
    """A declaration quotes the page exactly: an edited number inside it is no longer context."""
    with pytest.raises(CoverageError, match=r"docs/x\.md:3: context 'Winter 2021' is not on the page"):
        coverage(PAGE.replace("*Course, Winter 2021,", "*Course, Winter 2022,"))


@pytest.mark.parametrize(
    ("front", "message"),
    [
        ("context: Winter 2021\n", "context must be a list of declarations"),
        ("context:\n  - name: 2021\n", "quote the words around a number, not the bare number"),
        ("context:\n  - name: '12.5 %'\n", "quote the words around a number, not the bare number"),
        ("context:\n  - name: '(87)'\n", "quote the words around a number, not the bare number"),
        ("context:\n  - name: 'n 87'\n", "quote the words around a number, not the bare number"),
        ("context:\n  - Text 2021\n", "say what it is: write `- KIND: text`"),
        ("context:\n  - 2021\n", "say what it is: write `- KIND: text`"),
        ("context:\n  - result: Text 2021\n", "not a kind of declaration"),
        ("context:\n  - quote: Text 2021\n", "not a kind of declaration"),  # a quote names its source
        ("context:\n  - name sheet: Text 2021\n", "not a kind of declaration"),  # only a quote names one
        ("context:\n  - name: Text 2021\n    statement: Text\n", "say what it is"),  # one kind per item
        ("context:\n  - quote sheet-Z: Text 2021\n", "context quotes 'sheet-Z', but there is no sources folder"),
        ("context:\n  - [a, b\n", "the front matter is not valid YAML"),
        ("- a list\n", "the front matter must be a mapping"),
        ("context:\n  - {a: 1}\n", "not a kind of declaration"),
        ("context:\n  - name: '<!-- Text -->'\n", "shows no text of one block once rendered"),
    ],
)
def test_bad_declarations_are_one_clear_error(front: str, message: str) -> None:
    with pytest.raises(CoverageError, match=r"^docs/x\.md:\d+: ") as err:
        coverage(f"---\n{front}---\n\nText 2021.\n")
    assert message in str(err.value)


def test_a_quote_is_checked_against_its_source(tmp_path: Path) -> None:
    """A `quote NAME:` declaration must be found in sources/NAME.md, white space aside; a paraphrase fails."""
    (tmp_path / "sheets").mkdir()
    (tmp_path / "sheets" / "sheet-B.md").write_text("we have 5 choices\nfor  the anchor, 4 choices for the positive")
    page = (
        "---\ncontext:\n  - quote sheet-B: 5 choices for the anchor, 4 choices\n---\n\n"
        'It says "5 choices for the anchor, 4 choices".\n'
    )
    cov = coverage(page, tmp_path)
    assert cov.unchecked == [] and [d.source for d in cov.declared] == ["sheet-B"]
    paraphrase = page.replace("5 choices for the anchor, 4 choices", "5 choices of anchor, 4 choices")
    with pytest.raises(
        CoverageError, match=r"^docs/x\.md:3: context '5 choices of anchor, 4 choices' is declared a quote"
    ):
        coverage(paraphrase, tmp_path)
    with pytest.raises(CoverageError, match=r"^docs/x\.md:3: context quotes 'sheet-C': no file named sheet-C\.md"):
        coverage(page.replace("quote sheet-B", "quote sheet-C"), tmp_path)


def test_the_real_pages_quotes_name_real_sources() -> None:
    """Every quote declared on the site's pages names a file of the repository's sources folder."""
    from solutions.engine.coverage import declarations, front_matter

    quotes = []
    for page in sorted(DOCS.rglob("*.md")):
        text = page.read_text(encoding="utf-8")
        meta, _ = front_matter(text, str(page))
        quotes += [d for d in declarations(meta, text, str(page), ROOT / "sources") if d.kind == "quote"]
    assert {d.source for d in quotes} >= {"a2-sheet-B", "a2-notebook-recipe"}


def test_a_declaration_matches_whole_words_in_text_a_reader_sees() -> None:
    page = "---\ncontext:\n  - name: then 87 days\n---\n\nAnd then 87 days passed, then 87 days again.\n"
    assert coverage(page).unchecked == []
    with pytest.raises(CoverageError, match="context 'hen 87 days' is not on the page"):
        coverage(page.replace("  - name: then 87", "  - name: hen 87"))


@pytest.mark.parametrize(
    "body",
    [
        "<!-- kept 87 here -->\n`kept 87 here`\n\nThe 87.\n",  # only a comment and code hold it
        "Score <!-- points --> 87 here.\n",  # its word only in a comment between
        "Score <span hidden>points</span> 87 here.\n",  # ... in a hidden element
        'Score <abbr title="points">pts</abbr> 87 here.\n',  # ... in an attribute
        "Score points\n\n87 here.\n",  # across two paragraphs
        "Score points [[a2.q4.valid_triplets: 87]] here.\n",  # ... or a claim
    ],
)
def test_hidden_text_never_completes_a_declaration(body: str) -> None:
    decl = "kept 87 here" if "kept" in body else "points 87 here"
    with pytest.raises(CoverageError, match=r"docs/x\.md:3: context '.*' is not on the page"):
        coverage(f"---\ncontext:\n  - name: {decl}\n---\n\n{body}")


def test_deep_front_matter_is_one_error() -> None:
    with pytest.raises(CoverageError, match=r"docs/x\.md:1: the front matter nests too deeply"):
        coverage("---\na: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n---\n\nText.\n")


def test_the_front_matter_hides_nothing_and_a_title_is_shown() -> None:
    hiding = "---\nx: |\n  ````\n---\n\nThe answer is 42.\n\n<!--\n\n    ````\n\n-->\n"
    assert [(it.line, it.text) for it in coverage(hiding).unchecked] == [(6, "42")]
    assert coverage("\ufeff" + PAGE).unchecked == []
    assert [it.text for it in coverage("---\ntitle: 42\n---\n\nText.\n").unchecked] == ["42"]
    for key in ("subtitle", "description"):  # the theme shows these too
        assert [it.text for it in coverage(f"---\n{key}: accuracy 93.7 %\n---\n\nText.\n").unchecked] == [
            "accuracy 93.7 %"
        ]


def test_a_table_of_contents_label_is_refused_at_its_line() -> None:
    with pytest.raises(CoverageError, match=r"docs/x\.md:3: data-toc-label"):
        coverage('# T\n\n## Hostile { data-toc-label="Accuracy 99.9 %" }\n')


def test_a_footnote_number_counts_as_furniture_only_up_to_the_footnotes_defined() -> None:
    real = "A claim[^a].\n\n[^a]: The note.\n"
    assert coverage(real).unchecked == []
    fake = (
        '<div class="footnote"><ol>' + "".join(f'<li id="zz{k}">x</li>' for k in range(1, 43)) + "</ol></div>\n\n"
        'accuracy <a class="footnote-ref" href="#zz42">42</a> %\n'
    )
    assert "42" in [it.text for it in coverage(fake).unchecked]


# ------------------------------------------------------------------ linear time


def _declarations_cpu_seconds(n: int) -> float:
    front = "---\ncontext:\n" + "".join(f"  - name: word{k} has {k}\n" for k in range(n)) + "---\n\n"
    body = "\n\n".join(f"Here word{k} has {k}." for k in range(n)) + "\n"
    html = "".join(f"<p>Here word{k} has {k}.</p>" for k in range(n))  # rendering is Markdown's time, not ours
    start = time.process_time()  # CPU time: what the matching costs, whatever else the machine runs
    cov = page_coverage(html, front + body, "docs/x.md", 0, RENDER)
    seconds = time.process_time() - start
    assert cov.unchecked == [] and len(cov.context) == n
    return seconds


def test_twenty_thousand_declarations_are_matched_in_one_pass() -> None:
    small, large = _declarations_cpu_seconds(2_000), _declarations_cpu_seconds(20_000)
    assert large < 10, large
    assert large < 30 * small + 0.5, (small, large)  # ten times the declarations: about ten times the work, not 100


@pytest.mark.parametrize("opener", ["\\[ x", "$ x", "$$ x", "\\( x"])
def test_unclosed_openers_cost_linear_time(opener: str) -> None:
    text = "\n".join(f"{opener} {k}" for k in range(3000 if opener != "\\( x" else UNCLOSED_LIMIT))
    start = time.perf_counter()
    assert found(text)
    assert time.perf_counter() - start < 5.0, opener


@pytest.mark.parametrize("text", ["a <!-- b\n" * 3000, "\\( x\n" * (UNCLOSED_LIMIT + 1)])
def test_what_the_renderer_is_slow_on_is_refused_first(text: str) -> None:
    with pytest.raises(PageSyntaxError, match=r"^docs/x\.md:1: "):
        find_claims(text, "docs/x.md")


def test_deeply_nested_html_is_no_recursion_error() -> None:
    html = "<div>" * 5_000 + "36" + "</div>" * 5_000  # deeper than Python's recursion limit
    assert [it.text for it in items(visible(html))] == ["36"]


# ------------------------------------------------------------------ the real pages


def test_every_real_page_is_fully_covered() -> None:
    report = Report()
    from solutions.engine.site import scan

    scan(DOCS, report)
    covered = dict(render_pages(DOCS, SETTINGS, report.occurrences))
    assert set(covered) == {p.relative_to(DOCS).as_posix() for p in markdown_pages(DOCS)} | {
        "a2/worked-example-notebook.ipynb"
    }
    problems = {rel: c if isinstance(c, CoverageError) else c.unchecked for rel, c in covered.items()}
    assert {rel: p for rel, p in problems.items() if p} == {}


def _prose_lines(page: Path) -> list[int]:
    """0-based indices of the lines of a real page where a sentence can be added: a line of a plain paragraph
    (it starts with a letter, after a line that is blank or another such line), outside front matter and code."""
    raw = page.read_text(encoding="utf-8").splitlines()
    start = raw.index("---", 1) + 1 if raw and raw[0] == "---" else 0
    out, fence = [], False
    for i in range(start, len(raw)):
        if raw[i].lstrip().startswith(("```", "~~~")):
            fence = not fence
            continue
        plain = raw[i][:1].isalpha() and not any(c in raw[i] for c in ("$", "[[", "<"))
        if not fence and plain and (not raw[i - 1].strip() or i - 1 in out):
            out.append(i)
    return out


PAGES = [p for p in markdown_pages(DOCS) if _prose_lines(p)]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    page=st.sampled_from(PAGES),
    where=st.integers(min_value=0, max_value=10_000),
    number=st.one_of(
        st.integers(min_value=0, max_value=10**7).map(lambda n: f"{n:,}"),
        st.decimals(min_value=0, max_value=1000, places=2).map(str),
    ),
    formula=st.booleans(),
)
def test_a_number_planted_in_any_page_is_caught_with_its_line(
    page: Path, where: int, number: str, formula: bool
) -> None:
    lines = page.read_text(encoding="utf-8").splitlines(keepends=True)
    candidates = _prose_lines(page)
    i = candidates[where % len(candidates)]
    planted = f"$x = {number}$" if formula else number
    lines[i] = lines[i].rstrip("\n") + f" It is {planted} in all.\n"
    text = "".join(lines)
    try:
        cov = page_coverage(html_of(text), text, "p", len(find_claims(text, "p")), RENDER, ROOT / "sources")
    except CoverageError as err:  # the line was part of a declared piece of context: it no longer matches
        assert "is not on the page" in str(err)
    else:
        assert (planted, i + 1) in [(it.text, it.line) for it in cov.unchecked]


def test_verify_docs_fails_an_unchecked_number_with_file_line_and_hint(docs_copy: Path) -> None:
    page = docs_copy / "hw2/q6.md"
    text = page.read_text(encoding="utf-8")
    text = text.replace("- **Shuffle the training set.**", "- **Shuffle the training set 3 times.**")
    page.write_text(text, encoding="utf-8")
    line = text[: text.index("3 times")].count("\n") + 1
    failed = [r.message for r in verify_docs(docs_copy, SETTINGS).results if r.status == "failed"]
    expected = (
        f"docs/hw2/q6.md:{line}: the number '3' is not checked: make it a claim ([[id: value]]) or declare "
        "the text around it as context in the page's front matter"
    )
    assert failed == [expected]


def test_a_recipe_fact_is_checked_against_the_code(docs_copy: Path) -> None:
    page = docs_copy / "a2/part1.md"
    page.write_text(
        page.read_text(encoding="utf-8").replace(
            "[[a2.p1.recipe.max_vocab: 25,000]]", "[[a2.p1.recipe.max_vocab: 20,000]]"
        ),
        encoding="utf-8",
    )
    failed = [r for r in verify_docs(docs_copy, SETTINGS).results if r.status == "failed"]
    assert [r.claim_id for r in failed] == ["a2.p1.recipe.max_vocab"]
    assert "page says:     20,000" in failed[0].message and "code computes: 25,000" in failed[0].message


def test_a_recipe_fact_follows_the_code_and_the_recorded_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Change the trainer's setting and the claim no longer holds: the recorded runs used the old one."""
    from solutions.a2.part1 import train

    claim = load_claims()["a2.p1.recipe.max_vocab"]
    assert claim.compute() == train.Config.max_vocab
    monkeypatch.setattr(train.Config, "max_vocab", 30_000)
    with pytest.raises(
        AssertionError, match=r"the code uses max_vocab = 30000, but recorded runs differ: \w+ seed \d \(25000\)"
    ):
        claim.compute()


def test_a_broken_notebook_is_one_error() -> None:
    with pytest.raises(CoverageError, match=re.escape("docs/n.ipynb:1: not a valid notebook")):
        notebook_coverage("<p>x</p>", "[1, ", "docs/n.ipynb")


def test_a_derived_declaration_counts_against_the_coverage() -> None:
    """`derived` declares a result no code checks yet: the page is no longer 100 % checked."""
    page = PAGE.replace("  - statement: question 6 (20 points)", "  - derived: question 6 (20 points)", 1)
    cov = coverage(page)
    assert cov.unchecked == [] and cov.derived == 1
    assert cov.results == 2 and cov.percent == 50.0
