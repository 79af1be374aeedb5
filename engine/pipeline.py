"""One clip, end to end: prediction, saliency, flow on the same frames, agreement.

This is the single entry point the CLI, the app and the study share, so every
front end computes the same thing the same way.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import torch

import engine
from engine.errors import UserError
from engine.evaluation.agreement import agreement_table
from engine.evaluation.motion import Motion, window_motion
from engine.flow import Flow, compute_flow
from engine.io.masks import resize_masks
from engine.io.tensors import clip_to_tensor
from engine.io.video import Clip
from engine.models.checkpoint import LoadedModel
from engine.saliency import SaliencyResult, explain, load_result, save_result


@dataclass
class Analysis:
    """Everything computed for one clip under one method.

    Attributes:
        clip: the sampled frames (display resolution) and their source indices.
        result: the saliency result (attributions at model resolution).
        flow: optical flow of the same frames at model resolution.
        masks: (T, h, w) ground-truth masks at model resolution, or None.
        metrics: agreement table (see :func:`engine.evaluation.agreement.agreement_table`) of the abs display map.
        info: checkpoint and clip provenance, and the window's motion (:meth:`motion`).
    """

    clip: Clip
    result: SaliencyResult
    flow: Flow
    masks: np.ndarray | None
    metrics: dict
    info: dict = field(default_factory=dict)

    def motion(self) -> Motion | None:
        """Whether anyone moves in the clip's frames (None for a result saved before motion was measured)."""
        found = self.info.get("motion")
        return None if found is None else Motion(found["moving_share"], found["motion_threshold"])

    def clip_metrics(self) -> dict[str, float]:
        """Per-clip metric values (keys ending in '.clip', suffix removed)."""
        return {k[: -len(".clip")]: float(v) for k, v in self.metrics.items() if k.endswith(".clip")}

    def frame_metrics(self) -> dict[str, np.ndarray]:
        """Per-frame metric arrays (T,)."""
        return {k: np.asarray(v) for k, v in self.metrics.items() if not k.endswith(".clip")}

    def frame_table(self, reduction: str = "abs") -> list[dict]:
        """The metrics table, one schema for every CSV: one row per frame, then one ``clip`` row.

        Frame rows: ``t``, ``frame_index`` (source), ``time_s``, ``mass_share`` (share of the clip's
        saliency mass), ``temporal_occlusion`` (when computed) and every per-frame metric (sorted).
        The clip row holds ``t = "clip"`` and the per-clip values, clip-only metrics included.
        """
        importance = self.result.timestep_importance(reduction)
        occlusion = self.result.temporal_occlusion
        metrics = dict(sorted(self.frame_metrics().items()))
        rows = []
        for t, (index, seconds) in enumerate(zip(self.clip.indices, self.clip.timestamps)):
            row = {"t": t, "frame_index": int(index), "time_s": round(float(seconds), 4),
                   "mass_share": float(importance[t])}
            if occlusion is not None:
                row["temporal_occlusion"] = float(occlusion[t])
            rows.append(row | {name: float(values[t]) for name, values in metrics.items()})
        clip_values = self.clip_metrics()
        rows.append({"t": "clip"} | {name: clip_values[name] for name in [*metrics, *sorted(clip_values)]
                                     if name in clip_values})
        return rows


def _source_gap(indices: np.ndarray) -> int:
    """Source frames between two sampled frames (the median step; 1 for a clip of one frame)."""
    steps = np.diff(np.asarray(indices))
    return max(1, int(np.median(steps))) if len(steps) else 1


