"""Structure-aware machinery: exact speed-ups from the per-frame CNN of a video classifier.

Every registered model computes ``classify_features(frame_features(x))`` and its
CNN sees each frame alone, the same CNN for every frame (eval mode: BatchNorm
uses running statistics), so (exactly, without approximation):

* a variant of the clip that changes only frame t changes only row t of the
  (T, F) feature sequence: occluding frames needs one CNN pass over the clip,
  one over the fill, then cheap passes of the temporal part over many feature
  sequences at once (:func:`swap_rows`, :func:`mix_rows`, :func:`classify_sequences`);
* the input gradient of any variant is, frame by frame, S_s = J_s^T g_s, where
  J_s (F x pixels) is the CNN Jacobian of frame s and g_s the gradient reaching
  frame s's features. A variant that changes frame t leaves J_s unchanged for
  every s != t, so ``S_s(X) - S_s(variant) = J_s^T (g_s(X) - g_s(variant))``:
  the Jacobians of the clip's frames are computed once (:func:`frame_jacobians`)
  and shared by all variants (:class:`GradientVariants`).
"""

from __future__ import annotations

import torch
from torch import nn

from engine.saliency.baselines import BASELINES, make_baseline
from engine.saliency.memory import ClipCost, free_memory_bytes, items_within
from engine.io.tensors import InputSpec

FILL_CHOICES = ("baseline", *BASELINES)
DEFAULT_BATCH_CAP = 256
JACOBIAN_CPU_BATCH = 16


def variant_batch_size(bytes_per_variant: int, device: torch.device, *, cap: int = DEFAULT_BATCH_CAP,
                       share: float = 0.25) -> int:
    """How many variants to process at once: ``share`` of free memory / per-variant bytes, within [1, cap]."""
    fit = int(free_memory_bytes(device) * share) // max(1, int(bytes_per_variant))
    return int(max(1, min(cap, fit)))


def resolve_fill(fill: str, default: str) -> str:
    """The baseline kind a ``fill`` parameter means ("baseline" -> the context's ``default``)."""
    return default if fill == "baseline" else fill


def fill_clip(x: torch.Tensor, fill: str, spec: InputSpec, default: str = "blur") -> torch.Tensor:
    """What replaces removed content: :func:`make_baseline` of ``x`` ((1, T, C, H, W) -> same shape)."""
    return make_baseline(x, resolve_fill(fill, default), spec)


