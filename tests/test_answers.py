"""A reader's own answer: the verdicts, the JSON the in-page checker loads, and the same verdict as the CLI.

The in-page checker (docs/javascripts/answer-*.js) runs :mod:`solutions.engine.answers` on Pyodide with
the catalog the site build writes; these tests run the same module on CPython with a catalog built the
same way (:func:`answers.catalog` over the judged pages), and compare its verdicts with the command
line's.  ``tests/test_answer_checker_browser.py`` then compares the browser's verdicts with these.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from solutions.__main__ import main
from solutions.engine import answers
from tests.conftest import CLI_EXIT, DOCS, ROOT, plant


def cli_verdict(claim_id: str, answer: str, capsys: pytest.CaptureFixture[str]) -> tuple[str, int]:
    code = main(["check", claim_id, "--", answer])
    out = capsys.readouterr().out.strip()
    first = out.splitlines()[0].split(":")[0]  # a gradient's "equivalent" has a second line: how it was read
    verdict = {"known mistake": "mistake", "cannot parse": "invalid", "timeout": "timeout"}.get(first, first)
    return verdict, code


# (claim, answer, verdict): right and wrong answers of every kind, known mistakes, and unreadable ones.
CASES = [
    ("a2.q4.valid_triplets", "36", "equivalent"),
    ("a2.q4.valid_triplets", "$36$", "equivalent"),
    ("a2.q4.valid_triplets", "37", "different"),
    ("a2.q4.valid_triplets", "8", "mistake"),
    # right counts of something else, shown in the page's "other counts" table (declared wrong_answer_to)
    ("a2.q4.valid_triplets", "18", "mistake"),
    ("a2.q4.valid_triplets", "120", "mistake"),
    ("a2.q4.valid_triplets", "6 \\cdot 5 \\cdot 4", "mistake"),
    ("a2.q4.valid_triplets", "216", "mistake"),
    ("a2.p1.params.birnn2", "2,862,201", "mistake"),  # the whole model's count
    ("a2.q4.valid_triplets", "x^{99999999}", "invalid"),
    ("a2.q4.valid_triplets", "3 6", "invalid"),
    ("a2.q4.valid_triplets", "2 \\cdot 4", "mistake"),  # worked out to 8, a known mistake
    ("a2.p1.params.birnn2", "361,600", "equivalent"),
    ("a2.p1.params.birnn2", "362,400", "mistake"),
    ("a2.p1.params.birnn2", "36,1600", "invalid"),
    ("a2.q6.dL_df1", "2(f_1 - f_2 - f_3) + f_4 + f_5", "equivalent"),
    ("a2.q6.dL_df1", r"\frac{\partial L}{\partial f_1} = 2f_1 - 2f_2 - 2f_3 + f_4 + f_5", "equivalent"),
    ("a2.q6.dL_df1", "2f_1 - f_2", "different"),
    ("a2.q6.dL_df1", "f_1^{99999999}", "invalid"),
    ("a2.q6.dL_df1", "2f_1 +", "invalid"),
    ("a2.q6.dL_df1", "f_1 f_2", "different"),
    ("a2.q5.t1.dL_df5", "f_1 - f_5", "equivalent"),
    ("a2.q5.t1.dL_df5", "f_1 - f_2", "mistake"),
    ("a2.q5.t4.dL_df2", "f_4 - f_2", "mistake"),
    ("a2.q5.t4.dL_df2", r"\frac{\partial L^4}{\partial x_2} = f_4 - f_3", "mistake"),
    ("a2.q5.t4.dL_df2", r"\frac{\partial L^4}{\partial x_2} = f_4 - f_2", "different"),
    ("a2.q6.dL_df5", "f_1 - f_2 + 2f_5 - f_6", "different"),
    # not linear in the vectors: each is wrong, none may raise (sympy.degree raised on these once)
    ("a2.q6.dL_df1", r"\frac{1}{f_1}", "different"),
    ("a2.q6.dL_df1", r"\sqrt{f_1}", "different"),
    ("a2.q6.dL_df1", "2^{f_1}", "different"),
    ("a2.q6.dL_df1", "f_1^{-1}", "different"),
    # what a reader copies from the rendered page: the minus sign U+2212
    ("a2.q5.t4.dL_df2", "f_4 \u2212 f_2", "mistake"),
    ("a2.q4.valid_triplets", "\u221218", "different"),
    # what a student writes as a matter of course: subscript digits, digits grouped by spaces, .5, an en dash
    ("a2.q6.dL_df1", "2(f\u2081 - f\u2082 - f\u2083) + f\u2084 + f\u2085", "equivalent"),
    ("a2.q6.dL_df1", ".5(4f_1 - 4f_2 - 4f_3 + 2f_4 + 2f_5)", "equivalent"),
    ("a2.q6.dL_df1", "2f_1 \u2013 2f_2 - 2f_3 + f_4 + f_5", "equivalent"),
    ("a2.p1.params.birnn2", "361 600", "equivalent"),
    ("a2.p1.params.birnn2", "361\u2009600", "equivalent"),
    ("a2.p1.params.birnn2", "362\u202f400", "mistake"),
    ("a2.p1.params.birnn2", "36 1600", "invalid"),  # only groups of three are a number's groups
    ("a2.p1.params.birnn2", "361 600 ", "equivalent"),
]


@pytest.mark.parametrize(("claim_id", "answer", "verdict"), CASES)
def test_the_catalog_judges_as_the_command_line_does(
    catalog: answers.Catalog, claim_id: str, answer: str, verdict: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli_verdict(claim_id, answer, capsys) == (verdict, CLI_EXIT[verdict])
    got = catalog.check(claim_id, answer)
    assert got.verdict == verdict
    if verdict == "invalid":
        assert got.detail and not got.read_as
    else:
        assert got.read_as


def test_every_shown_mistake_is_recognised_as_one(report, catalog: answers.Catalog) -> None:
    """Typing exactly what a page shows as a mistake gives that mistake, for every mistake of a claim a reader
    can answer in the page, the matrix gradients' included; and so does typing the value of a claim declared a
    common wrong answer to another (the whole model's parameter count given as the recurrent layers')."""
    by_id = report.by_id()
    seen = {False: 0, True: 0}
    for r in report.results:
        answered = r.extra.get("refutes") or r.extra.get("wrong_answer_to")
        if not answered or by_id[answered].answer is None or "unsupported" in by_id[answered].answer:
            continue
        got = catalog.check(answered, r.extra["mistake_text"])
        assert got.verdict == "mistake" and got.mistake.id == r.claim_id, (r.claim_id, got)
        assert got.mistake.href == f"page#claim-{r.claim_id}" and got.mistake.why
        assert got.mistake.other == bool(r.extra.get("wrong_answer_to")), r.claim_id
        seen[got.mistake.other] += 1
    assert seen[False] >= 8 and seen[True] >= 9, seen


def test_the_catalog_holds_every_verified_claim_a_reader_can_answer(report, catalog: answers.Catalog) -> None:
    for r in report.results:
        answerable = r.status == "verified" and r.kind.split(" ")[0] in answers.ANSWERABLE
        assert (r.claim_id in catalog.claims) == answerable, r.claim_id
        if answerable:  # the page's own value is equivalent to the truth the browser rebuilds
            text = r.page if r.kind.startswith("integer") or r.kind.startswith("decimal") else None
            if text is not None:
                assert catalog.check(r.claim_id, text).verdict == "equivalent", (r.claim_id, text)
    assert not any(r.claim_id in catalog.claims for r in report.results if r.status in ("pending", "refuted"))
    assert len(catalog.claims) > 250


def test_every_truth_survives_the_json_tree(report) -> None:
    from solutions.engine import registry
    from solutions.engine.checks import compute_truth

    claims = registry.load_all(("solutions",), ROOT)
    formulas = 0
    for r in report.results:
        if r.status == "verified" and r.answer and "truth" in r.answer:
            truth = compute_truth(claims[r.claim_id])
            rebuilt = answers.from_tree(json.loads(json.dumps(answers.to_tree(truth))))
            assert rebuilt == truth, r.claim_id
            if isinstance(truth, sympy.Expr) and not truth.is_Integer:  # whole numbers come back as int
                assert sympy.srepr(rebuilt) == sympy.srepr(truth), r.claim_id
            formulas += isinstance(truth, sympy.Expr)
    assert formulas > 80


@pytest.mark.parametrize(
    "tree",
    [
        {"call": ["os.system", "true"]},
        {"int": "__import__('os')"},
        {"add": "f_1"},
        {"pow": [{"int": "1"}]},
        {"int": 5},
        {"sym": "a", "int": "1"},
        [],
        "f_1",
        None,
    ],
)
def test_a_truth_tree_is_read_never_evaluated(tree: object) -> None:
    with pytest.raises(ValueError):
        answers.from_tree(tree)


def test_a_symbol_name_is_only_a_name() -> None:
    s = answers.from_tree({"sym": "__import__('os').system('true')"})
    assert isinstance(s, sympy.Symbol) and s.name == "__import__('os').system('true')"


def test_a_deep_tree_is_refused() -> None:
    tree: dict = {"int": "1"}
    for _ in range(500):
        tree = {"add": [tree, {"int": "1"}]}
    with pytest.raises(ValueError, match="too deeply"):
        answers.from_tree(tree)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["int", "sym", "add", "mul", "pow", "rat", "x"]), inner, max_size=2)
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_any_json_gives_a_value_or_a_clear_error(tree: object) -> None:
    try:
        value = answers.from_tree(tree)
    except ValueError:
        return
    assert isinstance(value, (int, float, sympy.Basic))


def test_a_catalog_that_is_not_one_is_refused() -> None:
    for text in ('{"version": 2, "claims": {}}', "[]", '{"version": 1}'):
        with pytest.raises(ValueError):
            answers.Catalog.from_json(text)
    empty = answers.Catalog.from_json('{"version": 1, "claims": {}}')
    assert empty.check("a2.q4.valid_triplets", "36").verdict == "invalid"


def test_an_empty_answer_is_invalid(catalog: answers.Catalog) -> None:
    got = catalog.check("a2.q4.valid_triplets", "   ")
    assert got.verdict == "invalid" and "type an answer" in got.detail


def _in_the_browsers_python(tmp_path: Path, blocked: tuple[str, ...], body: str, timeout: int = 120) -> str:
    """Run ``body`` in a fresh Python that imports the engine from the browser's bundle alone, with the ``blocked``
    modules unimportable (as they are in Pyodide, or before they load); returns its standard output."""
    bundle = tmp_path / "engine.zip"
    bundle.write_bytes(answers.bundle())
    code = (
        "import json, sys\n"
        f"for m in {blocked!r}: sys.modules[m] = None\n"
        f"sys.path.insert(0, {str(bundle)!r})\n"
        "from solutions.engine import answers\n"
        "assert answers.__file__.startswith(sys.path[0]), answers.__file__\n" + body
    )
    run = subprocess.run(
        [sys.executable, "-c", code], check=False, capture_output=True, text=True, cwd=tmp_path, timeout=timeout
    )
    assert run.returncode == 0, run.stderr
    return run.stdout


def test_the_browser_bundle_imports_without_numpy_torch_or_yaml(tmp_path: Path) -> None:
    """What the browser imports is the bundle alone: it must not reach for what Pyodide does not have here."""
    body = (
        "answers.warm()\n"
        'c = answers.Catalog.from_json(\'{"version": 1, "claims": {"x.y": {"kind": {"name": "formula"}, '
        '"truth": {"add": [{"sym": "f_1"}, {"int": "2"}]}, "mistakes": []}}}\')\n'
        "print(c.check('x.y', 'f_1 + 2').verdict, c.check('x.y', 'f_1').verdict)\n"
    )
    out = _in_the_browsers_python(tmp_path, ("numpy", "torch", "yaml", "mkdocs", "matplotlib"), body)
    assert out.split() == ["equivalent", "different"]


def test_numbers_are_judged_without_sympy(tmp_path: Path, report) -> None:
    """The page judges a number before sympy has loaded (answer-worker.js loads it after, or first for a formula):
    every integer and decimal claim of the catalog, right, wrong, unreadable and its known mistakes, with sympy and
    mpmath blocked, gets the verdict it gets with them."""
    catalog_json = json.dumps(answers.catalog(report.results, lambda cid: f"page#claim-{cid}", 5.0))
    full = answers.Catalog.from_json(catalog_json)
    cases = []
    for claim_id, entry in full.claims.items():
        if entry["kind"]["name"] in ("integer", "decimal"):
            truth = answers.from_tree(entry["truth"])
            texts = [str(truth), "1", "1 446 400", ".5", "x", *(m["text"] for m in entry.get("mistakes", []))]
            cases += [(claim_id, t, full.check(claim_id, t).verdict) for t in texts]
    assert len(cases) > 500
    (tmp_path / "claims.json").write_text(catalog_json, encoding="utf-8")
    (tmp_path / "cases.json").write_text(json.dumps(cases), encoding="utf-8")
    body = (
        "c = answers.Catalog.from_json(open('claims.json', encoding='utf-8').read())\n"
        "wrong = [(i, t, v, c.check(i, t).verdict) for i, t, v in json.load(open('cases.json', encoding='utf-8'))\n"
        "         if c.check(i, t).verdict != v]\n"
        "print(json.dumps(wrong[:5]))\n"
    )
    out = _in_the_browsers_python(tmp_path, ("sympy", "mpmath", "numpy", "torch", "yaml", "mkdocs"), body, 300)
    assert json.loads(out) == []


def test_a_matrix_gradient_gets_a_field_too(report) -> None:
    """The gradients are checked in the page too (tests/test_matrix_answers.py); a claim whose truth cannot
    travel would still show the command line."""
    from solutions.engine import render

    r = report.by_id()["hw2.q3.step.dx"]
    assert r.answer is not None and "matrix" in r.answer
    html = render.answer_control(r, display=True, command="python -m solutions")
    assert 'data-claim="hw2.q3.step.dx" data-kind="gradient"' in html and "answer-cli" not in html
    verified = report.by_id()["a2.q4.valid_triplets"]
    assert 'data-claim="a2.q4.valid_triplets" data-kind="integer"' in render.answer_control(verified, False)


@pytest.mark.parametrize(
    ("claim_id", "lhs", "notations"),
    [
        ("hw2.q3.step.dWx", r"\frac{\partial L}{\partial W_x}", "rows columns"),
        ("hw2.q2.grad.tv", r"\frac{\partial L}{\partial X}", "rows"),
        ("a2.example.delta_formula", r"\Delta_i", "rows"),
    ],
)
def test_a_gradient_fields_hint_is_written_in_its_own_questions_symbols(
    report, claim_id: str, lhs: str, notations: str
) -> None:
    """The field says how its own claim's gradient is written (the left-hand side) and which notations it accepts,
    never another question's symbols (HW2 Q3's A_t and W_x showed on every page's gradient fields)."""
    from solutions.engine import render

    slot = render.answer_control(report.by_id()[claim_id], display=True, command="python -m solutions")
    assert f'data-lhs="{render._attr(lhs)}"' in slot and f'data-notations="{notations}"' in slot, slot
    if not claim_id.startswith("hw2.q3"):
        assert "A_t" not in slot and "W_x" not in slot


