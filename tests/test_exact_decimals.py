"""A decimal claim compares exact rationals: the page's decimal text as written, the truth at its shortest repr.

With ``tol=0`` only the very number is right (a value off in the 19th digit is not, though it is the same
double); with ``tol > 0`` a value exactly ``tol`` away is right.  The command line's ``check`` and the catalog
the in-page checker loads give the same verdicts (the pattern of tests/test_answers.py).
"""

from __future__ import annotations

import json
from decimal import Decimal as D
from fractions import Fraction

import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from solutions.__main__ import main
from solutions.engine import answers
from solutions.engine.kinds import Decimal, Outcome
from solutions.engine.registry import Claim
from solutions.engine.verdicts import Result

EQUAL, DIFFERENT, UNPARSABLE = Outcome


def _cmp(tol: float, text: str, truth: object) -> Outcome:
    claim = Claim("t.x", Decimal(tol), lambda: truth, "", "t/t_claims.py", 1, "t.t_claims")
    return claim.kind.compare(claim, text, truth).outcome


@pytest.mark.parametrize(
    ("tol", "text", "truth", "outcome"),
    [
        (0, "0.1", 0.1, EQUAL),
        (0, "0.10", 0.1, EQUAL),  # trailing zeros write the same number
        (0, "$0.1000$", 0.1, EQUAL),
        (0, "0.1000000000000000000001", 0.1, DIFFERENT),  # the same double, another number
        (0, "0.10000000000000001", 0.1, DIFFERENT),
        (0, "0.3", 0.1 + 0.2, DIFFERENT),  # the code computes 0.30000000000000004
        (0, "0.30000000000000004", 0.1 + 0.2, EQUAL),
        (0, "5", 5, EQUAL),
        (0, "-0.0", 0.0, EQUAL),
        (0, "0.5", sympy.Rational(1, 2), EQUAL),
        (0, "0.3333333333333333", sympy.Rational(1, 3), DIFFERENT),
        (0.005, "0.870", 0.865, EQUAL),  # exactly tol away: 0.870 - 0.865 is 0.0050000000000000044 in doubles
        (0.005, "0.860", 0.865, EQUAL),
        (0.005, "0.8700000000000000000001", 0.865, DIFFERENT),
        (1e-12, "0.000000000001", 0, EQUAL),
        (1e-12, "0.0000000000010000000000001", 0, DIFFERENT),
        (0, "0.1", float("nan"), DIFFERENT),
        (0, "1e-3", 0.001, UNPARSABLE),
    ],
)
def test_decimals_compare_exactly(tol: float, text: str, truth: object, outcome: Outcome) -> None:
    assert _cmp(tol, text, truth) == outcome


def test_with_no_tolerance_the_truth_is_shown_in_full() -> None:
    claim = Claim("t.x", Decimal(0), lambda: 0.1234567, "", "t/t_claims.py", 1, "t.t_claims")
    cmp = claim.kind.compare(claim, "0.123457", 0.1234567)
    assert (cmp.outcome, cmp.truth) == (DIFFERENT, "0.1234567")  # not 0.123457, which would read as equal


# Decimal texts of up to 30 digits each side of the point, as a page writes them.
digits = st.text("0123456789", min_size=1, max_size=30)
decimal_text = st.builds(lambda s, i, f: f"{s}{i}.{f}", st.sampled_from(["", "-"]), digits, digits)


@given(decimal_text, st.floats(allow_nan=False, allow_infinity=False))
def test_with_no_tolerance_a_decimal_equals_a_float_only_at_its_shortest_repr(text: str, truth: float) -> None:
    # The reference: Python's decimal module, which reads both texts exactly (not the engine's Fraction).
    expected = EQUAL if D(text) == D(repr(truth)) else DIFFERENT
    assert _cmp(0, text, truth) == expected


