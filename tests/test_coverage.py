"""Claim coverage: every number and formula of a page's prose is a claim or declared context.

Unit cases for what counts as a number or a formula, the rules of the ``context:`` declarations,
the real pages at 100 %, and numbers planted anywhere in a real page's prose failing with file:line.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solutions.engine.coverage import CoverageError, items, page_coverage
from solutions.engine.pages import find_claims, prose
from solutions.engine.site import markdown_pages, verify_docs
from tests.conftest import DOCS, SETTINGS, load_claims


def found(text: str) -> list[tuple[str, str]]:
    return [(it.kind, it.text) for it in items(text, "x.md")]


def coverage(text: str):
    return page_coverage(text, "docs/x.md", len(find_claims(text, "docs/x.md")))


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
    assert found(text) == [("number", n) for n in numbers]


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
    assert found(f"so {math} here") == ([("formula", math)] if is_formula else [])


def test_display_math_is_one_formula_over_its_lines() -> None:
    text = "Then\n\n$$\nL = 2 f_1\n  + 3\n$$\n\nend\n"
    assert found(text) == [("formula", "$$ L = 2 f_1 + 3 $$")]


@pytest.mark.parametrize(
    "text",
    [
        "the count is [[a2.q4.valid_triplets: 36]] here",  # a claim marker is checked, not prose
        "run `train --epochs 5` now",  # inline code
        "```sh\ntrain --epochs 5\n```",  # fenced code
        "Some text:\n\n    indented code 42\n",  # indented code
        "see [the page](../a2/part1.md#x-2) now",  # a link target
        "<!-- claims:summary 3 -->",  # a comment
        "1. first item\n2. second item",  # list markers
        "```claim a2.q6.dL_df1\n\\frac{\\partial L}{\\partial f_1} = 2f_1\n```",  # a claim block
    ],
)
def test_what_is_not_prose(text: str) -> None:
    assert found(text) == []


def test_prose_keeps_offsets_and_lines() -> None:
    text = "a `code 1` b [[x.y: 2]] c\n```\n3\n```\nd 4\n"
    shown = prose(text, "x.md")
    assert len(shown) == len(text) and shown.count("\n") == text.count("\n")
    assert shown.split() == ["a", "b", "c", "d", "4"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The model is 3x faster with 5GB and 87k words.", ["3", "5", "87"]),  # digits then letters: numbers
        ("accuracy (acc,87%) and .87 here", ["87", ".87"]),
        ("accuracy\u202f87% here", ["87"]),  # a narrow no-break space is a space
        ("it is 87² or ½ or ３", ["87", "²", "½", "３"]),  # number characters that are no ASCII digit
        ("shown as &#x38;&#x37; or &frac12; but &amp; is no number", ["&#x38;", "&#x37;", "&frac12;"]),
        ("$a<b$ the accuracy is 87% and $c>d$", ["$a<b$", "87", "$c>d$"]),  # math before tags
        ("$x^2$ and $e^{10}$ but $L^1$", ["$x^2$", "$e^{10}$"]),  # a square is a formula, L^1 a name
        ("${}_{87\\%}$ and $a \\geqslant b$ and $a \\equiv b$", ["${}_{87\\%}$", "$a \\geqslant b$", "$a \\equiv b$"]),
        ("[^1]: The accuracy is 87%.\n", ["87"]),  # a footnote's text is prose
        ("[Best accuracy]: 93.4%, from the LSTM\n", ["93.4"]),  # not a link definition: a paragraph
        ("see [^91.2] and [it][87]", ["91.2", "87"]),  # labels that resolve to nothing are printed
        ("The accuracy was\n87. That is all.\n", ["87"]),  # no list inside a paragraph
        ("87) accuracy\n", ["87"]),
        ("an escaped \\`is 87%\\` backtick", ["87"]),
        ("a <a@b 87%> look-alike", ["87"]),
        ('<abbr title="87 percent">acc</abbr> and <img alt=\'a 3x chart\' src="x2.png">', ["87", "3"]),
        ("~~~ the accuracy is 87%\nmore text 12\n", ["87", "12"]),  # words after ~~~: not a fence
        ("Intro\x0c~~~\nThe accuracy is 87%.\n\x0c~~~\n", ["87"]),  # a form feed breaks no line
        ('[x]: https://example.org/87 "title 43"\n', ["43"]),  # a link definition: its title is a tooltip
        ('see [here](https://x.org/87 "the answer is 43")', ["43"]),  # a link's title, not its target
        ('<abbr title=42>x</abbr> and <ol start="48">', ["42", "48"]),  # unquoted, and a list's start
        ("The answer is {answer=44} here.", ["44"]),  # no attribute list in mid-sentence
        ("\\[shown](42)", ["42"]),  # an escaped bracket makes no link
        ("Text `x``\ny` The answer is 46 `z` end.", ["46"]),  # a code span may wrap
        ("Run `python\nrun.py --epochs 5` now.", []),
        ("- item\ntext\n\n    The answer is 42.\n", ["42"]),  # a lazy line keeps the list item open
        ("[^a]: Note.\n\n    The answer is 42.\n", ["42"]),  # a footnote's continued text
        ("$\\theta^*$, $W^{(1)}$, $f^{-1}$ and $W^\\top$", []),  # superscripts that name
        ("$\\frac{1}{2}$ and $x²$ and $a·b$", ["$\\frac{1}{2}$", "$x²$", "$a·b$"]),
        ("_42_ and __43__", ["42", "43"]),  # emphasis around a number
        ('![f](a.png){: alt="99 bars" .wide }', ["99"]),  # an attribute list's alternative text is shown
        ("${}_{42}$ and $x_{12}$", ["${}_{42}$"]),  # a subscript of nothing is no name
        ("Text <!-- hidden\n\nThe answer is 42.\n\n-->", ["42"]),  # an inline comment ends with its paragraph
        ("a <b\n\n42\n\n>", ["42"]),  # no tag across a blank line
        ("[x]: https://example.org/87\n", []),  # a real link definition: its target is no prose
        ("{: #fig-2 .wide }", []),  # an attribute list
    ],
)
def test_numbers_a_hostile_page_might_hide(text: str, expected: list[str]) -> None:
    assert [it.text for it in items(text, "x.md")] == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Intro\n\n~~~\nThe accuracy is 87%.\n", "the code block opened with ~~~ is never closed"),
        ('Intro\n\n--8<-- "notes.md"\n', "a file included as prose (--8<--) is not scanned"),
    ],
)
def test_text_the_scanner_cannot_see_is_an_error(text: str, message: str) -> None:
    with pytest.raises((CoverageError, ValueError), match=re.escape(message)):
        coverage(text)


# ------------------------------------------------------------------ declaring context

PAGE = """---
context:
  - Winter 2021        # the term
  - question 6 (20 points)