def test_a_mistake_made_right_by_an_edit_is_no_longer_offered(docs_copy: Path, capsys: pytest.CaptureFixture) -> None:
    """The CLI reads the known mistakes from the pages: a mistake claim whose value was edited is judged by
    its new text."""
    plant(
        docs_copy / "a2/part2.md",
        "answered [[a2.mistake.q4_label_patterns: 8]]",
        "answered [[a2.mistake.q4_label_patterns: 9]]",
    )
    from solutions.engine import registry

    claims = registry.load_all(("solutions",), ROOT)
    found = answers.mistakes_in(docs_copy, claims, "a2.q4.valid_triplets")
    assert [m.text for m in found if m.id == "a2.mistake.q4_label_patterns"] == ["9"]
    truth = 36
    claim = claims["a2.q4.valid_triplets"]
    assert answers.assess(claim, "9", truth, found).verdict == "mistake"
    assert answers.assess(claim, "8", truth, found).verdict == "different"


def test_the_browser_gets_the_sympy_and_mpmath_the_site_pins() -> None:
    """The in-page checker must compute with the same sympy and mpmath as the build and the command line."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import fetch_pyodide
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    pinned = dict(
        line.split("==")
        for line in (ROOT / "requirements.lock").read_text().splitlines()
        if line.startswith(("sympy==", "mpmath=="))
    )
    shipped = {name.split("-")[0]: name.split("-")[1] for name in fetch_pyodide.WHEELS}
    assert shipped == pinned


def test_the_search_among_mistakes_keeps_to_the_time_limit(report) -> None:
    """Comparing with the truth is quick here (the left-hand side differs); matching it against the known
    mistakes is not, and must stop at the limit too."""
    from solutions.engine import registry

    claim = registry.load_all(("solutions",), ROOT)["a2.q5.t4.dL_df2"]
    terms = "+".join(rf"\frac{{f_{i}}}{{f_{i % 6 + 1}+{i}}}" for i in range(1, 9))
    slow = rf"\frac{{\partial L^4}}{{\partial x_2}} = {terms}"
    mistakes = answers.mistakes_in(DOCS, registry.load_all(("solutions",), ROOT), "a2.q5.t4.dL_df2")
    t0 = time.perf_counter()
    got = answers.assess(
        claim, slow, answers.from_tree(report.by_id()["a2.q5.t4.dL_df2"].answer["truth"]), mistakes, 0.5
    )
    assert time.perf_counter() - t0 < 3 and got.verdict == "timeout", got


def test_a_numpy_float_truth_travels_as_a_float() -> None:
    import numpy as np

    assert answers.to_tree(np.float64(0.5)) == {"float": "0.5"}
    assert answers.from_tree(answers.to_tree(np.float64(0.25))) == 0.25


@pytest.mark.parametrize(
    "tree",
    [
        {"int": "1_000"},
        {"int": " 7 "},
        {"int": "9" * 65},
        {"float": "nan"},
        {"float": "1e999"},
        {"sym": ""},
        {"rat": ["1", "0"]},
        {"pow": [{"int": "10"}, {"int": "100000000"}]},
    ],
)
def test_a_truth_tree_holds_only_what_a_truth_can_be(tree: object) -> None:
    with pytest.raises(ValueError):
        answers.from_tree(tree)


def test_a_long_paste_gets_a_short_message(catalog: answers.Catalog) -> None:
    for claim in ("a2.q4.valid_triplets", "a2.p1.acc.lstm", "a2.q6.dL_df1"):
        if claim in catalog.claims:
            got = catalog.check(claim, "1\\," * 50_000)
            assert got.verdict == "invalid" and len(got.detail) < 400, (claim, len(got.detail))


def test_a_derivative_reads_as_the_fraction_it_is(catalog: answers.Catalog) -> None:
    got = catalog.check("a2.q3.dL_dfa", r"\frac{\partial L^t}{\partial f_a} = f_n - f_p")
    assert got.verdict == "equivalent"
    assert got.read_as_latex.startswith(r"\frac{\partial L^t}{\partial f_a} = ")


def test_letters_the_truth_does_not_use_get_a_hint(catalog: answers.Catalog, capsys: pytest.CaptureFixture) -> None:
    got = catalog.check("a2.q3.dL_dfa", "fn - fp")
    assert got.verdict == "different" and "write f_n" in got.hint and "f, n, p" in got.hint
    assert not catalog.check("a2.q3.dL_dfa", "f_n + f_p").hint  # its letters are the truth's: no hint
    main(["check", "a2.q3.dL_dfa", "fn - fp"])
    assert "hint: your answer uses f, n, p" in capsys.readouterr().out


def test_lenient_readings_say_what_they_read(catalog: answers.Catalog) -> None:
    assert catalog.check("a2.p1.params.birnn2", "361 600").read_as == "361,600"
    got = catalog.check("a2.q6.dL_df1", "f\u2081\u2082 + f\u2081")
    assert got.verdict == "different" and "f_12" in got.read_as and "f_1" in got.read_as


@pytest.mark.parametrize(
    ("text", "verdict", "read_as"),
    [
        ("6 \\cdot 2 \\cdot 3", "equivalent", "6 \\cdot 2 \\cdot 3 = 36"),
        ("6*6", "equivalent", "6*6 = 36"),
        ("2^{5} + 4", "equivalent", "2^{5} + 4 = 36"),
        ("(4 + 2) \u00d7 6", "equivalent", "(4 + 2) \\times  6 = 36"),
        ("5 \\times 7", "different", "5 \\times 7 = 35"),
    ],
)
def test_a_whole_number_answer_may_be_worked_out_as_arithmetic(
    catalog: answers.Catalog, capsys: pytest.CaptureFixture, text: str, verdict: str, read_as: str
) -> None:
    """A student counting parameters or triplets writes the product they worked out; the checker works it out too
    and says so ("read as"), on the page and on the command line alike."""
    got = catalog.check("a2.q4.valid_triplets", text)
    assert (got.verdict, got.read_as) == (verdict, read_as)
    assert cli_verdict("a2.q4.valid_triplets", text, capsys)[0] == verdict


@pytest.mark.parametrize("text", ["72/2", "6 f_1", "9^{9^{9}}", "10^{40}", "(6*6", "6 \\cdot", "import os"])
def test_what_is_not_plain_arithmetic_on_whole_numbers_is_not_worked_out(catalog: answers.Catalog, text: str) -> None:
    """A fraction, a letter, a power tower or a result too large, a bracket left open, code: never evaluated, never
    equal to 36 (each gets the reason the integer reader gives)."""
    assert answers.whole_number_arithmetic(text) is None
    assert catalog.check("a2.q4.valid_triplets", text).verdict != "equivalent"


def test_an_answer_over_the_limit_is_refused_with_its_length_never_cut(
    catalog: answers.Catalog, capsys: pytest.CaptureFixture
) -> None:
    fits = "+".join(["f_1"] * 500)[: answers.MAX_ANSWER]
    assert catalog.check("a2.q6.dL_df1", fits.rstrip("+")).verdict == "different"
    for claim in ("a2.q4.valid_triplets", "a2.q6.dL_df1"):
        text = "1" * (answers.MAX_ANSWER + 1)
        got = catalog.check(claim, text)
        assert got.verdict == "invalid" and "2,001 characters" in got.detail and "nothing was cut" in got.detail
    assert cli_verdict("a2.q4.valid_triplets", "1" * 2001, capsys) == ("invalid", 2)


def _wrong_answer_claims(monkeypatch: pytest.MonkeyPatch, other_value: object, kind: object = None) -> tuple:
    """Two claims declared through ``claim()`` in a registry of this test's own: ``t.count`` (36) and ``t.other``,
    declared a common wrong answer to it, whose value is ``other_value`` (of ``kind``, an integer by default)."""
    from solutions.engine import registry
    from solutions.engine.kinds import Integer

    monkeypatch.setattr(registry, "_REGISTRY", dict(registry._REGISTRY))
    registry.claim("t.count", Integer(), "a count")(lambda: 36)
    registry.claim(
        "t.other",
        kind or Integer(),
        "another count",
        wrong_answer_to="t.count",
        why="counts pairs",
    )(lambda: other_value)
    return registry.get("t.count"), registry.get("t.other")


def test_a_wrong_answer_to_another_claim_is_offered_as_its_known_mistake(monkeypatch: pytest.MonkeyPatch) -> None:
    from solutions.engine import checks

    answer, other = _wrong_answer_claims(monkeypatch, 18)
    judged = [checks.judge(answer, "36"), checks.judge(other, "18")]
    assert [r.status for r in judged] == ["verified", "verified"], [r.message for r in judged]
    known = answers.mistakes_of(judged)["t.count"]
    assert [(m.id, m.text, m.why, m.other) for m in known] == [("t.other", "18", "counts pairs", True)]
    verdict = answers.assess(answer, "18", 36, known)
    assert verdict.verdict == "mistake" and "the value of t.other" in verdict.line()
    assert answers.assess(answer, "19", 36, known).verdict == "different"


def test_a_wrong_answer_equal_to_the_answer_fails_its_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """A claim declared a common wrong answer whose value is in fact the answer fails the build: the checker would
    otherwise call a right answer's twin a mistake (it never does: the answer is judged first, but the page's
    declaration would be false)."""
    from solutions.engine import checks

    _, other = _wrong_answer_claims(monkeypatch, 36)
    r = checks.judge(other, "36", "docs/x.md", 3)
    assert r.status == "failed" and r.answer is None
    assert "docs/x.md:3: claim t.other is declared a common wrong answer to t.count" in r.message
    assert "equals that claim's truth (36)" in r.message
    # It names the line where wrong_answer_to is written, not the (lambda) function's.
    file, line = other.wrong_answer_at.rsplit(":", 1)
    assert file == "tests/test_answers.py" and f"({other.wrong_answer_at})" in r.message
    call = (ROOT / file).read_text(encoding="utf-8").splitlines()[int(line) - 1 : int(line) + 6]
    assert "registry.claim(" in call[0] and any("wrong_answer_to=" in text for text in call), call
    assert answers.mistakes_of([r]) == {}


def test_a_wrong_answer_is_declared_beside_the_claim_it_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Both truths must be under one module's key (what `mkdocs serve` reuses truths by), else an edit to one
    module could leave a stale "these differ" in place."""
    from solutions.engine import registry
    from solutions.engine.kinds import Integer

    _, other = _wrong_answer_claims(monkeypatch, 18)
    registry.load_all((), ROOT)  # as declared: one module, one kind
    other.module = "elsewhere"
    with pytest.raises(registry.DeclarationError, match=r"claim 't\.other' is a wrong answer to 't\.count', but it "):
        registry.load_all((), ROOT)
    with pytest.raises(ValueError, match="wrong_answer_to and why go together"):
        registry.claim("t.third", Integer(), "", wrong_answer_to="t.count")


