"""Both parsers, fed random and adversarial text: every input ends in a verdict or a clear parse error.

Never a traceback (which would stop every other check of a build), never past the time limit.
"""

from __future__ import annotations

import ast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solutions.engine.checks import compare_within, compute_truth
from solutions.engine.verdicts import Outcome
from tests.conftest import ROOT, load_claims

PIECES = [
    "f_n", "f_p", "f_a", "f_1", "G_t", "H_t", "H_{t+1}", "X_t", "W_h", "W_x", "A_t", "^\\top", "^2", "'", "\\odot",
    "\\frac{", "}{", "}", "{", "(", ")", "[", "]", "+", "-", "\\cdot", "2", "0.5", "1e9", "^{", "_{", "\\sum_{k=t}^{T}",
    "\\left(", "\\right)", "\\partial", "L", "=", " ", "²", "\x1b", "\\", "\\x", "\n", "|", ",", "9" * 40,
]  # fmt: skip
texts = st.one_of(
    st.lists(st.sampled_from(PIECES), max_size=60).map("".join),
    st.text(max_size=200),
    st.sampled_from(PIECES).flatmap(lambda p: st.integers(1, 3000).map(lambda n: p * n)),
)


@pytest.mark.parametrize("claim_id", ["a2.q3.dL_dfa", "a2.q6.dL_df1", "hw2.q3.step.dx", "hw2.q4.bptt.dc_recurrence"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts)
def test_every_input_ends_in_a_verdict_or_a_clear_parse_error(claim_id: str, text: str) -> None:
    claim = load_claims()[claim_id]
    cmp = compare_within(claim, text, compute_truth(claim), seconds=5.0)
    assert cmp.outcome in Outcome
    if cmp.outcome == Outcome.UNPARSABLE:
        assert cmp.detail and "\x1b" not in cmp.detail and len(cmp.detail) < 600


@pytest.mark.parametrize("module", ["latex.py", "matrix_latex.py", "matrix_eval.py"])
def test_neither_parser_evaluates_text(module: str) -> None:
    """No eval/exec/compile, no sympify, no sympy.parsing: the parsers build expressions token by token."""
    tree = ast.parse((ROOT / "solutions" / "engine" / module).read_text(encoding="utf-8"))
    names = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    attrs = {n.func.attr for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)}
    imports = {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    imports |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not names & {"eval", "exec", "compile", "__import__", "sympify"}  # builtins (re.compile is fine)
    assert not attrs & {"sympify", "parse_latex", "eval", "exec"}
    assert not any(i.startswith("sympy.parsing") for i in imports)
