"""Clips the Live page hands to Explore: frozen windows and recordings.

* **Freeze** keeps the exact frames the model saw (a :class:`~engine.Clip` in memory, at
  the ring's resolution), so Explore's analysis of it starts from the same input tensor.
* **Record** writes the last seconds as a VP8 ``.webm`` in a temporary folder of the
  session; Explore opens it as a video (with its whole-video timeline when it is long).

Both live in ``st.session_state[CLIPS_KEY]`` (name -> entry), newest first.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import streamlit as st

from engine import Clip, UserError
from engine.io import write_video
from ui import cache

CLIPS_KEY = "live_clips"
FOLDER_KEY = "live_clip_folder"
MAX_CLIPS = 8


def _clips() -> dict:
    return st.session_state.setdefault(CLIPS_KEY, {})


def available() -> bool:
    """True when this session has frozen or recorded something."""
    return bool(st.session_state.get(CLIPS_KEY))


def _add(name: str, entry: dict) -> str:
    clips = _clips()
    clips[name] = entry
    for old in list(clips)[:-MAX_CLIPS]:
        clips.pop(old)
    return name


def add_frozen(clip: Clip) -> str:
    """Keeps a frozen window; returns its name."""
    digest = hashlib.sha256(clip.frames.tobytes()).hexdigest()
    return _add(f"Frozen window {clip.path.removeprefix('live-window-')}", {"clip": clip, "digest": digest})


def add_recording(frames, fps: float) -> str:
    """Writes a recording ((N, H, W, 3) uint8 RGB at ``fps``) to the session's folder; returns its name."""
    folder = st.session_state.get(FOLDER_KEY)
    if folder is None:
        folder = st.session_state[FOLDER_KEY] = tempfile.TemporaryDirectory(prefix="vse-live-")
    name = f"Recording {len(frames) / fps:.1f} s {len(_clips()) + 1}"
    path = write_video(Path(folder.name) / f"recording-{len(_clips()) + 1}.webm", frames, fps)
    return _add(name, {"path": str(path), "digest": cache.digest_of(path)})


def open_in(prefix: str, name: str) -> None:
    """Makes ``prefix``'s clip picker show ``name`` when its page runs next."""
    st.session_state[f"{prefix}_clip_source"] = "live"
    st.session_state[f"{prefix}_clip_live"] = name


def picker(prefix: str, num_frames: int, frame_step: int, video_key: str) -> tuple[Clip, str] | None:
    """The clip picker's "Live capture" source: a frozen window or a recording, sampled as the model expects."""
    clips = _clips()
    names = list(clips)[::-1]
    name = st.selectbox("Live capture", names, key=f"{prefix}_clip_live")
    entry = clips[name]
    if "clip" in entry:
        clip = entry["clip"]
        st.session_state.pop(video_key, None)
        if clip.num_frames != num_frames:
            raise UserError(f"{name} holds the {clip.num_frames} frames another model saw; this model takes "
                            f"{num_frames}. Freeze it again with this model, or record.")
        return clip, entry["digest"]
    st.session_state[video_key] = entry["path"]
    return cache.read_clip_file(entry["path"], entry["digest"], num_frames, frame_step), entry["digest"]
