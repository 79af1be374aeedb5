"""Guided backpropagation: gradients with negative signals stopped at every ReLU."""

from __future__ import annotations


from engine.saliency.captum_utils import leaf_input, unshare_nonlinearities
from engine.saliency.context import MethodOutput, SaliencyContext
from engine.saliency.registry import register_method


@register_method(
    "guided_backprop",
    label="Guided Backpropagation",
    paper="Springenberg et al., 'Striving for Simplicity: The All Convolutional Net', ICLR workshop 2015",
    gradient_based=True,
    order=50,
    cost="one_pass",
)
def guided_backprop(ctx: SaliencyContext) -> MethodOutput:
    """Guided backprop on a private, hook-safe copy of the model (the caller's model gets no hooks).

    Only ``nn.ReLU`` modules are modified; the LSTM's gates backpropagate plainly.

    Returns:
        MethodOutput with attributions (T, C, H, W).
    """
    ctx.progress("Guided Backpropagation", 0.0)
    model = unshare_nonlinearities(ctx.model, ctx.x)
    from captum.attr import GuidedBackprop  # imported on use: keeps start-up fast
    attributions = GuidedBackprop(model).attribute(leaf_input(ctx.x), target=ctx.target)
    return MethodOutput(attributions[0].detach())
