"""Grad-CAM per frame on a chosen CNN stage, upsampled to the frame.

The CNN sees each frame alone, so the chosen stage's activations are
(B*T, K, h, w): Grad-CAM gives one (h, w) map per frame, ReLU-ed (non-negative),
upsampled bilinearly to (H, W) and repeated over the C input channels.
At 64 px the small CNN's last stage is 4x4; the default ("auto") is the
second-to-last stage, with twice the resolution.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from engine.errors import UserError
from engine.saliency.captum_utils import private_copy
from engine.saliency.context import MethodOutput, SaliencyContext
from engine.saliency.registry import Param, register_method

# Stage names of the bundled backbones (small CNN: block*, ResNets: layer*); checked against the model at run time.
STAGE_CHOICES = ("auto", "block1", "block2", "block3", "block4", "layer1", "layer2", "layer3", "layer4")


def resolve_stage(model: torch.nn.Module, layer: str) -> str:
    """The stage name to use: ``layer``, or the second-to-last stage for "auto" (UserError if absent)."""
    stages = list(getattr(model, "cnn_stages", {}) or {})
    if not stages:
        raise UserError("Grad-CAM needs a model with named CNN stages (cnn_stages); this model has none.")
    if layer == "auto":
        return stages[-2] if len(stages) > 1 else stages[-1]
    if layer not in stages:
        raise UserError(f"This model has no CNN stage {layer!r}; choose one of: auto, {', '.join(stages)}.")
    return layer


@register_method(
    "gradcam",
    label="Grad-CAM (per frame)",
    paper="Selvaraju et al., 'Grad-CAM: Visual Explanations from Deep Networks via Gradient-based "
          "Localization', ICCV 2017",
    params=(
        Param("layer", "choice", "auto", choices=STAGE_CHOICES,
              help="CNN stage; auto = second-to-last (more detail than the last)."),
    ),
    order=90,
)
def gradcam(ctx: SaliencyContext, layer: str) -> MethodOutput:
    """ReLU(sum_k mean(dS/dA_k) A_k) per frame on stage ``layer``, upsampled to the frame.

    Returns:
        MethodOutput with non-negative attributions (T, C, H, W) (the map repeated over C);
        diagnostics["layer"] and diagnostics["map_size"] ([h, w] before upsampling).
    """
    stage = resolve_stage(ctx.model, layer)
    ctx.progress("Grad-CAM", 0.0)
    model = private_copy(ctx.model)
    target = ctx.target
    from captum.attr import LayerGradCam  # imported on use: keeps start-up fast
    cam = LayerGradCam(lambda batch: model(batch)[:, target], model.cnn_stages[stage]).attribute(
        ctx.x, relu_attributions=True)  # (T, 1, h, w)
    _, channels, height, width = ctx.x.shape[1:]
    frames = F.interpolate(cam.detach(), size=(height, width), mode="bilinear", align_corners=False)
    attributions = frames.clamp_min(0).expand(-1, channels, -1, -1).contiguous()
    return MethodOutput(attributions, diagnostics={"layer": stage, "map_size": list(cam.shape[-2:])})