def swap_rows(feats: torch.Tensor, rows: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
    """Feature sequences with one row replaced each (differentiable in ``rows``).

    Args:
        feats: (T, F) features of the clip.
        rows: (V, F) replacement rows.
        positions: (V,) long, the frame each row replaces.

    Returns:
        (V, T, F): sequence v is ``feats`` with row positions[v] set to rows[v].
    """
    chosen = torch.nn.functional.one_hot(positions, feats.shape[0]).bool().unsqueeze(-1)  # (V, T, 1)
    return torch.where(chosen, rows.unsqueeze(1), feats.unsqueeze(0))


def splice(sequence: torch.Tensor, block: torch.Tensor, start: int) -> torch.Tensor:
    """(1, T, ...) sequence, (P, n, ...) block -> (P, T, ...): copy p has steps start..start+n from block[p].

    The same for a clip's frames (occlusion's generic path) and for its per-frame features (its fast path).
    """
    spliced = sequence.repeat(block.shape[0], *([1] * (sequence.dim() - 1)))
    spliced[:, start : start + block.shape[1]] = block
    return spliced


def mix_rows(feats: torch.Tensor, replacement: torch.Tensor, replaced: torch.Tensor) -> torch.Tensor:
    """(T, F), (T, F), (V, T) bool -> (V, T, F): row t of sequence v from ``replacement`` where replaced[v, t]."""
    return torch.where(replaced.unsqueeze(-1), replacement.unsqueeze(0), feats.unsqueeze(0))


def classify_sequences(model: nn.Module, feats: torch.Tensor, replacement: torch.Tensor, replaced: torch.Tensor,
                       *, batch_size: int | None = None, on_batch=None) -> torch.Tensor:
    """Logits of many feature sequences built by :func:`mix_rows`, in batches, without gradients.

    Args:
        model: the classifier (``classify_features`` is used).
        feats: (T, F) clip features.
        replacement: (T, F) features of the fill frames.
        replaced: (V, T) bool, which rows each sequence takes from ``replacement``.
        batch_size: sequences per call; from free memory when None.
        on_batch: optional callback(fraction done).

    Returns:
        (V, K) logits.
    """
    count, frames = replaced.shape
    if batch_size is None:
        batch_size = variant_batch_size(64 * frames * feats.shape[1] * feats.element_size(), feats.device)
    outputs = []
    with torch.no_grad():
        for start in range(0, count, batch_size):
            chunk = replaced[start : start + batch_size]
            outputs.append(model.classify_features(mix_rows(feats, replacement, chunk)))
            if on_batch is not None:
                on_batch(min(count, start + batch_size) / count)
    return torch.cat(outputs)


def encode_frames(model: nn.Module, frames: torch.Tensor) -> torch.Tensor:
    """(N, C, H, W) frames -> (N, F) per-frame CNN features (frames are independent)."""
    return model.frame_features(frames.unsqueeze(0))[0]


def live_features(feats: torch.Tensor, graph_frames: torch.Tensor) -> torch.Tensor:
    """(T, F) bool: features whose Jacobian row may be nonzero.

    A feature that is exactly 0 (a ReLU that is off) usually has a zero row. One
    probe checks it: a VJP with random positive weights on a frame's zero
    features is zero only when all those rows are zero (a random combination of
    nonzero rows cancelling exactly has probability 0); frames that fail keep all
    their features.

    Args:
        feats: (T, F) features computed from ``graph_frames`` (graph kept).
        graph_frames: (T, C, H, W) the leaf ``feats`` was computed from.
    """
    dead = feats.detach() == 0
    if not dead.any():
        return ~dead
    weights = torch.rand(feats.shape, generator=torch.Generator().manual_seed(0)).to(feats.device, feats.dtype)
    (probe,) = torch.autograd.grad(feats, graph_frames, (weights + 0.5) * dead, retain_graph=True)
    leaks = probe.flatten(1).abs().amax(1) > 0  # (T,) frames where some zero feature still has a gradient
    return ~dead | leaks.unsqueeze(1)


def frame_jacobians(model: nn.Module, frames: torch.Tensor, *, batch_size: int | None = None,
                    on_batch=None) -> torch.Tensor:
    """CNN Jacobian of every frame: J[s] = d features_s / d frame_s.

    One frame at a time (frames do not interact in the CNN), so only one frame's graph is
    held: cotangent j of a pass is the unit vector of one of the frame's live features
    (:func:`live_features`); rows of dead features are left at 0.

    Args:
        model: the classifier (``frame_features`` is used).
        frames: (T, C, H, W).
        batch_size: cotangents per backward pass (each one frame's backward); from free memory when None.
        on_batch: optional callback(fraction done).

    Returns:
        (T, F, C*H*W).
    """
    count = frames.shape[0]
    if batch_size is None:  # on a CPU small batches stay in cache and run faster
        cap = DEFAULT_BATCH_CAP if frames.device.type == "cuda" else JACOBIAN_CPU_BATCH
        batch_size = variant_batch_size(16 * frames[0].numel() * frames.element_size(), frames.device, cap=cap)
    jacobians = None
    for s in range(count):
        leaf = frames[s : s + 1].detach().requires_grad_(True)
        with torch.enable_grad():
            feats = encode_frames(model, leaf)  # (1, F)
        if jacobians is None:
            jacobians = feats.new_zeros(count, feats.shape[1], frames[0].numel())
        index = live_features(feats, leaf)[0].nonzero().flatten()
        for start in range(0, len(index), batch_size):
            chosen = index[start : start + batch_size]
            cotangents = feats.new_zeros(len(chosen), 1, feats.shape[1])
            cotangents[torch.arange(len(chosen), device=feats.device), 0, chosen] = 1.0
            (grads,) = torch.autograd.grad(feats, leaf, cotangents, retain_graph=True, is_grads_batched=True)
            jacobians[s, chosen] = grads.reshape(len(chosen), -1)
        del leaf, feats
        if on_batch is not None:
            on_batch((s + 1) / count)
    return jacobians


class GradientVariants:
    """L1 distance between the saliency of a clip and of many single-frame variants of it.

    S is the ``gradient`` map (d target logit / d x) or, with ``times_input``, the
    ``input_x_gradient`` map (x * gradient). A variant replaces one frame t by
    another frame (the fill frame, or frame t with a patch masked). Then

        sum |S(X) - S(v)| = |S_t(X) - J_t(v_t)^T g_t(v)| (x v_t)  +  sum_{s != t} |J_s^T (g_s(X) - g_s(v))| (x x_s)

    The first term is one CNN backward of the variant frame; the second uses the
    clip's own CNN (its Jacobians, materialised once when there are more variants
    than features, else batched vector-Jacobian products); g for all variants
    comes from one batched pass of the temporal part.

    Args:
        model: the classifier, in eval mode.
        x: (1, T, C, H, W) the clip.
        target: class index.
        times_input: input x gradient instead of gradient.
        expected_variants: how many variants will be asked for (chooses Jacobians or VJPs).
        budget: bytes the batches may use (with ``cost``); from free memory when None.
        cost: the clip's measured cost (:func:`engine.saliency.memory.probe_clip`).
        on_progress: optional callback(fraction) while the Jacobians are computed (minutes on a big CNN).
    """

    def __init__(self, model: nn.Module, x: torch.Tensor, target: int, *, times_input: bool = False,
                 expected_variants: int = 0, budget: int | None = None, cost: ClipCost | None = None,
                 on_progress=None) -> None:
        self.model, self.target, self.times_input = model, target, times_input
        self.budget, self.cost = budget, cost
        self.frames = x[0].detach()
        leaf = self.frames.clone().requires_grad_(True)
        with torch.enable_grad():
            feats = encode_frames(model, leaf)
            sequence = feats.detach().unsqueeze(0).requires_grad_(True)
            (feat_grad,) = torch.autograd.grad(model.classify_features(sequence)[0, target], sequence)
            (grad,) = torch.autograd.grad(feats, leaf, feat_grad[0], retain_graph=True)
        self.feats, self.feat_grad = feats.detach(), feat_grad[0]
        self.saliency = self._times_input(self.frames, grad)  # (T, C, H, W): S(X)
        self.jacobians, self._graph = None, (leaf, feats)
        if expected_variants > feats.shape[1]:
            self._graph = None
            del leaf, feats  # the graph goes before the Jacobians' own: never two at once
            self.jacobians = frame_jacobians(model, self.frames, batch_size=self._jacobian_batch(),
                                             on_batch=on_progress)  # (T, F, P)

    def _times_input(self, frames: torch.Tensor, grads: torch.Tensor) -> torch.Tensor:
        return grads * frames if self.times_input else grads

    def _jacobian_bytes(self) -> int:
        frames, width = self.feats.shape
        return frames * width * self.frames[0].numel() * self.frames.element_size()

    def _jacobian_batch(self) -> int | None:
        """Cotangents per backward pass of :func:`frame_jacobians` within the budget (None: its own choice).

        Held throughout: the Jacobians and one frame's graph; each cotangent adds one backward through
        that frame and its (P,) gradient.
        """
        if self.budget is None or self.cost is None:
            return None
        cap = self.feats.shape[1] if self.frames.device.type == "cuda" else JACOBIAN_CPU_BATCH
        one_frame = self.cost.per_frame(backward=True)
        spare = max(self.budget - self._jacobian_bytes() - one_frame, self.budget // 8)
        return items_within(spare, one_frame + self.frames[0].numel() * self.frames.element_size(), cap)

    def batch_size(self) -> int:
        """Variants per chunk: within the budget when one was given, else from free memory.

        A variant costs one frame's forward and backward pass, and, without Jacobians, one batched
        backward through the clip's T frames (kept as a graph)."""
        pixels = self.frames[0].numel()
        if self.budget is None or self.cost is None:
            return variant_batch_size(4 * pixels * (32 + self.frames.shape[0]), self.frames.device)
        per_variant = self.cost.per_frame(backward=True) + 4 * pixels * 8
        held = self._jacobian_bytes() if self.jacobians is not None else self.cost.backward
        if self.jacobians is None:
            per_variant += self.cost.forward + self.frames.numel() * self.frames.element_size()
        return items_within(max(self.budget - held, self.budget // 8), per_variant, DEFAULT_BATCH_CAP)

    def distances(self, variant_frames: torch.Tensor, positions: torch.Tensor, on_batch=None) -> torch.Tensor:
        """(V, C, H, W) variant frames, (V,) long frame positions -> (V,) sum |S(X) - S(variant)|."""
        size, out = self.batch_size(), []
        for start in range(0, len(positions), size):
            out.append(self._chunk_distances(variant_frames[start : start + size], positions[start : start + size]))
            if on_batch is not None:
                on_batch(min(len(positions), start + size) / len(positions))
        return torch.cat(out)

    def _chunk_distances(self, variant_frames: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
        leaf = variant_frames.detach().clone().requires_grad_(True)
        index = torch.arange(len(positions), device=positions.device)
        with torch.enable_grad():
            rows = encode_frames(self.model, leaf)  # (v, F)
            sequences = swap_rows(self.feats, rows.detach(), positions).requires_grad_(True)
            scores = self.model.classify_features(sequences)[:, self.target].sum()
            (feat_grads,) = torch.autograd.grad(scores, sequences)  # (v, T, F)
            (own_grad,) = torch.autograd.grad(rows, leaf, feat_grads[index, positions])
        own = self.saliency[positions] - self._times_input(leaf.detach(), own_grad)
        delta = self.feat_grad.unsqueeze(0) - feat_grads
        delta[index, positions] = 0  # frame t is the own term
        return own.abs().flatten(1).sum(1) + self._other_frames_l1(delta)

    def _other_frames_l1(self, delta: torch.Tensor) -> torch.Tensor:
        """(v, T, F) feature-gradient differences -> (v,) sum over frames of |J_s^T delta_s| (x x_s)."""
        flat_frames = self.frames.flatten(1)  # (T, P)
        if self.jacobians is not None:
            total = delta.new_zeros(delta.shape[0])
            for s in range(delta.shape[1]):
                pixel_diff = delta[:, s] @ self.jacobians[s]  # (v, P)
                if self.times_input:
                    pixel_diff = pixel_diff * flat_frames[s]
                total += pixel_diff.abs().sum(1)
            return total
        leaf, feats = self._graph
        (pixel_diff,) = torch.autograd.grad(feats, leaf, delta, retain_graph=True, is_grads_batched=True)
        pixel_diff = self._times_input(self.frames.unsqueeze(0), pixel_diff)
        return pixel_diff.abs().flatten(1).sum(1)


def patch_boxes(height: int, width: int, patch: int) -> list[tuple[int, int, int, int]]:
    """Square patches tiling an (H, W) frame, row-major: (top, bottom, left, right); edge patches may be smaller."""
    return [(top, min(top + patch, height), left, min(left + patch, width))
            for top in range(0, height, patch) for left in range(0, width, patch)]


def patch_variants(frame: torch.Tensor, fill_frame: torch.Tensor,
                   boxes: list[tuple[int, int, int, int]]) -> torch.Tensor:
    """(..., H, W) frame(s) and fill -> (N, ..., H, W): the input with box n taken from the fill, for each box."""
    variants = frame.unsqueeze(0).repeat(len(boxes), *([1] * frame.dim()))
    for n, (top, bottom, left, right) in enumerate(boxes):
        variants[n, ..., top:bottom, left:right] = fill_frame[..., top:bottom, left:right]
    return variants
