"""The engine must catch a wrong answer of every kind, planted in a copy of a real page,
and say where it is, what the page says, what the code computes and by how much they differ."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

from solutions.engine import Integer, Pending, registry
from solutions.engine.checks import FAILED, PENDING
from solutions.engine.site import verify_docs
from tests.conftest import SETTINGS, load_claims, plant, site_report


@functools.cache
def _already_failing() -> frozenset[str]:
    """Failures of the real pages themselves: test_claim reports each of them once, by claim id, so a
    contributor's one wrong value does not also fail every test below."""
    return frozenset(r.message for r in site_report().results if r.status == FAILED)


def failures(docs: Path) -> list:
    """The failures a test planted: those of the copy that the real pages do not have."""
    return [
        r for r in verify_docs(docs, SETTINGS).results if r.status == FAILED and r.message not in _already_failing()
    ]


def only_failure(docs: Path):
    failed = failures(docs)
    assert len(failed) == 1, [r.message for r in failed]
    return failed[0]


def test_the_real_pages_have_no_failures(docs_copy: Path) -> None:
    assert [r.message for r in verify_docs(docs_copy, SETTINGS).results if r.status == FAILED] == []


def test_wrong_integer(docs_copy: Path) -> None:
    line = plant(docs_copy / "a2/part2.md", "[[?a2.q4.valid_triplets: 36]]", "[[?a2.q4.valid_triplets: 37]]")
    r = only_failure(docs_copy)
    assert r.claim_id == "a2.q4.valid_triplets"
    assert f"docs/a2/part2.md:{line}" in r.message
    assert "page says:     37" in r.message
    assert "code computes: 36" in r.message
    assert "page - truth = +1" in r.message


def test_wrong_decimal_beyond_its_tolerance(docs_copy: Path) -> None:
    line = plant(docs_copy / "a2/worked-example.md", "[[a2.example.loss: 12.5]]", "[[a2.example.loss: 12.6]]")
    r = only_failure(docs_copy)
    assert f"docs/a2/worked-example.md:{line}: claim a2.example.loss is wrong" in r.message
    assert "page says:     12.6" in r.message and "code computes: 12.5" in r.message
    assert "page - truth = +0.1" in r.message and "tolerance" in r.message


def test_decimal_within_its_tolerance_passes(docs_copy: Path) -> None:
    # The claim declares 5e-5; 11.94611 is the true 11.946111... rounded differently.
    plant(
        docs_copy / "a2/worked-example.md", "[[a2.example.loss_after: 11.9461]]", "[[a2.example.loss_after: 11.94611]]"
    )
    assert failures(docs_copy) == []


def test_wrong_formula_names_the_simplified_difference(docs_copy: Path) -> None:
    line = plant(
        docs_copy / "a2/part2.md", "&= -2f_1 - f_2 - f_3 + f_4 + f_5 + 2f_6", "&= -2f_1 - 2f_2 + f_4 + f_5 + 2f_6"
    )
    r = only_failure(docs_copy)
    assert r.claim_id == "a2.q6.dL_df2"
    assert f"docs/a2/part2.md:{line - 3}" in r.message  # the line of the claim's opening fence
    assert "page - truth = -f_2 + f_3 (step 2 of the chain)" in r.message
    assert "code computes: -2·f_1 - f_2 - f_3 + f_4 + f_5 + 2·f_6" in r.message


# (page, what the page says, what is planted instead, the claim that must fail, what its message must say).
# {line} stands for the planted line; kind, where given, is the kind the failure reports.
def planted(page: str, old: str, new: str, claim_id: str, says: list[str], kind: str = "", id: str = "") -> object:
    return pytest.param(page, old, new, claim_id, says, kind, id=id)


