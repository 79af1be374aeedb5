"""What a saliency method receives (:class:`SaliencyContext`) and returns (:class:`MethodOutput`)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import nn

from engine.errors import Cancelled
from engine.io.tensors import InputSpec
from engine.saliency.memory import ClipCost, items_within, probe_clip, resolve_budget

@dataclass
class SaliencyContext:
    """Inputs shared by every method.

    Attributes:
        model: the classifier, in eval mode, on ``x``'s device.
        x: (1, T, C, H, W) normalised model input.
        target: class index whose score is explained.
        spec: the model's input spec (to undo normalisation, e.g. for baselines).
        seed: seed for stochastic methods (SmoothGrad, GradientShap).
        baseline: "blur", "median" (static background: temporal median), "zero" or "black".
        on_progress: callback(stage: str, fraction: float) or None.
        cancel: set by the caller to stop; methods call :meth:`check`.
        memory_budget: bytes the method's batches may use (see :mod:`engine.saliency.memory`);
            None: resolved on first use (a ``memory_budget`` block, the environment, else free memory).
    """

    model: nn.Module
    x: torch.Tensor
    target: int
    spec: InputSpec
    seed: int = 0
    baseline: str = "blur"
    on_progress: Callable[[str, float], None] | None = None
    cancel: threading.Event | None = None
    memory_budget: int | None = None
    _cost: ClipCost | None = field(default=None, repr=False, compare=False)

    def progress(self, stage: str, fraction: float) -> None:
        """Reports progress and raises :class:`Cancelled` when the caller asked to stop."""
        self.check()
        if self.on_progress is not None:
            self.on_progress(stage, float(min(max(fraction, 0.0), 1.0)))

    def check(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise Cancelled("Computation stopped.")

    def generator(self) -> torch.Generator:
        """A fresh generator seeded with ``seed`` (on the input's device)."""
        return torch.Generator(device=self.x.device).manual_seed(self.seed)

    def budget(self) -> int:
        """The memory budget in bytes (resolved once, then kept)."""
        if self.memory_budget is None:
            self.memory_budget, _source = resolve_budget(None, self.x.device)
        return int(self.memory_budget)

    def clip_cost(self) -> ClipCost:
        """Bytes of one clip through the model (one probe pass, on first use)."""
        if self._cost is None:
            self._cost = probe_clip(self.model, self.x)
        return self._cost

    def clips_per_pass(self, *, backward: bool, cap: int) -> int:
        """How many clips of ``x``'s size one pass may take within the budget, in [1, cap]."""
        cost = self.clip_cost()
        return items_within(self.budget(), cost.backward if backward else cost.forward, cap)

    def items_within(self, bytes_per_item: int, cap: int) -> int:
        """How many items of ``bytes_per_item`` fit in the budget, in [1, cap]."""
        return items_within(self.budget(), bytes_per_item, cap)

    def score(self, batch: torch.Tensor) -> torch.Tensor:
        """(B, T, C, H, W) -> (B,) the target logit."""
        return self.model(batch)[:, self.target]


@dataclass
class MethodOutput:
    """What a method function returns.

    Attributes:
        attributions: (T, C, H, W) signed attributions for the input ``x``.
        temporal_occlusion: optional (T,) drop in the target probability when each frame is removed.
        diagnostics: method-specific numbers (e.g. IG convergence delta).
    """

    attributions: torch.Tensor
    temporal_occlusion: torch.Tensor | None = None
    diagnostics: dict = field(default_factory=dict)
