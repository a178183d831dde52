"""Every gradient formula on the HW2 pages, at random shapes (hypothesis), not only the build's fixed ones.

The build checks each formula at a fixed list of shapes; here hypothesis draws
new ones (N, D, H and T from 1 up, so N = 1 and T = 1 come up often) and the
same comparison with float64 autograd must still say "equivalent".
"""

from __future__ import annotations

from functools import partial

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solutions.engine import Gradient, GradientNotation, GradientTruth, registry
from solutions.engine.checks import EQUAL, compare
from solutions.engine.site import scan
from solutions.engine.verdicts import Report
from solutions.hw2.common import gradient_cases as ac
from tests.conftest import DOCS, load_claims


def _page_text() -> dict[str, str]:
    """Each claim's text as its page writes it: the markers only, read without judging them (the site's own
    tests judge them), so that collecting this module costs no verification of the whole site."""
    found = Report()
    scan(DOCS, found)
    return {o.id: o.latex for occs in found.occurrences.values() for o in occs}


PAGE_TEXT = _page_text()
CLAIMS = sorted(
    (c for c in load_claims().values() if isinstance(c.kind, Gradient) and not c.is_mistake), key=lambda c: c.id
)


def test_every_gradient_claim_is_on_a_page() -> None:
    assert len(CLAIMS) >= 40
    assert all(c.id in PAGE_TEXT for c in CLAIMS)


def _is_step(claim: registry.Claim) -> bool:
    return ".step." in claim.id


@pytest.mark.parametrize("page", ["q3", "q4"])
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(1, 4), d=st.integers(1, 4), h=st.integers(1, 4), t=st.integers(1, 5), seed=st.integers(100, 10_000)
)
def test_formulas_hold_at_random_shapes(page: str, n: int, d: int, h: int, t: int, seed: int) -> None:
    for claim in (c for c in CLAIMS if c.id.startswith(f"hw2.{page}.")):
        build, target, times, kw = claim.compute.spec
        shape = (n, d, h) if _is_step(claim) else (n, d, h, t)
        cases = ac.cases(partial(build, **kw) if kw else build, target, [shape], times, seed_offset=seed)
        if not cases:  # e.g. a recurrence for t < T when T = 1
            continue
        columns = ac.column_cases(cases)  # the question's column vectors: the cases of one example
        if claim.kind.notation and not columns:
            continue
        truth = GradientTruth(cases, "random shapes", [GradientNotation("columns", "", "", columns)])
        cmp = compare(claim, PAGE_TEXT[claim.id], truth)
        assert cmp.outcome == EQUAL, f"{claim.id} at N={n}, D={d}, H={h}, T={t}: {cmp.detail}"
