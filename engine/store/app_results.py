"""The app's own result store: its analyses kept on disk across restarts, least recently used evicted at a cap.

The app keys an analysis by a tuple (``ui.cache.analysis_key``): ``("analysis", model identity,
device, clip digest, frame indices, method, settings JSON)``. On disk the result is filed under
:func:`engine.store.keys.result_key` of that tuple without the device (a result computed on the
GPU serves a CPU request and the other way round; the row records the device that ran) and with
the engine's code digest (:func:`engine.store.keys.engine_code_digest`: an edited engine never
serves a result of the old code). Files go to ``<store>/results/<key[:2]>/<key>.npz``.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from pathlib import Path

from engine.store.index import Store
from engine.store.keys import engine_code_digest, result_key

DEFAULT_CAP_MB = 2000
log = logging.getLogger(__name__)


def default_results_dir() -> Path:
    """``VSE_RESULTS_DIR``, else ``$XDG_CACHE_HOME/video-saliency-explorer/results`` (``~/.cache`` by default)."""
    if os.environ.get("VSE_RESULTS_DIR"):
        return Path(os.environ["VSE_RESULTS_DIR"]).expanduser()
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "video-saliency-explorer" / "results"


def default_cap_bytes() -> int:
    """``VSE_RESULTS_MB`` (megabytes, 10^6 bytes), default :data:`DEFAULT_CAP_MB`."""
    return int(float(os.environ.get("VSE_RESULTS_MB") or DEFAULT_CAP_MB) * 1_000_000)


def is_analysis_key(key) -> bool:
    return isinstance(key, tuple) and len(key) == 7 and key[0] == "analysis"


def disk_key(key: tuple) -> str:
    """The store key of an app analysis key (the device left out)."""
    kind, identity, _device, clip_digest, indices, method, settings = key
    return result_key({"kind": kind, "model": identity, "clip": clip_digest, "frames": list(indices),
                       "method": method, "settings": json.loads(settings), "code": engine_code_digest()})


class AppResults:
    """Analyses on disk behind the app's in-memory store.

    Args:
        folder: the store folder (created when missing).
        cap_bytes: the most bytes of result files and thumbnails kept; older results are evicted.
    """

    def __init__(self, folder: str | Path, cap_bytes: int):
        self.store = Store(folder)
        self.cap_bytes = cap_bytes

    def get(self, key: tuple):
        """The stored :class:`engine.pipeline.Analysis` of an app key, or None (marked used now)."""
        from engine.errors import UserError
        from engine.pipeline import load_analysis

        try:
            row = self.store.get(disk_key(key), touch=True)
            return None if row is None else load_analysis(self.store.result_path(row))
        except (OSError, sqlite3.Error, UserError) as exc:  # a removed or broken file: computed again
            log.warning("result store: could not read a stored result (%s)", exc)
            return None

    def put(self, key: tuple, analysis) -> None:
        """Writes the analysis's file and row, then evicts down to the cap (never this result)."""
        from engine.pipeline import save_analysis
        from engine.store.rows import index_row

        name = disk_key(key)
        path = self.store.folder / "results" / name[:2] / f"{name}.npz"
        settings = json.loads(key[6])
        try:
            save_analysis(path, analysis)
            row_settings = {k: settings.get(k) for k in ("baseline", "flow_method", "camera", "seed")}
            self.store.put(index_row(
                analysis, key=name, result=self.store.relative(path), clip_digest=key[3],
                model=Path(str(analysis.info.get("checkpoint") or "model")).stem, target=settings.get("target"),
                settings=row_settings | {"frames": list(key[4])}, size=path.stat().st_size))
            self.store.evict(self.cap_bytes, keep=[name])
        except (OSError, sqlite3.Error) as exc:  # a full or read-only disk: the app goes on without it
            log.warning("result store: could not keep a result (%s)", exc)
