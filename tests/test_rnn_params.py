"""Closed-form parameter counts against PyTorch, on a random grid of configurations."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from solutions.a2.part1 import params as rp


@st.composite
def recurrent(draw: st.DrawFn) -> rp.Recurrent:
    cell = draw(st.sampled_from(sorted(rp.GATES)))
    hidden = draw(st.integers(1, 12))
    proj = draw(st.integers(0, hidden - 1)) if cell == "LSTM" else 0
    return rp.Recurrent(
        cell, draw(st.integers(1, 12)), hidden, draw(st.integers(1, 3)), draw(st.booleans()), draw(st.booleans()), proj
    )


@settings(max_examples=150, deadline=None)
@given(recurrent())
def test_closed_form_equals_pytorch(m: rp.Recurrent) -> None:
    assert rp.recurrent_params(m) == rp.torch_params(m)


@settings(max_examples=30, deadline=None)
@given(recurrent(), st.integers(2, 50), st.integers(1, 8))
def test_whole_model_equals_pytorch(m: rp.Recurrent, vocab: int, emb: int) -> None:
    m = rp.Recurrent(m.cell, emb, m.hidden_size, m.num_layers, m.bidirectional, m.bias, m.proj_size)
    assert rp.whole_model_params(m, vocab, emb) == rp.torch_whole_model_params(m, vocab, emb)


def test_bidirectional_doubles_a_single_layer() -> None:
    for cell in rp.GATES:
        one = rp.recurrent_params(rp.Recurrent(cell, 100, 200))
        assert rp.recurrent_params(rp.Recurrent(cell, 100, 200, bidirectional=True)) == 2 * one


def test_projection_only_for_lstm() -> None:
    with pytest.raises(ValueError, match="proj_size"):
        rp.torch_params(rp.Recurrent("GRU", 3, 4, proj_size=2))
