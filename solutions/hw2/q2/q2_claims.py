"""HW2 Q2: style transfer, as claims.

The three losses are checked twice: on a small example whose values the page
works out by hand (the code computes them with the functions the loop uses and
again with plain Python loops, and both must agree), and through their
gradients, written out by hand in :mod:`solutions.hw2.q2.style` and compared with
float64 autograd and centred finite differences.  Generated images and loss
curves come only from recorded runs with SqueezeNet's ImageNet weights
(``python -m solutions stylize``, :mod:`solutions.hw2.q2.train`).
"""

from __future__ import annotations

import base64
import html
import itertools
from collections.abc import Callable
from fractions import Fraction

import numpy as np
import sympy
import torch

from solutions.common import plots, runs
from solutions.common.files import file_digest
from solutions.engine import (
    Decimal,
    Formula,
    Generated,
    Gradient,
    GradientCase,
    GradientTruth,
    Integer,
    Shown,
    claim,
)
from solutions.hw2.common import brief
from solutions.hw2.common.gradcheck import numeric_gradient, rel_error, sci
from solutions.hw2.common.vision import PUBLISHED_PARAMS, build
from solutions.hw2.q2 import style

# The page's example: one image, two channels, 2 x 2 positions (channel, row, column).
EXAMPLE = [[[1, 2], [3, 4]], [[0, 1], [1, 0]]]
HALF = Fraction(1, 2)


def _example() -> torch.Tensor:
    return torch.tensor([EXAMPLE], dtype=torch.float64)  # (1, 2, 2, 2)


def _loops_gram() -> list[list[Fraction]]:
    """The Gram matrix by its definition, in exact arithmetic: sum over positions, divided by H*W*C."""
    c, h, w = len(EXAMPLE), len(EXAMPLE[0]), len(EXAMPLE[0][0])
    return [
        [
            Fraction(sum(EXAMPLE[a][i][j] * EXAMPLE[b][i][j] for i in range(h) for j in range(w)), h * w * c)
            for b in range(c)
        ]
        for a in range(c)
    ]


def _agree(ours: float, loops: Fraction, what: str) -> sympy.Rational:
    """The loops' exact value, after checking that the loss function gives the same."""
    if abs(ours - float(loops)) > 1e-12:
        raise AssertionError(f"{what}: the loss function gives {ours}, the plain loops {loops}")
    return sympy.Rational(loops.numerator, loops.denominator)


@claim("hw2.q2.example.content", Formula(), "content_loss(1/2, F, 0) against a plain sum of squares, exactly")
def example_content() -> sympy.Rational:
    loops = HALF * sum(v * v for ch in EXAMPLE for row in ch for v in row)
    return _agree(style.content_loss(0.5, _example(), torch.zeros_like(_example())).item(), loops, "content")


for _a, _b in ((0, 0), (0, 1), (1, 0), (1, 1)):
    claim(
        f"hw2.q2.example.gram{_a + 1}{_b + 1}", Decimal(tol=1e-9), "gram_matrix against the definition in plain loops"
    )(
        lambda a=_a, b=_b: float(
            _agree(style.gram_matrix(_example())[0, a, b].item(), _loops_gram()[a][b], f"G[{a},{b}]")
        )
    )


@claim("hw2.q2.example.positions", Integer(), "H * W of the example")
def example_positions() -> int:
    return len(EXAMPLE[0]) * len(EXAMPLE[0][0])


@claim("hw2.q2.example.hwc", Formula(), "H * W * C of the example: the Gram matrix's divisor")
def example_hwc() -> sympy.Integer:
    return sympy.Integer(len(EXAMPLE) * len(EXAMPLE[0]) * len(EXAMPLE[0][0]))


for _a, _b in ((0, 0), (0, 1), (1, 1)):
    claim(f"hw2.q2.example.gram{_a + 1}{_b + 1}_sum", Formula(), "the entry's sum over positions / HWC, exactly")(
        lambda a=_a, b=_b: sympy.Rational(_loops_gram()[a][b].numerator, _loops_gram()[a][b].denominator)
    )


