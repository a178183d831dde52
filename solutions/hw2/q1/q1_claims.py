"""HW2 Q1: transfer learning, as claims.

What can be checked without pretrained weights is checked on every build: the
data set's sizes (read from the archive), the network and its parameter counts
in each scenario (PyTorch's count, a closed form, and torchvision's published
total must agree), and the arithmetic behind the answer sheet's accuracies.
The accuracies themselves come only from recorded runs with ImageNet weights
(``results/transfer/``) and are pending until one exists.  Training is
:mod:`solutions.hw2.q1.train`'s business.
"""

from __future__ import annotations

import functools
import inspect
import statistics
from typing import Any

import sympy
import torch
from PIL import Image

from solutions.common import plots, runs
from solutions.engine import Decimal, Formula, Generated, Integer, Shown, claim
from solutions.hw2.common import brief, images
from solutions.hw2.common import sheet as hw2_sheet
from solutions.hw2.common import vision as vm
from solutions.hw2.q1 import data, train

CROP, EVAL = images.random_resized_crop, images.eval_transform


@functools.cache
def _splits() -> dict[str, data.Split]:
    src = data.Source(data.find_source())
    return {s: src.split(s) for s in ("train", "val")}


for _split in ("train", "val"):
    claim(
        f"hw2.q1.size.{_split}",
        Integer(),
        "image files counted in the archive, by extension (as torchvision's ImageFolder)",
    )(lambda split=_split: len(_splits()[split].items))
    for _k, _cls in enumerate(data.CLASSES):
        claim(f"hw2.q1.size.{_split}.{_cls}", Integer(), f"image files in {_split}/{_cls}/ of the archive")(
            lambda split=_split, k=_k: sum(1 for _, label in _splits()[split].items if label == k)
        )


@claim(
    "hw2.q1.skipped", Integer(), "files under train/ and val/ that are not images by extension (the placeholder GIF)"
)
def skipped() -> int:
    return sum(len(s.skipped) for s in _splits().values())


@claim(
    "hw2.q1.resnet18_params",
    Integer(),
    "PyTorch's count of our ResNet-18, equal to the total torchvision publishes for its weights",
)
def resnet18_params() -> int:
    count = _resnet18_count()
    if count != vm.PUBLISHED_PARAMS["resnet18"]:
        raise AssertionError(
            f"our ResNet-18 has {count:,} parameters, torchvision publishes {vm.PUBLISHED_PARAMS['resnet18']:,}"
        )
    return count


@functools.cache  # asked by two claims; building the network initialises its 11 M weights
def _resnet18_count() -> int:
    return sum(p.numel() for p in vm.build("resnet18", pretrained=False).parameters())


@functools.cache  # head_formula asks for the freeze count again
def _trainable(scenario: str) -> int:
    counted = train.trainable(train.make_model(scenario, pretrained=False))
    head_new, head_old = 512 * 2 + 2, 512 * 1000 + 1000
    closed = _resnet18_count() - head_old + head_new if scenario == "finetune" else head_new
    if counted != closed:
        raise AssertionError(f"{scenario}: PyTorch counts {counted:,} trainable parameters, the closed form {closed:,}")
    return counted


for _scenario in train.SCENARIOS:
    claim(
        f"hw2.q1.trainable.{_scenario}", Integer(), "parameters with requires_grad in the built model = the closed form"
    )(lambda scenario=_scenario: _trainable(scenario))


@claim("hw2.q1.head_formula", Formula(), "512 inputs x 2 outputs + 2 biases, equal to the trainable count when frozen")
def head_formula() -> sympy.Expr:
    return sympy.Integer(_trainable("freeze"))


@functools.cache
def _fc() -> torch.nn.Linear:
    return vm.build("resnet18", pretrained=False).fc


@claim("hw2.q1.imagenet_classes", Integer(), "the outputs of the last layer of our ResNet-18 as built")
def imagenet_classes() -> int:
    return _fc().out_features


@claim("hw2.q1.features", Integer(), "the inputs of that last layer: the pooled features")
def features() -> int:
    return _fc().in_features


@claim("hw2.q1.old_head", Formula(), "weights + biases of ResNet-18's ImageNet layer, as built")
def old_head() -> sympy.Expr:
    fc = _fc()
    if fc.weight.numel() + fc.bias.numel() != fc.in_features * fc.out_features + fc.out_features:
        raise AssertionError("the last layer is not one weight per input and output plus a bias per output")
    return sympy.Integer(fc.in_features * fc.out_features + fc.out_features)


def _default(fn: Any, name: str) -> Any:
    return inspect.signature(fn).parameters[name].default


_TRANSFORMS = {
    "scale_min": (
        "smallest crop area (%) of images.random_resized_crop",
        lambda: round(100 * _default(CROP, "scale")[0]),
    ),
    "scale_max": (
        "largest crop area (%) of images.random_resized_crop",
        lambda: round(100 * _default(CROP, "scale")[1]),
    ),
    "eval_resize": ("the shorter side after images.eval_transform's resize", lambda: _default(EVAL, "resize")),
}
for _name, (_how, _fn) in _TRANSFORMS.items():
    claim(f"hw2.q1.transform.{_name}", Integer(), _how)(_fn)
