"""Streamlit caches shared by the pages.

* Models: ``st.cache_resource`` (one object for all sessions and threads). They are
  never changed in place: methods that register hooks do so on a weight-sharing copy
  of their own (:func:`engine.saliency.captum_utils.private_copy`).
* Clips: ``st.cache_data`` (each caller gets its own copy).
* Results: an LRU store inside ``st.cache_resource`` holding analyses whose arrays
  are marked read-only, in front of the app's result store on disk
  (:mod:`engine.store.app_results`: ``VSE_RESULTS_DIR``, default
  ``~/.cache/video-saliency-explorer/results``, capped by ``VSE_RESULTS_MB``), so an
  analysis survives a restart and is never computed twice. ``st.cache_data`` cannot show a live progress bar (its
  element replay breaks on elements created outside the function), so results are
  looked up first and computed under a progress bar with a cancel Event on a miss;
  every page keys them with :func:`analysis_key`.
* Player payloads: a result's frames, grey saliency and flow, encoded once per
  result and sign (:mod:`engine.viz.player`); the browser draws every frame from it.

Nothing here starts a thread: all work runs in the session's script thread, so
nothing is left running when the server stops.
"""

from __future__ import annotations

import inspect
import json
import logging
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

import streamlit as st

from engine import Clip, LoadedModel, analyse_clip, get_method, load_checkpoint, read_clip
from engine.io import VideoInfo, probe_video
from engine.models import ForeignSettings, file_sha256
from engine.saliency import Cancelled
from engine.store import app_results
from engine.timeline import window_clip
from engine.viz import player
from ui import state

ANALYSIS_SETTINGS = {name: param for name, param in inspect.signature(analyse_clip).parameters.items()
                     if param.kind is param.KEYWORD_ONLY and name not in ("on_progress", "cancel")}


@st.cache_data(show_spinner=False, max_entries=256)
def file_digest(path: str, mtime: float, size: int) -> str:
    """SHA-256 of a file, recomputed only when its time stamp or size changes."""
    return file_sha256(path)


def digest_of(path: str | Path) -> str:
    stat = Path(path).stat()
    return file_digest(str(path), stat.st_mtime, stat.st_size)


@st.cache_resource(show_spinner="Loading the checkpoint…", max_entries=8)
def load_model(path: str, digest: str, device: str, foreign: tuple = ()) -> LoadedModel:
    """A checkpoint on a device, shared read-only by every session (``foreign``: ForeignSettings fields)."""
    return load_checkpoint(path, device=device, foreign=ForeignSettings(*foreign) if foreign else None)


@st.cache_resource(show_spinner="Building the model from its code…", max_entries=4)
def load_code_model(path: str, digest: str, device: str, *, code_digest: str, code: str, classes: tuple, frames: int,
                    size: int, normalise: str) -> LoadedModel:
    """A plain state dict in a model built by code from ``VSE_MODEL_CODE_DIR`` (chosen in the form).

    ``code_digest`` (the code file's SHA-256) keys the cache, so edited code builds the model again.
    """
    from engine.models import load_with_code

    return load_with_code(path, code, list(classes), frames=frames, size=size, normalise=normalise, device=device)


@st.cache_resource(show_spinner="Loading the uploaded checkpoint…", max_entries=4)
def load_uploaded_model(file_id: str, name: str, device: str, _data: bytes, foreign: tuple = ()) -> LoadedModel:
    """An uploaded checkpoint; ``foreign`` is ``ForeignSettings`` as a tuple of its fields (hashable)."""
    return state.checkpoint_from_bytes(name, _data, device, foreign=ForeignSettings(*foreign) if foreign else None)


def analysis_key(loaded: LoadedModel, clip: Clip, clip_digest: str, method: str, **settings) -> tuple:
    """The result-store key of ``analyse_clip(loaded, clip, method, **settings)``.

    Unset settings take ``analyse_clip``'s defaults and the method's parameters are
    resolved against its schema, so equal computations share one key whichever page
    asks; the clip's sampled frame indices tell apart clips read from one file.
    """
    given = {name: settings.get(name, param.default) for name, param in ANALYSIS_SETTINGS.items()}
    given["params"] = get_method(method).resolve(given["params"])
    return ("analysis", loaded.meta.identity, str(loaded.device), clip_digest, tuple(int(i) for i in clip.indices),
            method, json.dumps(given, sort_keys=True, default=repr))


def timeline_key(loaded: LoadedModel, video_digest: str) -> tuple:
    """The result-store key of the prediction along a whole video (:func:`engine.timeline.predict_windows`)."""
    return ("timeline", loaded.meta.identity, str(loaded.device), video_digest)


def evaluation_key(loaded: LoadedModel, folder: str, layout: str, subset: str, records) -> tuple:
    """The result-store key of an evaluation of ``records`` (a data folder's subset)."""
    return ("evaluate", loaded.meta.identity, str(loaded.device), str(Path(folder).resolve()), layout, subset,
            tuple((r.key, r.source) for r in records))


