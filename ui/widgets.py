"""Sidebar pickers shared by the pages: device, checkpoint, clip, method and its parameters.

Every picker takes a page ``prefix`` so widget keys are stable and unique. Bad input
(a broken upload, an unsafe checkpoint) shows ``st.error`` with the engine's message
and the picker returns None; the page then calls ``st.stop()``.
"""

from __future__ import annotations

import hashlib
import logging
from functools import partial
from pathlib import Path

import streamlit as st
import torch

from engine import Clip, LoadedModel, UserError, get_method, list_methods
from engine.models import default_device
from engine.saliency import Param, memory_budget
from ui import cache, foreign, live_clips, state

UPLOAD = "Upload a checkpoint…"
SOURCES = {"sample": "Sample clip", "upload": "Upload", "data": "Data folder", "opened": "Opened clip",
           "live": "Live capture"}


def device_picker(prefix: str) -> str:
    """GPU when present (the default), CPU otherwise."""
    options = ["cuda", "cpu"] if torch.cuda.is_available() else ["cpu"]
    default = options.index(default_device().type) if default_device().type in options else 0
    names = {"cuda": "GPU (CUDA)", "cpu": "CPU"}
    return st.selectbox("Device", options, index=default, format_func=names.get, key=f"{prefix}_device",
                        help="Classification and saliency run here; the result says which device ran.")


def checkpoint_picker(prefix: str, device: str, label: str = "Checkpoint", index: int = 0,
                      allow_upload: bool = True, form_area=None) -> LoadedModel | None:
    """A bundled checkpoint, one from the models folder, or an upload (loaded with weights only).

    ``form_area``: where a checkpoint that needs its settings draws its form (the page's main pane).
    """
    foreign.stop_waiting(prefix)
    options = state.list_checkpoints()
    names = list(options) + ([UPLOAD] if allow_upload else [])
    if not names:
        st.error("No checkpoint found: add one to assets/models or set VSE_MODELS_DIR.")
        return None
    choice = st.selectbox(label, names, index=min(index, len(names) - 1), key=f"{prefix}_checkpoint")
    try:
        if choice != UPLOAD:
            path, digest = options[choice], cache.digest_of(options[choice])
            return foreign.load_with_form(prefix, digest, path.name,
                                          lambda fields: cache.load_model(str(path), digest, device, fields),
                                          path=path, device=device, form_area=form_area)
        limit = state.CHECKPOINT_UPLOAD_MB
        upload = st.file_uploader(f"Checkpoint file (.pt, .pth, .ckpt; up to {limit} MB)",
                                  type=[e.lstrip(".") for e in state.CHECKPOINT_EXTENSIONS],
                                  key=f"{prefix}_checkpoint_upload", max_upload_size=limit)
        if upload is None:
            st.info("Upload a checkpoint saved by this tool, or a reference cnn-lstm or seed-project file "
                    "(a short form then asks for its class names).")
            return None
        data = upload.getvalue()
        return foreign.load_with_form(prefix, upload.file_id, upload.name, lambda fields: cache.load_uploaded_model(
            upload.file_id, upload.name, device, data, fields), form_area=form_area)
    except UserError as exc:
        st.error(str(exc))
        return None


def missing_input(prefix: str, message: str) -> None:
    """The main pane's message while the sidebar lacks a checkpoint or a clip, then ``st.stop()``.

    Args:
        message: what to say when no checkpoint form is waiting, e.g. "Choose a checkpoint and a clip…".
    """
    st.info(foreign.waiting_for(prefix) or message)
    st.stop()


def checkpoint_card(loaded: LoadedModel) -> None:
    """The checkpoint's metadata as a two-column table."""
    card = loaded.meta.card()
    st.table({"field": list(card), "value": [str(v) for v in card.values()]})


def video_key(prefix: str) -> str:
    """Session-state key of the picked video's local path (an upload's is a temporary copy)."""
    return f"{prefix}_video_path"


def opened_clip_key(prefix: str) -> str:
    """Session-state key of a video file another page opened in this page's clip picker."""
    return f"{prefix}_opened_clip"


