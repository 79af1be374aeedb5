"""Input x gradient: the signed gradient times the (normalised) input."""

from __future__ import annotations


from engine.saliency.captum_utils import ProgressScore, leaf_input
from engine.saliency.context import MethodOutput, SaliencyContext
from engine.saliency.registry import register_method


@register_method(
    "input_x_gradient",
    label="Input x Gradient",
    paper="Shrikumar et al., 'Not Just a Black Box: Learning Important Features Through Propagating "
          "Activation Differences', arXiv 2016",
    gradient_based=True,
    order=20,
)
def input_x_gradient(ctx: SaliencyContext) -> MethodOutput:
    """x * d score / d x on the normalised input (0 = the mean pixel, the implicit baseline).

    Returns:
        MethodOutput with attributions (T, C, H, W).
    """
    forward = ProgressScore(ctx, "Input x Gradient", expected_calls=1)
    from captum.attr import InputXGradient  # imported on use: keeps start-up fast
    attributions = InputXGradient(forward).attribute(leaf_input(ctx.x))
    return MethodOutput(attributions[0].detach(), diagnostics={"baseline": "zero"})
