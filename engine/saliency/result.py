"""The one result type of every saliency method, and its ``.npz`` file.

Channel reduction for display (documented once, used everywhere):

* ``abs``: sum over channels of |attribution| (default: where the model looks);
* ``positive``: sum over channels of max(attribution, 0) (evidence for the target);
* ``negative``: sum over channels of max(-attribution, 0) (evidence against it).

Per-timestep importance from attribution mass: the ``abs`` map summed over each
frame, divided by the clip total (sums to 1).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

REDUCTIONS = ("abs", "positive", "negative")


def reduce_channels(attributions: np.ndarray, reduction: str = "abs") -> np.ndarray:
    """(T, C, H, W) signed attributions -> (T, H, W) non-negative display map."""
    if reduction == "abs":
        return np.abs(attributions).sum(axis=1)
    if reduction == "positive":
        return np.clip(attributions, 0, None).sum(axis=1)
    if reduction == "negative":
        return np.clip(-attributions, 0, None).sum(axis=1)
    raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")


def mass_per_frame(display: np.ndarray) -> np.ndarray:
    """(T, H, W) -> (T,) share of the clip's saliency mass in each frame (sums to 1)."""
    mass = display.reshape(display.shape[0], -1).sum(axis=1).astype(np.float64)
    total = mass.sum()
    return (mass / total if total > 0 else np.full_like(mass, 1.0 / len(mass))).astype(np.float32)


@dataclass
class SaliencyResult:
    """Saliency of one clip under one method.

    Attributes:
        method: registered method name.
        params: the method's resolved parameters.
        attributions: (T, C, H, W) float32 signed attributions on the model input.
        target: explained class index.
        classes: class names.
        probabilities: (K,) model probabilities for the clip.
        temporal_occlusion: (T,) probability drop per removed frame, or None.
        diagnostics: seconds, device, and method-specific numbers.
        baseline: the baseline (or fill) the method used, as its diagnostics report it; "" for a method that
            uses none (gradient, Grad-CAM, ...).
    """

    method: str
    params: dict
    attributions: np.ndarray
    target: int
    classes: list[str]
    probabilities: np.ndarray
    temporal_occlusion: np.ndarray | None = None
    diagnostics: dict = field(default_factory=dict)
    baseline: str = ""

    @property
    def target_name(self) -> str:
        return self.classes[self.target]

    @property
    def predicted(self) -> int:
        return int(np.argmax(self.probabilities))

    def display(self, reduction: str = "abs") -> np.ndarray:
        """(T, H, W) float32 display map (see module docstring)."""
        return reduce_channels(self.attributions, reduction).astype(np.float32)

    def timestep_importance(self, reduction: str = "abs") -> np.ndarray:
        """(T,) attribution mass per frame, summing to 1."""
        return mass_per_frame(self.display(reduction))

    def metadata(self) -> dict:
        return {
            "method": self.method, "params": self.params, "target": self.target, "classes": self.classes,
            "diagnostics": self.diagnostics, "baseline": self.baseline,
        }


def save_result(path, result: SaliencyResult, extra_arrays: dict | None = None, extra_meta: dict | None = None) -> Path:
    """Writes one ``.npz``: arrays plus a JSON ``metadata`` string (no pickles).

    Display maps are not stored: :meth:`SaliencyResult.display` derives them from the attributions
    (files from before this change hold ``display_*`` arrays too; they load the same).
    """
    arrays = {
        "attributions": result.attributions.astype(np.float32),
        "timestep_importance": result.timestep_importance(),
        "probabilities": result.probabilities.astype(np.float32),
    }
    if result.temporal_occlusion is not None:
        arrays["temporal_occlusion"] = result.temporal_occlusion.astype(np.float32)
    arrays.update(extra_arrays or {})
    meta = {**result.metadata(), **(extra_meta or {})}
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.stem + ".tmp.npz")
    np.savez_compressed(tmp, metadata=np.array(json.dumps(meta, default=_json_default)), **arrays)
    tmp.replace(path)
    return path


def load_result(path) -> tuple[SaliencyResult, dict, dict]:
    """Reads a result file: (result, all arrays by name, metadata dict)."""
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files if k != "metadata"}
        meta = json.loads(str(z["metadata"]))
    result = SaliencyResult(
        method=meta["method"], params=meta["params"], attributions=arrays["attributions"], target=meta["target"],
        classes=meta["classes"], probabilities=arrays["probabilities"],
        temporal_occlusion=arrays.get("temporal_occlusion"), diagnostics=meta.get("diagnostics", {}),
        baseline=meta.get("baseline", ""),
    )
    return result, arrays, meta


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)
