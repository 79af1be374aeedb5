"""``explain``: run any registered method on a clip and get a :class:`SaliencyResult`."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import numpy as np
import torch
from torch import nn

from engine.errors import UserError
from engine.io.tensors import InputSpec
from engine.saliency.context import SaliencyContext
from engine.saliency.memory import resolve_budget
from engine.saliency.registry import get_method
from engine.saliency.result import SaliencyResult


def explain(
    model: nn.Module,
    x: torch.Tensor,
    method: str,
    *,
    spec: InputSpec,
    classes: list[str],
    params: dict | None = None,
    target: int | str | None = None,
    baseline: str = "blur",
    seed: int = 0,
    on_progress: Callable[[str, float], None] | None = None,
    cancel: threading.Event | None = None,
    memory_budget: int | str | None = None,
) -> SaliencyResult:
    """Saliency of one clip under one method, in eval mode, deterministic for a seed.

    Args:
        model: a registered video classifier (its device is used; it is put in eval mode).
        x: (T, C, H, W) normalised clip.
        method: a registered method name.
        spec: the model's input spec.
        classes: class names (for ``target`` given by name and for the result).
        params: method parameters (defaults from the schema fill the rest).
        target: class index or name; the prediction when None.
        baseline: see :mod:`engine.saliency.baselines`.
        seed: seed of stochastic methods.
        on_progress: callback(stage, fraction).
        cancel: an Event; setting it stops the computation with ``Cancelled``.
        memory_budget: bytes (or "4G") batched methods may use; None: a ``memory_budget`` block,
            ``VSE_MEMORY_BUDGET``, else a share of free memory (:mod:`engine.saliency.memory`).
            The attributions do not depend on it.

    Returns:
        the SaliencyResult (attributions on CPU, float32).
    """
    entry = get_method(method)
    values = entry.resolve(params)
    model.eval()
    device = next(model.parameters()).device
    batch = x.to(device=device, dtype=torch.float32).unsqueeze(0)
    with torch.no_grad():
        probabilities = torch.softmax(model(batch), dim=1)[0].cpu().numpy()
    target_index = resolve_target(target, classes, probabilities)
    budget, budget_source = resolve_budget(memory_budget, device)
    ctx = SaliencyContext(model, batch, target_index, spec, seed, baseline, on_progress, cancel, budget)
    start = time.perf_counter()
    ctx.progress(entry.label, 0.0)
    output = entry.fn(ctx, **values)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    seconds = time.perf_counter() - start
    ctx.progress(entry.label, 1.0)
    attributions = output.attributions.detach().float().cpu().numpy()
    occlusion = None if output.temporal_occlusion is None else output.temporal_occlusion.detach().float().cpu().numpy()
    # "path": which computation ran; methods with a per-frame fast path say "per-frame" when they took it.
    diagnostics = {"seconds": round(seconds, 4), "device": str(device), "path": "generic",
                   "memory_budget_mb": round(budget / 2**20), "memory_budget_source": budget_source}
    if ctx._cost is not None:  # a batched method probed the model: say what one clip costs
        diagnostics["clip_backward_mb"] = round(ctx._cost.backward / 2**20, 1)
    diagnostics.update(output.diagnostics)
    used = str(output.diagnostics.get("baseline") or output.diagnostics.get("fill") or "")  # "" for methods with none
    return SaliencyResult(entry.name, values, attributions.astype(np.float32), target_index, list(classes),
                          probabilities, occlusion, diagnostics, used)


def resolve_target(target: int | str | None, classes: list[str], probabilities: np.ndarray) -> int:
    """Class index from an index, a name, or None (the prediction)."""
    if target is None or target == "":
        return int(np.argmax(probabilities))
    if isinstance(target, str) and not target.isdigit():
        if target not in classes:
            raise UserError(f"Unknown target class {target!r}; classes are: {', '.join(classes)}.")
        return classes.index(target)
    index = int(target)
    if not 0 <= index < len(classes):
        raise UserError(f"Target class index {index} is out of range 0..{len(classes) - 1}.")
    return index
