"""DeepLIFT (Rescale rule) from a chosen baseline, with Captum's convergence delta.

Captum's DeepLift stores each activation's input on its module, so an activation
module called twice in one forward pass (torchvision ResNet blocks reuse
``self.relu``) gives wrong multipliers. The method runs on a private copy of the
model in which every call has its own module
(:func:`engine.saliency.captum_utils.unshare_nonlinearities`); the caller's model
is never modified.
"""

from __future__ import annotations


from engine.saliency.baselines import make_baseline
from engine.saliency.captum_utils import leaf_input, unshare_nonlinearities
from engine.saliency.context import MethodOutput, SaliencyContext
from engine.saliency.registry import register_method


@register_method(
    "deeplift",
    label="DeepLIFT",
    paper="Shrikumar, Greenside & Kundaje, 'Learning Important Features Through Propagating Activation "
          "Differences', ICML 2017",
    gradient_based=True,
    order=60,
)
def deeplift(ctx: SaliencyContext) -> MethodOutput:
    """DeepLIFT attributions of x against ``make_baseline`` (module activations use the Rescale rule;
    functional ones, such as the LSTM's gates, backpropagate plain gradients).

    Returns:
        MethodOutput with attributions (T, C, H, W); diagnostics["convergence_delta"] is
        sum(attributions) - (f(x) - f(baseline)).
    """
    ctx.progress("DeepLIFT", 0.0)
    baseline = make_baseline(ctx.x, ctx.baseline, ctx.spec)
    model = unshare_nonlinearities(ctx.model, ctx.x)
    from captum.attr import DeepLift  # imported on use: keeps start-up fast
    attributions, delta = DeepLift(model).attribute(
        leaf_input(ctx.x), baselines=baseline, target=ctx.target, return_convergence_delta=True)
    diagnostics = {"baseline": ctx.baseline, "convergence_delta": float(delta.reshape(-1)[0])}
    return MethodOutput(attributions[0].detach(), diagnostics=diagnostics)
