"""Spatio-temporal occlusion: the drop in the target logit when a (frames x px x px) box is filled from the baseline.

A window covers ``window_frames`` frames, all channels and a ``window_px`` square;
it slides with ``stride_frames`` and ``stride_px`` (a last window is added so the
whole clip is covered). Each position's attribution is the mean drop over the
windows that cover it, as in Captum's Occlusion.

Speed: the CNN sees each frame alone, so an occluded window changes only its own
frames' features. Models with ``frame_features``/``classify_features`` run the
CNN once on the clip and then only on the occluded frames, splicing their
features in before the cheap temporal part: the same numbers as full passes,
``T / window_frames`` times less CNN work.
"""

from __future__ import annotations

import torch

from engine.models.base import per_frame
from engine.saliency.baselines import make_baseline
from engine.saliency.context import MethodOutput, SaliencyContext
from engine.saliency.registry import Param, register_method
from engine.saliency.structure import patch_variants, splice


def window_starts(length: int, window: int, stride: int) -> list[int]:
    """Start indices of windows of size ``window`` (clamped to ``length``) that cover 0..length-1."""
    window = min(window, length)
    starts = list(range(0, length - window + 1, stride))
    if starts[-1] != length - window:
        starts.append(length - window)
    return starts


class OccludedScorer:
    """Target logits of clips that differ from ``ctx.x`` only in frames t0..t0+n.

    Uses the model's per-frame structure when it has one, full forward passes otherwise.
    """

    def __init__(self, ctx: SaliencyContext) -> None:
        self.ctx = ctx
        model = ctx.model
        self.structured = per_frame(model)
        self.clean_features = model.frame_features(ctx.x) if self.structured else None  # (1, T, F)

    def bytes_per_perturbation(self, n: int) -> int:
        """Memory one occluded clip takes in a pass: n frames through the CNN (per-frame models) or a whole
        clip (others), plus its input copies."""
        cost, x = self.ctx.clip_cost(), self.ctx.x
        frame_bytes = x[0, 0].numel() * x.element_size()
        if self.structured:
            return n * (cost.per_frame(backward=False) + 3 * frame_bytes)
        return cost.forward + 2 * x.shape[1] * frame_bytes

    def __call__(self, t0: int, frames: torch.Tensor) -> torch.Tensor:
        """frames: (P, n, C, H, W) replacing frames t0..t0+n of x -> (P,) target logits."""
        if not self.structured:
            return self.ctx.score(splice(self.ctx.x, frames, t0))
        feats = splice(self.clean_features, self.ctx.model.frame_features(frames), t0)
        return self.ctx.model.classify_features(feats)[:, self.ctx.target]


@register_method(
    "occlusion",
    label="Occlusion (spatio-temporal)",
    paper="Zeiler & Fergus, 'Visualizing and Understanding Convolutional Networks', ECCV 2014",
    params=(
        Param("window_frames", "int", 2, low=1, high=512, help="Frames covered by one window."),
        Param("stride_frames", "int", 2, low=1, high=512, help="Frames between window starts."),
        Param("window_px", "int", 8, low=1, high=1024, help="Side of the square window in pixels."),
        Param("stride_px", "int", 8, low=1, high=1024, help="Pixels between window starts."),
        Param("perturbations_per_eval", "int", 32, low=1, high=4096,
              help="Occluded clips scored per pass, at most (fewer when the memory budget is smaller)."),
    ),
    order=80,
)
def occlusion(ctx: SaliencyContext, window_frames: int, stride_frames: int, window_px: int, stride_px: int,
              perturbations_per_eval: int) -> MethodOutput:
    """Mean drop of the target logit over the windows covering each input element.

    Returns:
        MethodOutput with attributions (T, C, H, W): f(x) - f(x occluded), averaged over covering windows.
    """
    x, fill = ctx.x[0], make_baseline(ctx.x, ctx.baseline, ctx.spec)[0]
    t, _, h, w = x.shape
    n, size = min(window_frames, t), min(window_px, h, w)
    boxes = [(y0, y0 + size, x0, x0 + size)
             for y0 in window_starts(h, size, stride_px) for x0 in window_starts(w, size, stride_px)]
    total, counts = torch.zeros_like(x), torch.zeros_like(x)
    with torch.no_grad():
        scorer = OccludedScorer(ctx)
        clean = ctx.score(ctx.x)[0]
        starts = window_starts(t, n, stride_frames)
        perturbations_per_eval = ctx.items_within(scorer.bytes_per_perturbation(n), perturbations_per_eval)
        for step, t0 in enumerate(starts):
            for first in range(0, len(boxes), perturbations_per_eval):
                ctx.progress("Occlusion", (step + first / len(boxes)) / len(starts))
                chunk = boxes[first:first + perturbations_per_eval]
                drops = clean - scorer(t0, patch_variants(x[t0:t0 + n], fill[t0:t0 + n], chunk))
                for (top, bottom, left, right), drop in zip(chunk, drops, strict=True):
                    total[t0:t0 + n, :, top:bottom, left:right] += drop
                    counts[t0:t0 + n, :, top:bottom, left:right] += 1
    diagnostics = {"baseline": ctx.baseline, "windows": len(starts) * len(boxes),
                   "perturbations_per_eval": perturbations_per_eval,
                   "path": "per-frame" if scorer.structured else "generic"}
    return MethodOutput(total / counts, diagnostics=diagnostics)
