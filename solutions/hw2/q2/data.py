"""The content and style images of HW2 Q2: find their folder, read one as the network expects.

The folder comes from ``--images``, ``$STYLE_IMAGES`` or the copy beside the project
(:func:`solutions.common.files.locate`); an image that cannot be read names its file.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch
from PIL import Image, UnidentifiedImageError

from solutions.common import paths
from solutions.common.files import DataError, DataSet, locate
from solutions.hw2.common import images

CONTENT = "tubingen"
EXPECT = f"give the folder holding {CONTENT}.jpg and the style images"  # said when --images is wrong
IMAGES = DataSet(
    "style images", "STYLE_IMAGES", (paths.STYLE_IMAGES_LOCAL,), folder=True, option="--images", expect=EXPECT
)


class ImageError(DataError):
    """An input image that cannot be used: names the file."""


def find_images(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The folder holding the content and style images: an explicit path, $STYLE_IMAGES, or the local copy."""
    return locate(IMAGES, explicit)


def load_image(path: Path, size: int) -> torch.Tensor:
    """(1, 3, H, W), the shorter side resized to ``size``, normalised as SqueezeNet expects."""
    try:
        img = Image.open(path)
        img.load()
    except (OSError, UnidentifiedImageError) as err:
        raise ImageError(f"{path}: not a readable image ({err})") from None
    return images.to_tensor(images.resize_shorter(img.convert("RGB"), size)).unsqueeze(0)