@claim("hw2.q2.example.style", Formula(), "style_loss with A = 0 and w = 1 against the sum of the squared Gram entries")
def example_style() -> sympy.Rational:
    loops = sum(g * g for row in _loops_gram() for g in row)
    ours = style.style_loss([_example()], (0,), [torch.zeros(1, 2, 2, dtype=torch.float64)], (1.0,)).item()
    return _agree(ours, loops, "style")


def _tv_parts() -> tuple[Fraction, Fraction]:
    """The squared vertical and horizontal neighbour differences of the example, summed in plain loops."""
    c, h, w = len(EXAMPLE), len(EXAMPLE[0]), len(EXAMPLE[0][0])
    vertical = sum(
        (EXAMPLE[k][i + 1][j] - EXAMPLE[k][i][j]) ** 2 for k in range(c) for i in range(h - 1) for j in range(w)
    )
    horizontal = sum(
        (EXAMPLE[k][i][j + 1] - EXAMPLE[k][i][j]) ** 2 for k in range(c) for i in range(h) for j in range(w - 1)
    )
    return Fraction(vertical), Fraction(horizontal)


TV_DIRECTIONS = ("vertical", "horizontal")  # the order of _tv_parts


def _tv_cut(k: int) -> sympy.Rational:
    """tv_loss(F, 1) summed over the example cut into single columns (k = 0: only its vertical pairs are left)
    or single rows (k = 1: only its horizontal pairs), against that part of the plain loops' sum."""
    pieces = _example().split(1, dim=-1 - k)  # (1, C, H, W): columns split the last dimension, rows the one before
    ours = sum(style.tv_loss(piece, 1.0).item() for piece in pieces)
    return _agree(ours, _tv_parts()[k], f"{TV_DIRECTIONS[k]} differences")


for _k, _direction in enumerate(TV_DIRECTIONS):
    claim(
        f"hw2.q2.example.tv_{_direction}",
        Formula(),
        f"tv_loss(F, 1) of the example cut to its {_direction} pairs, against plain loops",
    )(lambda k=_k: _tv_cut(k))


@claim("hw2.q2.example.tv", Formula(), "tv_loss(F, 1/2) against neighbour differences in plain loops")
def example_tv() -> sympy.Rational:
    return _agree(style.tv_loss(_example(), 0.5).item(), HALF * sum(_tv_parts()), "tv")


GRADIENTS = [  # (what, loss, hand-written gradient): the code that the optimisation runs
    ("content", lambda x, o: style.content_loss(0.7, x, o), lambda x, o: style.content_grad(0.7, x, o)),
    (
        "style (one layer)",
        lambda x, o: 1.3 * ((style.gram_matrix(x) - style.gram_matrix(o)) ** 2).sum(),
        lambda x, o: style.gram_style_grad(1.3, x, style.gram_matrix(o)),
    ),
    ("total variation", lambda x, o: style.tv_loss(x, 0.9), lambda x, o: style.tv_grad(x, 0.9)),
]
SHAPES = [(1, 1, 1, 1), (1, 2, 2, 3), (2, 3, 4, 2), (1, 4, 3, 5)]
TOLERANCE = {"autograd": 1e-12, "finite differences": 1e-6}


@claim(
    "hw2.q2.gradients",
    Generated(),
    "hand-written gradients against float64 autograd and centred finite differences, 4 shapes",
)
def gradients() -> Shown:
    rows = []
    gen = torch.Generator().manual_seed(0)
    for what, loss, grad in GRADIENTS:
        worst = {"autograd": 0.0, "finite differences": 0.0}
        for shape in SHAPES:
            x = torch.randn(shape, generator=gen, dtype=torch.float64, requires_grad=True)
            other = torch.randn(shape, generator=gen, dtype=torch.float64)
            (auto,) = torch.autograd.grad(loss(x, other), x)
            with torch.no_grad():
                hand = grad(x, other).numpy()
                point = x.detach().numpy().copy()  # moved in place by the differences; torch.from_numpy shares it
                fd = numeric_gradient(lambda y, o=other, f=loss: f(torch.from_numpy(y), o).item(), point)
            worst["autograd"] = max(worst["autograd"], rel_error(hand, auto.numpy(), f"Q2 {what} vs autograd"))
            worst["finite differences"] = max(
                worst["finite differences"], rel_error(hand, fd, f"Q2 {what} vs finite differences")
            )
        for route, limit in TOLERANCE.items():
            if worst[route] > limit:
                raise AssertionError(
                    f"{what}: the hand-written gradient differs from {route} by {worst[route]:.2e} (limit {limit:g})"
                )
        rows.append(rf"\text{{{what}}} & {sci(worst['autograd'])} & {sci(worst['finite differences'])}")
    head = r"\text{the code's gradient of} & \text{vs autograd} & \text{vs finite differences}"
    return Shown(
        r"\begin{array}{lrr}" + head + r" \\ \hline " + r" \\[6pt] ".join(rows) + r"\end{array}",
        "largest normwise relative error over shapes (N, C, H, W) in " + str(SHAPES),
    )


