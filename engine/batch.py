"""Batch saliency: one task per (clip, method), resumable, on local cores or a Ray cluster.

A task's output file is its identity: a task whose ``out_path`` exists is not
run again (resume), and its summary row is read back from that file. Results do
not depend on the executor: every task seeds itself and runs the same code.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from tqdm import tqdm

EXECUTORS = ("local", "ray")


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


@lru_cache(maxsize=4)
def _cached_model(checkpoint: str, device: str):
    from engine.checkpoint import load_checkpoint

    return load_checkpoint(checkpoint, device=device)


def run_task(task: SaliencyTask, device: str = "cpu") -> dict:
    """Runs one task (or reads its existing output) and returns its summary row."""
    out = Path(task.out_path)
    if not out.is_file():
        from engine.analysis import analyse_clip, save_analysis
        from engine.data import ClipRecord, read_record

        loaded = _cached_model(task.checkpoint, device)
        record = ClipRecord(task.clip_path, task.label or "", "", Path(task.clip_path).stem, task.start, task.stop)
        clip = read_record(record, loaded.meta.input_spec.num_frames, frame_step=loaded.meta.input_spec.frame_step)
        clip.label = task.label or clip.meta.get("label") or None
        analysis = analyse_clip(loaded, clip, task.method, params=dict(task.params), target=task.target,
                                baseline=task.baseline, flow_method=task.flow_method, camera=task.camera,
                                seed=task.seed)
        save_analysis(out, analysis)
    return summary_row(out, task)


def summary_row(path: Path, task: SaliencyTask) -> dict:
    """The CSV row of a finished task, read from its result file."""
    from engine.saliency import load_result

    result, _, meta = load_result(path)
    row = {"clip": task.clip_path, "label": meta.get("label") or task.label or "", "method": task.method,
           "model": meta.get("model", ""), "predicted": result.classes[result.predicted],
           "target": result.target_name, "confidence": float(result.probabilities.max()),
           "seconds": result.diagnostics.get("seconds", float("nan")), "result": str(path), **task.extra}
    row.update({k: v for k, v in meta.get("metrics", {}).items()})
    return row


def run_tasks(tasks: Sequence[SaliencyTask], *, executor: str = "local", workers: int | None = None,
              address: str | None = None, device: str = "cpu",
              on_row: Callable[[dict], None] | None = None) -> list[dict]:
    """Runs tasks in parallel; returns rows in task order. Finished tasks are skipped (resume).

    Args:
        tasks: the tasks.
        executor: "local" (a process per core) or "ray" (each task a Ray task).
        workers: local processes (default: all cores; 1 runs in this process).
        address: Ray cluster address (None starts a local Ray instance).
        device: "cpu" or "cuda" for every task.
        on_row: called with each finished row (progress reporting).
    """
    if executor not in EXECUTORS:
        from engine.errors import UserError

        raise UserError(f"Unknown executor {executor!r}; choose one of: {', '.join(EXECUTORS)}.")
    if executor == "ray":
        from engine.ray_executor import run_on_ray

        return run_on_ray(tasks, address=address, device=device, on_row=on_row, workers=workers)
    return _run_local(tasks, workers or os.cpu_count() or 1, device, on_row)


def _run_local(tasks, workers: int, device: str, on_row) -> list[dict]:
    rows: list[dict | None] = [None] * len(tasks)
    bar = tqdm(total=len(tasks), desc="saliency", unit="task")
    if workers <= 1 or len(tasks) <= 1:
        for i, task in enumerate(tasks):
            rows[i] = run_task(task, device)
            _done(bar, rows[i], on_row)
    else:
        import concurrent.futures as cf
        import multiprocessing as mp

        with cf.ProcessPoolExecutor(workers, mp_context=mp.get_context("spawn"), initializer=_init_worker) as pool:
            futures = {pool.submit(run_task, task, device): i for i, task in enumerate(tasks)}
            for future in cf.as_completed(futures):
                rows[futures[future]] = future.result()
                _done(bar, rows[futures[future]], on_row)
    bar.close()
    return rows  # type: ignore[return-value]


def _done(bar, row, on_row) -> None:
    bar.update(1)
    if on_row:
        on_row(row)


def _init_worker() -> None:
    import torch

    torch.set_num_threads(1)  # one core a worker process