PLANTED = [
    planted(
        "a2/part2.md",
        "(f_1 - f_4) + (f_2 - f_4) + (f_4 - f_6) + (f_4 - f_6)",
        "(f_1 - f_4) + (f_2 - f_4) + (f_4 - f_6)",
        "a2.q6.dL_df4",
        ["page - truth = -f_4 + f_6 (step 1 of the chain)"],
        id="wrong intermediate step",
    ),
    planted(
        "a2/part2.md",
        "[[?a2.q5.t1.dL_df5: $f_1 - f_5$]]",
        "[[?a2.q5.t1.dL_df5: $f_1 - f_2$]]",
        "a2.q5.t1.dL_df5",
        ["docs/a2/part2.md:{line}: claim a2.q5.t1.dL_df5 is wrong", "page - truth = -f_2 + f_5"],
        kind="formula (table cell)",
        id="wrong formula in a table cell",
    ),
    planted(
        "a2/part2.md",
        "[[a2.q4.other.with_repetition: 216]]",
        "[[a2.q4.other.with_repetition: 126]]",
        "a2.q4.other.with_repetition",
        ["page - truth = -90"],
        kind="integer (table cell)",
        id="wrong integer in a table cell",
    ),
    planted(
        "a2/part2.md",
        "[[?a2.q4.valid_triplets: 36]]",
        "[[?a2.q4.valid_triplets: 36]] [[a2.q4.typo: 36]]",
        "a2.q4.typo",
        ["no check declares a2.q4.typo"],
        id="an answer with no check",
    ),
    planted(
        "a2/part2.md",
        "[[?a2.q4.valid_triplets: 36]]",
        "many",  # a bare 36 would be a second failure: an unchecked number (tests/test_coverage.py)
        "a2.q4.valid_triplets",
        ["no page under docs/ shows it", "solutions/a2/part2/part2_claims.py:"],
        id="a check whose claim vanished",
    ),
    planted(
        "a2/part2.md",
        "[[?a2.q4.valid_triplets: 36]]",
        "[[?a2.q4.valid_triplets: 36]] and [[?a2.q4.valid_triplets: 36]]",
        "a2.q4.valid_triplets",
        ["is already shown at"],
        id="a claim shown twice",
    ),
    planted(
        "a2/part2.md",
        "[[a2.mistake.q4_label_patterns: 8]]",
        "[[a2.mistake.q4_label_patterns: 36]]",
        "a2.mistake.q4_label_patterns",
        ["listed as a mistake, but the page's value is correct"],
        id="a mistake that became right",
    ),
]


@pytest.mark.parametrize(("page", "old", "new", "claim_id", "says", "kind"), PLANTED)
def test_a_planted_error_fails_with_what_is_wrong(
    docs_copy: Path, page: str, old: str, new: str, claim_id: str, says: list[str], kind: str
) -> None:
    line = plant(docs_copy / page, old, new)
    r = only_failure(docs_copy)
    assert r.claim_id == claim_id and (not kind or r.kind == kind)
    for text in says:
        assert text.format(line=line) in r.message


def test_unclosed_claim_block(docs_copy: Path) -> None:
    page = docs_copy / "a2/part2.md"
    page.write_text(page.read_text(encoding="utf-8") + "\n```claim a2.q9.new\nx\n", encoding="utf-8")
    msgs = [r.message for r in failures(docs_copy)]
    assert any("claim block 'a2.q9.new' is never closed" in m for m in msgs)


@pytest.fixture
def pending_claim(monkeypatch: pytest.MonkeyPatch) -> str:
    """A claim whose truth needs a run that has not been recorded."""
    load_claims()

    def no_run() -> int:
        raise Pending("no recorded run in results/ for this model")

    c = registry.Claim("test.pending", Integer(), no_run, "a recorded run", "tests/x.py", 1, "tests.fake_claims")
    monkeypatch.setitem(registry._REGISTRY, c.id, c)
    return c.id


def test_pending_claim_shows_no_number(docs_copy: Path, pending_claim: str) -> None:
    (docs_copy / "p.md").write_text(f"# P\n\naccuracy: [[{pending_claim}: pending]]\n", encoding="utf-8")
    r = verify_docs(docs_copy, SETTINGS).by_id()[pending_claim]
    assert r.status == PENDING


def test_number_without_a_run_fails(docs_copy: Path, pending_claim: str) -> None:
    (docs_copy / "p.md").write_text(f"# P\n\naccuracy: [[{pending_claim}: 86]]\n", encoding="utf-8")
    r = only_failure(docs_copy)
    assert "no recorded result supports it" in r.message and "docs/p.md:3" in r.message


def test_wrong_gradient_formula_gives_a_numeric_counterexample(docs_copy: Path) -> None:
    """An index slip (H_t for H_{t+1}) in the RNN's recurrence: the page line, the shapes and the numbers."""
    good = r"G_t + \left(\frac{\partial L}{\partial H_{t+1}} \odot (1 - H_{t+1}^2)\right) W_h^\top"
    line = plant(docs_copy / "hw2/q3.md", good, good.replace("(1 - H_{t+1}^2)", "(1 - H_t^2)"))
    r = only_failure(docs_copy)
    assert r.claim_id == "hw2.q3.bptt.dh_recurrence"
    assert f"docs/hw2/q3.md:{line - 1}" in r.message  # the opening fence
    assert "the formula gives (" in r.message and "but autograd gives (" in r.message
    assert "N=" in r.message and "t=" in r.message and "row, column from 1" in r.message


def test_gradient_formula_in_a_table_cell_with_a_missing_transpose(docs_copy: Path) -> None:
    line = plant(docs_copy / "hw2/q4.md", r"[[?hw2.q4.step.dWxo: $X_t^\top \frac", r"[[?hw2.q4.step.dWxo: $X_t \frac")
    r = only_failure(docs_copy)
    assert r.claim_id == "hw2.q4.step.dWxo" and f"docs/hw2/q4.md:{line}" in r.message
    assert "cannot multiply" in r.message


