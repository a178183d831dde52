"""A reader's own matrix formula (HW2 Q2 to Q4's gradients): the same verdict in the page as on the command line.

The in-page checker judges a gradient claim with :mod:`solutions.engine.matrix_eval` on the arrays the build
writes into the catalog (plain numbers), in pure Python; the command line's ``check`` sends the claim's cases
through the same JSON and the same evaluator.  These tests compare the two on CPython for every gradient claim
of the site: the page's own formula, the formula of the other notation (the question's column vectors for a
row claim, and the other way round), planted wrong answers, the known mistakes and unreadable text.
``tests/test_answer_checker_browser.py`` types some of them into the page in Chromium.
"""

from __future__ import annotations

import functools
import json

import pytest
from hypothesis import HealthCheck, given, settings

from solutions.__main__ import main
from solutions.engine import answers, matrix_eval
from solutions.engine import matrix_latex as ml
from tests.conftest import CLI_EXIT
from tests.test_hostile_formulas import texts


@pytest.fixture(scope="module")
def gradients(report) -> dict[str, str]:
    """Every verified gradient claim of the site, with the formula its page shows."""
    return {r.claim_id: r.page for r in report.results if r.kind.startswith("gradient") and r.status == "verified"}


def cli(claim_id: str, answer: str, capsys: pytest.CaptureFixture[str]) -> tuple[str, int, str]:
    code = main(["check", claim_id, "--", answer])
    out = capsys.readouterr().out.strip()
    first = out.splitlines()[0].split(":")[0]
    verdict = {"known mistake": "mistake", "cannot parse": "invalid", "timeout": "timeout"}.get(first, first)
    return verdict, code, out


def _same(claim_id: str, text: str, catalog: answers.Catalog, capsys: pytest.CaptureFixture[str]) -> str:
    """The verdict, after checking that the command line and the catalog agree on it (and the exit code)."""
    verdict, code, out = cli(claim_id, text, capsys)
    page = catalog.check(claim_id, text)
    assert page.verdict == verdict, (claim_id, text, page, out)
    assert code == CLI_EXIT[verdict]
    return verdict


def _rhs(text: str) -> str:
    """The last side of a chain ``lhs = a = b``, where the page writes one."""
    return text.rsplit(" = ", 1)[-1].strip()  # the pages space their = (a sum's t=1 has none)


def _wrong(text: str) -> list[str]:
    """Wrong answers planted in a right one: a transpose dropped, a sign changed, a constant added."""
    rhs = _rhs(text)
    out = [rhs + " + 0.5", "2 (" + rhs + ")" if "\\sum" not in rhs else rhs + " - 0.25"]
    if "^\\top" in rhs:
        out.append(rhs.replace("^\\top", "", 1))
    if "1 - " in rhs:
        out.append(rhs.replace("1 - ", "1 + ", 1))
    return out


def test_every_gradient_claim_has_a_field_in_two_notations(report, catalog, gradients) -> None:
    q3q4 = [c for c in gradients if c.startswith(("hw2.q3.", "hw2.q4."))]
    # 52 in the page's rows, 52 in the question's columns; Q2 has 4 gradients and the total variation's matrix form;
    # the worked example, its per-sample share of dL/dW
    assert len(gradients) == 110 and len(q3q4) == 104
    for cid in gradients:
        entry = catalog.claims[cid]
        assert entry["kind"]["name"] == "gradient"
        names = [n["name"] for n in entry["matrix"]]
        assert names[0] == ("columns" if ".col." in cid else "rows")
        assert sorted(names) == (["columns", "rows"] if cid in q3q4 else ["rows"]), cid


def test_the_pages_formulas_are_right_on_both_sides(gradients, catalog, capsys) -> None:
    """The page's own formula, whole (``lhs = ... = answer``) and its answer alone; and each row claim's formula
    given to its column twin and back (either notation is accepted for either claim)."""
    for cid, text in gradients.items():
        assert _same(cid, text, catalog, capsys) == "equivalent", (cid, text)
        assert _same(cid, _rhs(text), catalog, capsys) == "equivalent", (cid, text)
        if ".col." in cid:
            row = cid.replace(".col.", ".")
            assert _same(row, text, catalog, capsys) == "equivalent", (row, text)
            assert _same(cid, gradients[row], catalog, capsys) == "equivalent", (cid, gradients[row])


