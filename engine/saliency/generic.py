"""Generic paths: the same numbers as the per-frame fast paths, from whole clips, for any video classifier.

A model without per-frame separable features (a 3D CNN, a video transformer)
gives nothing to cache, so every variant of the clip is a full forward (and,
for gradients, backward) pass. The variants are batched; the caller gives the
clips per pass from its memory budget (``SaliencyContext.clips_per_pass``). In
eval mode the clips of a batch do not interact, so a batched pass equals one
pass per clip.
"""

from __future__ import annotations

import torch
from torch import nn

MAX_CLIPS_PER_PASS = 16


def frame_swapped(x: torch.Tensor, frames: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
    """(1, T, C, H, W) clip, (V, C, H, W) frames, (V,) positions -> (V, T, C, H, W): clip v has frame
    positions[v] replaced by frames[v]."""
    chosen = torch.nn.functional.one_hot(positions, x.shape[1]).bool()[:, :, None, None, None]  # (V, T, 1, 1, 1)
    return torch.where(chosen, frames.unsqueeze(1), x)


def swapped_logits(model: nn.Module, x: torch.Tensor, frames: torch.Tensor, positions: torch.Tensor,
                   *, batch_size: int, on_batch=None) -> torch.Tensor:
    """Logits of the V single-frame variants of ``x`` (see :func:`frame_swapped`), in batches, without gradients.

    Returns:
        (V, K) logits.
    """
    size, out = batch_size, []
    with torch.no_grad():
        for start in range(0, len(positions), size):
            stop = min(len(positions), start + size)
            out.append(model(frame_swapped(x, frames[start:stop], positions[start:stop])))
            if on_batch is not None:
                on_batch(stop / len(positions))
    return torch.cat(out)


class ClipGradientVariants:
    """L1 distance between the gradient (or input x gradient) map of a clip and of its single-frame
    variants, each from a full backward pass of the variant clip, batched.

    The generic counterpart of :class:`engine.saliency.structure.GradientVariants` (same interface).

    Args:
        model: the classifier, in eval mode.
        x: (1, T, C, H, W) the clip.
        target: class index.
        times_input: input x gradient instead of gradient.
        batch_size: variant clips per backward pass (from the caller's memory budget).
    """

    def __init__(self, model: nn.Module, x: torch.Tensor, target: int, *, times_input: bool = False,
                 batch_size: int) -> None:
        self.model, self.x, self.target, self.times_input = model, x.detach(), target, times_input
        self.batch_size = batch_size
        self.saliency = self._saliency(self.x)[0]  # (T, C, H, W)

    def _saliency(self, clips: torch.Tensor) -> torch.Tensor:
        leaf = clips.detach().clone().requires_grad_(True)
        with torch.enable_grad():
            (grads,) = torch.autograd.grad(self.model(leaf)[:, self.target].sum(), leaf)
        return grads * leaf.detach() if self.times_input else grads

    def distances(self, variant_frames: torch.Tensor, positions: torch.Tensor, on_batch=None) -> torch.Tensor:
        """(V, C, H, W) variant frames, (V,) long frame positions -> (V,) sum |S(X) - S(variant)|."""
        size, out = self.batch_size, []
        for start in range(0, len(positions), size):
            stop = min(len(positions), start + size)
            clips = frame_swapped(self.x, variant_frames[start:stop], positions[start:stop])
            out.append((self._saliency(clips) - self.saliency.unsqueeze(0)).abs().flatten(1).sum(1))
            if on_batch is not None:
                on_batch(stop / len(positions))
        return torch.cat(out)
