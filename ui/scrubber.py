"""The frame control: one slider with step buttons and play/pause, driving every view in step.

The control lives inside an ``st.fragment``: moving it reruns only the fragment,
which picks precomputed images; nothing is recomputed.
"""

from __future__ import annotations

import streamlit as st

PLAY_SECONDS = 0.5


def frame_key(prefix: str) -> str:
    return f"{prefix}_frame"


def is_playing(prefix: str) -> bool:
    return bool(st.session_state.get(f"{prefix}_playing", False))


def _step(key: str, delta: int, num_frames: int) -> None:
    st.session_state[key] = (st.session_state.get(key, 1) - 1 + delta) % num_frames + 1


def jump_to_selected(plot_key: str, key: str) -> None:
    """Callback of a clickable per-frame plot: the clicked point's x (1-based frame) becomes the frame."""
    state = st.session_state.get(plot_key)
    points = state.selection.points if state is not None else []
    if points:
        st.session_state[key] = int(round(points[0]["x"]))


def frame_control(prefix: str, num_frames: int) -> int:
    """Slider, step buttons and play/pause; returns the 0-based frame.

    Call it inside a fragment created with ``run_every=PLAY_SECONDS`` while playing:
    each timed run then advances one frame.
    """
    key = frame_key(prefix)
    current = st.session_state.get(key, 1)
    # Always (re)assign: the browser then shows the server's value even after a full rerun
    # remounted the slider (otherwise it can fall back to its default while the state says otherwise).
    st.session_state[key] = current if 1 <= current <= num_frames else 1
    playing = is_playing(prefix)
    if playing:
        _step(key, 1, num_frames)
    back, forward, play, slider = st.columns([1, 1, 2, 11], vertical_alignment="bottom")
    back.button("◀", key=f"{prefix}_back", on_click=_step, args=(key, -1, num_frames), help="Previous frame")
    forward.button("▶", key=f"{prefix}_forward", on_click=_step, args=(key, 1, num_frames), help="Next frame")
    if play.button("Pause" if playing else "Play", key=f"{prefix}_play", icon=":material/pause:" if playing
                   else ":material/play_arrow:"):
        st.session_state[f"{prefix}_playing"] = not playing
        st.rerun(scope="app")
    with slider:
        value = st.slider("Frame", 1, num_frames, key=key)
    return int(value) - 1


def fragment(body, prefix: str, wake_after: float | None = None):
    """``body`` as a fragment, re-run on a timer while this page's player is playing (else after ``wake_after`` s)."""
    return st.fragment(body, run_every=PLAY_SECONDS if is_playing(prefix) else wake_after)