def test_planted_wrong_answers_are_different_on_both_sides(gradients, catalog, capsys) -> None:
    planted = 0
    for cid, text in gradients.items():
        for wrong in _wrong(text):
            assert _same(cid, wrong, catalog, capsys) in ("different", "mistake"), (cid, wrong)
            planted += 1
    assert planted > 300


def test_the_known_mistakes_are_recognised_on_both_sides(report, catalog, capsys) -> None:
    seen = 0
    for r in report.results:
        if r.extra.get("refutes") and r.kind.startswith("gradient"):
            assert _same(r.extra["refutes"], r.extra["mistake_text"], catalog, capsys) == "mistake", r.claim_id
            got = catalog.check(r.extra["refutes"], r.extra["mistake_text"])
            assert got.mistake.id == r.claim_id and got.mistake.href == f"page#claim-{r.claim_id}"
            seen += 1
    assert seen == 3


@pytest.mark.parametrize(
    ("claim_id", "answer", "verdict", "says"),
    [
        ("hw2.q3.step.dx", r"\frac{\partial L}{\partial A_t} W_x^\top", "equivalent", "batched rows"),
        ("hw2.q3.step.dx", r"W_x^\top \frac{\partial L}{\partial a_t}", "equivalent", "column vectors"),
        ("hw2.q3.step.dx", r"$W_x^\top \frac{\partial L}{\partial a_t}$", "equivalent", "column vectors"),
        ("hw2.q3.step.col.dx", r"\frac{\partial L}{\partial A_t} W_x^\top", "equivalent", "batched rows"),
        ("hw2.q3.step.dx", r"\frac{\partial L}{\partial A_t} W_x", "different", "cannot multiply a 1 x 2 matrix"),
        ("hw2.q3.step.dx", r"W_x \frac{\partial L}{\partial a_t}", "different", "cannot multiply"),
        (
            "hw2.q3.step.dWx",
            r"\frac{\partial L}{\partial A_t}^\top X_t",
            "different",
            "the formula gives a 2 x 3 matrix",
        ),
        ("hw2.q3.step.db", r"\frac{\partial L}{\partial A_t}", "different", "is 1 x 4"),
        ("hw2.q3.step.dx", r"\frac{\partial L}{\partial X_t}", "different", "the very quantity"),
        ("hw2.q3.step.dx", r"Q_t W_x^\top", "different", "not a quantity of this problem"),
        ("hw2.q3.step.dx", r"\frac{\partial L}{\partial A_t} W_x^{\top", "invalid", "never closed"),
        ("hw2.q3.step.dx", r"\frac{\partial L}{\partial A_t} \odot W_x^\top", "different", "multiply elementwise"),
        (
            "hw2.q4.step.dAf",
            r"\frac{\partial L}{\partial C_t} \odot C_{t-1} \odot F_t \odot (1 + F_t)",
            "different",
            "at entry",
        ),
        (
            "hw2.q4.step.col.dAo",
            r"\frac{\partial L}{\partial h_t} \odot \tanh(c_t) \odot \sigma(a^o_t) \odot (1 - o_t)",
            "equivalent",
            "column vectors",
        ),
        ("hw2.q2.grad.tv", r"2 w_{tv} \left( D_v^\top D_v X + X D_h^\top D_h \right)", "equivalent", ""),
        ("hw2.q2.grad.content", r"2 w_c (F - P)^\top", "different", "the formula gives a"),
        ("hw2.q2.tv_norm_form", r"w_{tv} \|D_v X\|^2 + w_{tv} \|X D_h^\top\|^2", "equivalent", ""),
        ("hw2.q2.tv_norm_form", r"w_{tv} \lVert D_v X \rVert^2", "different", "but the code gives"),
        ("hw2.q2.tv_norm_form", r"w_{tv} \lVert D_v X \rVert", "invalid", "only the squared norm"),
    ],
)
def test_verdicts_say_how_the_formula_was_read(claim_id, answer, verdict, says, catalog, capsys) -> None:
    assert _same(claim_id, answer, catalog, capsys) == verdict
    got = catalog.check(claim_id, answer)
    assert says in (got.read_as if verdict == "equivalent" else got.detail), got


def test_evaluation_is_bounded() -> None:
    notations = matrix_eval.load(*_tiny())
    deep = r"\sum_{t=1}^{T} \sum_{k=1}^{T} \sum_{\tau=1}^{T} " + " ".join(["W"] * 40)
    out = matrix_eval.compare(deep, notations)
    assert out.outcome == matrix_eval.DIFFERENT and "more than" in out.detail
    for bad in ("", "W W W W (", "\\input{x}", "__import__('os')", "W" * 5000):
        assert matrix_eval.compare(bad, notations).outcome != matrix_eval.EQUAL
    assert matrix_eval.compare("2 W", notations).outcome == matrix_eval.EQUAL