def clip_picker(prefix: str, num_frames: int, frame_step: int = 0) -> tuple[Clip, str] | None:
    """A bundled sample, an uploaded video or a video from the data folder, sampled as the model expects."""
    samples = state.list_sample_clips()
    data_videos = state.list_data_videos(state.data_dir())
    opened = st.session_state.get(opened_clip_key(prefix))  # a clip opened from the Data page
    sources = [s for s in SOURCES if (s != "sample" or samples) and (s != "data" or data_videos)
               and (s != "opened" or opened) and (s != "live" or live_clips.available())]
    source = st.radio("Clip", sources, format_func=SOURCES.get, horizontal=True, key=f"{prefix}_clip_source")
    try:
        if source == "live":  # frozen windows and recordings of the Live page
            return live_clips.picker(prefix, num_frames, frame_step, video_key(prefix))
        if source == "upload":
            limit = state.max_upload_mb()
            upload = st.file_uploader(f"Video file ({', '.join(state.UPLOAD_VIDEO_TYPES)}; up to {limit} MB)",
                                      type=list(state.UPLOAD_VIDEO_TYPES), key=f"{prefix}_clip_upload",
                                      max_upload_size=limit)
            if upload is None:
                st.info(f"Upload a video of at most {limit} MB (1 MB = 10^6 bytes).")
                return None
            data = upload.getvalue()
            picked = cache.read_uploaded_clip(upload.file_id, upload.name, num_frames, frame_step, data)
            st.session_state[video_key(prefix)] = str(cache.upload_file(upload.file_id, upload.name, data))
            return picked
        videos = {"sample": samples, "data": data_videos,
                  "opened": {Path(opened).name: Path(opened)} if opened else {}}[source]
        name = st.selectbox("Sample" if source == "sample" else "Video", list(videos), key=f"{prefix}_clip_{source}")
        digest = cache.digest_of(videos[name])
        st.session_state[video_key(prefix)] = str(videos[name])
        return cache.read_clip_file(str(videos[name]), digest, num_frames, frame_step), digest
    except UserError as exc:
        st.error(str(exc))
        return None


def param_widget(param: Param, key: str):
    """One widget from a schema entry: slider or number input, checkbox, or select box."""
    label, help_text = param.name.replace("_", " "), param.help or None
    if param.kind == "bool":
        return st.checkbox(label, value=bool(param.default), help=help_text, key=key)
    if param.kind == "choice":
        choices = list(param.options())
        return st.selectbox(label, choices, index=choices.index(param.default), help=help_text, key=key)
    cast = int if param.kind == "int" else float
    low = None if param.low is None else cast(param.low)
    high = None if param.high is None else cast(param.high)
    bounded = low is not None and high is not None
    if bounded and (high - low <= 64 if cast is int else high - low <= 10):
        step = 1 if cast is int else (high - low) / 100
        return st.slider(label, low, high, cast(param.default), step=step, help=help_text, key=key)
    return st.number_input(label, min_value=low, max_value=high, value=cast(param.default),
                           step=1 if cast is int else None, help=help_text, key=key)


def method_picker(prefix: str, default: str = "gradient") -> tuple[str, dict]:
    """The saliency method and its parameters, widgets generated from the method's schema."""
    names = list_methods()
    method = st.selectbox("Saliency method", names, index=names.index(default) if default in names else 0,
                          format_func=lambda n: get_method(n).label, key=f"{prefix}_method",
                          help="The reference is shown below the parameters.")
    entry = get_method(method)
    params = {p.name: param_widget(p, f"{prefix}_{method}_{p.name}") for p in entry.params}
    st.number_input("Memory budget (GB, 0 = automatic)", 0.0, 4096.0, 0.0, step=0.5, key=f"{prefix}_memory_budget",
                    help="Memory that batched methods may use (automatic: a quarter of the free memory, on a CPU "
                         "at most 2 GB). Results do not depend on it; compute_or_stop applies it.")
    st.caption(entry.paper)
    return method, params


def target_picker(prefix: str, classes: list[str]) -> str | None:
    """The class to explain: the prediction (None) by default."""
    choice = st.selectbox("Target class", ["(prediction)", *classes], key=f"{prefix}_target")
    return None if choice == "(prediction)" else choice


def _mark_stopped(stopped_key: str, key: tuple) -> None:
    st.session_state.setdefault(stopped_key, set()).add(key)


def _within_budget(compute, budget: int, on_progress, cancel):
    with memory_budget(budget):
        return compute(on_progress, cancel)


def compute_or_stop(prefix: str, key: tuple, compute, label: str):
    """Runs ``compute(on_progress, cancel)`` under a progress bar with a Stop button, cached by ``key``.

    Returns the result, or None (and a message with a Run button) when the user stopped it.
    """
    stopped_key = f"{prefix}_stopped"
    budget_gb = float(st.session_state.get(f"{prefix}_memory_budget") or 0)
    if budget_gb > 0:  # a context variable: this session's computation only
        compute = partial(_within_budget, compute, int(budget_gb * 2**30))
    tag = hashlib.md5(repr(key).encode()).hexdigest()[:10]
    if key in st.session_state.get(stopped_key, ()) and cache.result_store().get(key) is None:
        st.warning(f"{label} was stopped. Change a setting or press Run to compute it.")
        if not st.button("Run", key=f"{prefix}_run_{tag}", type="primary"):
            return None
        st.session_state[stopped_key].discard(key)
    slot = st.empty()
    if cache.result_store().get(key) is None:
        slot.button("Stop", key=f"{prefix}_stop_{tag}", on_click=_mark_stopped, args=(stopped_key, key))
    try:
        result = cache.cached_result(key, compute, label)
    except UserError as exc:
        st.error(str(exc))
        return None
    except Exception as exc:  # noqa: BLE001 - shown on the page, logged with its traceback
        logging.getLogger(__name__).exception("%s failed", label)
        st.error(f"{label} failed: {type(exc).__name__}: {exc}")
        return None
    finally:
        slot.empty()
    if result is None:
        st.warning(f"{label} was stopped.")
    return result
