"""The key of a result: one digest of everything the result depends on.

Every writer of a store (batch tasks, Ray, the study, the app) files a result under
:func:`result_key` of a plain dict of its inputs, so a result is found again, never
computed twice. A clip enters the key by its content (:func:`content_digest`), not by
its path: a moved or renamed clip keeps its results, an edited one does not.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path


def result_key(fields: dict) -> str:
    """Hex SHA-256 of ``fields`` as canonical JSON (sorted keys; tuples become lists).

    Args:
        fields: the model's identity, the clip's digest, the frames taken, the method, its resolved
            parameters, the target and every other setting (JSON-serialisable values).
    """
    text = json.dumps(fields, sort_keys=True, default=repr, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def content_digest(path: str | Path) -> str:
    """Hex SHA-256 of a clip's bytes: a video file, or a frame folder's file names and bytes (sorted).

    Recomputed only when the file's (or folder's newest file's) time stamp or size changes.

    Raises:
        FileNotFoundError: no such file or folder.
    """
    path = Path(path).resolve()
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file())
        stamp = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in files)
        return _folder_digest(str(path), stamp)
    stat = path.stat()
    return _file_digest(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=1)
def engine_code_digest() -> str:
    """Hex SHA-256 of the engine's own source (every ``engine/**/*.py``, by relative path and bytes).

    The app's long-lived store keys its results with it, so a changed method, metric or flow
    never serves an older result (a batch store resumes by :func:`task_key` alone).
    """
    root = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


@lru_cache(maxsize=4096)
def _file_digest(path: str, mtime_ns: int, size: int) -> str:
    from engine.models.checkpoint import file_sha256

    return file_sha256(path)


@lru_cache(maxsize=256)
def _folder_digest(path: str, stamp: tuple) -> str:
    digest = hashlib.sha256()
    for name, mtime_ns, size in stamp:
        digest.update(name.encode() + b"\0")
        digest.update(bytes.fromhex(_file_digest(str(Path(path) / name), mtime_ns, size)))
    return digest.hexdigest()
