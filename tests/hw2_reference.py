"""The HW2 forwards written again in PyTorch (float64), so autograd can check the NumPy backwards."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import torch

from solutions.hw2.common.gradcheck import largest_relative_error, rel_error, worst_checks

Tensor = torch.Tensor


def rnn_step(x: Tensor, prev_h: Tensor, Wx: Tensor, Wh: Tensor, b: Tensor) -> Tensor:
    return torch.tanh(x @ Wx + prev_h @ Wh + b)


def rnn(x: Tensor, h0: Tensor, Wx: Tensor, Wh: Tensor, b: Tensor) -> Tensor:
    hs, h = [], h0
    for t in range(x.shape[0]):
        h = rnn_step(x[t], h, Wx, Wh, b)
        hs.append(h)
    return torch.stack(hs)


def lstm_step(x: Tensor, prev_h: Tensor, prev_c: Tensor, Wx: Tensor, Wh: Tensor, b: Tensor) -> tuple[Tensor, Tensor]:
    f, i, g, o = (x @ Wx + prev_h @ Wh + b).chunk(4, dim=1)  # the homework's order [f, i, c~, o]
    c = torch.sigmoid(f) * prev_c + torch.sigmoid(i) * torch.tanh(g)
    return torch.sigmoid(o) * torch.tanh(c), c


def lstm(x: Tensor, h0: Tensor, Wx: Tensor, Wh: Tensor, b: Tensor) -> Tensor:
    hs, h, c = [], h0, torch.zeros_like(h0)
    for t in range(x.shape[0]):
        h, c = lstm_step(x[t], h, c, Wx, Wh, b)
        hs.append(h)
    return torch.stack(hs)


def softmax_loss(x: Tensor, y: Tensor, mask: Tensor) -> Tensor:
    N, T, V = x.shape
    losses = torch.nn.functional.cross_entropy(
        x.reshape(N * T, V), torch.where(mask, y, 0).reshape(-1), reduction="none"
    )
    return (losses * mask.reshape(-1)).sum() / N


def captioning_loss(p: dict[str, Tensor], features: Tensor, captions: Tensor, cell: str, null: int) -> Tensor:
    """The whole captioning model, batch-major outside and time-major inside, as the NumPy one."""
    cin, cout = captions[:, :-1], captions[:, 1:]
    h0 = features @ p["W_proj"] + p["b_proj"]
    x = p["W_embed"][cin].transpose(0, 1)
    h = (lstm if cell == "lstm" else rnn)(x, h0, p["Wx"], p["Wh"], p["b"]).transpose(0, 1)
    return softmax_loss(h @ p["W_vocab"] + p["b_vocab"], cout, cout != null)


def autograd(
    fn: Callable[..., Tensor], inputs: dict[str, np.ndarray], dout: np.ndarray | float = 1.0, **fixed: object
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """``fn``'s output and the gradients of ``sum(fn(**inputs) * dout)`` for every float input, by autograd."""
    tensors = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in inputs.items()}
    out = fn(**tensors, **fixed)
    (out * torch.as_tensor(dout, dtype=torch.float64)).sum().backward()
    return out.detach().numpy(), {k: t.grad.numpy() for k, t in tensors.items()}


def assert_matches_torch(
    ours: dict[str, np.ndarray], theirs: dict[str, np.ndarray], what: str, tight: float = 1e-10
) -> None:
    """torch.autograd.gradcheck's tolerances (atol 1e-5, rtol 1e-3), and then a much tighter normwise bound."""
    assert ours.keys() >= theirs.keys()
    for k, expected in theirs.items():
        torch.testing.assert_close(
            torch.as_tensor(ours[k]), torch.as_tensor(expected), atol=1e-5, rtol=1e-3, msg=f"{what}: d{k}"
        )
        err = rel_error(ours[k], expected, f"{what} vs torch autograd")
        assert err < tight, f"{what}: d{k} differs from autograd by {err:.2e}"


@pytest.fixture(scope="module", autouse=True)
def report_largest_relative_error(request: pytest.FixtureRequest):
    """After each HW2 test module: print the worst agreement the gradient checks have seen so far
    (one tracker for both)."""
    yield
    if not worst_checks():
        return
    by_kind = {
        kind: max((v for k, v in worst_checks().items() if kind in k), default=0.0)
        for kind in ("torch autograd", "finite differences")
    }
    worst_label = next(iter(worst_checks()))
    capture = request.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(
            f"\nHW2 gradient checks so far: largest relative error {largest_relative_error():.2e} ({worst_label}); "
            f"vs torch autograd {by_kind['torch autograd']:.1e}, "
            f"vs finite differences {by_kind['finite differences']:.1e}"
        )