def analyse_clip(
    loaded: LoadedModel,
    clip: Clip,
    method: str = "gradient",
    *,
    params: dict | None = None,
    target: int | str | None = None,
    baseline: str = "blur",
    flow_method: str = "farneback",
    camera: str = "none",
    seed: int = 0,
    on_progress: Callable[[str, float], None] | None = None,
    cancel: threading.Event | None = None,
) -> Analysis:
    """Classifies ``clip``, explains it with ``method`` and compares the map with flow (and masks).

    Args:
        loaded: the checkpoint's model on its device.
        clip: T frames (T must equal the checkpoint's frame count).
        method: registered saliency method.
        params: method parameters.
        target: class index or name; the prediction when None.
        baseline: baseline of path/perturbation methods.
        flow_method: key of ``engine.flow.FLOW_METHODS``.
        camera: camera-motion compensation: "none", "median" or "similarity".
        seed: seed of stochastic methods.
        on_progress: callback(stage, fraction).
        cancel: Event that stops the computation.
    """
    spec = loaded.meta.input_spec
    if clip.num_frames != spec.num_frames:
        raise UserError(f"The clip has {clip.num_frames} frames but the model expects {spec.num_frames}.")
    x = clip_to_tensor(clip, spec).to(loaded.device)
    result = explain(loaded.model, x, method, spec=spec, classes=loaded.meta.classes, params=params, target=target,
                     baseline=baseline, seed=seed, on_progress=on_progress, cancel=cancel)
    if on_progress:
        on_progress("optical flow", 0.0)
    flow = compute_flow(clip.frames, flow_method, size=(spec.height, spec.width), compensate_camera=camera)
    masks = None if clip.masks is None else resize_masks(clip.masks, spec.height, spec.width)
    metrics = agreement_table(result.display("abs"), flow.magnitude, masks, flow_valid=flow.valid)
    info = {"checkpoint": loaded.meta.path, "checkpoint_sha256": loaded.meta.sha256,
            "model_identity": loaded.meta.identity, "model": loaded.meta.model_name,
            "clip": clip.path, "frame_indices": clip.indices.tolist(), "fps": clip.fps,
            "source_size": list(clip.source_size), "flow_method": flow_method, "camera": camera, "seed": seed,
            "motion": window_motion(clip.frames, frame_step=_source_gap(clip.indices)).as_dict()}
    return Analysis(clip, result, flow, masks, metrics, info)


def library_versions() -> dict[str, str]:
    """Versions of the libraries that shape a result."""
    versions = {"engine": engine.__version__, "torch": torch.__version__, "numpy": np.__version__,
                "opencv": cv2.__version__}
    try:
        import captum

        versions["captum"] = captum.__version__
    except ImportError:  # pragma: no cover - captum is a requirement
        pass
    return versions


def load_analysis(path: str | Path) -> Analysis:
    """Reads a file written by :func:`save_analysis` back as an :class:`Analysis`.

    The clip holds the saved frames (no display-resolution masks); ``masks`` are the saved
    model-resolution masks; ``info`` is the file's metadata.

    Raises:
        UserError: no such file, not a result file, or one without frames and flow.
    """
    if not Path(path).is_file():
        raise UserError(f"No such result file: {path}")
    try:
        result, arrays, meta = load_result(path)
    except (OSError, ValueError, KeyError) as exc:
        raise UserError(f"{path} is not a saliency result file: {exc}") from None
    missing = [name for name in ("frames", "frame_indices", "flow") if name not in arrays]
    if missing:
        raise UserError(f"{path} lacks {', '.join(missing)}; write it with python -m engine saliency.")
    frames = arrays["frames"]
    clip = Clip(frames, arrays["frame_indices"], float(meta.get("fps") or 25.0),
                tuple(meta.get("source_size") or (frames.shape[2], frames.shape[1])), str(meta.get("clip") or ""),
                label=meta.get("label"))
    fields = arrays["flow"].astype(np.float32)
    flow = Flow(fields, meta.get("flow_method", "farneback"), arrays.get("flow_valid", np.ones(len(fields), bool)),
                meta.get("camera", "none"))
    metrics = {k[len("metric."):]: v for k, v in arrays.items() if k.startswith("metric.")}
    metrics |= {f"{k}.clip": float(v) for k, v in meta.get("metrics", {}).items()}
    return Analysis(clip, result, flow, arrays.get("masks"), metrics, meta)


def save_analysis(path: str | Path, analysis: Analysis) -> Path:
    """Writes one ``.npz``: attributions, display maps, timestep importance, flow, frames,
    frame indices, probabilities, per-frame metrics and JSON metadata."""
    arrays = {
        "frames": analysis.clip.frames,
        "frame_indices": analysis.clip.indices,
        "flow": analysis.flow.fields.astype(np.float16),
        "flow_valid": analysis.flow.valid,
    }
    if analysis.masks is not None:
        arrays["masks"] = analysis.masks
    arrays.update({f"metric.{k}": v.astype(np.float32) for k, v in analysis.frame_metrics().items()})
    meta = {**analysis.info, "metrics": analysis.clip_metrics(), "versions": library_versions(),
            "label": analysis.clip.label}
    return save_result(path, analysis.result, arrays, meta)
