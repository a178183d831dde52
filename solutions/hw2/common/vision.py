"""ResNet-18 (HW2 Q1) and SqueezeNet 1.1's feature extractor (HW2 Q2), written out in plain PyTorch.

torchvision's compiled operators do not load with the CPU build of PyTorch these
machines use, so the two networks are defined here, layer for layer, with the
same parameter names as torchvision's: a state dict saved from torchvision (the
ImageNet weights of its weights API) loads into them unchanged, and the
parameter counts equal the ones torchvision publishes (tested).

Pretrained weights come from, in order: a file given with ``--weights``, the
torch hub cache (``$TORCH_HOME/hub/checkpoints``), or a download from
torchvision's canonical address, whose file name carries the first hex digits
of its sha256 (checked by ``torch.hub``).  Offline with no file, the error says
exactly which file to fetch and where to put it.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import torch
from torch import nn

# torchvision's ImageNet weights (ResNet18_Weights.IMAGENET1K_V1, SqueezeNet1_1_Weights.IMAGENET1K_V1).
WEIGHTS = {
    "resnet18": "https://download.pytorch.org/models/resnet18-f37072fd.pth",
    "squeezenet1_1": "https://download.pytorch.org/models/squeezenet1_1-b8a52dc0.pth",
}
# The sizes torchvision's documentation lists for these weights (num_params).
PUBLISHED_PARAMS = {"resnet18": 11_689_512, "squeezenet1_1": 1_235_496}


class WeightsError(RuntimeError):
    """Pretrained weights could not be had: says which file, from where, and what to do."""


class BasicBlock(nn.Module):
    def __init__(self, inplanes: int, planes: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(out)) + identity)


class ResNet18(nn.Module):
    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        widths = (64, 128, 256, 512)
        inplanes = 64
        for k, planes in enumerate(widths, 1):
            stride = 1 if k == 1 else 2
            setattr(self, f"layer{k}", nn.Sequential(BasicBlock(inplanes, planes, stride), BasicBlock(planes, planes)))
            inplanes = planes
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(512, num_classes)
        for m in self.modules():  # torchvision's initialisation
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(torch.flatten(self.avgpool(x), 1))


class Fire(nn.Module):
    def __init__(self, inplanes: int, squeeze: int, expand1x1: int, expand3x3: int) -> None:
        super().__init__()
        self.squeeze = nn.Conv2d(inplanes, squeeze, 1)
        self.squeeze_activation = nn.ReLU(inplace=True)
        self.expand1x1 = nn.Conv2d(squeeze, expand1x1, 1)
        self.expand1x1_activation = nn.ReLU(inplace=True)
        self.expand3x3 = nn.Conv2d(squeeze, expand3x3, 3, padding=1)
        self.expand3x3_activation = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.squeeze_activation(self.squeeze(x))
        return torch.cat(
            [self.expand1x1_activation(self.expand1x1(x)), self.expand3x3_activation(self.expand3x3(x))], 1
        )


class SqueezeNet11(nn.Module):
    """SqueezeNet 1.1: ``features`` is what style transfer uses; ``classifier`` is kept so weights load whole."""

    def __init__(self, num_classes: int = 1000) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, 3, 2),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(3, 2, ceil_mode=True),
            Fire(64, 16, 64, 64),
            Fire(128, 16, 64, 64),
            nn.MaxPool2d(3, 2, ceil_mode=True),
            Fire(128, 32, 128, 128),
            Fire(256, 32, 128, 128),
            nn.MaxPool2d(3, 2, ceil_mode=True),
            Fire(256, 48, 192, 192),
            Fire(384, 48, 192, 192),
            Fire(384, 64, 256, 256),
            Fire(512, 64, 256, 256),
        )
        self.classifier = nn.Sequential(
            nn.Dropout(0.5), nn.Conv2d(512, num_classes, 1), nn.ReLU(inplace=True), nn.AdaptiveAvgPool2d(1)
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.flatten(self.classifier(self.features(x)), 1)


ARCHITECTURES = {"resnet18": ResNet18, "squeezenet1_1": SqueezeNet11}


def hub_cache_file(name: str) -> Path:
    return Path(torch.hub.get_dir()) / "checkpoints" / WEIGHTS[name].rsplit("/", 1)[1]


def pretrained_state(
    name: str, path: str | os.PathLike[str] | None = None, download: bool = True
) -> dict[str, torch.Tensor]:
    """The ImageNet state dict: from ``path``, else the hub cache, else a checked download."""
    if path is not None:
        file = Path(path)
        if not file.is_file():
            raise WeightsError(f"{file}: no such weights file")
    else:
        file = hub_cache_file(name)
        if not file.is_file():
            if not download:
                raise WeightsError(f"no {name} weights in {file.parent}")
            try:
                return torch.hub.load_state_dict_from_url(
                    WEIGHTS[name], map_location="cpu", check_hash=True, progress=True
                )
            except (OSError, RuntimeError) as err:
                raise WeightsError(
                    f"the ImageNet weights of {name} could not be downloaded ({type(err).__name__}: {err}).\n"
                    f"  Fetch {WEIGHTS[name]} on a machine with internet and either put it at {file}\n"
                    f"  or pass --weights PATH.  Without weights, --dry-run trains from random ones."
                ) from None
    try:
        state = torch.load(file, map_location="cpu", weights_only=True)
    except (RuntimeError, OSError, EOFError, ValueError, pickle.UnpicklingError) as err:  # a truncated or foreign file
        raise WeightsError(f"{file}: not a PyTorch state dict ({type(err).__name__}: {err})") from None
    return state


def build(name: str, weights: str | os.PathLike[str] | None = None, pretrained: bool = True) -> nn.Module:
    """The network with ImageNet weights (``pretrained``) or torchvision's random initialisation."""
    model = ARCHITECTURES[name]()
    if pretrained:
        missing, unexpected = model.load_state_dict(pretrained_state(name, weights), strict=False)
        if missing or unexpected:
            raise WeightsError(
                f"{weights or hub_cache_file(name)}: not {name} weights "
                f"(missing {missing[:3]}, unexpected {unexpected[:3]})"
            )
    return model