def test_a_wrong_answer_must_answer_a_claim_of_its_own_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    """A count explains a count: a formula, a mistake or the claim itself as the target is refused, in one line
    naming the declaration; and a blank ``why`` is no reason."""
    from solutions.engine import registry
    from solutions.engine.kinds import Formula, Integer

    _wrong_answer_claims(monkeypatch, 18, kind=Formula())
    with pytest.raises(
        registry.DeclarationError, match=r"'t\.other' \(formula\) is a wrong answer to 't\.count' \(int"
    ):
        registry.load_all((), ROOT)
    _, other = _wrong_answer_claims(monkeypatch, 18)
    other.wrong_answer_to = "t.other"
    with pytest.raises(registry.DeclarationError, match="another claim"):
        registry.load_all((), ROOT)
    with pytest.raises(ValueError, match="wrong_answer_to and why go together"):
        registry.claim("t.third", Integer(), "", wrong_answer_to="t.count", why="  ")


def test_a_bad_declaration_is_one_line_on_the_command_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _, other = _wrong_answer_claims(monkeypatch, 18)
    other.module = "elsewhere"
    assert main(["check", "a2.q4.valid_triplets", "--", "36"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: tests/test_answers.py:") and len(err.splitlines()) == 1, err
    assert "is a wrong answer to 't.count'" in err


def test_a_wrong_answer_to_a_pending_claim_has_nothing_to_explain_yet(monkeypatch: pytest.MonkeyPatch) -> None:
    """A pending answered claim (no recorded run) has no field: the wrong answer stays verified, offered to none."""
    from solutions.engine import Pending, checks, registry

    _, other = _wrong_answer_claims(monkeypatch, 18)
    monkeypatch.setattr(registry.get("t.count"), "compute", lambda: (_ for _ in ()).throw(Pending("no run yet")))
    r = checks.judge(other, "18", "docs/x.md", 4)
    assert r.status == "verified" and "wrong_answer_to" not in r.extra, r.message
    assert answers.mistakes_of([r]) == {}


def test_the_check_listing_says_what_a_wrong_answer_is_given_for(monkeypatch: pytest.MonkeyPatch) -> None:
    from solutions.engine import checks, render

    _, other = _wrong_answer_claims(monkeypatch, 18)
    page = render.checks_page("tests.test_answers", "checks/t.md", [other], {"t.other": checks.judge(other, "18")})
    assert "`t.other` — " in page
    assert "Given as the answer to `t.count`, the checker says: counts pairs" in page


def test_no_example_in_a_fields_hint_is_the_answer_to_a_field(catalog: answers.Catalog) -> None:
    """The hint under a field shows how to write an answer (answer-check.js, EXAMPLES): an example that happened
    to be some field's answer would give it away (it once did: Part I's 1,446,400, in practice mode too)."""
    import re

    script = (ROOT / "docs/javascripts/answer-check.js").read_text(encoding="utf-8")
    block = script[script.index("const EXAMPLES = {") : script.index("};", script.index("const EXAMPLES = {"))]
    examples = {}
    for kind, parts in re.findall(r"^\s+(\w+): \[(.*?)\],?$", block, re.MULTILINE | re.DOTALL):
        texts = [json.loads(t) for t in re.findall(r'"(?:[^"\\]|\\.)*"', parts)]
        examples[kind] = texts[1::2]  # the words and the examples alternate
    assert set(examples) >= {"integer", "decimal", "formula"} and all(examples.values()), examples
    hits = [
        (claim_id, text)
        for claim_id, entry in catalog.claims.items()
        for text in examples.get(entry["kind"]["name"], [])
        if catalog.check(claim_id, text).verdict == "equivalent"
    ]
    assert not hits, hits


@pytest.mark.parametrize(
    ("claim_id", "answer", "negated"),
    [
        ("a2.q5.t1.dL_df1", "f_2 - f_5", True),
        ("a2.q5.t1.dL_df1", "f_2 - f_6", False),
        ("a2.q6.dL_df1", "-2(f_1 - f_2 - f_3) - f_4 - f_5", True),
        ("a2.q4.valid_triplets", "-36", True),
        ("a2.q4.valid_triplets", "-35", False),
        ("a2.q5.t1.dL_df3", "0", False),  # right, and zero is its own negative
    ],
)
def test_a_sign_slip_is_named(
    catalog: answers.Catalog, claim_id: str, answer: str, negated: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    """A wrong answer that is exactly the negative of the checked one says so, in the page and on the command line
    (the difference alone leaves the reader to notice it)."""
    assert catalog.check(claim_id, answer).negated is negated
    main(["check", claim_id, "--", answer])
    assert ("the negative of the checked one" in capsys.readouterr().out) is negated