# Raw HTML that could look checked or run code is refused on the HTML a page becomes, by the site build
# (solutions/engine/sanitize.py): see the hostile table of tests/test_site_build.py.


def test_a_check_that_breaks_while_comparing_fails_only_its_own_claim() -> None:
    """An integer claim whose code returns a string: that claim fails with where and why; judging goes on."""
    from solutions.engine.checks import judge

    c = registry.Claim("test.broken", Integer(), lambda: "36", "a check with a bug", "tests/x.py", 1, "tests.x_claims")
    r = judge(c, "36", "docs/p.md", 3)
    assert r.status == FAILED and r.message.startswith("docs/p.md:3: comparing claim test.broken with the page raised")
    assert "TypeError" in r.message and "must return an int" in r.message


# Statements that used to be declared context (derived facts nobody checked) and are claims now: a wrong value
# planted in any of them fails, named by its claim (issue: "context is only context").
FORMERLY_CONTEXT = [
    ("a2/part2.md", "[[a2.q3.half_sq_gradient.u: $u - v$]]", "[[a2.q3.half_sq_gradient.u: $v - u$]]"),
    ("a2/part2.md", "[[a2.q2.kink.right_slope: 1]]", "[[a2.q2.kink.right_slope: 0]]"),
    (
        "a2/part2.md",
        "\\frac{\\partial L^t}{\\partial f_p} = \\theta\\,(f_p - f_a)",
        "\\frac{\\partial L^t}{\\partial f_p} = \\theta\\,(f_a - f_p)",
    ),
    ("a2/part2.md", "[[a2.q3.loss_above_zero: $z_t$]]", "[[a2.q3.loss_above_zero: $-z_t$]]"),
    ("a2/part1.md", "[[a2.p1.shape.ih.rows: $gh$]]", "[[a2.p1.shape.ih.rows: $h$]]"),
    ("a2/part1.md", "[[a2.p1.shape.hr.cols: $h$]]", "[[a2.p1.shape.hr.cols: $p$]]"),
    ("a2/worked-example.md", "[[a2.example.delta_rows: 2]]", "[[a2.example.delta_rows: 3]]"),
    ("hw2/q2.md", "[[hw2.q2.example.gram21: 0.625]]", "[[hw2.q2.example.gram21: 0.25]]"),
    ("hw2/q2.md", "2 w_{tv} (K \\odot X - S)$]]", "2 w_{tv} (K \\odot X + S)$]]"),
    ("hw2/q2.md", "(\\lVert D_v X\\rVert^2 + \\lVert", "(2 \\lVert D_v X\\rVert^2 + \\lVert"),
    ("hw2/q3.md", "[[?hw2.q3.dtanh: $1 - v^2$]]", "[[?hw2.q3.dtanh: $1 + v^2$]]"),
    ("hw2/q4.md", "[[?hw2.q4.dsigma: $\\sigma (1 - \\sigma)$]]", "[[?hw2.q4.dsigma: $1 - \\sigma^2$]]"),
    ("hw2/q4.md", "[[hw2.q4.torch_weight_ih.rows: $4H$]]", "[[hw2.q4.torch_weight_ih.rows: $4D$]]"),
    ("hw2/q5.md", "[[?hw2.q5.softmax_gradient: $(p_v - y_v)/N$]]", "[[?hw2.q5.softmax_gradient: $(y_v - p_v)/N$]]"),
    ("hw2/q6.md", "[[hw2.q6.pad_feature: 0]]", "[[hw2.q6.pad_feature: 1]]"),
    ("hw2/q6.md", "[[hw2.q6.logit_threshold: 0]]", "[[hw2.q6.logit_threshold: 1]]"),
    # derived facts once written in words ("sum to zero", "two of its answers", "a single image")
    ("a2/part2.md", "[[a2.q3.sum_is_zero: $0$]]", "[[a2.q3.sum_is_zero: $f_a$]]"),
    ("a2/part2.md", "[[a2.q6.sheet_b_wrong: 2]]", "[[a2.q6.sheet_b_wrong: 3]]"),
    ("hw2/q1.md", "[[hw2.q1.sheet_difference: 1]]", "[[hw2.q1.sheet_difference: 2]]"),
    ("a2/part2.md", "[[a2.q6.sheet_b_right: 4]]", "[[a2.q6.sheet_b_right: 5]]"),
    ("a2/worked-example.md", "\\, x_i^\\top$]]", "\\, x_i$]]"),
    ("hw2/q1.md", "[[hw2.q1.transform.flip: 0.5]]", "[[hw2.q1.transform.flip: 0.25]]"),
    ("hw2/q1.md", "[[hw2.q1.freeze_bn_training: 20]]", "[[hw2.q1.freeze_bn_training: 0]]"),
    ("hw2/q2.md", "[[hw2.q2.start_gap: 0]]", "[[hw2.q2.start_gap: 1]]"),
    ("a2/part1.md", "[[a2.p1.lstm_over_rnn: 12.37]]", "[[a2.p1.lstm_over_rnn: 12.38]]"),
    ("a2/part1.md", "[[a2.p1.pretrained.compared_seeds: 1]]", "[[a2.p1.pretrained.compared_seeds: 3]]"),
    # shapes of derived quantities, and the brief's points, once declared notation
    ("hw2/q3.md", "[[hw2.q3.shape.A.cols: $H$]]", "[[hw2.q3.shape.A.cols: $D$]]"),
    ("hw2/q3.md", "[[hw2.q3.shape.H.rows: $N$]]", "[[hw2.q3.shape.H.rows: $1$]]"),
    ("hw2/q4.md", "[[hw2.q4.shape.A.cols: $4H$]]", "[[hw2.q4.shape.A.cols: $H$]]"),
    ("hw2/q4.md", "[[hw2.q4.shape.gate.cols: $H$]]", "[[hw2.q4.shape.gate.cols: $4H$]]"),
    ("hw2/q5.md", "[[hw2.q5.points: 20]]", "[[hw2.q5.points: 15]]"),
    # a sheet's verdicts, once words
    ("hw2/q4.md", "[[hw2.q4.sheet.step_right: 15]]", "[[hw2.q4.sheet.step_right: 12]]"),
    # the steps named in words, the checking cases' sizes, the spread's divisor, the example's data, a measured z
    ("hw2/q4.md", "[[hw2.q4.sheet_fix.forget_step: $t + 1$]]", "[[hw2.q4.sheet_fix.forget_step: $t$]]"),
    ("hw2/q3.md", "[[hw2.q3.sheet_fix.tanh_step: $t + 1$]]", "[[hw2.q3.sheet_fix.tanh_step: $t - 1$]]"),
    ("hw2/q3.md", "[[hw2.q3.cases.t: 1]]", "[[hw2.q3.cases.t: 2]]"),
    ("hw2/q6.md", "[[hw2.q6.spread_divisor: $n - 1$]]", "[[hw2.q6.spread_divisor: $n$]]"),
    ("a2/worked-example.md", "[[a2.example.sample_size: 3]]", "[[a2.example.sample_size: 4]]"),
    ("a2/part2.md", "[[a2.q2.torch_at_zero.triplet_z: 0]]", "[[a2.q2.torch_at_zero.triplet_z: 0.5]]"),
]