def _tiny() -> tuple[list, dict]:
    import numpy as np

    from solutions.engine import GradientCase

    w = np.arange(1.0, 5.0).reshape(2, 2)
    case = GradientCase({"W": w, "_ones": np.ones((2, 1))}, {"T": 200}, 2 * w, "2 x 2")
    return matrix_eval.dump([("rows", "rows", r"\frac{\partial L}{\partial V}", [case])])


@pytest.mark.parametrize(
    "tamper",
    [
        lambda a: a.update({k: {"W": {"shape": [2, 2], "data": [1, 2, 3]}} for k in a if isinstance(a[k], dict)}),
        lambda a: a.update({k: {"W": {"shape": [99, 99], "data": [0] * 9801}} for k in a if isinstance(a[k], dict)}),
        lambda a: a.update({k: {"W": {"shape": [1, 1], "data": ["1"]}} for k in a if isinstance(a[k], dict)}),
        lambda a: a.update({k: {"W": {"at": {"x": 1}}} for k in a if isinstance(a[k], dict)}),
        lambda a: a.update({k: "cases" for k in a if isinstance(a[k], list)}),
    ],
)
def test_data_that_is_not_plain_bounded_numbers_is_refused(tamper) -> None:
    notations, arrays = _tiny()
    tamper(arrays)
    with pytest.raises(ValueError):
        matrix_eval.load(notations, arrays)


def test_the_evaluator_agrees_with_numpy_on_the_pages_formulas(report) -> None:
    """The build's NumPy evaluator and the reader's pure-Python one give the same numbers on the same cases."""
    import numpy as np

    from solutions.engine import registry
    from solutions.engine.checks import compute_truth
    from tests.conftest import ROOT

    claims = registry.load_all(("solutions",), ROOT)
    compared = 0
    for r in report.results:
        if not (r.kind.startswith("gradient") and r.status == "verified" and ".col." not in r.claim_id):
            continue
        truth = compute_truth(claims[r.claim_id])
        node = ml.parse_chain(r.page)[-1]
        notation = matrix_eval.load(*matrix_eval.dump([("rows", "", "x", truth.cases)]))[0]
        for case, loaded in zip(truth.cases, notation.cases, strict=True):
            want = np.asarray(ml.evaluate(node, ml.Env(case.values, case.bindings), r.page), dtype=float)
            got = matrix_eval.evaluate(node, matrix_eval.Env(loaded.values, loaded.bindings), r.page)
            got = np.array(got.v if isinstance(got, matrix_eval.Mat) else got, dtype=float).reshape(want.shape)
            assert np.allclose(got, want, rtol=1e-9, atol=1e-12), r.claim_id
            compared += 1
    assert compared > 150


def test_the_catalog_carries_numbers_only(report) -> None:
    """Each gradient claim's data is plain numbers, names and labels, loads back, and stays small."""
    data = json.loads(json.dumps(answers.catalog(report.results, lambda cid: "", 5.0)))
    for cid, entry in data["claims"].items():
        if entry["kind"]["name"] == "gradient":
            assert matrix_eval.load(entry["matrix"], data["arrays"]), cid
    size = len(json.dumps(data["arrays"])) + sum(
        len(json.dumps(e)) for e in data["claims"].values() if e["kind"]["name"] == "gradient"
    )
    assert size < 400_000, f"the gradient claims take {size:,} bytes of the catalog"


@functools.cache
def _reader(claim_id: str) -> tuple[object, object]:
    from solutions.engine.checks import compute_truth
    from tests.conftest import load_claims

    claim = load_claims()[claim_id]
    return answers.reader_check(claim, compute_truth(claim))


@pytest.mark.parametrize("claim_id", ["hw2.q3.step.dx", "hw2.q4.bptt.col.dc_recurrence"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts)
def test_every_input_gets_a_verdict_from_the_readers_evaluator(claim_id: str, text: str) -> None:
    claim, truth = _reader(claim_id)
    got = answers.assess(claim, text, truth, [], 5.0)
    assert got.verdict in answers.VERDICTS
    assert "\x1b" not in got.detail and len(got.detail) < 1000
