"""Batch saliency: one task per (clip, method), resumable, on local cores or a Ray cluster.

``tasks`` holds what a task is and how one runs; ``local`` and ``cluster`` (Ray) are
the executors, each calling :func:`engine.runs.tasks.run_task`; :func:`run_tasks` picks one.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

from engine.errors import UserError
from engine.runs.cluster import run_on_ray
from engine.runs.local import run_local
from engine.runs.tasks import SaliencyTask, is_done, run_task, summary_row

EXECUTORS = ("local", "ray")
__all__ = ["EXECUTORS", "SaliencyTask", "is_done", "run_task", "run_tasks", "summary_row"]


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
        raise UserError(f"Unknown executor {executor!r}; choose one of: {', '.join(EXECUTORS)}.")
    if executor == "ray":
        return run_on_ray(tasks, address=address, device=device, on_row=on_row, workers=workers)

    return run_local(tasks, workers or os.cpu_count() or 1, device, on_row)