# ------------------------------------------------------------------ the gradient formulas the page states
# Each is a claim of the Gradient kind, like those of Q3 and Q4: the page's matrix formula is parsed and
# evaluated on the arrays of real cases, and must equal float64 autograd's gradient of the loss.

CHANNEL_SHAPES = ((1, 1, 1), (2, 2, 3), (3, 4, 2), (4, 3, 5))  # (C, H, W): one channel of one pixel included
PIXEL_SHAPES = ((1, 5), (2, 3), (3, 4), (4, 2))  # (H, W) of one channel: a single row included


def _features(c: int, h: int, w: int, gen: torch.Generator) -> torch.Tensor:
    return torch.randn((1, c, h, w), generator=gen, dtype=torch.float64, requires_grad=True)


def _content_case(c: int, h: int, w: int, gen: torch.Generator) -> GradientCase:
    feats, photo, weight = _features(c, h, w, gen), torch.randn((1, c, h, w), generator=gen, dtype=torch.float64), 0.7
    (grad,) = torch.autograd.grad(style.content_loss(weight, feats, photo), feats)
    values = {"F": feats.detach()[0].reshape(c, h * w).numpy(), "P": photo[0].reshape(c, h * w).numpy(), "w_c": weight}
    return GradientCase(values, {}, grad[0].reshape(c, h * w).numpy(), f"C={c}, H={h}, W={w}")


def _style_case(c: int, h: int, w: int, gen: torch.Generator) -> GradientCase:
    feats, weight = _features(c, h, w, gen), 1.3
    target = style.gram_matrix(torch.randn((1, c, h, w), generator=gen, dtype=torch.float64))
    (grad,) = torch.autograd.grad(style.style_loss([feats], (0,), [target], (weight,)), feats)
    values = {
        "F": feats.detach()[0].reshape(c, h * w).numpy(),
        "G": style.gram_matrix(feats.detach())[0].numpy(),
        "A": target[0].numpy(),
        "w": weight,
        "H": float(h),
        "W": float(w),
        "C": float(c),
    }
    return GradientCase(values, {}, grad[0].reshape(c, h * w).numpy(), f"C={c}, H={h}, W={w}")


def _difference(n: int) -> np.ndarray:
    """The (n - 1) x n matrix that takes differences of neighbours: row i is e_{i+1} - e_i."""
    return np.eye(n, k=1)[: n - 1] - np.eye(n)[: n - 1]


def _tv_case(h: int, w: int, gen: torch.Generator) -> GradientCase:
    img, weight = _features(1, h, w, gen), 0.9
    (grad,) = torch.autograd.grad(style.tv_loss(img, weight), img)
    values = {"X": img.detach()[0, 0].numpy(), "D_v": _difference(h), "D_h": _difference(w), "w_tv": weight}
    return GradientCase(values, {}, grad[0, 0].numpy(), f"H={h}, W={w}")


