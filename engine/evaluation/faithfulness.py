"""Model-side faithfulness and sanity checks: deletion/insertion curves and weight randomisation.

* :func:`deletion_insertion` (Petsiuk et al., "RISE", BMVC 2018): remove the
  most salient content first and watch the target probability fall
  (deletion; a low area is good), or add it to the fill first and watch it
  rise (insertion; a high area is good). ``mode="spatial"`` moves square
  patches of the whole clip in order of mean saliency; ``mode="temporal"``
  moves whole frames in order of their saliency mass, and also reports the
  same curves for random frame orders (the chance level).
* :func:`randomisation_check` (Adebayo et al., "Sanity Checks for Saliency
  Maps", NeurIPS 2018): maps of the trained model against maps of a copy with
  re-initialised weights; a high rank correlation means the map does not
  depend on what the model learned.

The patch helpers (:func:`patch_ranking`, :func:`patches_to_mask`) give the
spatial deletion order; :func:`engine.evaluation.stats.curve_auc` the area under a curve.
"""

from __future__ import annotations

import copy

import numpy as np
import torch
from torch import nn

from engine.evaluation.agreement import rank_correlation
from engine.models.base import per_frame
from engine.saliency.core import explain
from engine.saliency.structure import classify_sequences, fill_clip, variant_batch_size
from engine.evaluation.stats import curve_auc
from engine.io.tensors import InputSpec

RANDOM_ORDERS = 10


