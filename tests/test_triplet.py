"""The triplet-loss mathematics, each result against an independent route."""

from __future__ import annotations

import itertools
from collections import Counter

import pytest
import sympy
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from solutions.a2.part2 import triplet as tl


def brute_force_count(labels: list[int]) -> int:
    """The definition, written out as plainly as possible."""
    n = len(labels)
    count = 0
    for a in range(n):
        for p in range(n):
            for q in range(n):
                if a != p and labels[a] == labels[p] and labels[q] != labels[a]:
                    count += 1
    return count


@given(st.lists(st.integers(0, 3), max_size=9))
def test_valid_triplets_match_the_definition_and_the_per_class_sum(labels: list[int]) -> None:
    sizes = Counter(labels)
    per_class = sum(m * (m - 1) * (len(labels) - m) for m in sizes.values())
    assert len(tl.valid_triplets(labels)) == brute_force_count(labels) == per_class


def test_equal_classes_formula_symbolically() -> None:
    """The per-class sum m(m - 1)(N - m) with C classes of m = n samples, N = Cn."""
    C, n = sympy.symbols("C n")
    per_class_sum = C * n * (n - 1) * (C * n - n)
    assert sympy.expand(per_class_sum - tl.valid_triplet_formula(C, n)) == 0


def test_the_statements_triplets_are_valid() -> None:
    assert set(tl.TRIPLETS) <= set(tl.valid_triplets(tl.LABELS))


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 9), st.integers(0, 2**31 - 1), st.floats(0.01, 3.0))
def test_role_gradients_match_autograd_in_any_dimension(d: int, seed: int, alpha: float) -> None:
    g = tl.role_gradients()
    f = torch.randn(3, d, generator=torch.Generator().manual_seed(seed), dtype=torch.float64, requires_grad=True)
    z = tl.half_sq(f[0], f[1]) + alpha - tl.half_sq(f[0], f[2])
    tl.triplet_loss(f, [(1, 2, 3)], alpha).backward()
    names = {sympy.Symbol(f"f_{r}"): sympy.Symbol(f"f_{k + 1}") for k, r in enumerate(tl.ROLES)}
    for k, r in enumerate(tl.ROLES):
        expected = tl.evaluate(g[r].subs(names), f.detach()) if z > 0 else torch.zeros(d, dtype=torch.float64)
        assert torch.allclose(f.grad[k], expected, atol=1e-10)


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 6), st.integers(0, 2**31 - 1), st.floats(0.01, 3.0))
def test_our_loss_equals_pytorchs_triplet_loss(d: int, seed: int, alpha: float) -> None:
    f = torch.randn(6, d, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)
    assert torch.allclose(tl.triplet_loss(f, tl.TRIPLETS, alpha), tl.pytorch_triplet_loss(f, tl.TRIPLETS, alpha))


def test_gradients_are_translation_invariant() -> None:
    """Shifting all embeddings by one vector changes no loss, so gradients sum to zero."""
    assert sum(tl.role_gradients().values()) == 0
    for t in range(1, 9):
        assert sympy.expand(sum(tl.triplet_gradient(t, i) for i in range(1, 7))) == 0


def test_samples_outside_a_triplet_get_no_gradient() -> None:
    for t, members in enumerate(tl.TRIPLETS, start=1):
        for i in set(range(1, 7)) - set(members):
            assert tl.triplet_gradient(t, i) == 0


def test_total_gradient_matches_autograd_of_the_summed_loss() -> None:
    f = torch.randn(6, 5, generator=torch.Generator().manual_seed(1), dtype=torch.float64, requires_grad=True)
    tl.triplet_loss(f, tl.TRIPLETS, alpha=1e3).backward()  # every hinge active
    for i in range(1, 7):
        assert torch.allclose(f.grad[i - 1], tl.evaluate(tl.total_gradient(i), f.detach()))


def test_pytorch_slopes_at_the_kink_are_subgradients() -> None:
    """Whatever PyTorch picks at z = 0 must lie in the subdifferential [0, 1] of max(0, z)."""
    slopes = tl.hinge_gradient_at_zero()
    assert set(slopes) == {"relu", "clamp_min", "maximum", "TripletMarginWithDistanceLoss"}
    assert all(0.0 <= s <= 1.0 for s in slopes.values())


def test_worked_example_agrees_with_autograd_and_lowers_the_loss() -> None:
    e = tl.WorkedExample()
    assert e.all_active()
    gaps = e.autograd_agrees()
    assert max(gaps.values()) <= 1e-12
    assert e.loss(e.new_W()) < e.loss()


def test_worked_example_gradient_is_the_sum_of_outer_products() -> None:
    e = tl.WorkedExample()
    X = torch.tensor(tl.EXAMPLE_X, dtype=torch.float64)
    W = torch.tensor(tl.EXAMPLE_W, dtype=torch.float64, requires_grad=True)
    tl.triplet_loss(X @ W.T, tl.TRIPLETS, float(e.alpha)).backward()
    total = sum(e.deltas(), sympy.zeros(2, 3))
    assert all(abs(float(total[i, j]) - W.grad[i, j].item()) < 1e-12 for i, j in itertools.product(range(2), range(3)))


def test_q5_chain_rule_equals_matrix_calculus_on_each_triplets_loss() -> None:
    """The site takes Q3's gradients with the triplet's samples put in; sympy differentiating L^t itself agrees."""
    for t, members in enumerate(tl.TRIPLETS, start=1):
        for i in members:
            assert sympy.expand(tl.triplet_gradient(t, i) - tl.triplet_gradient_direct(t, i)) == 0, (t, i)


def test_q6_sum_of_q5_equals_matrix_calculus_on_the_whole_loss() -> None:
    for i in range(1, 7):
        assert sympy.expand(tl.total_gradient(i) - tl.total_gradient_direct(i)) == 0, i


def test_the_exclusivity_identity_holds_for_any_embedding() -> None:
    """The identity the worked example shows is true numerically, on random embeddings and margins."""
    import random

    found = tl.exclusivity_certificate(tl.TRIPLETS, tl.LABELS)
    assert found is not None
    chosen, others = found
    rng = random.Random(0)

    def z(t: tuple[int, int, int], f: dict[int, list[float]], alpha: float) -> float:
        a, p, n = t

        def half_sq(i: int, j: int) -> float:
            return sum((u - v) ** 2 for u, v in zip(f[i], f[j], strict=True)) / 2

        return half_sq(a, p) + alpha - half_sq(a, n)

    for _ in range(20):
        f = {i: [rng.uniform(-3, 3) for _ in range(4)] for i in range(1, 7)}
        alpha = rng.uniform(0, 2)
        left, right = (sum(z(t, f, alpha) for t in ts) for ts in (chosen, others))
        assert left == pytest.approx(right, abs=1e-9)
        assert not (all(z(t, f, alpha) > 0 for t in chosen) and all(z(t, f, alpha) <= 0 for t in others))


def test_no_identity_is_claimed_for_a_set_that_data_does_make_active() -> None:
    """Sound: the set of triplets that the worked example's data really makes active gets no certificate."""
    e = tl.WorkedExample()
    f = [None, *e.embeddings()]

    def z(t: tuple[int, int, int]) -> object:
        a, p, n = t
        return (f[a] - f[p]).dot(f[a] - f[p]) / 2 + e.alpha - (f[a] - f[n]).dot(f[a] - f[n]) / 2

    active = [t for t in tl.valid_triplets(tl.LABELS) if z(t) > 0]
    assert 8 < len(active) < 36
    assert tl.exclusivity_certificate(active, tl.LABELS) is None
