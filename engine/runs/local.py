"""The local executor: tasks in this process, or one spawned process per core."""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing as mp

import torch
from tqdm import tqdm

from engine.runs.tasks import run_task


def run_local(tasks, workers: int, device: str, on_row) -> list[dict]:
    """Runs tasks in this process (one worker) or in ``workers`` spawned processes; rows in task order."""
    rows: list[dict | None] = [None] * len(tasks)
    bar = tqdm(total=len(tasks), desc="saliency", unit="task")
    if workers <= 1 or len(tasks) <= 1:
        for i, task in enumerate(tasks):
            rows[i] = run_task(task, device)
            _done(bar, rows[i], on_row)
    else:
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
    torch.set_num_threads(1)  # one core a worker process

