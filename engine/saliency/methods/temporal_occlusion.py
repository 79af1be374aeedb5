"""Temporal occlusion: how much the target probability drops when each frame is removed.

Frame t is "removed" by replacing it with frame t of the fill clip (a baseline
kind: blurred clip, static background, zero, black). Importance
``importance_t = p_target(x) - p_target(x with frame t removed)``; the logit
drop is kept in the diagnostics.

Display: ``attributions[t]`` is importance_t at every pixel and channel of
frame t, so the frame view shows one flat value per frame (the per-frame bar
is ``temporal_occlusion``).

Speed (exact): removing frame t changes only row t of the CNN feature sequence,
so the structure-aware path runs the CNN once over the clip and once over the
fill, then the temporal part over T feature sequences in batches. Models
without per-frame features (3D CNNs, video transformers) take the generic path:
the T variant clips in memory-sized batches of full forward passes
(:func:`engine.saliency.generic.swapped_logits`). The diagnostics' ``path`` says
which ran. :func:`occlusion_logits_loop` is the plain reference (T full forward
passes, one at a time).
"""

from __future__ import annotations

import torch
from torch import nn

from engine.models.base import per_frame
from engine.saliency.context import MethodOutput, SaliencyContext
from engine.saliency.generic import MAX_CLIPS_PER_PASS, swapped_logits
from engine.saliency.memory import items_within
from engine.saliency.registry import Param, register_method
from engine.saliency.structure import FILL_CHOICES, classify_sequences, fill_clip, resolve_fill


def occlusion_logits_structured(model: nn.Module, x: torch.Tensor, fill_x: torch.Tensor, *,
                                batch_size: int | None = None, budget: int | None = None,
                                on_batch=None) -> tuple[torch.Tensor, torch.Tensor]:
    """Logits of the clip and of its T one-frame-removed variants, from cached CNN features.

    Args:
        model: the classifier, in eval mode.
        x: (1, T, C, H, W) clip.
        fill_x: (1, T, C, H, W) fill clip.
        batch_size: sequences per temporal pass; from ``budget`` (bytes), else free memory, when None.
        on_batch: optional callback(fraction done).

    Returns:
        (K,) logits of the clip and (T, K) logits with frame t removed.
    """
    with torch.no_grad():
        feats = model.frame_features(x)[0]
        fill_feats = model.frame_features(fill_x)[0]
        full = model.classify_features(feats.unsqueeze(0))[0]
    removed = torch.eye(feats.shape[0], dtype=torch.bool, device=feats.device)
    if batch_size is None and budget is not None:  # a sequence: (T, F) floats and the temporal part's activations
        batch_size = items_within(budget, 64 * feats.numel() * feats.element_size(), 256)
    variants = classify_sequences(model, feats, fill_feats, removed, batch_size=batch_size, on_batch=on_batch)
    return full, variants


def occlusion_logits_generic(model: nn.Module, x: torch.Tensor, fill_x: torch.Tensor, *,
                             batch_size: int, on_batch=None) -> tuple[torch.Tensor, torch.Tensor]:
    """The same as :func:`occlusion_logits_structured` for any model: the T variants as batched full passes
    (``batch_size`` clips a pass, from the caller's memory budget)."""
    with torch.no_grad():
        full = model(x)[0]
    positions = torch.arange(x.shape[1], device=x.device)
    return full, swapped_logits(model, x, fill_x[0], positions, batch_size=batch_size, on_batch=on_batch)


def occlusion_logits_loop(model: nn.Module, x: torch.Tensor, fill_x: torch.Tensor,
                          on_batch=None) -> tuple[torch.Tensor, torch.Tensor]:
    """Reference: the same as :func:`occlusion_logits_structured` with T + 1 full forward passes."""
    count = x.shape[1]
    variants = []
    with torch.no_grad():
        full = model(x)[0]
        for t in range(count):
            variant = x.clone()
            variant[0, t] = fill_x[0, t]
            variants.append(model(variant)[0])
            if on_batch is not None:
                on_batch((t + 1) / count)
    return full, torch.stack(variants)


def drops(full: torch.Tensor, variants: torch.Tensor, target: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(K,), (T, K) logits -> (T,) probability drop and (T,) logit drop of the target."""
    probability = torch.softmax(full, dim=0)[target]
    probability_drop = probability - torch.softmax(variants, dim=1)[:, target]
    return probability_drop, full[target] - variants[:, target]


@register_method(
    "temporal_occlusion",
    label="Temporal occlusion",
    paper="Zeiler & Fergus, 'Visualizing and Understanding Convolutional Networks', ECCV 2014 (occlusion), "
          "applied to whole frames",
    params=(
        Param("fill", "choice", "baseline", choices=FILL_CHOICES,
              help="what a removed frame becomes ('baseline': the run's baseline)"),
    ),
    order=100,
)
def temporal_occlusion(ctx: SaliencyContext, fill: str) -> MethodOutput:
    """Per-frame probability drop (see the module docstring).

    Returns:
        MethodOutput: attributions (T, C, H, W) with importance_t on every pixel of frame t;
        temporal_occlusion (T,); diagnostics with the logit drop.
    """
    fill_x = fill_clip(ctx.x, fill, ctx.spec, ctx.baseline)
    structured = per_frame(ctx.model)
    def on_batch(fraction: float) -> None:
        ctx.progress("Temporal occlusion", fraction)

    if structured:
        size = None  # sequences per pass: from the budget once the feature width is known
        full, variants = occlusion_logits_structured(ctx.model, ctx.x, fill_x, budget=ctx.budget(), on_batch=on_batch)
    else:
        size = ctx.clips_per_pass(backward=False, cap=MAX_CLIPS_PER_PASS)
        full, variants = occlusion_logits_generic(ctx.model, ctx.x, fill_x, batch_size=size, on_batch=on_batch)
    probability_drop, logit_drop = drops(full, variants, ctx.target)
    attributions = probability_drop.view(-1, 1, 1, 1).expand_as(ctx.x[0]).contiguous()
    diagnostics = {
        "logit_drop": [round(float(v), 6) for v in logit_drop],
        "probability": float(torch.softmax(full, dim=0)[ctx.target]),
        "fill": resolve_fill(fill, ctx.baseline),
        "path": "per-frame" if structured else "generic",
    }
    if size is not None:
        diagnostics["variants_per_pass"] = size
    return MethodOutput(attributions, temporal_occlusion=probability_drop, diagnostics=diagnostics)