for _i, _end in enumerate(("ratio_min", "ratio_max")):
    claim(f"hw2.q1.transform.{_end}", Formula(), "aspect-ratio bound of images.random_resized_crop, as a fraction")(
        lambda i=_i: sympy.nsimplify(_default(CROP, "ratio")[i], rational=True)
    )


@claim(
    "hw2.q1.transform.flip",
    Decimal(tol=0),
    "the mirror probability of images.train_transform; mirrored pictures counted in 2,000 seeded draws agree",
)
def flip_probability() -> float:
    p = _default(images.train_transform, "flip")
    picture = Image.new("RGB", (64, 64))
    for col in range(64):  # darker to the right: any crop stays so unless it is mirrored
        picture.paste((255 - 4 * col,) * 3, (col, 0, col + 1, 64))
    gen = torch.Generator().manual_seed(0)
    flips = 0
    for _ in range(2000):
        x = images.train_transform(picture, gen, size=8)
        flips += bool(x[:, :, 4:].mean() > x[:, :, :4].mean())
    if abs(flips / 2000 - p) > 0.05:
        raise AssertionError(f"mirrored {flips} of 2000 crops, against a probability of {p}")
    return p


@claim("hw2.q1.freeze_bn_training", Integer(), "batch-norm layers in training mode after the trainer's set_training")
def freeze_bn_training() -> int:
    model = train.make_model("freeze", pretrained=False)
    train.set_training(model)
    layers = [m for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    if not all(m.training for m in layers) or any(p.requires_grad for m in layers for p in m.parameters()):
        raise AssertionError("in the freeze scenario the batch-norm layers should train their statistics only")
    return len(layers)


def _side(split: str) -> int:
    """The side of the square image a transform makes, measured on a 300 x 200 picture."""
    picture = Image.new("RGB", (300, 200), (120, 80, 40))
    x = images.train_transform(picture, torch.Generator().manual_seed(0)) if split == "train" else EVAL(picture)
    if x.shape[-1] != x.shape[-2]:
        raise AssertionError(f"the {split} transform makes a {tuple(x.shape)} tensor, not a square")
    return x.shape[-1]


for _split in ("train", "eval"):
    claim(f"hw2.q1.transform.{_split}_side", Integer(), f"the side of what images.{_split}_transform returns")(
        lambda split=_split: _side(split)
    )


def _sheet_correct(scenario: str) -> int:
    """The one whole number of images k with k / 153 = the sheet's figure, to its six decimals."""
    n = len(_splits()["val"].items)
    figure = hw2_sheet.q1_best_val()[scenario]
    matches = [k for k in range(n + 1) if f"{k / n:.6f}" == figure]
    if len(matches) != 1:
        raise AssertionError(f"{figure} matches {matches} of {n} images")
    return matches[0]


for _scenario in train.SCENARIOS:
    claim(
        f"hw2.q1.sheet_correct.{_scenario}",
        Integer(),
        "the k in 0..153 with k/153 equal to the sheet's figure to 6 decimals (unique)",
    )(lambda scenario=_scenario: _sheet_correct(scenario))


for _scenario in train.SCENARIOS:
    claim(f"hw2.q1.sheet.{_scenario}", Decimal(tol=5e-7), hw2_sheet.HOW)(
        lambda scenario=_scenario: float(hw2_sheet.q1_best_val()[scenario])
    )


@claim("hw2.q1.sheet_difference", Integer(), "the sheet's two image counts (each the unique k above), subtracted")
def sheet_difference() -> int:
    return abs(_sheet_correct("finetune") - _sheet_correct("freeze"))


@claim("hw2.q1.one_image", Decimal(tol=0.005), "100 / (validation images): what one image is worth, in points")
def one_image() -> float:
    return 100 / len(_splits()["val"].items)


def _runs(scenario: str) -> list[dict]:
    return runs.recorded("transfer", scenario, keep=lambda r: r.get("pretrained"), what=" with ImageNet weights")


for _scenario in train.SCENARIOS:
    claim(
        f"hw2.q1.acc.{_scenario}",
        Decimal(tol=0.05),
        "mean best validation accuracy (%) of the recorded runs with ImageNet weights",
    )(lambda scenario=_scenario: runs.mean_percent(_runs(scenario), "best_val_accuracy"))
    claim(
        f"hw2.q1.initial.{_scenario}",
        Decimal(tol=0.05),
        "mean validation accuracy (%) before training (the new head random)",
    )(
        lambda scenario=_scenario: statistics.fmean(
            100 * r["initial_val_correct"] / r["val_size"] for r in _runs(scenario)
        )
    )
    claim(f"hw2.q1.seeds.{_scenario}", Integer(), "recorded runs with ImageNet weights (one per seed)")(
        lambda scenario=_scenario: len(_runs(scenario))
    )


@claim("hw2.q1.curves", Generated(), "validation accuracy by epoch, from the recorded runs")
def curves() -> Shown:
    series = {
        f"{r['model']}, seed {r['seed']}": [(e["epoch"], 100 * e["val_accuracy"]) for e in r["history"]]
        for s in train.SCENARIOS
        for r in _runs(s)
    }
    chart = plots.line_chart(series, "Validation accuracy by epoch", "epoch", "validation accuracy (%)")
    return Shown("", "drawn from results/transfer/", html=chart)


@claim("hw2.q1.points", Integer(), brief.HOW_POINTS)
def points() -> int:
    return brief.points(1)
