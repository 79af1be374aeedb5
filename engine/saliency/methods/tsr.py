"""Temporal Saliency Rescaling (TSR) over a gradient-based method.

Ismail, Gunady, Corrada Bravo & Feizi, "Benchmarking Deep Learning
Interpretability in Time Series Predictions", NeurIPS 2020, Algorithm 1, with
a frame as the time step and a square pixel patch (all channels) as the feature:

1. S(X): the base method's map of the clip.
2. Time relevance R_t = sum |S(X) - S(X with frame t masked)| for every t
   (the masked frame is frame t itself, replaced by the fill frame t).
3. Step t is relevant when R_t > ``time_threshold`` x mean_t R_t (the paper's
   alpha; 1.0 is "above the mean").
4. For relevant t, feature relevance R_{t,i} = sum |S(X) - S(X with patch i of
   frame t masked)|.
5. Attribution at every pixel and channel of patch i of frame t is R_t * R_{t,i};
   0 on non-relevant steps (Algorithm 1; the authors' code uses 0.1 x R_t there).

The result is non-negative (a magnitude, as in the paper), constant within a
patch; the sign of S(X) is not kept because R_t * R_{t,i} measures how much the
explanation changes, not a direction.

Speed: for the ``gradient`` and ``input_x_gradient`` bases every variant
changes one frame, so :class:`engine.saliency.structure.GradientVariants`
computes all distances exactly from the clip's per-frame CNN Jacobians and one
batched pass of the temporal part (path "per-frame"). On models without
per-frame features the same distances come from batched full backward passes
of the variant clips (:class:`engine.saliency.generic.ClipGradientVariants`,
path "generic"). Other bases call the base method once per variant
(:func:`loop_distances`, path "generic"), as the reference does.
"""

from __future__ import annotations

import dataclasses

import torch

from engine.errors import UserError
from engine.models.base import per_frame
from engine.saliency.context import MethodOutput, SaliencyContext
from engine.saliency.generic import MAX_CLIPS_PER_PASS, ClipGradientVariants
from engine.saliency.registry import METHODS, Param, get_method, register_method
from engine.saliency.structure import (
    FILL_CHOICES,
    GradientVariants,
    fill_clip,
    patch_boxes,
    patch_variants,
    resolve_fill,
)

STRUCTURED_BASES = {"gradient": False, "input_x_gradient": True}  # name -> times_input
MAX_VARIANTS_PER_CALL = 1024


def base_choices() -> tuple[str, ...]:
    """The structure-aware bases, then every registered gradient-based method (resolved when checked)."""
    registered = [n for n, m in METHODS.items() if m.gradient_based and n not in STRUCTURED_BASES]
    return (*STRUCTURED_BASES, *registered)


def loop_distances(ctx: SaliencyContext, base: str):
    """Reference distance function: one full base-method call per variant.

    Returns:
        fn(variant_frames (V, C, H, W), positions (V,), on_batch) -> (V,) sum |S(X) - S(variant)|.
    """
    method = get_method(base)
    quiet = dataclasses.replace(ctx, on_progress=None)
    reference = method.fn(quiet, **method.defaults()).attributions

    def distances(variant_frames: torch.Tensor, positions: torch.Tensor, on_batch=None) -> torch.Tensor:
        out = []
        for n, (frame, t) in enumerate(zip(variant_frames, positions.tolist(), strict=True)):
            variant = ctx.x.clone()
            variant[0, t] = frame
            saliency = method.fn(dataclasses.replace(quiet, x=variant), **method.defaults()).attributions
            out.append((reference - saliency).abs().sum())
            if on_batch is not None:
                on_batch((n + 1) / len(positions))
        return torch.stack(out)

    return distances


