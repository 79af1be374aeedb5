"""Vanilla gradient (signed): d score / d input.

Computed with one ``torch.autograd.grad`` call, as Captum's ``Saliency(abs=False)``
does, without importing Captum: this is the method the app shows first, and
Captum's import costs most of a second on a 2-core machine.
"""

from __future__ import annotations

from engine.saliency.captum_utils import input_gradient
from engine.saliency.context import MethodOutput, SaliencyContext
from engine.saliency.registry import register_method


@register_method(
    "gradient",
    label="Gradient",
    paper="Simonyan, Vedaldi & Zisserman, 'Deep Inside Convolutional Networks', ICLR workshop 2014",
    gradient_based=True,
    order=10,
    cost="one_pass",
)
def gradient(ctx: SaliencyContext) -> MethodOutput:
    """Signed input gradient of the target logit.

    Returns:
        MethodOutput with attributions (T, C, H, W) = d score / d x.
    """
    ctx.progress("Gradient", 0.0)
    return MethodOutput(input_gradient(ctx, ctx.x)[0].detach())