def _neighbours(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each pixel's number of vertical and horizontal neighbours, and the sum of their values, by walking the
    grid: the names K and S of the total-variation gradient read entry by entry."""
    h, w = x.shape
    count, total = np.zeros_like(x), np.zeros_like(x)
    for i, j in itertools.product(range(h), range(w)):
        for k, m in ((i - 1, j), (i + 1, j), (i, j - 1), (i, j + 1)):
            if 0 <= k < h and 0 <= m < w:
                count[i, j] += 1
                total[i, j] += x[k, m]
    return count, total


def _tv_entries_case(h: int, w: int, gen: torch.Generator) -> GradientCase:
    case = _tv_case(h, w, gen)
    count, total = _neighbours(case.values["X"])
    return GradientCase({**case.values, "K": count, "S": total}, case.bindings, case.truth, case.label)


def _cases(build: Callable[..., GradientCase], shapes: tuple[tuple[int, ...], ...], what: str) -> GradientTruth:
    gen = torch.Generator().manual_seed(0)
    cases = [build(*shape, gen) for shape in shapes]
    return GradientTruth(cases, f"float64 autograd of {what}, {len(cases)} shapes")


claim("hw2.q2.grad.content", Gradient(r"\frac{\partial L}{\partial F}"), "autograd of content_loss, 4 shapes")(
    lambda: _cases(_content_case, CHANNEL_SHAPES, "content_loss")
)
claim("hw2.q2.grad.style", Gradient(r"\frac{\partial L}{\partial F}"), "autograd of style_loss (one layer), 4 shapes")(
    lambda: _cases(_style_case, CHANNEL_SHAPES, "style_loss (one layer)")
)
claim("hw2.q2.grad.tv", Gradient(r"\frac{\partial L}{\partial X}"), "autograd of tv_loss (one channel), 4 shapes")(
    lambda: _cases(_tv_case, PIXEL_SHAPES, "tv_loss (one channel)")
)
claim(
    "hw2.q2.grad.tv_entries",
    Gradient(r"\frac{\partial L}{\partial X}"),
    "autograd of tv_loss (one channel), 4 shapes; each pixel's neighbours counted and summed by walking the grid",
)(lambda: _cases(_tv_entries_case, PIXEL_SHAPES, "tv_loss (one channel)"))


def _tv_value_case(h: int, w: int, gen: torch.Generator) -> GradientCase:
    """One channel's total-variation loss as the course's ``tv_loss`` computes it, with the difference matrices:
    what the matrix form L = w_tv (||D_v X||^2 + ||X D_h^T||^2) must give."""
    case = _tv_case(h, w, gen)
    img = torch.as_tensor(case.values["X"]).reshape(1, 1, h, w)
    loss = style.tv_loss(img, case.values["w_tv"]).item()
    return GradientCase(case.values, case.bindings, np.array([[loss]]), case.label)


claim(
    "hw2.q2.tv_norm_form",
    Gradient("L"),
    "tv_loss (one channel) of the code, 4 shapes, against the page's matrix form evaluated on the same pixels",
)(
    lambda: GradientTruth(
        [_tv_value_case(h, w, torch.Generator().manual_seed(i)) for i, (h, w) in enumerate(PIXEL_SHAPES)],
        f"tv_loss (one channel) of the course's code, {len(PIXEL_SHAPES)} shapes",
    )
)


@claim(
    "hw2.q2.start_gap",
    Integer(),
    "style.stylize with no iteration, on a small random network and random images: the largest pixel difference",
)
def start_gap() -> int:
    gen = torch.Generator().manual_seed(0)
    content, style_img = torch.randn(1, 3, 32, 32, generator=gen), torch.randn(1, 3, 32, 32, generator=gen)
    setting = next(iter(style.SETTINGS.values()))
    out, _ = style.stylize(
        content, style_img, style.tiny_features(), setting, style.Schedule(iterations=0), progress=False
    )
    gap = float((out - content).abs().max())
    if gap != int(gap):
        raise AssertionError(f"the image starts {gap} away from the photograph")
    return int(gap)


def _schedule(name: str) -> float:
    """A setting of the optimisation loop, as style.Schedule gives it to stylize."""
    return getattr(style.Schedule(), name)


for _name, (_kind, _how) in {
    "lr": (Decimal(tol=0), "style.Schedule's learning rate before the decay"),
    "decayed_lr": (Decimal(tol=0), "style.Schedule's learning rate after the decay"),
    "clamp": (Decimal(tol=0), "style.Schedule's clamp on the normalised pixels"),
    "iterations": (Integer(), "style.Schedule's number of iterations"),
    "decay_at": (Integer(), "style.Schedule's iteration at which the learning rate drops"),
    "clamp_until": (Integer(), "style.Schedule's last clamped iteration"),
}.items():
    claim(f"hw2.q2.schedule.{_name}", _kind, _how)(lambda name=_name: _schedule(name))


@claim("hw2.q2.schedule.after_decay", Integer(), "iterations from the decay to the end, from style.Schedule")
def after_decay() -> int:
    return _schedule("iterations") - _schedule("decay_at")


@claim("hw2.q2.settings", Generated(), "solutions/hw2/q2/style.py SETTINGS, the question's three settings")
def settings() -> Shown:
    rows = [
        [
            html.escape(s.style),
            s.image_size,
            s.style_size,
            s.content_layer,
            f"{s.content_weight:g}",
            ", ".join(map(str, s.style_layers)),
            ", ".join(f"{w:g}" for w in s.style_weights),
            f"{s.tv_weight:g}",
        ]
        for s in style.SETTINGS.values()
    ]
    head = [
        "style",
        "image size",
        "style size",
        "content layer",
        "w<sub>c</sub>",
        "style layers",
        "style weights w<sub>ℓ</sub>",
        "w<sub>tv</sub>",
    ]
    return Shown("", "read from the code", html=plots.html_table(head, rows))


@claim("hw2.q2.layers", Generated(), "the modules of our SqueezeNet 1.1 features, numbered as the settings number them")
def layers() -> Shown:
    net = build("squeezenet1_1", pretrained=False)
    if sum(p.numel() for p in net.parameters()) != PUBLISHED_PARAMS["squeezenet1_1"]:
        raise AssertionError("our SqueezeNet 1.1 does not have torchvision's published parameter count")
    used = {s.content_layer for s in style.SETTINGS.values()} | set(
        itertools.chain(*(s.style_layers for s in style.SETTINGS.values()))
    )
    x, rows = torch.zeros(1, 3, 192, 192), []
    with torch.no_grad():
        for k, module in enumerate(net.features):
            x = module(x)
            name = type(module).__name__
            if name == "Fire":
                name += (
                    f" ({module.squeeze.out_channels} → {module.expand1x1.out_channels} + "
                    f"{module.expand3x3.out_channels})"
                )
            rows.append(
                [k, html.escape(name), f"{x.shape[1]} × {x.shape[2]} × {x.shape[3]}", "used" if k in used else ""]
            )
    head = ["layer", "module", "output for a 192 × 192 image (C × H × W)", ""]
    return Shown("", "run on a 192 x 192 input", html=plots.html_table(head, rows))


def _runs() -> list[dict]:
    return runs.recorded("style", *style.SETTINGS, what=" with SqueezeNet's ImageNet weights")


@claim("hw2.q2.results", Generated(), "the images and loss histories of the recorded runs in results/style/")
def outputs() -> Shown:
    parts = []
    for r in _runs():
        series = {
            part: [(h["iteration"], h[part]) for h in r["history"] if h[part] > 0]
            for part in ("loss", "content", "style", "tv")
        }
        chart = plots.line_chart(
            series, f"Losses while stylising with {r['model']} (log scale)", "iteration", "loss", log_y=True
        )
        picture = runs.folder("style") / r["image"]
        if file_digest(picture) != r["image_sha256"]:
            raise runs.ResultsError(f"{picture}: not the image its run recorded (sha256 differs)")
        data = base64.b64encode(picture.read_bytes()).decode()
        parts.append(
            f'<figure><img src="data:image/png;base64,{data}" alt="Tübingen in the style of '
            f'{html.escape(r["model"])}, generated by the recorded run">'
            f"<figcaption>{html.escape(r['model'])}</figcaption></figure>{chart}"
        )
    return Shown("", "read from results/style/", html="".join(parts))


@claim("hw2.q2.points", Integer(), brief.HOW_POINTS)
def points() -> int:
    return brief.points(2)