def rescale(ctx: SaliencyContext, distances, fill_frames: torch.Tensor, *, patch: int,
            time_threshold: float) -> MethodOutput:
    """Algorithm 1 on top of a distance function (see the module docstring).

    Args:
        ctx: the context (x (1, T, C, H, W), progress).
        distances: fn(variant_frames (V, C, H, W), positions (V,), on_batch) -> (V,).
        fill_frames: (T, C, H, W) what masked content is replaced with.
        patch: patch side in pixels.
        time_threshold: alpha, in units of the mean time relevance.

    Returns:
        MethodOutput: attributions (T, C, H, W) >= 0; diagnostics with the time relevance.
    """
    frames = ctx.x[0].detach()
    count, height, width = frames.shape[0], frames.shape[-2], frames.shape[-1]
    positions = torch.arange(count, device=frames.device)
    time_relevance = distances(fill_frames, positions, lambda f: ctx.progress("TSR: time relevance", 0.2 * f))
    relevant = (time_relevance > time_threshold * time_relevance.mean()).nonzero().flatten().tolist()
    boxes = patch_boxes(height, width, patch)
    attributions = torch.zeros_like(frames)
    steps_per_call = max(1, MAX_VARIANTS_PER_CALL // len(boxes))
    for first in range(0, len(relevant), steps_per_call):
        group = relevant[first : first + steps_per_call]
        variants = torch.cat([patch_variants(frames[t], fill_frames[t], boxes) for t in group])
        where = torch.tensor(group, device=frames.device).repeat_interleave(len(boxes))
        done = first / max(1, len(relevant))
        share = len(group) / max(1, len(relevant))
        feature_relevance = distances(
            variants, where, lambda f: ctx.progress("TSR: feature relevance", 0.2 + 0.8 * (done + share * f)))
        for n, t in enumerate(where.tolist()):
            top, bottom, left, right = boxes[n % len(boxes)]
            attributions[t, :, top:bottom, left:right] = time_relevance[t] * feature_relevance[n]
    diagnostics = {
        "time_relevance": [round(float(v), 6) for v in time_relevance],
        "relevant_steps": relevant,
        "threshold": float(time_threshold * time_relevance.mean()),
        "variants": count + len(relevant) * len(boxes),
    }
    return MethodOutput(attributions, diagnostics=diagnostics)


def run_tsr(ctx: SaliencyContext, *, base: str, time_threshold: float, patch: int, fill: str,
            structured: bool = True) -> MethodOutput:
    """TSR with the per-frame path where the model and base allow it, else the generic batched path
    (``structured=False``: the reference loop, one base call per variant)."""
    if not get_method(base).gradient_based:
        raise UserError(f"TSR needs a gradient-based base method; {base!r} is not one.")
    fill_frames = fill_clip(ctx.x, fill, ctx.spec, ctx.baseline)[0]
    path = "generic"
    if structured and base in STRUCTURED_BASES and per_frame(ctx.model):
        frames = ctx.x.shape[1]
        expected = frames + (frames // 2) * len(patch_boxes(ctx.x.shape[-2], ctx.x.shape[-1], patch))
        variants = GradientVariants(ctx.model, ctx.x, ctx.target, times_input=STRUCTURED_BASES[base],
                                    expected_variants=expected, budget=ctx.budget(), cost=ctx.clip_cost(),
                                    on_progress=lambda f: ctx.progress("TSR: CNN Jacobians", f))
        distances, path = variants.distances, "per-frame"
    elif structured and base in STRUCTURED_BASES:
        size = ctx.clips_per_pass(backward=True, cap=MAX_CLIPS_PER_PASS)
        distances = ClipGradientVariants(ctx.model, ctx.x, ctx.target, times_input=STRUCTURED_BASES[base],
                                         batch_size=size).distances
    else:
        distances = loop_distances(ctx, base)
    output = rescale(ctx, distances, fill_frames, patch=patch, time_threshold=time_threshold)
    output.diagnostics.update({"base": base, "path": path, "fill": resolve_fill(fill, ctx.baseline)})
    return output


@register_method(
    "tsr",
    label="Temporal Saliency Rescaling",
    paper="Ismail, Gunady, Corrada Bravo & Feizi, 'Benchmarking Deep Learning Interpretability in Time Series "
          "Predictions', NeurIPS 2020",
    params=(
        Param("base", "choice", "gradient", choices=base_choices, help="gradient-based method that TSR rescales"),
        Param("time_threshold", "float", 1.0, low=0.0, high=10.0,
              help="a frame is relevant when its time relevance exceeds this many times the mean"),
        Param("patch", "int", 8, low=1, high=256, help="side of the square pixel patches (features), in pixels"),
        Param("fill", "choice", "baseline", choices=FILL_CHOICES,
              help="what masked frames and patches become ('baseline': the run's baseline)"),
    ),
    order=110,
)
def tsr(ctx: SaliencyContext, base: str, time_threshold: float, patch: int, fill: str) -> MethodOutput:
    """Temporal Saliency Rescaling (see the module docstring).

    Returns:
        MethodOutput with attributions (T, C, H, W) >= 0: R_t * R_{t,i} on the pixels of patch i of
        relevant frames t, 0 elsewhere.
    """
    return run_tsr(ctx, base=base, time_threshold=time_threshold, patch=patch, fill=fill)