def test_a_wrong_value_in_a_formerly_declared_statement_fails(docs_copy: Path) -> None:
    for page, old, new in FORMERLY_CONTEXT:
        plant(docs_copy / page, old, new)
    failed = {r.claim_id for r in failures(docs_copy)}
    expected = {
        "a2.q3.half_sq_gradient.u",
        "a2.q2.kink.right_slope",
        "a2.q2.kink.dL_dfp",
        "a2.q3.loss_above_zero",
        "a2.p1.shape.ih.rows",
        "a2.p1.shape.hr.cols",
        "a2.example.delta_rows",
        "hw2.q2.example.gram21",
        "hw2.q2.grad.tv_entries",
        "hw2.q2.tv_norm_form",
        "a2.q3.sum_is_zero",
        "a2.q6.sheet_b_wrong",
        "hw2.q1.sheet_difference",
        "a2.q6.sheet_b_right",
        "a2.example.delta_formula",
        "hw2.q1.transform.flip",
        "hw2.q1.freeze_bn_training",
        "hw2.q2.start_gap",
        "a2.p1.lstm_over_rnn",
        "a2.p1.pretrained.compared_seeds",
        "hw2.q3.dtanh",
        "hw2.q4.dsigma",
        "hw2.q4.torch_weight_ih.rows",
        "hw2.q5.softmax_gradient",
        "hw2.q6.pad_feature",
        "hw2.q6.logit_threshold",
        "hw2.q3.shape.A.cols",
        "hw2.q3.shape.H.rows",
        "hw2.q4.shape.A.cols",
        "hw2.q4.shape.gate.cols",
        "hw2.q5.points",
        "hw2.q4.sheet.step_right",
        "hw2.q4.sheet_fix.forget_step",
        "hw2.q3.sheet_fix.tanh_step",
        "hw2.q3.cases.t",
        "hw2.q6.spread_divisor",
        "a2.example.sample_size",
        "a2.q2.torch_at_zero.triplet_z",
    }
    assert failed == expected