def patch_ranking(sal: np.ndarray, patch: int) -> np.ndarray:
    """Patches ordered by descending mean saliency (most salient first; ties by position).

    Edge patches smaller than ``patch`` are averaged over the pixels they hold.

    Args:
        sal: (T, H, W) saliency.
        patch: side of the square patches in pixels.

    Returns:
        (N, 3) int64 rows (t, i, j): frame, patch row, patch column;
        the patch covers rows i*patch:(i+1)*patch and columns j*patch:(j+1)*patch.
    """
    sal = np.asarray(sal, dtype=np.float64)
    frames, height, width = sal.shape
    rows, cols = -(-height // patch), -(-width // patch)
    padded = np.full((frames, rows * patch, cols * patch), np.nan)
    padded[:, :height, :width] = sal
    blocks = padded.reshape(frames, rows, patch, cols, patch)
    means = np.nanmean(blocks, axis=(2, 4))
    order = np.argsort(-means.ravel(), kind="stable")
    return np.stack(np.unravel_index(order, means.shape), axis=1).astype(np.int64)


def patches_to_mask(patches: np.ndarray, shape: tuple[int, int, int], patch: int) -> np.ndarray:
    """(K, 3) (t, i, j) patch indices -> (T, H, W) bool mask of the pixels they cover."""
    mask = np.zeros(shape, dtype=bool)
    for t, i, j in np.asarray(patches, dtype=np.int64).reshape(-1, 3):
        mask[t, i * patch : (i + 1) * patch, j * patch : (j + 1) * patch] = True
    return mask


def _probabilities(logits: torch.Tensor, target: int) -> np.ndarray:
    return torch.softmax(logits.float(), dim=1)[:, target].cpu().numpy().astype(np.float64)


def _batched_logits(model: nn.Module, clips, count: int, clip_bytes: int, device: torch.device) -> torch.Tensor:
    """(count, K) logits of clips made lazily by ``clips(start, stop)`` ((B, T, C, H, W)), in memory-sized batches."""
    size = variant_batch_size(8 * clip_bytes, device, cap=16)
    with torch.no_grad():
        return torch.cat([model(clips(start, min(count, start + size))) for start in range(0, count, size)])


def _batched_probabilities(model: nn.Module, clips, count: int, target: int, clip_bytes: int,
                           device: torch.device) -> np.ndarray:
    """Target probability of ``count`` clips produced lazily by ``clips(start, stop)``."""
    return _probabilities(_batched_logits(model, clips, count, clip_bytes, device), target)


def frame_removal_logits(model: nn.Module, x: torch.Tensor, fill: torch.Tensor, removed: torch.Tensor, *,
                         structured: bool | None = None) -> torch.Tensor:
    """Logits of the clip with some frames replaced by the fill's, for every row of ``removed``.

    Args:
        model: the classifier.
        x: (T, C, H, W) clip; fill: the same shape.
        removed: (R, T) bool, frames taken from ``fill`` in variant r.
        structured: use the per-frame fast path (cached CNN features); default when the model has one.

    Returns:
        (R, K) logits; both paths give the same numbers.
    """
    if per_frame(model) if structured is None else structured:
        with torch.no_grad():
            feats, fill_feats = model.frame_features(x.unsqueeze(0))[0], model.frame_features(fill.unsqueeze(0))[0]
        return classify_sequences(model, feats, fill_feats, removed)
    clip_bytes = x.numel() * x.element_size()
    return _batched_logits(model, lambda start, stop: torch.where(removed[start:stop, :, None, None, None], fill, x),
                           len(removed), clip_bytes, x.device)


def _spatial_curves(model, x, fill, display, target, patch, steps) -> dict:
    order = patch_ranking(display, patch)  # (N, 3) most salient first
    counts = np.unique(np.round(np.linspace(0, len(order), steps + 1)).astype(int))
    masks = np.stack([patches_to_mask(order[:k], display.shape, patch) for k in counts])  # (S, T, H, W)
    masks = torch.from_numpy(masks).to(x.device).unsqueeze(2)  # (S, T, 1, H, W)

    def deleted(start, stop):
        return torch.where(masks[start:stop], fill, x)

    def inserted(start, stop):
        return torch.where(masks[start:stop], x, fill)

    clip_bytes = x.numel() * x.element_size()
    return {
        "fractions": counts / len(order),
        "deletion_scores": _batched_probabilities(model, deleted, len(counts), target, clip_bytes, x.device),
        "insertion_scores": _batched_probabilities(model, inserted, len(counts), target, clip_bytes, x.device),
    }


def order_masks(order: np.ndarray, device: torch.device) -> torch.Tensor:
    """(T,) frame order -> (T + 1, T) bool: row k marks the first k frames of the order."""
    count = len(order)
    rank = np.empty(count, dtype=np.int64)
    rank[order] = np.arange(count)
    return torch.from_numpy(rank[None, :] < np.arange(count + 1)[:, None]).to(device)


def _temporal_curves(model, x, fill, display, target, seed, random_orders) -> dict:
    """Frame deletion/insertion; for per-frame models from cached CNN features (only the temporal part
    runs per step), for the others from whole clips in memory-sized batches."""
    mass = display.reshape(display.shape[0], -1).sum(axis=1)
    rng = np.random.default_rng(seed)
    orders = [np.argsort(-mass, kind="stable")] + [rng.permutation(len(mass)) for _ in range(random_orders)]
    removed = torch.cat([order_masks(o, x.device) for o in orders])  # (R * (T + 1), T)
    deletion = _probabilities(frame_removal_logits(model, x, fill, removed), target)
    insertion = _probabilities(frame_removal_logits(model, x, fill, ~removed), target)
    deletion, insertion = deletion.reshape(len(orders), -1), insertion.reshape(len(orders), -1)
    return {
        "fractions": np.arange(len(mass) + 1) / len(mass),
        "deletion_scores": deletion[0], "insertion_scores": insertion[0],
        "random_deletion_scores": deletion[1:].mean(0), "random_insertion_scores": insertion[1:].mean(0),
        "order": orders[0],
    }


def deletion_insertion(model: nn.Module, x: torch.Tensor, display: np.ndarray, target: int, *,
                       mode: str = "spatial", patch: int = 8, steps: int = 20, fill: str = "blur",
                       spec: InputSpec, seed: int = 0, random_orders: int = RANDOM_ORDERS) -> dict:
    """Deletion and insertion curves of the target probability, with their areas.

    Args:
        model: the classifier (eval mode; its device is used).
        x: (T, C, H, W) normalised clip.
        display: (T, H, W) non-negative saliency (e.g. ``SaliencyResult.display()``).
        target: class index.
        mode: "spatial" (patches, ``steps`` + 1 points) or "temporal" (frames, T + 1 points).
        patch: patch side in pixels (spatial).
        steps: curve points - 1 (spatial; fewer when there are fewer patches).
        fill: baseline kind of removed content (see :mod:`engine.saliency.baselines`).
        spec: the model's input spec.
        seed: seed of the random frame orders (temporal).
        random_orders: random frame orders averaged for the chance curves (temporal).

    Returns:
        dict with ``fractions`` (S,), ``deletion_scores`` (S,), ``insertion_scores`` (S,),
        ``deletion_auc``, ``insertion_auc``; temporal mode adds ``random_deletion_scores``,
        ``random_insertion_scores``, ``random_deletion_auc``, ``random_insertion_auc`` and ``order`` (T,).
    """
    device = next(model.parameters()).device
    x = x.to(device=device, dtype=torch.float32)
    display = np.asarray(display, dtype=np.float64)
    if display.shape != (x.shape[0], *x.shape[-2:]):
        raise ValueError(f"display {display.shape} must be (T, H, W) of x {tuple(x.shape)}")
    fill_x = fill_clip(x.unsqueeze(0), fill, spec)[0]
    model.eval()
    if mode == "spatial":
        curves = _spatial_curves(model, x, fill_x, display, target, patch, steps)
    elif mode == "temporal":
        curves = _temporal_curves(model, x, fill_x, display, target, seed, random_orders)
    else:
        raise ValueError(f"mode must be 'spatial' or 'temporal', got {mode!r}")
    for name in [k for k in curves if k.endswith("_scores")]:
        curves[name.replace("_scores", "_auc")] = curve_auc(curves["fractions"], curves[name])
    return curves


def reinitialise(module: nn.Module, generator: torch.Generator) -> None:
    """Re-draws ``module``'s own parameters in place from ``generator``.

    Normalisation layers get their initial scale 1 and shift 0; every other weight and
    bias is uniform in +-1/sqrt(fan_in) (fan_in of the module's weight), PyTorch's default scale.
    """
    params = dict(module.named_parameters(recurse=False))
    if not params:
        return
    if isinstance(module, (nn.modules.batchnorm._NormBase, nn.LayerNorm, nn.GroupNorm)):
        with torch.no_grad():
            for name, p in params.items():
                p.fill_(1.0 if name == "weight" else 0.0)
        return
    weights = [p for p in params.values() if p.dim() >= 2]
    fan_in = weights[0][0].numel() if weights else max(p.numel() for p in params.values())
    bound = 1.0 / np.sqrt(fan_in)
    with torch.no_grad():
        for p in params.values():
            draw = torch.rand(p.shape, generator=generator, dtype=torch.float32) * 2 - 1
            p.copy_((draw * bound).to(p.device, p.dtype))


def parameterised_modules(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """(name, module) of every module that owns parameters, from the output back to the input."""
    owned = [(n, m) for n, m in model.named_modules() if any(True for _ in m.parameters(recurse=False))]
    return owned[::-1]


def _correlations(trained: np.ndarray, randomised: np.ndarray) -> dict:
    return {"spearman_abs": rank_correlation(trained, randomised, absolute=True),
            "spearman_signed": rank_correlation(trained, randomised)}


def randomisation_check(model: nn.Module, x: torch.Tensor, method: str, *, spec: InputSpec, classes: list[str],
                        params: dict | None = None, seed: int = 0, layers: str = "all",
                        target: int | str | None = None, baseline: str = "blur") -> dict:
    """Model-parameter randomisation test: trained-model maps vs re-initialised-model maps.

    The caller's model is never changed: a deep copy is re-initialised with a
    generator seeded by ``seed``.

    Args:
        model: the trained classifier.
        x: (T, C, H, W) normalised clip.
        method: registered saliency method.
        spec: the model's input spec.
        classes: class names.
        params: method parameters.
        seed: seed of the re-initialisation and of the method.
        layers: "all" (every parameter at once), "cascade" (module by module from the output,
            cumulatively, one comparison per step) or "none" (no re-initialisation: the control,
            whose correlations are 1 for a deterministic method).
        target: explained class (the trained model's prediction when None); the same for both models.
        baseline: the methods' baseline.

    Returns:
        dict with ``method``, ``layers``, ``target``, ``spearman_abs`` and ``spearman_signed`` (with all
        parameters re-initialised), and for "cascade" ``cascade``: a list of {"module", "spearman_abs",
        "spearman_signed"} in randomisation order.
    """
    if layers not in ("all", "cascade", "none"):
        raise ValueError(f"layers must be 'all', 'cascade' or 'none', got {layers!r}")

    def attributions(net: nn.Module, target_index) -> tuple[np.ndarray, int]:
        result = explain(net, x, method, spec=spec, classes=classes, params=params, target=target_index,
                         baseline=baseline, seed=seed)
        return result.attributions, result.target

    trained, target_index = attributions(model, target)
    copy_model = copy.deepcopy(model)
    generator = torch.Generator().manual_seed(seed)
    steps = []
    to_randomise = parameterised_modules(copy_model) if layers != "none" else []
    for name, module in to_randomise:
        reinitialise(module, generator)
        if layers == "cascade":
            randomised = attributions(copy_model, target_index)[0]
            steps.append({"module": name or "(model)", **_correlations(trained, randomised)})
    final = steps[-1] if steps else _correlations(trained, attributions(copy_model, target_index)[0])
    report = {"method": method, "layers": layers, "target": target_index,
              "spearman_abs": final["spearman_abs"], "spearman_signed": final["spearman_signed"]}
    if layers == "cascade":
        report["cascade"] = steps
    return report
