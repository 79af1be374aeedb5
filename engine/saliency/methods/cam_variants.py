"""Grad-CAM's successors on the same stages: Grad-CAM++, HiResCAM, LayerCAM and Score-CAM.

Each works per frame on per-frame CNNs and over time on 3D CNNs; the formulas are in
:mod:`engine.saliency.cam`. The ``grad-cam`` package needs ``opencv-python``, which this
project does not install, and Captum has Grad-CAM alone, so these few lines are our own.
"""

from __future__ import annotations

from engine.saliency.cam import capture, score_weights
from engine.saliency.captum_utils import private_copy
from engine.saliency.context import MethodOutput, SaliencyContext
from engine.saliency.methods.gradcam import STAGE_PARAM, cam_output, clip_output, resolve_stage
from engine.saliency.registry import Param, register_method


@register_method("gradcam_pp", label="Grad-CAM++",
                 paper="Chattopadhay, Sarkar, Howlader & Balasubramanian, 'Grad-CAM++: Generalized Gradient-Based "
                       "Visual Explanations for Deep Convolutional Networks', WACV 2018",
                 params=(STAGE_PARAM,), order=91, cost="one_pass")
def gradcam_pp(ctx: SaliencyContext, layer: str) -> MethodOutput:
    """ReLU(sum_k w_k A_k), w_k = sum alpha ReLU(G_k), alpha = G^2 / (2 G^2 + sum A G^3)."""
    return cam_output(ctx, layer, "gradcam++", "Grad-CAM++")


@register_method("hirescam", label="HiResCAM",
                 paper="Draelos & Carin, 'Use HiResCAM instead of Grad-CAM for faithful explanations of "
                       "convolutional neural networks', arXiv 2020",
                 params=(STAGE_PARAM,), order=92, cost="one_pass")
def hirescam(ctx: SaliencyContext, layer: str) -> MethodOutput:
    """ReLU(sum_k G_k * A_k): the gradient multiplied in element by element, not averaged."""
    return cam_output(ctx, layer, "hirescam", "HiResCAM")


@register_method("layercam", label="LayerCAM",
                 paper="Jiang, Zhang, Hou, Cheng & Wei, 'LayerCAM: Exploring Hierarchical Class Activation Maps "
                       "for Localization', IEEE TIP 2021",
                 params=(STAGE_PARAM,), order=93, cost="one_pass")
def layercam(ctx: SaliencyContext, layer: str) -> MethodOutput:
    """ReLU(sum_k ReLU(G_k) * A_k)."""
    return cam_output(ctx, layer, "layercam", "LayerCAM")


@register_method("scorecam", label="Score-CAM",
                 paper="Wang et al., 'Score-CAM: Score-Weighted Visual Explanations for Convolutional Neural "
                       "Networks', CVPR workshops 2020",
                 params=(STAGE_PARAM, Param("batch_size", "int", 16, low=1, high=512,
                                            help="masked clips per forward pass, at most (fewer when the "
                                                 "memory budget is smaller)")), order=94)
def scorecam(ctx: SaliencyContext, layer: str, batch_size: int) -> MethodOutput:
    """ReLU(sum_k alpha_k A_k), alpha = softmax_k p_target(x * M_k), M_k = A_k upsampled, min-max scaled.

    One forward pass per channel of the stage, ``batch_size`` masked clips at a time.
    """
    stage = resolve_stage(ctx.model, layer)
    ctx.progress("Score-CAM", 0.0)
    model = private_copy(ctx.model)
    activations, _ = capture(model, ctx.x, model.cnn_stages[stage], ctx.target)
    per_pass = ctx.clips_per_pass(backward=False, cap=batch_size)
    alpha = score_weights(model, ctx.x, activations, ctx.target, per_pass,
                          on_batch=lambda f: ctx.progress("Score-CAM", f))
    weights = alpha.view((1, -1) + (1,) * (activations.dim() - 2))
    cam = (weights * activations).sum(1).clamp_min(0)  # (T, h, w) per frame, (1, T', h, w) for a 3D stage
    output = clip_output(ctx, cam, stage)
    output.diagnostics["forward_passes"] = int(activations.shape[1])
    return output
