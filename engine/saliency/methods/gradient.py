"""Vanilla gradient (signed): d score / d input."""

from __future__ import annotations


from engine.saliency.captum_utils import ProgressScore, leaf_input
from engine.saliency.context import MethodOutput, SaliencyContext
from engine.saliency.registry import register_method


@register_method(
    "gradient",
    label="Gradient",
    paper="Simonyan, Vedaldi & Zisserman, 'Deep Inside Convolutional Networks', ICLR workshop 2014",
    gradient_based=True,
    order=10,
)
def gradient(ctx: SaliencyContext) -> MethodOutput:
    """Signed input gradient of the target logit.

    Returns:
        MethodOutput with attributions (T, C, H, W) = d score / d x.
    """
    forward = ProgressScore(ctx, "Gradient", expected_calls=1)
    from captum.attr import Saliency  # imported on use: keeps start-up fast
    attributions = Saliency(forward).attribute(leaf_input(ctx.x), abs=False)
    return MethodOutput(attributions[0].detach())
