"""Integrated gradients from a chosen baseline, with Captum's convergence delta."""

from __future__ import annotations

import math


from engine.saliency.baselines import make_baseline
from engine.saliency.captum_utils import ProgressScore
from engine.saliency.context import MethodOutput, SaliencyContext
from engine.saliency.registry import Param, register_method


@register_method(
    "integrated_gradients",
    label="Integrated Gradients",
    paper="Sundararajan, Taly & Yan, 'Axiomatic Attribution for Deep Networks', ICML 2017",
    params=(
        Param("n_steps", "int", 32, low=2, high=1024, help="Points on the path from the baseline to the input."),
        Param("internal_batch_size", "int", 16, low=1, high=1024,
              help="Path points per forward/backward pass (bounds memory)."),
    ),
    gradient_based=True,
    order=30,
)
def integrated_gradients(ctx: SaliencyContext, n_steps: int, internal_batch_size: int) -> MethodOutput:
    """Riemann/Gauss-Legendre path integral of gradients from ``make_baseline`` to x.

    Returns:
        MethodOutput with attributions (T, C, H, W) that sum to about f(x) - f(baseline);
        diagnostics["convergence_delta"] is sum(attributions) - (f(x) - f(baseline)).
    """
    baseline = make_baseline(ctx.x, ctx.baseline, ctx.spec)
    expected_calls = math.ceil(n_steps / internal_batch_size) + 2  # path batches + delta check
    forward = ProgressScore(ctx, "Integrated Gradients", expected_calls)
    from captum.attr import IntegratedGradients  # imported on use: keeps start-up fast
    attributions, delta = IntegratedGradients(forward).attribute(
        ctx.x, baselines=baseline, n_steps=n_steps, internal_batch_size=internal_batch_size,
        return_convergence_delta=True,
    )
    diagnostics = {"baseline": ctx.baseline, "convergence_delta": float(delta.reshape(-1)[0])}
    return MethodOutput(attributions[0].detach(), diagnostics=diagnostics)