---

# Title

*Course, Winter 2021, question 6 (20 points).*

The answer is [[a2.q4.valid_triplets: 36]].
"""


def test_declared_context_is_not_a_result() -> None:
    cov = coverage(PAGE)
    assert cov.unchecked == [] and cov.percent == 100.0
    assert [it.text for it in cov.context] == ["2021", "6", "20"]
    assert cov.declared == ["Winter 2021", "question 6 (20 points)"]


def test_a_declaration_matches_across_a_line_break() -> None:
    cov = coverage(PAGE.replace("question 6 (20 points).*", "question 6\n(20 points).*"))
    assert cov.unchecked == []


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
        ("context: Winter 2021\n", "context must be a list of pieces of the page's text"),
        ("context:\n  - 2021\n", "quote the words around a number, not the bare number"),
        ("context:\n  - '12.5 %'\n", "quote the words around a number, not the bare number"),
        ("context:\n  - '(87)'\n", "quote the words around a number, not the bare number"),
        ("context:\n  - 'n 87'\n", "quote the words around a number, not the bare number"),
        ("context:\n  - [a, b\n", "the front matter is not valid YAML"),
        ("- a list\n", "the front matter must be a mapping"),
        ("context:\n  - {a: 1}\n", "context must be a list of pieces of the page's text"),
    ],
)
def test_bad_declarations_are_one_clear_error(front: str, message: str) -> None:
    with pytest.raises(CoverageError, match=r"^docs/x\.md:\d+: ") as err:
        coverage(f"---\n{front}---\n\nText 2021.\n")
    assert message in str(err.value)


@pytest.mark.parametrize(
    "text",
    ["Before\n\n$$\nx = 1\n\nAfter $y$.\n", "Before\n\n$$\nx = 1\n"],
    ids=["a blank line ends it", "never closed"],
)
def test_an_unclosed_display_is_an_error_at_its_line(text: str) -> None:
    with pytest.raises(CoverageError, match=r"^docs/x\.md:3: display math opened with \$\$ is not closed"):
        coverage(text)


def test_a_declaration_matches_whole_words_in_text_a_reader_sees() -> None:
    page = "---\ncontext:\n  - then 87 days\n---\n\nAnd then 87 days passed, then 87 days again.\n"
    assert coverage(page).unchecked == []
    with pytest.raises(CoverageError, match="context 'hen 87 days' is not on the page"):
        coverage(page.replace("  - then 87", "  - hen 87"))
    hidden = "---\ncontext:\n  - kept 87 here\n---\n\n<!-- kept 87 here -->\n`kept 87 here`\n"
    with pytest.raises(CoverageError, match="is not on the page"):  # only a comment and code hold it
        coverage(hidden)


def test_deep_front_matter_is_one_error() -> None:
    with pytest.raises(CoverageError, match=r"docs/x\.md:1: the front matter nests too deeply"):
        coverage("---\na: " + "{a: " * 3000 + "1" + "}" * 3000 + "\n---\n\nText.\n")


# ------------------------------------------------------------------ the real pages


@pytest.mark.parametrize("page", markdown_pages(DOCS), ids=lambda p: p.relative_to(DOCS).as_posix())
def test_every_real_page_is_fully_covered(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    cov = page_coverage(text, f"docs/{page.relative_to(DOCS).as_posix()}", len(find_claims(text, "p")))
    assert [f"{it.line}: {it.text}" for it in cov.unchecked] == []
    assert cov.percent == 100.0


def _prose_lines(page: Path) -> list[int]:
    """0-based indices of the lines of a real page where a sentence can be added as prose: a plain
    paragraph line (no table, heading, list, admonition, math or indentation) outside code and front matter."""
    text = page.read_text(encoding="utf-8")
    shown = prose(text, "p").splitlines()
    raw = text.splitlines()
    start = text.split("\n---\n", 1)[0].count("\n") + 2 if text.startswith("---\n") else 0
    in_display, out = False, []
    for i in range(start, len(raw)):
        if raw[i].strip().startswith("$$"):
            in_display = not in_display or raw[i].strip() != "$$"
            continue
        if (
            not in_display
            and raw[i].strip()
            and raw[i] == shown[i]  # nothing blanked out: prose, not code
            and raw[i][0].isalpha()
            and "$" not in raw[i]
        ):
            out.append(i)
    return out


PAGES = [p for p in markdown_pages(DOCS) if _prose_lines(p)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
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
    try:
        cov = page_coverage("".join(lines), "p", 0)
    except CoverageError as err:  # the line was part of a declared piece of context: it no longer matches
        assert "is not on the page" in str(err)
    else:
        assert (i + 1, planted) in [(it.line, it.text) for it in cov.unchecked]


def test_math_environments_are_formulas() -> None:
    assert found("Then\n\\begin{equation}\nL = f_1 - f_2\n\\end{equation}\n") == [
        ("formula", "\\begin{equation} L = f_1 - f_2 \\end{equation}")
    ]


def test_the_front_matter_hides_nothing_and_is_read_with_a_bom() -> None:
    hiding = "---\nx: |\n  ````\n---\n\nThe answer is 42.\n\n<!--\n\n    ````\n\n-->\n"
    assert [(it.line, it.text) for it in coverage(hiding).unchecked] == [(6, "42")]
    assert coverage("\ufeff" + PAGE).unchecked == []
    assert [it.text for it in coverage("---\ntitle: 42\n---\n\nText.\n").unchecked] == ["42"]


def test_an_indented_line_after_a_heading_is_code() -> None:
    assert found("# Title\n    code 42\n") == []


def test_a_page_of_thousands_of_unclosed_openers_is_fast() -> None:
    import time

    for opener in ("a <!-- b", "\\[ x", "\\( x", "$ x"):
        text = "\n".join(f"{opener} {k}" for k in range(3000))
        start = time.perf_counter()
        items(text, "x.md")
        assert time.perf_counter() - start < 2.0, opener


def test_a_notebook_page_is_covered_by_its_metadata(tmp_path: Path) -> None:
    from solutions.engine.coverage import notebook_coverage, unchecked_message

    real = (DOCS / "a2/worked-example-notebook.ipynb").read_text(encoding="utf-8")
    assert notebook_coverage(real, "nb").unchecked == []
    nb = json.loads(real)
    nb["cells"].append({"cell_type": "markdown", "metadata": {}, "source": ["First line.\n", "It took 17 s."]})
    cov = notebook_coverage(json.dumps(nb), "docs/nb.ipynb")
    cell = len(nb["cells"])
    assert [unchecked_message(cov, it).split(": the")[0] for it in cov.unchecked] == [
        f"docs/nb.ipynb: Markdown cell {cell}, line 2"
    ]
    with pytest.raises(CoverageError, match=r"docs/nb\.ipynb:1: not a valid notebook"):
        notebook_coverage("{", "docs/nb.ipynb")
    for cell, message in [
        ({"cell_type": "markdown", "source": [1, 2]}, "its source must be text"),
        ({"cell_type": "markdown", "source": "[[a2.q4.valid_triplets: 99]](#top)"}, "claim markers belong on"),
        ({"cell_type": "markdown", "source": "Intro\n\n~~~\ncode"}, "Markdown cell 1, line 3: the code block"),
    ]:
        with pytest.raises(CoverageError, match=re.escape(message)):
            notebook_coverage(json.dumps({"cells": [cell], "metadata": {}}), "docs/nb.ipynb")
    listed = {"cells": [{"cell_type": "markdown", "source": "Text\n\n42. is shown by CommonMark"}], "metadata": {}}
    assert [it.text for it in notebook_coverage(json.dumps(listed), "nb").unchecked] == ["42"]


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
