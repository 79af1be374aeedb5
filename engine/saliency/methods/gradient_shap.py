"""GradientSHAP (expected gradients) over a baseline distribution.

The distribution is the chosen baseline plus Gaussian noise; each sample picks a
noisy baseline b and a point b + alpha (x - b) with alpha ~ U(0, 1). Captum's
GradientShap draws from torch's global generator; here everything comes from
``ctx.generator()``, so results depend on the seed only.
"""

from __future__ import annotations

import torch

from engine.saliency.baselines import make_baseline
from engine.saliency.captum_utils import input_range, sampled_gradients
from engine.saliency.context import MethodOutput, SaliencyContext
from engine.saliency.registry import Param, register_method


@register_method(
    "gradient_shap",
    label="GradientSHAP",
    paper="Lundberg & Lee, 'A Unified Approach to Interpreting Model Predictions', NeurIPS 2017",
    params=(
        Param("n_samples", "int", 20, low=1, high=512, help="Random (baseline, alpha) samples averaged."),
        Param("baseline_noise", "float", 0.1, low=0.0, high=1.0,
              help="Noise added to the baseline, as a fraction of the input's value range."),
        Param("batch_size", "int", 10, low=1, high=512,
              help="Samples per forward/backward pass, at most (fewer when the memory budget is smaller)."),
    ),
    gradient_based=True,
    order=70,
)
def gradient_shap(ctx: SaliencyContext, n_samples: int, baseline_noise: float, batch_size: int) -> MethodOutput:
    """Mean over samples of (x - b) * grad(score)(b + alpha (x - b)).

    Returns:
        MethodOutput with attributions (T, C, H, W); diagnostics["convergence_delta"] is
        sum(attributions) - (f(x) - mean f(b)), which shrinks as n_samples grows.
    """
    generator = ctx.generator()
    shape = (n_samples, *ctx.x.shape[1:])
    noise = torch.randn(shape, generator=generator, device=ctx.x.device, dtype=ctx.x.dtype)
    alphas = torch.rand(n_samples, generator=generator, device=ctx.x.device, dtype=ctx.x.dtype)
    baselines = make_baseline(ctx.x, ctx.baseline, ctx.spec) + baseline_noise * input_range(ctx.x) * noise
    alphas = alphas.view(-1, *([1] * (ctx.x.dim() - 1)))
    points = baselines + alphas * (ctx.x - baselines)
    batch_size = ctx.clips_per_pass(backward=True, cap=batch_size)
    grads = sampled_gradients(ctx, points, batch_size, "GradientSHAP")
    attributions = ((ctx.x - baselines) * grads).mean(dim=0)
    with torch.no_grad():
        baseline_scores = torch.cat([ctx.score(baselines[i:i + batch_size]) for i in range(0, n_samples, batch_size)])
        delta = attributions.sum() - (ctx.score(ctx.x)[0] - baseline_scores.mean())
    return MethodOutput(attributions, diagnostics={"baseline": ctx.baseline, "convergence_delta": float(delta)})
