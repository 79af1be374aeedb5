"""Batch saliency on Ray: each task one Ray task, on a local instance or a cluster.

``run_on_ray`` is what ``engine.runs.run_tasks(..., executor="ray")`` calls. Every
Ray task runs :func:`engine.runs.tasks.run_task`, the same code as the local
executor, with one CPU thread, so result files are identical to a local run;
a task whose output file already exists is read back, not recomputed (resume).

Files: clips, checkpoints and output folders are plain paths, so on a cluster
they must be on storage that every node sees at the same path (NFS, a mounted
bucket). The engine's code travels to the cluster with ``runtime_env``'s
``working_dir`` (this repository, without data, runs and assets).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import torch
from tqdm import tqdm

from engine.runs.tasks import run_task

REPO_ROOT = Path(__file__).resolve().parents[2]
UPLOAD_EXCLUDES = [".git", "assets", "runs", "report", "data", "*.npz", "*.avi", "*.pt", "__pycache__"]
GPU_SHARE = 0.25  # four saliency tasks share one GPU


def _run_one(task, device: str) -> dict:
    """Body of a Ray task: one thread, like a local worker process, then :func:`engine.runs.tasks.run_task`."""
    torch.set_num_threads(1)
    return run_task(task, device)


def _start_ray(address: str | None, workers: int | None) -> bool:
    """Connects to ``address`` or starts a local instance; True when this call started Ray."""
    import ray

    if ray.is_initialized():
        return False
    common = {"include_dashboard": False, "log_to_driver": False, "ignore_reinit_error": True}
    if address:
        runtime_env = {"working_dir": str(REPO_ROOT), "excludes": UPLOAD_EXCLUDES}
        ray.init(address=address, runtime_env=runtime_env, **common)
    else:
        runtime_env = {"env_vars": {"PYTHONPATH": str(REPO_ROOT)}}
        ray.init(num_cpus=workers, runtime_env=runtime_env, **common)
    return True


def run_on_ray(tasks: Sequence, *, address: str | None = None, device: str = "cpu",
               on_row: Callable[[dict], None] | None = None, workers: int | None = None) -> list[dict]:
    """Runs saliency tasks as Ray tasks; returns their rows in task order.

    Args:
        tasks: :class:`engine.runs.tasks.SaliencyTask` items.
        address: a Ray cluster ("ray://head:10001" or "auto"); None starts a local
            instance with ``workers`` CPUs (default: all cores).
        device: "cpu", or "cuda" (each task then asks Ray for a quarter GPU).
        on_row: called with each row as its task finishes (completion order).
        workers: local instance size; on a cluster, the most tasks in flight at once.

    Returns:
        one summary row per task (see :func:`engine.runs.tasks.summary_row`), in task order.
    """
    import ray

    started = _start_ray(address, workers)
    try:
        remote = ray.remote(num_cpus=1)(_run_one)
        if str(device).startswith("cuda"):
            remote = remote.options(num_gpus=GPU_SHARE)
        return _collect(remote, list(tasks), device, on_row, workers if address else None)
    finally:
        if started:
            ray.shutdown()


def _collect(remote, tasks: list, device: str, on_row, max_in_flight: int | None) -> list[dict]:
    """Submits tasks (at most ``max_in_flight`` pending when given) and gathers rows as they finish."""
    import ray

    rows: list[dict | None] = [None] * len(tasks)
    limit = max_in_flight or len(tasks)
    pending: dict = {}
    next_index = 0
    with tqdm(total=len(tasks), desc="saliency (ray)", unit="task") as bar:
        while next_index < len(tasks) or pending:
            while next_index < len(tasks) and len(pending) < limit:
                pending[remote.remote(tasks[next_index], device)] = next_index
                next_index += 1
            done, _ = ray.wait(list(pending), num_returns=1)
            for ref in done:
                index = pending.pop(ref)
                rows[index] = ray.get(ref)
                bar.update(1)
                if on_row:
                    on_row(rows[index])
    return rows  # type: ignore[return-value]
