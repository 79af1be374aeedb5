"""One saliency task (a clip under a method) and how it runs, wherever it runs.

A finished task is not run again (resume): its output file records the task's key
(:func:`task_key`: the model's identity, the clip and every setting), and a file whose
key differs (another checkpoint, other settings, or a file from before keys) is
computed again and replaced. Its summary row is read back from that file. Results do
not depend on the executor (:mod:`engine.runs.local`, :mod:`engine.runs.cluster`):
every task seeds itself and runs the same code.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from engine.data import ClipRecord, read_record
from engine.models.checkpoint import load_checkpoint
from engine.pipeline import analyse_clip, save_analysis
from engine.saliency import load_result


@dataclass(frozen=True)
class SaliencyTask:
    """One clip under one method; everything needed to run it anywhere.

    ``clip_path`` is a video file or a UCF101-style frame folder; ``start``/``stop``
    (0-based, half-open) select a sub-sequence such as KTH's 00sequences.txt ranges.
    """

    clip_path: str
    checkpoint: str
    method: str
    out_path: str
    params: tuple = ()
    target: str | None = None
    baseline: str = "blur"
    flow_method: str = "farneback"
    camera: str = "none"
    seed: int = 0
    label: str | None = None
    start: int = 0
    stop: int | None = None
    extra: dict = field(default_factory=dict, hash=False, compare=False)


def _cached_model(checkpoint: str, device: str):
    """The model of a checkpoint file, loaded once per process while the file stays the same."""
    stat = Path(checkpoint).stat()
    return _load_model(checkpoint, device, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=4)
def _load_model(checkpoint: str, device: str, mtime_ns: int, size: int):
    return load_checkpoint(checkpoint, device=device)


def task_key(task: SaliencyTask, model_identity: str) -> str:
    """The digest of everything a task's result depends on: the model's identity, the clip and the settings.

    ``out_path``, ``label`` and ``extra`` only say where and how the result is filed, so they are left out.
    """
    fields = {"model": model_identity, "clip": str(Path(task.clip_path).resolve()), "start": task.start,
              "stop": task.stop, "method": task.method, "params": [list(p) for p in task.params],
              "target": task.target, "baseline": task.baseline, "flow": task.flow_method, "camera": task.camera,
              "seed": task.seed}
    return hashlib.sha256(json.dumps(fields, sort_keys=True, default=repr).encode()).hexdigest()


def stored_task_key(path: Path) -> str | None:
    """The task key a result file records (None: no file, an unreadable one, or one from before keys)."""
    try:
        with np.load(path, allow_pickle=False) as z:
            return json.loads(str(z["metadata"])).get("task_key")
    except (OSError, KeyError, ValueError):
        return None


def is_done(task: SaliencyTask, device: str = "cpu") -> bool:
    """Whether ``task.out_path`` holds this very task's result (same model identity, clip and settings)."""
    out = Path(task.out_path)
    if not out.is_file():
        return False
    return stored_task_key(out) == task_key(task, _cached_model(task.checkpoint, device).meta.identity)


def run_task(task: SaliencyTask, device: str = "cpu") -> dict:
    """Runs one task (or reads its existing output, when its key matches) and returns its summary row."""
    out = Path(task.out_path)
    if not is_done(task, device):
        loaded = _cached_model(task.checkpoint, device)
        record = ClipRecord(task.clip_path, task.label or "", "", Path(task.clip_path).stem, task.start, task.stop)
        clip = read_record(record, loaded.meta.input_spec.num_frames, frame_step=loaded.meta.input_spec.frame_step)
        clip.label = task.label or clip.meta.get("label") or None
        analysis = analyse_clip(loaded, clip, task.method, params=dict(task.params), target=task.target,
                                baseline=task.baseline, flow_method=task.flow_method, camera=task.camera,
                                seed=task.seed)
        analysis.info["task_key"] = task_key(task, loaded.meta.identity)
        save_analysis(out, analysis)
    return summary_row(out, task)


def summary_row(path: Path, task: SaliencyTask) -> dict:
    """The CSV row of a finished task, read from its result file."""
    result, _, meta = load_result(path)
    row = {"clip": task.clip_path, "label": meta.get("label") or task.label or "", "method": task.method,
           "model": meta.get("model", ""), "predicted": result.classes[result.predicted],
           "target": result.target_name, "confidence": float(result.probabilities.max()),
           "seconds": result.diagnostics.get("seconds", float("nan")), "result": str(path), **task.extra}
    row.update({k: v for k, v in meta.get("metrics", {}).items()})
    return row