@given(decimal_text, decimal_text, st.sampled_from(["0.005", "0.5", "1e-9", "0.1", "5e-7"]))
def test_a_tolerance_holds_exactly_at_its_boundary(text: str, truth_text: str, tol_text: str) -> None:
    tol, truth = float(tol_text), float(truth_text)
    expected = EQUAL if abs(D(text) - D(repr(truth))) <= D(repr(tol)) else DIFFERENT
    assert _cmp(tol, text, truth) == expected


@given(st.integers(-(10**6), 10**6), st.integers(1, 6), st.integers(-3, 3))
def test_a_value_just_at_or_past_the_tolerance(units: int, places: int, step: int) -> None:
    """truth + k·tol for tol = 10^-places: within for |k| <= 1, beyond otherwise, whatever doubles would say."""
    tol = Fraction(1, 10**places)
    truth = Fraction(units, 10**places)
    page = truth + step * tol
    text = f"{D(page.numerator) / D(page.denominator):f}"  # a few digits: the division is exact
    want = EQUAL if abs(step) <= 1 else DIFFERENT
    assert _cmp(float(f"1e-{places}"), text, float(str(D(units) / D(10**places)))) == want


# -------------------------------------------------------------------- the command line and the catalog agree


def _catalog(truth: float, tol: float, mistake: str = "", claim_id: str = "t.x") -> answers.Catalog:
    """A catalog as the site build writes it (answers.catalog, through JSON) of one decimal claim."""
    claim = Claim(claim_id, Decimal(tol), lambda: truth, "", "t/t_claims.py", 1, "t.t_claims")
    r = Result(claim_id, "verified", "decimal", "p.md", 1)
    r.answer = answers.spec(claim, truth)
    results = [r]
    if mistake:
        m = Result("t.wrong", "refuted", "decimal", "p.md", 2, page=mistake)
        m.extra = {"refutes": claim_id, "why": "a wrong one", "mistake_text": mistake}
        results.append(m)
    return answers.Catalog.from_json(json.dumps(answers.catalog(results, lambda cid: "", 5.0)))


@pytest.mark.parametrize(
    ("answer", "verdict"),
    [("0.1", "equivalent"), ("0.10", "equivalent"), ("0.1000000000000000000001", "different"), ("x", "invalid")],
)
def test_the_catalog_judges_an_exact_decimal_as_the_engine_does(answer: str, verdict: str) -> None:
    catalog = _catalog(0.1, 0)
    claim = Claim("t.x", Decimal(0), lambda: 0.1, "", "t/t_claims.py", 1, "t.t_claims")
    assert catalog.check("t.x", answer).verdict == verdict
    assert answers.assess(claim, answer, 0.1).verdict == verdict


def test_a_known_mistake_is_matched_exactly() -> None:
    catalog = _catalog(0.1, 0, mistake="0.2")
    assert catalog.check("t.x", "0.20").verdict == "mistake"
    assert catalog.check("t.x", "0.2000000000000000000001").verdict == "different"


@pytest.mark.parametrize("claim_id", ["hw2.q2.schedule.lr", "hw2.q2.schedule.clamp", "hw2.q5.recipe.lr"])
def test_the_command_line_and_the_catalog_agree_on_the_sites_exact_decimals(
    claim_id: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Real claims of the site with tol=0: their truth, the same with trailing zeros, and a number off in the
    25th digit (the same double), through `python -m solutions check` and through the browser's catalog."""
    from tests.conftest import load_claims

    claim = load_claims()[claim_id]
    truth = claim.compute()
    assert claim.kind.tol == 0 and isinstance(truth, float)
    catalog = _catalog(truth, 0, claim_id=claim_id)
    right = repr(truth)
    off = str(D(right) + D("1e-25"))  # off in the 25th digit: the same double
    assert float(off) == truth
    for answer, verdict in [(right, "equivalent"), (right + "000", "equivalent"), (off, "different")]:
        code = main(["check", claim_id, "--", answer])
        out = capsys.readouterr().out.strip()
        assert catalog.check(claim_id, answer).verdict == verdict
        assert (out.split(":")[0], code) == (verdict, {"equivalent": 0, "different": 1}[verdict]), out