@st.cache_data(show_spinner="Reading the clip…", max_entries=64)
def read_clip_file(path: str, digest: str, num_frames: int, frame_step: int = 0) -> Clip:
    return read_clip(path, num_frames, frame_step=frame_step)


@st.cache_data(show_spinner="Reading the uploaded clip…", max_entries=8)
def read_uploaded_clip(file_id: str, name: str, num_frames: int, frame_step: int, _data: bytes) -> tuple[Clip, str]:
    return state.clip_from_bytes(name, _data, num_frames, frame_step=frame_step)


class _UploadCopy:
    """An upload's bytes in a temporary folder, removed when the cache drops it or the process ends."""

    def __init__(self, name: str, data: bytes):
        self.folder = tempfile.TemporaryDirectory(prefix="vse-upload-")
        self.path = Path(self.folder.name) / state.safe_name(name, ".mp4")
        self.path.write_bytes(data)


@st.cache_resource(show_spinner=False, max_entries=4)
def _upload_copy(file_id: str, name: str, _data: bytes) -> _UploadCopy:
    return _UploadCopy(name, _data)


def upload_file(file_id: str, name: str, data: bytes) -> Path:
    """A local copy of an upload (for streamed reading: the timeline and its windows)."""
    return _upload_copy(file_id, name, data).path


@st.cache_data(show_spinner=False, max_entries=64)
def video_info(path: str, digest: str) -> VideoInfo:
    return probe_video(path)


@st.cache_data(show_spinner="Reading the window…", max_entries=64)
def read_window(path: str, digest: str, model_identity: str, start: int, _loaded: LoadedModel) -> Clip:
    """The window of the model's frames starting at source frame ``start`` (``model_identity``: the key)."""
    return window_clip(path, _loaded, start)


class ResultStore:
    """A small thread-safe LRU of read-only results, shared by all sessions, in front of a disk store.

    Args:
        capacity: results kept in memory.
        disk: the app's result store (:class:`engine.store.app_results.AppResults`); analyses
            (keys of :func:`analysis_key`) missing in memory are looked up and kept there.
    """

    def __init__(self, capacity: int = 48, disk=None):
        self.capacity = capacity
        self.disk = disk
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        if self.disk is not None and app_results.is_analysis_key(key):
            found = self.disk.get(key)
            if found is not None:
                self._remember(key, state.freeze(found))
            return found
        return None

    def put(self, key, value) -> None:
        """Keeps ``value`` in memory, and an analysis on disk too; a disk failure is logged, never lost work."""
        self._remember(key, value)
        if self.disk is not None and app_results.is_analysis_key(key):
            try:
                self.disk.put(key, value)
            except Exception:  # noqa: BLE001 - the result is shown anyway; only its persistence failed
                logging.getLogger(__name__).exception("could not keep the result in the app's store")

    def _remember(self, key, value) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.capacity:
                self._items.popitem(last=False)


@st.cache_resource(show_spinner=False, max_entries=4)
def _result_store(folder: str, cap_bytes: int) -> ResultStore:
    return ResultStore(disk=app_results.AppResults(folder, cap_bytes))


def result_store() -> ResultStore:
    """The app's results: memory in front of the store in ``VSE_RESULTS_DIR`` (read when called)."""
    return _result_store(str(app_results.default_results_dir()), app_results.default_cap_bytes())


def cached_result(key: tuple, compute: Callable, label: str):
    """The result for ``key``: from the store, or computed now under a progress bar.

    Args:
        key: everything the result depends on (hashes, method, parameters, device).
        compute: ``compute(on_progress, cancel) -> result``.
        label: what is being computed, for the progress bar.

    Returns:
        the (read-only) result, or None when the user stopped it.

    A new interaction makes Streamlit stop this run at the next progress update; the
    cancel Event is set then, so the engine ends cleanly.
    """
    store = result_store()
    hit = store.get(key)
    if hit is not None:
        return hit
    bar = st.progress(0.0, text=f"{label}: starting")
    cancel = threading.Event()

    def on_progress(stage: str, fraction: float) -> None:
        try:
            bar.progress(min(max(fraction, 0.0), 1.0), text=f"{label}: {stage} ({fraction:.0%})")
        except BaseException:  # the run is being stopped or rerun: stop the computation too
            cancel.set()
            raise

    try:
        result = compute(on_progress, cancel)
    except Cancelled:
        return None
    finally:
        bar.empty()
    store.put(key, state.freeze(result))
    return result


@st.cache_resource(show_spinner=False, max_entries=24)
def explore_payload(key: tuple, reduction: str, outline: bool, _analysis) -> dict:
    """The frame player's payload of one result (:func:`engine.viz.player.explore_payload`), shared read-only."""
    return player.explore_payload(_analysis, reduction, outline)


@st.cache_resource(show_spinner=False, max_entries=12)
def compare_payload(keys: tuple, reduction: str, _analyses: dict) -> dict:
    """The player's payload of several results of one clip (:func:`engine.viz.player.compare_payload`)."""
    return player.compare_payload(_analyses, reduction)
