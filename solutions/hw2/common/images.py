"""Image transforms for HW2 Q1 and Q2, with Pillow and PyTorch only (torchvision does not load here).

They follow torchvision's definitions: ``RandomResizedCrop`` (area 8-100 % of the
image, aspect ratio 3/4 to 4/3, ten tries, then a centre crop), horizontal flip,
``Resize`` of the shorter side, ``CenterCrop``, and ImageNet normalisation.
Randomness comes from an explicit ``torch.Generator`` so a seed repeats a run.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from PIL import Image

MEAN = (0.485, 0.456, 0.406)  # ImageNet statistics, as every torchvision classifier expects
STD = (0.229, 0.224, 0.225)


def _uniform(gen: torch.Generator, low: float, high: float) -> float:
    return low + (high - low) * torch.rand(1, generator=gen).item()


def random_resized_crop(
    img: Image.Image,
    size: int,
    gen: torch.Generator,
    scale: tuple[float, float] = (0.08, 1.0),
    ratio: tuple[float, float] = (3 / 4, 4 / 3),
) -> Image.Image:
    """torchvision's ``RandomResizedCrop``: a random area and aspect ratio, resized to ``size`` x ``size``."""
    width, height = img.size
    area = width * height
    log_ratio = (math.log(ratio[0]), math.log(ratio[1]))
    for _ in range(10):
        target = area * _uniform(gen, *scale)
        aspect = math.exp(_uniform(gen, *log_ratio))
        w, h = round(math.sqrt(target * aspect)), round(math.sqrt(target / aspect))
        if 0 < w <= width and 0 < h <= height:
            top = int(torch.randint(0, height - h + 1, (1,), generator=gen))
            left = int(torch.randint(0, width - w + 1, (1,), generator=gen))
            return img.resize((size, size), Image.BILINEAR, box=(left, top, left + w, top + h))
    # Fallback: the largest centre crop whose aspect ratio lies within the range.
    in_ratio = width / height
    if in_ratio < ratio[0]:
        w, h = width, round(width / ratio[0])
    elif in_ratio > ratio[1]:
        w, h = round(height * ratio[1]), height
    else:
        w, h = width, height
    left, top = (width - w) // 2, (height - h) // 2
    return img.resize((size, size), Image.BILINEAR, box=(left, top, left + w, top + h))


def resize_shorter(img: Image.Image, size: int) -> Image.Image:
    width, height = img.size
    if width <= height:
        return img.resize((size, int(size * height / width)), Image.BILINEAR)
    return img.resize((int(size * width / height), size), Image.BILINEAR)


def center_crop(img: Image.Image, size: int) -> Image.Image:
    width, height = img.size
    left, top = round((width - size) / 2), round((height - size) / 2)
    return img.crop((left, top, left + size, top + size))


def to_tensor(img: Image.Image) -> torch.Tensor:
    """(3, H, W) float in [0, 1], normalised with the ImageNet mean and standard deviation."""
    x = torch.from_numpy(np.asarray(img.convert("RGB"), dtype=np.float32) / 255.0).permute(2, 0, 1)
    return (x - torch.tensor(MEAN).view(3, 1, 1)) / torch.tensor(STD).view(3, 1, 1)


def to_image(x: torch.Tensor) -> Image.Image:
    """The inverse of :func:`to_tensor` for a (3, H, W) or (1, 3, H, W) tensor, clipped to [0, 255]."""
    x = x.detach().reshape(3, *x.shape[-2:]).cpu()
    x = x * torch.tensor(STD).view(3, 1, 1) + torch.tensor(MEAN).view(3, 1, 1)
    return Image.fromarray((x.clamp(0, 1).permute(1, 2, 0).numpy() * 255).round().astype(np.uint8))


def train_transform(img: Image.Image, gen: torch.Generator, size: int = 224, flip: float = 0.5) -> torch.Tensor:
    """A random resized crop to ``size``, mirrored left to right with probability ``flip``."""
    img = random_resized_crop(img.convert("RGB"), size, gen)
    if torch.rand(1, generator=gen).item() < flip:
        img = img.transpose(Image.FLIP_LEFT_RIGHT)
    return to_tensor(img)


def eval_transform(img: Image.Image, resize: int = 256, size: int = 224) -> torch.Tensor:
    return to_tensor(center_crop(resize_shorter(img.convert("RGB"), resize), size))
