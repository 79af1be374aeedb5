"""The driver's side of a batch run with a result store: resume from the index, write the rows that come back.

Only the process that drives a run writes a store's index. Worker processes and Ray tasks
compute a result, write its file, and return its row (``"_index_row"`` in the summary row);
the driver adds it to the index at once, in its own transaction. So an index on a shared
file system is written by one process only, and a run stopped at any moment loses no
finished result: a result whose row was not written yet is found again by the key its file
records, and indexed from the file without computing it again.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from engine.runs.tasks import SaliencyTask, model_identity, task_key
from engine.store.index import Store, decode_json


class StoreWriter:
    """The stores of a batch's tasks (``task.store``), opened once, and what each already holds."""

    def __init__(self, tasks: Sequence[SaliencyTask]):
        self.stores = {folder: Store(folder) for folder in {t.store for t in tasks if t.store}}
        self.keys = [task_key(t, model_identity(t.checkpoint)) if t.store else "" for t in tasks]

    def finished(self, tasks: Sequence[SaliencyTask]) -> dict[int, dict]:
        """Task index -> summary row, for every task whose key its store holds and whose file exists."""
        rows = {}
        for folder, store in self.stores.items():
            mine = [i for i, t in enumerate(tasks) if t.store == folder]
            known = store.known(self.keys[i] for i in mine)
            for i in mine:
                if self.keys[i] in known:
                    row = store.get(self.keys[i])
                    if row is not None and store.result_path(row).is_file():
                        rows[i] = summary_from_index(store, row, tasks[i])
        return rows

    def write(self, task: SaliencyTask, row: dict) -> dict:
        """Adds a returned row's index row to its task's store; returns the summary row without it."""
        index_row = row.pop("_index_row", None)
        if index_row is not None and task.store:
            store = self.stores[task.store]
            index_row["result"] = store.relative(index_row["result"])
            store.put(index_row)
        return row


def summary_from_index(store: Store, row: dict, task: SaliencyTask) -> dict:
    """The summary row (:func:`engine.runs.tasks.summary_row`'s columns) of an indexed result."""
    metrics = {k: (math.nan if v is None else v) for k, v in decode_json(row, "metrics").items()}
    return {"clip": task.clip_path, "label": row["label"] or task.label or "", "method": row["method"],
            "model": row["architecture"], "predicted": row["predicted"], "target": row["explained"],
            "confidence": row["confidence"], "seconds": math.nan if row["seconds"] is None else row["seconds"],
            "result": str(store.result_path(row)), **task.extra, **metrics}


def run_with_stores(tasks: Sequence[SaliencyTask], run: Callable, on_row: Callable[[dict], None] | None) -> list[dict]:
    """Runs the tasks the stores lack through ``run``; rows of every task, in task order.

    Args:
        tasks: the batch.
        run: an executor call, ``run(tasks, on_done) -> rows``, calling ``on_done(task index, row)`` as each ends.
        on_row: the caller's progress callback (every row: found in a store, or finished now).
    """
    writer = StoreWriter(tasks)
    rows: list[dict | None] = [None] * len(tasks)
    for i, row in writer.finished(tasks).items():
        rows[i] = row
        if on_row:
            on_row(row)
    todo = [i for i, row in enumerate(rows) if row is None]
    print(f"store: {len(tasks) - len(todo)} of {len(tasks)} results found in the store; {len(todo)} to run")

    def finished(index_in_todo: int, row: dict) -> None:
        writer.write(tasks[todo[index_in_todo]], row)
        if on_row:
            on_row(row)

    done = run([tasks[i] for i in todo], finished) if todo else []
    for position, row in zip(todo, done):
        rows[position] = writer.write(tasks[position], row)
    return rows  # type: ignore[return-value]
