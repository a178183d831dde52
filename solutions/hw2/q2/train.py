"""Run HW2 Q2's three style-transfer settings and record each: the image, the losses, the provenance.

``python -m solutions stylize --style all`` needs SqueezeNet 1.1's ImageNet
weights (see :mod:`solutions.hw2.common.vision`) and the content and style
images (``--images``, ``$STYLE_IMAGES`` or the copy beside the project).  Each
run writes ``results/style/<style>-<UTC time>.json`` (settings, schedule, the
loss of every iteration, provenance; through the shared
:class:`~solutions.common.runs.Recorder`) and the generated image beside it as
a PNG.  ``--dry-run`` uses a small random network, small images and ten
iterations.  The losses and the loop are in :mod:`.style`, the images' reading in :mod:`.data`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from solutions.common import runs
from solutions.common.files import DataError, combined_digest, file_digest
from solutions.hw2.common import images
from solutions.hw2.common import vision as vm
from solutions.hw2.q2 import style
from solutions.hw2.q2.data import CONTENT, find_images, load_image


def run(
    name: str,
    folder: Path,
    results_dir: Path | None = None,
    weights: str | None = None,
    device: str | None = None,
    dry_run: bool = False,
    schedule: style.Schedule | None = None,
) -> Path:
    """Stylise the content image with one setting, write the image and the results file, return the file's path."""
    record = runs.Recorder("style", name, 0, results_dir)
    dev = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    setting, schedule = style.SETTINGS[name], schedule or style.Schedule()
    scale = 8 if dry_run else 1  # a dry run works on images 8 times smaller
    content = load_image(folder / f"{CONTENT}.jpg", setting.image_size // scale).to(dev)
    style_img = load_image(folder / f"{setting.style}.jpg", setting.style_size // scale).to(dev)
    if dry_run:
        cnn, weights_info = style.tiny_features(), None
    else:
        cnn = vm.build("squeezenet1_1", weights).features
        file = Path(weights) if weights else vm.hub_cache_file("squeezenet1_1")
        weights_info = {"file": file.name, "sha256": file_digest(file)} if file.is_file() else None
    cnn = cnn.to(dev).eval()
    image, history = style.stylize(content, style_img, cnn, setting, schedule)
    inputs = {p.name: file_digest(p) for p in (folder / f"{CONTENT}.jpg", folder / f"{setting.style}.jpg")}
    picture = record.path(f"{name}-{record.stamp()}.png")
    picture.parent.mkdir(parents=True, exist_ok=True)
    images.to_image(image).save(picture)
    fields = {
        "setting": {k: list(v) if isinstance(v, tuple) else v for k, v in setting.__dict__.items()},
        "schedule": schedule.asdict(),
        "history": history,
        "final_loss": history[-1]["loss"],
        "image": picture.name,
        "image_sha256": file_digest(picture),
        "feature_extractor": "random tiny network (dry run)" if dry_run else "squeezenet1_1.features (ImageNet)",
        "weights": weights_info,
    }
    out = record.write(
        picture.with_suffix(".json").name,
        fields,
        epochs=schedule.iterations,
        dry_run=dry_run,
        device=runs.device_description(dev),
        packages=("torch", "numpy"),
        data_source=folder.name,
        data_checksum=combined_digest(inputs),
        inputs=inputs,
    )
    print(f"{name}: final loss {history[-1]['loss']:.4g}; image {picture}; recorded in {out}")
    return out


def dry_run(name: str) -> Path:
    """Ten iterations on small images with a random network; the results go to a temporary folder.
    Uses the real images where they are found, else generated ones."""
    tmp = Path(tempfile.mkdtemp(prefix="style-dry-run-"))
    try:
        folder = find_images()
    except DataError:
        folder = tmp / "images"
        folder.mkdir()
        rng = np.random.default_rng(0)
        for stem in (CONTENT, style.SETTINGS[name].style):
            Image.fromarray(rng.integers(0, 256, size=(96, 128, 3), dtype=np.uint8)).save(folder / f"{stem}.jpg")
    return run(
        name,
        folder,
        tmp / "results",
        device="cpu",
        dry_run=True,
        schedule=style.Schedule(iterations=10, decay_at=6, clamp_until=8),
    )
