"""Small saliency fixtures: the clip shape, the registration's tiny models, hand-made models with known values."""

from __future__ import annotations

import torch
from torch import nn

from engine.models import MODELS, get_model
from engine.saliency import explain, get_method
from engine.io.tensors import InputSpec

T, C, H, W = 4, 1, 32, 32
SPEC = InputSpec(num_frames=T, height=H, width=W, channels=C)
CLASSES = ["walking", "running"]


def tiny_model(name: str, seed: int = 0) -> nn.Module:
    """The registered model ``name`` in its tiny configuration, weights seeded, in eval mode."""
    torch.manual_seed(seed)  # test-only: fixes the weights of the tiny model
    return get_model(name, **MODELS.get(name).tiny).eval()  # the registration's tiny configuration


def clip(seed: int = 1, shape=(T, C, H, W)) -> torch.Tensor:
    """A seeded N(0, 1) clip, (T, C, H, W) by default."""
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed))


def small_params(method: str) -> dict:
    """Schema defaults, with step and sample counts cut to a few (never below the schema's low bound)."""
    values = {}
    for p in get_method(method).params:
        if p.kind == "int" and any(word in p.name for word in ("step", "sample")):
            values[p.name] = max(int(p.low or 1), min(int(p.default), 4))
    return values


def hook_count(model: nn.Module) -> int:
    """Forward, pre-forward, backward and pre-backward hooks left on any module of ``model``."""
    return sum(len(m._forward_hooks) + len(m._forward_pre_hooks) + len(m._backward_hooks)
               + len(m._backward_pre_hooks) for m in model.modules())


def run(model, x, method, **kwargs):
    """``explain`` on the shared spec and classes with :func:`small_params` (overridden by ``params=``)."""
    params = {**small_params(method), **kwargs.pop("params", {})}
    return explain(model, x, method, spec=SPEC, classes=CLASSES, params=params, **kwargs)


class LinearVideoModel(nn.Module):
    """logit_k = <w_k, x> + b_k, split like the real models into per-frame features and a temporal part."""

    def __init__(self, shape=(T, C, H, W), seed: int = 3) -> None:
        super().__init__()
        gen = torch.Generator().manual_seed(seed)
        self.weight = nn.Parameter(torch.randn(2, *shape, generator=gen))
        self.bias = nn.Parameter(torch.tensor([0.5, -0.5]))

    def frame_features(self, x):
        return x.flatten(2)  # (B, T, C*H*W)

    def classify_features(self, feats):
        return torch.einsum("btf,ktf->bk", feats, self.weight.flatten(2)) + self.bias

    def forward(self, x):
        return self.classify_features(self.frame_features(x))


class TinyConvVideo(nn.Module):
    """conv -> ReLU -> conv -> ReLU -> pool per frame, linear over the time mean; ``reuse`` shares one ReLU."""

    def __init__(self, reuse: bool) -> None:
        super().__init__()
        gen = torch.Generator().manual_seed(7)
        self.conv1, self.conv2 = nn.Conv2d(C, 4, 3, padding=1), nn.Conv2d(4, 4, 3, padding=1)
        self.head = nn.Linear(4, 2)
        with torch.no_grad():
            for p in self.parameters():
                p.copy_(torch.randn(p.shape, generator=gen) * 0.5)
        self.act1 = nn.ReLU()
        self.act2 = self.act1 if reuse else nn.ReLU()

    def forward(self, x):
        b, t = x.shape[:2]
        frames = self.act2(self.conv2(self.act1(self.conv1(x.flatten(0, 1)))))
        return self.head(frames.mean(dim=(2, 3)).view(b, t, -1).mean(dim=1))
