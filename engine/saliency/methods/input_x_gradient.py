"""Input x gradient: the signed gradient times the (normalised) input.

Computed from one ``torch.autograd.grad`` call, as Captum's ``InputXGradient``
does, without importing Captum (most of a second, or more, on a 2-core machine)
for a product.
"""

from __future__ import annotations

from engine.saliency.captum_utils import input_gradient
from engine.saliency.context import MethodOutput, SaliencyContext
from engine.saliency.registry import register_method


@register_method(
    "input_x_gradient",
    label="Input x Gradient",
    paper="Shrikumar et al., 'Not Just a Black Box: Learning Important Features Through Propagating "
          "Activation Differences', arXiv 2016",
    gradient_based=True,
    order=20,
    cost="one_pass",
)
def input_x_gradient(ctx: SaliencyContext) -> MethodOutput:
    """x * d score / d x on the normalised input (0 = the mean pixel, the implicit baseline).

    Returns:
        MethodOutput with attributions (T, C, H, W).
    """
    ctx.progress("Input x Gradient", 0.0)
    return MethodOutput((ctx.x * input_gradient(ctx, ctx.x))[0].detach(), diagnostics={"baseline": "zero"})
