"""Neural style transfer for HW2 Q2 (Gatys, Ecker and Bethge, 2016): the three losses, their gradients, the loop.

The losses follow the question: a content loss at one layer, a style loss
over several layers comparing Gram matrices normalised by H*W*C, and a total
variation loss.  Each loss also has its gradient written out by hand
(``*_grad``), checked against autograd and finite differences in
:mod:`solutions.hw2.q2.q2_claims`, so the page can state it.

The loop optimises the pixels with Adam: learning rate 3.0, dropped to 0.1 at
iteration 180, 200 iterations, pixels clamped to [-1.5, 1.5] until iteration
190.  It starts from the content image.  Running the settings on real images and
recording the runs is :mod:`.train`'s business; SqueezeNet is in
:mod:`solutions.hw2.common.vision`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import torch
from torch import nn
from tqdm import tqdm


# --8<-- [start:losses]
def content_loss(weight: float, current: torch.Tensor, original: torch.Tensor) -> torch.Tensor:
    """w_c * sum((F - P)^2) over the one content layer's features."""
    return weight * ((current - original) ** 2).sum()


def gram_matrix(features: torch.Tensor, normalize: bool = True) -> torch.Tensor:
    """(N, C, H, W) -> (N, C, C): G[c, c'] = sum over positions of F[c] F[c'], divided by H*W*C."""
    n, c, h, w = features.shape
    flat = features.reshape(n, c, h * w)
    gram = flat @ flat.transpose(1, 2)
    return gram / (h * w * c) if normalize else gram


def style_loss(
    feats: list[torch.Tensor], layers: tuple[int, ...], targets: list[torch.Tensor], weights: tuple[float, ...]
) -> torch.Tensor:
    """sum over the style layers l of w_l * sum((G_l - A_l)^2), A_l the style image's Gram matrix."""
    return sum(
        w * ((gram_matrix(feats[layer]) - a) ** 2).sum() for layer, a, w in zip(layers, targets, weights, strict=True)
    )


def tv_loss(img: torch.Tensor, weight: float) -> torch.Tensor:
    """w_tv * (sum of squared vertical neighbour differences + squared horizontal ones), all channels."""
    vertical = ((img[..., 1:, :] - img[..., :-1, :]) ** 2).sum()
    horizontal = ((img[..., :, 1:] - img[..., :, :-1]) ** 2).sum()
    return weight * (vertical + horizontal)


# --8<-- [end:losses]


# --8<-- [start:grads]
def content_grad(weight: float, current: torch.Tensor, original: torch.Tensor) -> torch.Tensor:
    return 2 * weight * (current - original)


def gram_style_grad(weight: float, features: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """d/dF of w * sum((G - A)^2) with G = F F^T / M: (4 w / M) (G - A) F, as G and A are symmetric."""
    n, c, h, w = features.shape
    m = h * w * c
    flat = features.reshape(n, c, h * w)
    diff = gram_matrix(features) - target
    return (4 * weight / m * diff @ flat).reshape(features.shape)


def tv_grad(img: torch.Tensor, weight: float) -> torch.Tensor:
    """Each pixel appears in up to four differences: 2 w (2 x - up - down) along each axis, fewer at the border."""
    grad = torch.zeros_like(img)
    dv = img[..., 1:, :] - img[..., :-1, :]
    dh = img[..., :, 1:] - img[..., :, :-1]
    grad[..., 1:, :] += 2 * dv
    grad[..., :-1, :] -= 2 * dv
    grad[..., :, 1:] += 2 * dh
    grad[..., :, :-1] -= 2 * dh
    return weight * grad


# --8<-- [end:grads]


@dataclass(frozen=True)
class Setting:
    """One of the question's three settings."""

    style: str  # the style image's file name, without .jpg
    image_size: int
    style_size: int
    content_layer: int
    content_weight: float
    style_layers: tuple[int, ...]
    style_weights: tuple[float, ...]
    tv_weight: float


SETTINGS = {
    "composition_vii": Setting("composition_vii", 192, 512, 3, 5e-2, (1, 4, 6, 7), (20000, 500, 12, 1), 5e-2),
    "the_scream": Setting("the_scream", 192, 224, 3, 3e-2, (1, 4, 6, 7), (200000, 800, 12, 1), 2e-2),
    "starry_night": Setting("starry_night", 192, 192, 3, 6e-2, (1, 4, 6, 7), (300000, 1000, 15, 3), 2e-2),
}


@dataclass(frozen=True)
class Schedule:
    iterations: int = 200
    lr: float = 3.0
    decayed_lr: float = 0.1
    decay_at: int = 180
    clamp_until: int = 190
    clamp: float = 1.5

    def asdict(self) -> dict:
        return asdict(self)


def extract_features(x: torch.Tensor, layers: nn.Sequential) -> list[torch.Tensor]:
    """The output of every module of ``layers`` (SqueezeNet's ``features``), in order."""
    feats = []
    for module in layers:
        x = module(x)
        feats.append(x)
    return feats


def stylize(
    content: torch.Tensor,
    style: torch.Tensor,
    cnn: nn.Sequential,
    setting: Setting,
    schedule: Schedule | None = None,
    progress: bool = True,
    on_iteration: Callable[[int, torch.Tensor], None] | None = None,
) -> tuple[torch.Tensor, list[dict[str, float]]]:
    """Optimise an image that starts as ``content``; returns it and the losses of every iteration."""
    schedule = schedule or Schedule()
    for p in cnn.parameters():
        p.requires_grad_(False)
    with torch.no_grad():
        content_target = extract_features(content, cnn)[setting.content_layer]
        style_feats = extract_features(style, cnn)
        style_targets = [gram_matrix(style_feats[layer]) for layer in setting.style_layers]
    img = content.clone().requires_grad_(True)
    opt = torch.optim.Adam([img], lr=schedule.lr)
    history = []
    for t in tqdm(range(schedule.iterations), desc=setting.style, unit="it", leave=False, disable=not progress):
        if t < schedule.clamp_until:
            with torch.no_grad():
                img.clamp_(-schedule.clamp, schedule.clamp)
        if t == schedule.decay_at:
            opt.param_groups[0]["lr"] = schedule.decayed_lr
        feats = extract_features(img, cnn)
        lc = content_loss(setting.content_weight, feats[setting.content_layer], content_target)
        ls = style_loss(feats, setting.style_layers, style_targets, setting.style_weights)
        lt = tv_loss(img, setting.tv_weight)
        loss = lc + ls + lt
        opt.zero_grad()
        loss.backward()
        opt.step()
        history.append({"iteration": t, "loss": loss.item(), "content": lc.item(), "style": ls.item(), "tv": lt.item()})
        if on_iteration is not None:
            on_iteration(t, img)
    return img.detach(), history


def tiny_features(seed: int = 0) -> nn.Sequential:
    """A small random stand-in for SqueezeNet's ``features`` (eight modules, like the layers the settings use):
    for dry runs and tests only, where no pretrained network exists."""
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, 2),
        nn.ReLU(),
        nn.Conv2d(8, 8, 3, padding=1),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(16, 16, 3, padding=1),
    )
