"""A result store: a folder of result files (``.npz``) and an SQLite index with one row per result.

Why SQLite (standard library) and not Parquet: a batch run adds rows one at a time as tasks
finish, and several processes may add rows at once (a batch run and the app, two batch runs).
SQLite appends a row in one small transaction and serialises concurrent writers itself (WAL
mode, a busy timeout); a Parquet file is immutable, so every append rewrites the file (or adds
one more file per row), and concurrent writers need a lock of their own. SQLite also sorts and
filters a 10,000-row index in milliseconds, JSON metrics included (``json_extract``).

Writers: the index is written only by the process that drives a run (:mod:`engine.runs`): local
worker processes and Ray tasks return their rows to it. So no two machines write the index at
once, which keeps it safe on a shared file system, where SQLite's locks cannot be trusted.
Each thread has its own connection, so one store object serves the app's session threads.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

INDEX_NAME = "index.sqlite"
SCHEMA_VERSION = 1  # PRAGMA user_version of an index this code writes; a change of columns increments it
BUSY_TIMEOUT_S = 60.0
COLUMNS = {
    "key": "TEXT PRIMARY KEY", "clip_path": "TEXT", "clip_digest": "TEXT", "clip_name": "TEXT", "label": "TEXT",
    "model": "TEXT", "architecture": "TEXT", "checkpoint_digest": "TEXT", "model_identity": "TEXT",
    "method": "TEXT", "params": "TEXT", "target": "TEXT", "explained": "TEXT", "settings": "TEXT",
    "predicted": "TEXT", "confidence": "REAL", "correct": "INTEGER", "metrics": "TEXT", "seconds": "REAL",
    "device": "TEXT", "created": "TEXT", "accessed": "REAL", "result": "TEXT", "bytes": "INTEGER",
    "frames": "INTEGER", "thumb": "BLOB", "curve": "BLOB", "small_map": "BLOB",
}
SORTS = ("created", "confidence", "seconds", "label", "predicted", "model", "method", "clip_name")
LIGHT = [c for c in COLUMNS if c not in ("thumb", "curve", "small_map")]  # what a table shows


@dataclass(frozen=True)
class Filters:
    """Which rows to show; an empty tuple or None means any.

    Attributes:
        labels: true classes. predicted: predicted classes. models, methods: names as stored.
        correct: True (right), False (wrong) or None (both; rows without a label count as neither).
    """

    labels: tuple = ()
    predicted: tuple = ()
    models: tuple = ()
    methods: tuple = ()
    correct: bool | None = None

    def where(self) -> tuple[str, list]:
        """The SQL condition and its parameters."""
        parts, values = ["1"], []
        for column, wanted in (("label", self.labels), ("predicted", self.predicted), ("model", self.models),
                               ("method", self.methods)):
            if wanted:
                parts.append(f"{column} IN ({', '.join('?' * len(wanted))})")
                values += list(wanted)
        if self.correct is not None:
            parts.append("correct = ?")
            values.append(int(self.correct))
        return " AND ".join(parts), values


def order_clause(sort: str, descending: bool = True) -> tuple[str, list]:
    """ORDER BY of a column of :data:`SORTS` or ``metric:<name>`` (a key of the row's metrics)."""
    direction = "DESC" if descending else "ASC"
    if sort.startswith("metric:"):
        return f"json_extract(metrics, ?) IS NULL, json_extract(metrics, ?) {direction}, key", \
            [f'$."{sort[7:]}"'] * 2
    if sort not in SORTS:
        raise ValueError(f"cannot sort by {sort!r}; choose one of {SORTS} or metric:<name>")
    return f"{sort} IS NULL, {sort} {direction}, key", []


class Store:
    """A result store folder: ``index.sqlite`` plus result files (``results/`` for the app's own).

    Args:
        folder: the store folder (created unless ``create`` is False).
        create: make the folder and the index when missing.

    Raises:
        FileNotFoundError: ``create`` is False and the folder holds no index.
        ValueError: the index was written by code of another schema version.
    """

    def __init__(self, folder: str | Path, create: bool = True):
        self.folder = Path(folder).expanduser().resolve()
        self.index_path = self.folder / INDEX_NAME
        self._local = threading.local()
        if not create and not self.index_path.is_file():
            raise FileNotFoundError(f"{self.folder} is not a result store (no {INDEX_NAME}).")
        if create:
            self.folder.mkdir(parents=True, exist_ok=True)
            with self._connection() as db:
                db.execute("PRAGMA journal_mode=WAL")
                if db.execute("PRAGMA user_version").fetchone()[0] == 0:
                    db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
                db.execute(f"CREATE TABLE IF NOT EXISTS results "
                           f"({', '.join(f'{name} {kind}' for name, kind in COLUMNS.items())})")
                for column in ("clip_digest", "model", "method", "label", "accessed"):
                    db.execute(f"CREATE INDEX IF NOT EXISTS results_{column} ON results ({column})")
        with self._connection() as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
        if version != SCHEMA_VERSION:
            raise ValueError(f"{self.index_path} is a result index of version {version}; this code reads "
                             f"version {SCHEMA_VERSION}.")

    @contextmanager
    def _connection(self):
        """This thread's connection, inside one transaction (committed on success; a busy writer is waited for).

        A connection stays open for the store object's life: closing the last one checkpoints the WAL
        into the database file, which would cost a disk sync per row.
        """
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.index_path, timeout=BUSY_TIMEOUT_S)
            db.row_factory = sqlite3.Row
            db.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_S * 1000)}")
            db.execute("PRAGMA synchronous=NORMAL")  # WAL: a power cut may lose the last rows, never the index
            self._local.db = db
        with db:
            yield db

    def close(self) -> None:
        """Closes this thread's connection (others close when the store object is dropped)."""
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None

    def put_many(self, rows: Iterable[dict]) -> int:
        """Adds rows (one transaction); a row whose key is stored already replaces it. Returns the count."""
        rows = [{name: row.get(name) for name in COLUMNS} | {"accessed": row.get("accessed") or time.time()}
                for row in rows]
        if not rows:
            return 0
        names = list(COLUMNS)
        sql = (f"INSERT INTO results ({', '.join(names)}) VALUES ({', '.join(':' + n for n in names)}) "
               f"ON CONFLICT(key) DO UPDATE SET {', '.join(f'{n} = excluded.{n}' for n in names[1:])}")
        with self._connection() as db:
            db.executemany(sql, rows)
        return len(rows)

    def put(self, row: dict) -> None:
        self.put_many([row])

    def get(self, key: str, touch: bool = False) -> dict | None:
        """The row of ``key`` (every column), or None; ``touch`` marks it used now (eviction order)."""
        with self._connection() as db:
            if touch:
                db.execute("UPDATE results SET accessed = ? WHERE key = ?", (time.time(), key))
            found = db.execute("SELECT * FROM results WHERE key = ?", (key,)).fetchone()
        return None if found is None else dict(found)

    def known(self, keys: Iterable[str]) -> set[str]:
        """The keys among ``keys`` that the index holds."""
        keys, found = list(keys), set()
        with self._connection() as db:
            for start in range(0, len(keys), 500):
                chunk = keys[start:start + 500]
                found |= {r[0] for r in db.execute(
                    f"SELECT key FROM results WHERE key IN ({', '.join('?' * len(chunk))})", chunk)}
        return found

    def query(self, filters: Filters = Filters(), sort: str = "created", descending: bool = True,
              limit: int | None = None, offset: int = 0, columns: Iterable[str] | None = None) -> list[dict]:
        """Rows matching ``filters`` in the order asked, ``limit`` of them from ``offset``."""
        names = [c for c in (columns or COLUMNS) if c in COLUMNS]
        where, values = filters.where()
        order, order_values = order_clause(sort, descending)
        sql = f"SELECT {', '.join(names)} FROM results WHERE {where} ORDER BY {order}"
        if limit is not None:
            sql += f" LIMIT {int(limit)} OFFSET {int(offset)}"
        with self._connection() as db:
            return [dict(r) for r in db.execute(sql, values + order_values)]

    def count(self, filters: Filters = Filters()) -> int:
        where, values = filters.where()
        with self._connection() as db:
            return int(db.execute(f"SELECT COUNT(*) FROM results WHERE {where}", values).fetchone()[0])

    def values(self, column: str) -> list:
        """The distinct non-empty values of a column, sorted (for filter choices)."""
        if column not in COLUMNS:
            raise ValueError(f"no column {column!r}")
        with self._connection() as db:
            return [r[0] for r in db.execute(f"SELECT DISTINCT {column} FROM results WHERE {column} IS NOT NULL "
                                             f"AND {column} != '' ORDER BY {column}")]

    def metric_names(self) -> list[str]:
        """Every metric name any row holds (``json_each`` over the metrics column)."""
        with self._connection() as db:
            return [r[0] for r in db.execute("SELECT DISTINCT j.key FROM results, json_each(results.metrics) AS j "
                                             "ORDER BY j.key")]

    def result_path(self, row: dict) -> Path:
        """The absolute path of a row's result file (relative paths are inside the store folder)."""
        path = Path(row["result"])
        return path if path.is_absolute() else self.folder / path

    def relative(self, path: str | Path) -> str:
        """``path`` relative to the store folder when inside it (the store can then move), else absolute."""
        path = Path(path).resolve()
        try:
            return path.relative_to(self.folder).as_posix()
        except ValueError:
            return str(path)

    def remove(self, filters: Filters) -> int:
        """Removes the matching rows, and their result files when inside the store folder. Returns the count."""
        if filters == Filters():
            raise ValueError("refusing to remove every result: give a model or a method")
        rows = self.query(filters, columns=("key", "result"))
        self._drop(rows)
        return len(rows)

    def _drop(self, rows: list[dict]) -> None:
        for row in rows:
            path = self.result_path(row)
            if self.folder in path.parents:
                path.unlink(missing_ok=True)
        with self._connection() as db:
            db.executemany("DELETE FROM results WHERE key = ?", [(r["key"],) for r in rows])

    def total_bytes(self) -> int:
        """Bytes of the result files and thumbnails the index accounts for."""
        with self._connection() as db:
            return int(db.execute("SELECT COALESCE(SUM(bytes + COALESCE(LENGTH(thumb), 0)), 0) "
                                  "FROM results").fetchone()[0])

    def evict(self, cap_bytes: int, keep: Iterable[str] = ()) -> int:
        """Removes least recently used results until :meth:`total_bytes` is at most ``cap_bytes``.

        Args:
            cap_bytes: the size cap.
            keep: keys never removed by this call (the result just written).

        Returns:
            how many results were removed.
        """
        excess = self.total_bytes() - cap_bytes
        if excess <= 0:
            return 0
        keep = set(keep)
        with self._connection() as db:
            candidates = db.execute("SELECT key, result, bytes + COALESCE(LENGTH(thumb), 0) AS size FROM results "
                                    "ORDER BY accessed ASC").fetchall()
        chosen = []
        for row in candidates:
            if excess <= 0:
                break
            if row["key"] not in keep:
                chosen.append(dict(row))
                excess -= row["size"] or 0
        self._drop(chosen)
        return len(chosen)


def decode_json(row: dict, name: str) -> dict:
    """A JSON column of a row as a dict ({} when empty)."""
    return json.loads(row.get(name) or "{}")
