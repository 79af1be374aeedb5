"""Memory budget of a saliency computation and the probe that sizes batches from it.

Every batched method (IG's internal batch, SmoothGrad's and GradientSHAP's samples,
occlusion's perturbations, TSR's and temporal occlusion's variants, the generic
full-clip passes) asks the context how many items fit: ``budget // bytes per item``,
within [1, the method's own cap]. Batching never changes the numbers (in eval mode
the items of a batch do not interact), only the peak memory.

The budget is, first found wins: ``explain(memory_budget=...)``; a
:func:`memory_budget` block around the call (the CLI's ``--memory-budget``, the
app's setting; a context variable, so one Streamlit session never sets another's);
the ``VSE_MEMORY_BUDGET`` environment variable (inherited by batch workers);
else :data:`DEFAULT_SHARE` of the free memory (RAM on a CPU, free CUDA memory on a GPU), on a CPU
at most :data:`CPU_DEFAULT_CAP`.

Bytes per clip come from one probe pass (:func:`probe_clip`): on CUDA the allocator's
peak over a forward and backward pass of one clip; on a CPU the bytes of every
tensor autograd saves for backward during one forward pass (the activations a
backward pass keeps alive, counted by storage, so views are not counted twice)
plus the largest of them twice (the transient gradient buffers).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import torch
from torch import nn

from engine.errors import UserError
from engine.models.base import per_frame

DEFAULT_SHARE = 0.25
# On a CPU a bigger batch buys no speed (stacked clips run no faster than a loop on 2 cores), so the
# automatic budget stops here; a GPU's stays a share of its free memory.
CPU_DEFAULT_CAP = 2 << 30
ENV_VAR = "VSE_MEMORY_BUDGET"
_BUDGET: ContextVar[int | None] = ContextVar("vse_memory_budget", default=None)
_UNITS = {"": 1, "b": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def parse_budget(text: str | float | None) -> int | None:
    """"4G", "512M", "2.5GB", "1e9" or a number of bytes -> bytes; None, "", "auto" or 0 -> None (automatic)."""
    if text is None:
        return None
    if isinstance(text, (int, float)):
        return int(text) if text > 0 else None
    cleaned = str(text).strip().lower().replace("ib", "").rstrip("b") if str(text).strip() else ""
    if cleaned in ("", "auto", "0"):
        return None
    match = re.fullmatch(r"([0-9]*\.?[0-9]+(?:e[0-9]+)?)\s*([kmgt]?)", cleaned)
    if match is None:
        raise UserError(f"A memory budget is a size such as 4G, 512M or 2.5GB; got {text!r}.")
    value = int(float(match.group(1)) * _UNITS[match.group(2)])
    return value if value > 0 else None


@contextmanager
def memory_budget(nbytes: int | str | None) -> Iterator[None]:
    """Within this block, ``explain`` uses ``nbytes`` (None: automatic) unless given one itself."""
    token = _BUDGET.set(parse_budget(nbytes))
    try:
        yield
    finally:
        _BUDGET.reset(token)


def free_memory_bytes(device: torch.device) -> int:
    """Free memory on ``device``: CUDA's free memory, else the system's MemAvailable (1 GiB if unknown)."""
    if device.type == "cuda":
        free, _total = torch.cuda.mem_get_info(device)
        return int(free)
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 1 << 30


def resolve_budget(explicit: int | str | None, device: torch.device) -> tuple[int, str]:
    """(budget in bytes, where it came from: "given", "setting", "environment" or "free memory")."""
    for value, source in ((explicit, "given"), (_BUDGET.get(), "setting"), (os.environ.get(ENV_VAR), "environment")):
        parsed = parse_budget(value)
        if parsed is not None:
            return parsed, source
    share = int(free_memory_bytes(device) * DEFAULT_SHARE)
    return (share if device.type == "cuda" else min(share, CPU_DEFAULT_CAP)), "free memory"


@dataclass(frozen=True)
class ClipCost:
    """Measured bytes of one clip through the model.

    Attributes:
        backward: one forward pass with gradients plus its backward pass (peak).
        forward: one forward pass without gradients (peak, estimated as the largest activations).
        frames: T, to share the cost per frame on per-frame models.
    """

    backward: int
    forward: int
    frames: int

    def per_frame(self, *, backward: bool) -> int:
        """Bytes of one frame through a per-frame CNN (the clip's cost / T)."""
        return max(1, (self.backward if backward else self.forward) // max(1, self.frames))


def probe_clip(model: nn.Module, x: torch.Tensor) -> ClipCost:
    """One probe pass of ``model`` on the (1, T, C, H, W) clip ``x`` (see the module docstring).

    A model with per-frame features (the same CNN on every frame, frames independent) is
    probed on one frame, its CNN cost counted T times, plus its temporal part on (1, T, F).
    """
    if x.device.type == "cuda":
        return _probe_cuda(model, x)
    frames = int(x.shape[1])
    if per_frame(model):
        cnn_saved, cnn_largest, feats = _saved_bytes(model, model.frame_features, x[:, :1])
        sequence = feats.detach().expand(1, frames, feats.shape[-1]).contiguous()
        head_saved, head_largest, _ = _saved_bytes(model, model.classify_features, sequence)
        saved, largest = frames * cnn_saved + head_saved, max(frames * cnn_largest, head_largest)
    else:
        saved, largest, _ = _saved_bytes(model, model, x)
    input_bytes = x.numel() * x.element_size()
    return ClipCost(backward=saved + 2 * largest + 2 * input_bytes, forward=3 * largest + input_bytes, frames=frames)


def _saved_bytes(model: nn.Module, fn, x: torch.Tensor) -> tuple[int, int, torch.Tensor]:
    """(bytes autograd saves in ``fn(x)``, the largest saved storage, the output), counted by storage;
    ``model``'s own parameters and buffers (saved by reference, not allocated) are left out."""
    weights = {t.untyped_storage().data_ptr() for t in (*model.parameters(), *model.buffers())}
    storages: dict[int, int] = {}

    def pack(tensor: torch.Tensor) -> torch.Tensor:
        storage = tensor.untyped_storage()
        if storage.data_ptr() not in weights:
            storages[storage.data_ptr()] = storage.nbytes()
        return tensor

    leaf = x.detach().clone().requires_grad_(True)
    with torch.enable_grad(), torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = fn(leaf)
    largest = max(storages.values(), default=leaf.numel() * leaf.element_size())
    return sum(storages.values()), largest, out.detach()


def _probe_cuda(model: nn.Module, x: torch.Tensor) -> ClipCost:
    device = x.device
    torch.cuda.synchronize(device)
    base = torch.cuda.memory_allocated(device)
    torch.cuda.reset_peak_memory_stats(device)
    with torch.no_grad():
        model(x)
    forward = torch.cuda.max_memory_allocated(device) - base
    torch.cuda.reset_peak_memory_stats(device)
    leaf = x.detach().clone().requires_grad_(True)
    with torch.enable_grad():
        (grad,) = torch.autograd.grad(model(leaf).sum(), leaf)
    del grad, leaf
    backward = torch.cuda.max_memory_allocated(device) - base
    return ClipCost(backward=max(1, backward), forward=max(1, forward), frames=int(x.shape[1]))


def items_within(budget: int, bytes_per_item: int, cap: int) -> int:
    """How many items of ``bytes_per_item`` fit in ``budget``, within [1, cap]."""
    return int(max(1, min(int(cap), int(budget) // max(1, int(bytes_per_item)))))
