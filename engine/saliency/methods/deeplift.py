"""DeepLIFT (Rescale rule) from a chosen baseline, with Captum's convergence delta.

Captum's DeepLift stores each activation's input on its module, so an activation
module called twice in one forward pass (torchvision ResNet blocks reuse
``self.relu``) gives wrong multipliers. The method runs on a private copy of the
model in which every call has its own module
(:func:`engine.saliency.captum_utils.unshare_nonlinearities`); the caller's model
is never modified.

Memory: Captum runs the clip and its baseline as one batch of two clips with every
activation kept, about twice a gradient pass. On models with per-frame features the
same numbers come in chunks of frames (:func:`framewise_deeplift`): Captum's
backward pass is linear in the gradient arriving at the frames' features, separately
for the input half and the baseline half of its batch, and frames do not interact in
the CNN. So one DeepLift pass of the temporal part on the (input, baseline) features
gives both halves' feature gradients, and DeepLift passes of the CNN over a few frames
at a time, with those gradients as the weights of a linear read-out, give each frame's
attributions. The chunk size comes from the memory budget.
"""

from __future__ import annotations

import torch
from torch import nn

from engine.models.base import per_frame
from engine.saliency.baselines import make_baseline
from engine.saliency.captum_utils import UnsharedModel, leaf_input, unshare_nonlinearities
from engine.saliency.context import MethodOutput, SaliencyContext
from engine.saliency.registry import register_method

HOOK_OVERHEAD = 3  # DeepLift's hooks keep each activation's input and output for both halves


class _Stage(nn.Module):
    """One part of an unshared model as a Captum model: resets the activations' call order on every call."""

    def __init__(self, model: nn.Module, fn) -> None:
        super().__init__()
        self.model, self.fn = model, fn
        self.captured: torch.Tensor | None = None

    def _reset(self) -> None:
        for replacement in getattr(self.model, "replacements", ()):
            replacement.position = 0


class _Temporal(_Stage):
    """(2, T, F) input and baseline features -> logits; keeps the gradient reaching both halves."""

    def forward(self, feats: torch.Tensor) -> torch.Tensor:
        self._reset()
        if feats.requires_grad:
            feats.register_hook(lambda grad: setattr(self, "captured", grad.detach()))
        return self.fn(feats)


class _FrameReadout(_Stage):
    """(2n, C, H, W) frames (input half, then baseline half) -> (2n,) sum_f features * weights."""

    def __init__(self, model: nn.Module, fn, weights: torch.Tensor) -> None:
        super().__init__(model, fn)
        self.weights = weights  # (2n, F)

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        self._reset()
        return (self.fn(frames.unsqueeze(0))[0] * self.weights).sum(-1)


def framewise_deeplift(model: nn.Module, x: torch.Tensor, baseline: torch.Tensor, target: int,
                       frames_per_pass: int) -> torch.Tensor:
    """DeepLift attributions of a per-frame model, ``frames_per_pass`` frames of the CNN at a time.

    Args:
        model: an unshared private copy (:func:`unshare_nonlinearities`) of a per-frame classifier.
        x: (1, T, C, H, W) input; baseline: the same shape.
        target: class index.
        frames_per_pass: frames per CNN pass (each pass takes them with their baseline frames).

    Returns:
        (1, T, C, H, W), equal to Captum's DeepLift of the whole model.
    """
    from captum.attr import DeepLift

    inner = model.model if isinstance(model, UnsharedModel) else model
    with torch.no_grad():
        feats = torch.cat([inner.frame_features(x), inner.frame_features(baseline)])  # (2, T, F)
    temporal = _Temporal(model, inner.classify_features)
    DeepLift(temporal).attribute(leaf_input(feats[:1]), baselines=feats[1:], target=target)
    halves = temporal.captured  # (2, T, F): feature gradients of the input half and of the baseline half
    out = torch.zeros_like(x)
    for start in range(0, x.shape[1], frames_per_pass):
        stop = min(x.shape[1], start + frames_per_pass)
        weights = torch.cat([halves[0, start:stop], halves[1, start:stop]])
        readout = _FrameReadout(model, inner.frame_features, weights)
        out[0, start:stop] = DeepLift(readout).attribute(leaf_input(x[0, start:stop]),
                                                         baselines=baseline[0, start:stop]).detach()
    return out


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
        sum(attributions) - (f(x) - f(baseline)); diagnostics["frames_per_pass"] on per-frame models.
    """
    ctx.progress("DeepLIFT", 0.0)
    baseline = make_baseline(ctx.x, ctx.baseline, ctx.spec)
    model = unshare_nonlinearities(ctx.model, ctx.x)
    diagnostics = {"baseline": ctx.baseline}
    if per_frame(ctx.model):
        frames = ctx.items_within(2 * HOOK_OVERHEAD * ctx.clip_cost().per_frame(backward=True), ctx.x.shape[1])
        attributions = framewise_deeplift(model, ctx.x, baseline, ctx.target, frames)
        with torch.no_grad():
            gap = ctx.score(torch.cat([ctx.x, baseline]))
        delta = attributions.sum() - (gap[0] - gap[1])
        diagnostics.update({"frames_per_pass": frames, "path": "per-frame"})
    else:
        from captum.attr import DeepLift  # imported on use: keeps start-up fast
        attributions, delta = DeepLift(model).attribute(
            leaf_input(ctx.x), baselines=baseline, target=ctx.target, return_convergence_delta=True)
    diagnostics["convergence_delta"] = float(delta.reshape(-1)[0])
    return MethodOutput(attributions[0].detach(), diagnostics=diagnostics)
