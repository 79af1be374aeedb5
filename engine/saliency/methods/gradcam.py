"""Grad-CAM on a chosen CNN stage: per frame for per-frame CNNs, over time for 3D CNNs.

A per-frame model's stage gives one (h, w) map per frame; a 3D model's stage gives a
(T', h, w) map, mapped back to the T frames by trilinear interpolation (see
:mod:`engine.saliency.cam`). Maps are ReLU-ed (non-negative), upsampled to (H, W) and
repeated over the C input channels. At 64 px the small CNN's last stage is 4x4; the
default ("auto") is the second-to-last stage, with twice the resolution.
"""

from __future__ import annotations

import torch

from engine.errors import UserError
from engine.models.registry import stage_choices
from engine.saliency.cam import capture, combine, to_clip
from engine.saliency.captum_utils import private_copy
from engine.saliency.context import MethodOutput, SaliencyContext
from engine.saliency.registry import Param, register_method

# The stage names the registered models declare, resolved when the parameter is checked;
# checked against the model at run time.
STAGE_PARAM = Param("layer", "choice", "auto", choices=stage_choices,
                    help="CNN stage; auto = second-to-last (more detail than the last).")


def resolve_stage(model: torch.nn.Module, layer: str) -> str:
    """The stage name to use: ``layer``, or the second-to-last stage for "auto" (UserError if absent)."""
    stages = list(getattr(model, "cnn_stages", {}) or {})
    if not stages:
        raise UserError("CAM methods need a model with named CNN stages (cnn_stages); this model has none "
                        "(video transformers have none: use a gradient or perturbation method).")
    if layer == "auto":
        return stages[-2] if len(stages) > 1 else stages[-1]
    if layer not in stages:
        raise UserError(f"This model has no CNN stage {layer!r}; choose one of: auto, {', '.join(stages)}.")
    return layer


def cam_output(ctx: SaliencyContext, layer: str, rule: str, label: str) -> MethodOutput:
    """A gradient CAM rule (see :func:`engine.saliency.cam.combine`) on stage ``layer``, as attributions."""
    stage = resolve_stage(ctx.model, layer)
    ctx.progress(label, 0.0)
    model = private_copy(ctx.model)  # hooks stay off the shared model
    activations, grads = capture(model, ctx.x, model.cnn_stages[stage], ctx.target)
    cam = combine(rule, activations, grads)
    return clip_output(ctx, cam, stage)


def clip_output(ctx: SaliencyContext, cam: torch.Tensor, stage: str) -> MethodOutput:
    """A stage map (per frame (T, h, w) or 3D (1, T', h, w)) upsampled to the clip, repeated over C."""
    frames, channels, height, width = ctx.x.shape[1:]
    clip = to_clip(cam, frames, height, width).clamp_min(0)  # (T, H, W)
    attributions = clip.unsqueeze(1).expand(-1, channels, -1, -1).contiguous()
    diagnostics = {"layer": stage, "map_size": list(cam.shape[-2:])}
    if cam.dim() == 4:
        diagnostics["map_frames"] = int(cam.shape[1])
    return MethodOutput(attributions, diagnostics=diagnostics)


@register_method(
    "gradcam",
    label="Grad-CAM",
    paper="Selvaraju et al., 'Grad-CAM: Visual Explanations from Deep Networks via Gradient-based "
          "Localization', ICCV 2017",
    params=(STAGE_PARAM,),
    order=90,
    cost="one_pass",
)
def gradcam(ctx: SaliencyContext, layer: str) -> MethodOutput:
    """ReLU(sum_k mean(dS/dA_k) A_k) on stage ``layer`` (per frame, or over T' x h x w for a 3D stage).

    Returns:
        MethodOutput with non-negative attributions (T, C, H, W) (the map repeated over C);
        diagnostics["layer"], diagnostics["map_size"] ([h, w] before upsampling) and, for
        3D stages, diagnostics["map_frames"] (T').
    """
    return cam_output(ctx, layer, "gradcam", "Grad-CAM")
