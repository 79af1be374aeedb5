"""Reference inputs for path and perturbation methods.

A grey or black baseline rewards any pixel that differs from grey; the blurred
clip and the static background (temporal median: the scene without what moves)
are better defaults for video. Every result records the baseline it used.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from engine.io.tensors import InputSpec

BASELINES = ("blur", "median", "zero", "black")


def gaussian_blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian blur of (..., H, W) with reflect padding."""
    radius = max(1, int(round(3 * sigma)))
    coords = torch.arange(-radius, radius + 1, dtype=x.dtype, device=x.device)
    kernel = torch.exp(-(coords**2) / (2 * sigma**2))
    kernel = kernel / kernel.sum()
    shape = x.shape
    flat = x.reshape(-1, 1, *shape[-2:])
    flat = F.pad(flat, (radius, radius, radius, radius), mode="reflect")
    flat = F.conv2d(flat, kernel.view(1, 1, 1, -1))
    flat = F.conv2d(flat, kernel.view(1, 1, -1, 1))
    return flat.reshape(shape)


def make_baseline(x: torch.Tensor, kind: str, spec: InputSpec) -> torch.Tensor:
    """Baseline of the same shape as ``x`` ((..., T, C, H, W), normalised).

    Args:
        x: normalised input.
        kind: "blur" (Gaussian, sigma = 1/8 of the frame side), "median" (per-pixel temporal
            median, repeated over T), "zero" (0 after normalisation: the mean pixel) or
            "black" (pixel value 0).
        spec: the model's input spec.
    """
    if kind == "blur":
        return gaussian_blur(x, sigma=max(spec.height, spec.width) / 8)
    if kind == "median":
        return x.median(dim=-4, keepdim=True).values.expand_as(x).contiguous()
    if kind == "zero":
        return torch.zeros_like(x)
    if kind == "black":
        mean = torch.tensor(spec.mean, dtype=x.dtype, device=x.device).view(-1, 1, 1)
        std = torch.tensor(spec.std, dtype=x.dtype, device=x.device).view(-1, 1, 1)
        return ((0 - mean) / std).expand_as(x).contiguous()
    raise ValueError(f"baseline must be one of {BASELINES}, got {kind!r}")
