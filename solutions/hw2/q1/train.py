"""HW2 Q1: fine-tune or freeze an ImageNet ResNet-18 for ants versus bees, and record the run.

``python -m solutions train transfer --model finetune --seed 0`` follows the
question's reference settings: random resized crops of 224 and horizontal
flips for training, resize to 256 and centre crop 224 for validation, batches
of 4, SGD with learning rate 0.001 and momentum 0.9, the learning rate divided
by 10 every 7 epochs, 25 epochs.  It records the validation accuracy before
any training (the new head is random) and after every epoch; the best epoch's
accuracy is the answer.  ``--dry-run`` uses random weights and a handful of
images, so CI runs the same code without the pretrained file.  The images are
found and read by :mod:`.data`; the results file is written by the shared
:class:`~solutions.common.runs.Recorder`.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from PIL import Image
from torch import nn
from tqdm import tqdm

from solutions.common import runs
from solutions.common.files import file_digest
from solutions.hw2.common import images
from solutions.hw2.common import vision as vm
from solutions.hw2.q1 import data

SCENARIOS = ("finetune", "freeze")


@dataclass
class Config(runs.Settings):
    """The question's reference settings; ``model`` is the scenario, ``finetune`` or ``freeze``."""

    epochs: int = 25
    batch_size: int = 4
    momentum: float = 0.9
    step_size: int = 7
    gamma: float = 0.1


def make_model(scenario: str, weights: str | None = None, pretrained: bool = True) -> nn.Module:
    """ResNet-18 with a new 2-way head; in the freeze scenario only that head is trainable."""
    if scenario not in SCENARIOS:
        raise ValueError(f"no scenario {scenario!r}; choose from {', '.join(SCENARIOS)}")
    model = vm.build("resnet18", weights, pretrained)
    if scenario == "freeze":
        for p in model.parameters():
            p.requires_grad_(False)
    model.fc = nn.Linear(model.fc.in_features, 2)  # new, so trainable in both scenarios
    return model


def set_training(model: nn.Module) -> None:
    """What the trainer does before each epoch: the whole model in training mode, its batch-normalisation layers
    included, so that in the freeze scenario the backbone's running statistics still adapt to the new images."""
    model.train()


def trainable(model: nn.Module) -> int:
    """How many parameters the optimiser updates."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def _evaluate(
    model: nn.Module, batches: list[tuple[torch.Tensor, torch.Tensor]], device: torch.device
) -> tuple[float, int]:
    """(summed cross-entropy, images classified right) over the batches, in eval mode."""
    model.eval()
    loss, correct = 0.0, 0
    with torch.no_grad():
        for x, y in batches:
            out = model(x.to(device))
            loss += nn.functional.cross_entropy(out, y.to(device), reduction="sum").item()
            correct += (out.argmax(1).cpu() == y).sum().item()
    return loss, correct


def train(
    cfg: Config,
    source: Path,
    results_dir: Path | None = None,
    weights: str | None = None,
    device: str | None = None,
    pretrained: bool = True,
    dry_run: bool = False,
) -> Path:
    """Train one scenario, write its results file, return the file's path."""
    record = runs.Recorder("transfer", cfg.model, cfg.seed, results_dir)
    dev = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    torch.manual_seed(cfg.seed)
    gen = torch.Generator().manual_seed(cfg.seed)
    src = data.Source(source)
    train_split, val_split = src.split("train"), src.split("val")
    train_images: list[tuple[Image.Image, int]] = [(src.read(name), label) for name, label in train_split.items]
    val_tensors = [(images.eval_transform(src.read(name)), label) for name, label in val_split.items]
    val_batches = [
        (torch.stack([x for x, _ in val_tensors[i : i + 32]]), torch.tensor([y for _, y in val_tensors[i : i + 32]]))
        for i in range(0, len(val_tensors), 32)
    ]

    model = make_model(cfg.model, weights, pretrained).to(dev)
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=cfg.lr, momentum=cfg.momentum)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=cfg.step_size, gamma=cfg.gamma)
    _, initial_correct = _evaluate(model, val_batches, dev)
    history = []
    for epoch in range(1, cfg.epochs + 1):
        set_training(model)
        t0, loss_sum, correct = time.perf_counter(), 0.0, 0
        order = torch.randperm(len(train_images), generator=gen).tolist()
        for i in tqdm(
            range(0, len(order), cfg.batch_size),
            desc=f"{cfg.model} epoch {epoch}/{cfg.epochs}",
            unit="batch",
            leave=False,
        ):
            chunk = [train_images[k] for k in order[i : i + cfg.batch_size]]
            x = torch.stack([images.train_transform(img, gen) for img, _ in chunk]).to(dev)
            y = torch.tensor([label for _, label in chunk], device=dev)
            opt.zero_grad()
            out = model(x)
            loss = nn.functional.cross_entropy(out, y)
            loss.backward()
            opt.step()
            loss_sum += loss.item() * len(chunk)
            correct += (out.argmax(1) == y).sum().item()
        sched.step()
        val_loss, val_correct = _evaluate(model, val_batches, dev)
        history.append(
            {
                "epoch": epoch,
                "train_loss": loss_sum / len(order),
                "train_accuracy": correct / len(order),
                "val_loss": val_loss / len(val_tensors),
                "val_correct": val_correct,
                "val_accuracy": val_correct / len(val_tensors),
                "seconds": time.perf_counter() - t0,
            }
        )
        print(
            f"{cfg.model} epoch {epoch}: train loss {loss_sum / len(order):.3f}, val {val_correct}/{len(val_tensors)}"
        )
    best = max(history, key=lambda e: (e["val_correct"], -e["epoch"]))
    weights_file = Path(weights) if weights else vm.hub_cache_file("resnet18")
    fields = {
        "pretrained": pretrained,
        "best_val_accuracy": best["val_accuracy"],
        "best_val_correct": best["val_correct"],
        "best_epoch": best["epoch"],
        "initial_val_correct": initial_correct,
        "val_size": len(val_tensors),
        "train_size": len(train_images),
        "skipped": train_split.skipped + val_split.skipped,
        "trainable_parameters": trainable(model),
        "history": history,
        "hyperparameters": asdict(cfg),
        "weights": (
            {"file": weights_file.name, "sha256": file_digest(weights_file)}
            if pretrained and weights_file.is_file()
            else None
        ),
    }
    out = record.write(
        f"{cfg.model}-seed{cfg.seed}-{record.stamp()}.json",
        fields,
        epochs=cfg.epochs,
        dry_run=dry_run,
        device=runs.device_description(dev),
        packages=("torch", "numpy"),
        data_source=source.name,
        data_checksum="sha256:" + file_digest(source) if source.is_file() else None,
    )
    print(
        f"{cfg.model}: best validation accuracy {best['val_correct']}/{len(val_tensors)} at epoch "
        f"{best['epoch']}; recorded in {out}"
    )
    return out


def dry_run(scenario: str, seed: int = 0) -> Path:
    """Random weights, a tiny generated image folder, 1 epoch; the results go to a temporary folder."""
    tmp = Path(tempfile.mkdtemp(prefix="transfer-dry-run-"))
    source = data.write_tiny_folder(tmp / "hymenoptera_data")
    return train(
        Config(scenario, seed, epochs=1), source, tmp / "results", device="cpu", pretrained=False, dry_run=True
    )
