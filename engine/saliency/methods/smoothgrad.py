"""SmoothGrad: the mean input gradient over noisy copies of the clip.

Captum's NoiseTunnel draws its noise from torch's global generator; here the
noise comes from ``ctx.generator()``, so results depend on the seed only and the
global random state is never touched.
"""

from __future__ import annotations

import torch

from engine.saliency.captum_utils import input_range, sampled_gradients
from engine.saliency.context import MethodOutput, SaliencyContext
from engine.saliency.registry import Param, register_method


@register_method(
    "smoothgrad",
    label="SmoothGrad",
    paper="Smilkov et al., 'SmoothGrad: removing noise by adding noise', ICML workshop 2017",
    params=(
        Param("nt_samples", "int", 16, low=1, high=512, help="Noisy copies averaged."),
        Param("noise_level", "float", 0.15, low=0.0, high=1.0,
              help="Noise standard deviation as a fraction of the input's value range."),
        Param("batch_size", "int", 8, low=1, high=512,
              help="Noisy copies per forward/backward pass, at most (fewer when the memory budget is smaller)."),
    ),
    gradient_based=True,
    order=40,
)
def smoothgrad(ctx: SaliencyContext, nt_samples: int, noise_level: float, batch_size: int) -> MethodOutput:
    """Mean over ``nt_samples`` of grad(score)(x + eps), eps ~ N(0, (noise_level * range(x))^2).

    Returns:
        MethodOutput with signed attributions (T, C, H, W).
    """
    stdev = noise_level * input_range(ctx.x)
    noise = torch.randn((nt_samples, *ctx.x.shape[1:]), generator=ctx.generator(), device=ctx.x.device,
                        dtype=ctx.x.dtype)
    noisy = ctx.x + stdev * noise  # (N, T, C, H, W)
    grads = sampled_gradients(ctx, noisy, ctx.clips_per_pass(backward=True, cap=batch_size), "SmoothGrad")
    return MethodOutput(grads.mean(dim=0), diagnostics={"noise_stdev": stdev})
