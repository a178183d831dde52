"""Run HW2 Q2's three style-transfer settings and record each: the image, the losses, the provenance.

``python -m solutions stylize --style all`` needs SqueezeNet 1.1's ImageNet
weights (see :mod:`solutions.hw2.vision_models`).  Each run writes
``results/style/<style>-<UTC time>.json`` (settings, schedule, the loss of
every iteration, provenance) and the generated image beside it as a PNG.
``--dry-run`` uses a small random network, small images and ten iterations.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from solutions.engine.registry import REPO_ROOT
from solutions.hw2 import images, style
from solutions.hw2 import vision_models as vm
from solutions.results import RESULTS_DIR, git_commit, write_atomically

LOCAL_IMAGES = REPO_ROOT.parent / "shared" / "data" / "style_images"
CONTENT = "tubingen"


class ImageError(ValueError):
    """An input image that cannot be used: names the file."""


def find_images(explicit: str | os.PathLike[str] | None = None) -> Path:
    for candidate in (explicit, os.environ.get("STYLE_IMAGES")):
        if candidate:
            path = Path(candidate)
            if not path.is_dir():
                raise ImageError(f"{path}: not a folder (give the folder holding tubingen.jpg and the style images)")
            return path
    if LOCAL_IMAGES.is_dir():
        return LOCAL_IMAGES
    raise ImageError(f"no style images: pass --images FOLDER or set $STYLE_IMAGES (looked in {LOCAL_IMAGES})")


def load_image(path: Path, size: int) -> torch.Tensor:
    """(1, 3, H, W), the shorter side resized to ``size``, normalised as SqueezeNet expects."""
    try:
        img = Image.open(path)
        img.load()
    except (OSError, UnidentifiedImageError) as err:
        raise ImageError(f"{path}: not a readable image ({err})") from None
    return images.to_tensor(images.resize_shorter(img.convert("RGB"), size)).unsqueeze(0)


def run(name: str, folder: Path, results_dir: Path = RESULTS_DIR, weights: str | None = None, device: str | None = None,
        dry_run: bool = False, schedule: style.Schedule | None = None) -> Path:
    started, t_start = dt.datetime.now(dt.UTC), time.perf_counter()
    commit = git_commit()
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
        weights_info = {"file": file.name, "sha256": hashlib.sha256(file.read_bytes()).hexdigest()} if file.is_file() else None
    cnn = cnn.to(dev).eval()
    image, history = style.stylize(content, style_img, cnn, setting, schedule)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    out = results_dir / "style" / f"{name}-{stamp}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    picture = out.with_suffix(".png")
    images.to_image(image).save(picture)
    payload = {
        "task": "style", "model": name, "seed": 0, "epochs": schedule.iterations, "dry_run": dry_run,
        "setting": {k: list(v) if isinstance(v, tuple) else v for k, v in setting.__dict__.items()},
        "schedule": schedule.asdict(), "history": history, "final_loss": history[-1]["loss"],
        "image": picture.name, "image_sha256": hashlib.sha256(picture.read_bytes()).hexdigest(),
        "feature_extractor": "random tiny network (dry run)" if dry_run else "squeezenet1_1.features (ImageNet)",
        "weights": weights_info,
        "provenance": {
            "commit": commit, "started": started.isoformat(timespec="seconds"),
            "duration_seconds": time.perf_counter() - t_start,
            "device": torch.cuda.get_device_name(dev) if dev.type == "cuda" else f"cpu ({platform.machine()}, {torch.get_num_threads()} threads)",
            "versions": {"python": platform.python_version(), "torch": torch.__version__, "numpy": np.__version__},
            "inputs": {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (folder / f"{CONTENT}.jpg", folder / f"{setting.style}.jpg")},
        },
    }
    write_atomically(out, payload)
    print(f"{name}: final loss {history[-1]['loss']:.4g}; image {picture}; recorded in {out}")
    return out


def dry_run(name: str) -> Path:
    """Ten iterations on small images with a random network; the results go to a temporary folder.
    Uses the real images where they are found, else generated ones."""
    tmp = Path(tempfile.mkdtemp(prefix="style-dry-run-"))
    try:
        folder = find_images()
    except ImageError:
        folder = tmp / "images"
        folder.mkdir()
        rng = np.random.default_rng(0)
        for stem in (CONTENT, style.SETTINGS[name].style):
            Image.fromarray(rng.integers(0, 256, size=(96, 128, 3), dtype=np.uint8)).save(folder / f"{stem}.jpg")
    return run(name, folder, tmp / "results", device="cpu", dry_run=True,
               schedule=style.Schedule(iterations=10, decay_at=6, clamp_until=8))
