"""Per-frame CNN backbones: a small CNN for CPU training and torchvision ResNets.

A backbone maps frames (N, C, H, W) to features (N, D) and names its stages in
``stages`` (for Grad-CAM layer choice). Nothing downloads: ResNet weights come
only from a local file.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import torch
from torch import nn

from engine.errors import UserError
from engine.registry import Registry

RESNETS = ("resnet18", "resnet34", "resnet50", "resnet101", "resnet152")


class SmallCNN(nn.Module):
    """Four stride-2 conv stages (conv-BN-ReLU), pooled to a 4x4 grid and flattened.

    Keeping the 4x4 layout (instead of global pooling) keeps where things are, so the
    recurrent part can see displacement over time. Each stage owns its ReLU module
    (no module is reused, which Captum's DeepLift needs).
    """

    def __init__(self, *, in_channels: int = 1, widths: tuple[int, ...] = (16, 32, 48, 64), grid: int = 4) -> None:
        super().__init__()
        layers, prev = [], in_channels
        for width in widths:
            layers.append(
                nn.Sequential(
                    nn.Conv2d(prev, width, 3, stride=2, padding=1, bias=False),
                    nn.BatchNorm2d(width),
                    nn.ReLU(),
                )
            )
            prev = width
        self.body = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(grid)
        self.out_dim = prev * grid * grid

    @property
    def stages(self) -> dict[str, nn.Module]:
        return {f"block{i + 1}": m for i, m in enumerate(self.body)}

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(self.body(x)).flatten(1)


class ResNetBackbone(nn.Module):
    """A torchvision ResNet without its classifier; 1-channel input supported.

    Args:
        arch: one of resnet18/34/50/101/152.
        in_channels: 1 or 3; for 1, the first conv's RGB kernels are summed.
        weights_path: optional local state dict (torchvision's key names).
        freeze: keep the backbone's parameters fixed and its BatchNorm in eval mode.
    """

    def __init__(self, *, arch: str, in_channels: int = 3, weights_path: str | None = None, freeze: bool = False):
        super().__init__()
        import torchvision

        net = getattr(torchvision.models, arch)(weights=None)
        if weights_path:
            if not os.path.isfile(weights_path):
                raise UserError(f"Backbone weights file not found: {weights_path}")
            state = torch.load(weights_path, map_location="cpu", weights_only=True)
            state = state.get("state_dict", state)
            net.load_state_dict({k: v for k, v in state.items() if not k.startswith("fc.")}, strict=False)
        if in_channels != 3:
            old = net.conv1
            net.conv1 = nn.Conv2d(in_channels, 64, 7, stride=2, padding=3, bias=False)
            with torch.no_grad():
                net.conv1.weight.copy_(old.weight.sum(1, keepdim=True).repeat(1, in_channels, 1, 1) / in_channels)
        self.out_dim = net.fc.in_features
        net.fc = nn.Identity()
        self.body = net
        self.frozen = freeze
        if freeze:
            for p in self.body.parameters():
                p.requires_grad_(False)

    @property
    def stages(self) -> dict[str, nn.Module]:
        return {f"layer{i}": getattr(self.body, f"layer{i}") for i in range(1, 5)}

    def train(self, mode: bool = True) -> ResNetBackbone:
        super().train(mode)
        if self.frozen:
            self.body.eval()  # frozen: BatchNorm keeps its running statistics
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


@dataclass(frozen=True)
class Backbone:
    """A registered per-frame CNN: ``build(in_channels=, weights_path=, freeze=)`` and its stage names."""

    name: str
    build: Callable[..., nn.Module]
    stages: tuple[str, ...]


BACKBONES: Registry[Backbone] = Registry("backbone")
BACKBONES.add("small", Backbone("small", lambda *, in_channels, weights_path=None, freeze=False:
                                SmallCNN(in_channels=in_channels), tuple(f"block{i}" for i in range(1, 5))))
for _arch in RESNETS:
    BACKBONES.add(_arch, Backbone(_arch, partial(ResNetBackbone, arch=_arch), tuple(f"layer{i}" for i in range(1, 5))))


def backbone_stages() -> tuple[str, ...]:
    """Every stage name a registered backbone offers, in registration order."""
    return tuple(dict.fromkeys(stage for backbone in BACKBONES.values() for stage in backbone.stages))


def build_backbone(name: str, *, in_channels: int, weights_path: str | None = None, freeze: bool = False) -> nn.Module:
    """Builds the registered backbone ``name`` (UserError listing the choices when unknown)."""
    return BACKBONES.get(name).build(in_channels=in_channels, weights_path=weights_path, freeze=freeze)
