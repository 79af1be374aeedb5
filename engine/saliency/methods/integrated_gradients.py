"""Integrated gradients from a chosen baseline, with a completeness check.

Completeness: the attributions sum to f(x) - f(baseline) in the limit of many
steps; ``delta = sum(attributions) - (f(x) - f(baseline))`` measures how far a
finite quadrature is from it. With ``tolerance`` > 0 the method starts at 4
steps and doubles them (up to ``n_steps``) until |delta| <= tolerance;
Gauss-Legendre nodes (Captum's ``method="gausslegendre"``, the default) reach a
given delta with far fewer steps than a Riemann sum. With ``tolerance`` 0 it
takes exactly ``n_steps``. The diagnostics report the steps used, every count
tried, the gradient evaluations spent and the final delta.

Memory: ``internal_batch_size`` path points per pass at most, fewer when one
clip's forward and backward pass times the batch would exceed the memory budget.
"""

from __future__ import annotations

import math

import torch

from engine.saliency.baselines import make_baseline
from engine.saliency.captum_utils import ProgressScore
from engine.saliency.context import MethodOutput, SaliencyContext
from engine.saliency.registry import Param, register_method

QUADRATURES = ("gausslegendre", "riemann_trapezoid", "riemann_middle", "riemann_left", "riemann_right")
FIRST_STEPS = 4


@register_method(
    "integrated_gradients",
    label="Integrated Gradients",
    paper="Sundararajan, Taly & Yan, 'Axiomatic Attribution for Deep Networks', ICML 2017",
    params=(
        Param("n_steps", "int", 32, low=2, high=1024,
              help="Points on the path from the baseline to the input (with a tolerance: the most tried)."),
        Param("quadrature", "choice", "gausslegendre", choices=QUADRATURES,
              help="Where the path points lie and how they are weighted (Captum's method)."),
        Param("tolerance", "float", 0.0, low=0.0, high=1e6,
              help="0: exactly n_steps. Else double the steps from 4 until |sum of attributions - "
                   "(f(x) - f(baseline))| <= tolerance (target logit units), at most n_steps."),
        Param("internal_batch_size", "int", 16, low=1, high=1024,
              help="Path points per forward/backward pass, at most (fewer when the memory budget is smaller)."),
    ),
    gradient_based=True,
    order=30,
)
def integrated_gradients(ctx: SaliencyContext, n_steps: int, quadrature: str, tolerance: float,
                         internal_batch_size: int) -> MethodOutput:
    """Path integral of gradients from ``make_baseline`` to x (see the module docstring).

    Returns:
        MethodOutput with attributions (T, C, H, W) that sum to about f(x) - f(baseline);
        diagnostics: convergence_delta (sum(attributions) - (f(x) - f(baseline))), steps, steps_tried,
        gradient_evaluations, quadrature, tolerance, internal_batch_size (the one used).
    """
    baseline = make_baseline(ctx.x, ctx.baseline, ctx.spec)
    batch = ctx.clips_per_pass(backward=True, cap=internal_batch_size)
    with torch.no_grad():
        scores = ctx.score(torch.cat([ctx.x, baseline]))
    gap = float(scores[0] - scores[1])  # f(x) - f(baseline)
    schedule = step_schedule(n_steps, tolerance)
    forward = ProgressScore(ctx, "Integrated Gradients", sum(math.ceil(s / batch) for s in schedule))
    from captum.attr import IntegratedGradients  # imported on use: keeps start-up fast

    tried: list[int] = []
    for steps in schedule:
        attributions = IntegratedGradients(forward).attribute(
            ctx.x, baselines=baseline, n_steps=steps, method=quadrature, internal_batch_size=batch)
        delta = float(attributions.sum()) - gap
        tried.append(steps)
        if tolerance > 0 and abs(delta) <= tolerance:
            break
    diagnostics = {"baseline": ctx.baseline, "convergence_delta": delta, "steps": tried[-1], "steps_tried": tried,
                   "gradient_evaluations": sum(tried), "quadrature": quadrature, "tolerance": tolerance,
                   "internal_batch_size": batch}
    return MethodOutput(attributions[0].detach(), diagnostics=diagnostics)


def step_schedule(n_steps: int, tolerance: float) -> list[int]:
    """[n_steps] without a tolerance, else 4, 8, 16, ... up to and including ``n_steps``."""
    if tolerance <= 0 or n_steps <= FIRST_STEPS:
        return [n_steps]
    steps = [FIRST_STEPS]
    while steps[-1] < n_steps:
        steps.append(min(n_steps, 2 * steps[-1]))
    return steps
