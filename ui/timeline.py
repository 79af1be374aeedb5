"""Explore's whole-video timeline: the prediction along a long video, and the window to explain.

The chart is a small components-v2 component (``ui/player/timeline.js``): a click
picks the window centred on the clicked time. A number input gives the start time
too; both write one session-state value, the start in seconds.
"""

from __future__ import annotations

from functools import partial

import streamlit as st

from engine.timeline import Timeline, window_start
from ui.player import HERE

_mount = st.components.v2.component("vse_timeline", js=(HERE / "timeline.js").read_text(),
                                    css=(HERE / "timeline.css").read_text())


def start_key(prefix: str, digest: str) -> str:
    """Session-state key of the window start (seconds) of one video."""
    return f"{prefix}_window_start_{digest[:12]}"


def _apply_pick(component_key: str, target: str, last_s: float) -> None:
    picked = (st.session_state.get(component_key) or {}).get("pick")
    if picked is not None:
        st.session_state[target] = round(min(max(float(picked), 0.0), last_s), 2)


def window_picker(prefix: str, timeline: Timeline, digest: str, loaded) -> int:
    """The timeline chart and a start-time control; returns the first source frame of the chosen window."""
    key = start_key(prefix, digest)
    fps, span = timeline.fps, timeline.span
    last_s = round(max(0, timeline.frame_count - span) / fps, 2)
    st.session_state.setdefault(key, round(max(0, timeline.frame_count - span) // 2 / fps, 2))
    start = window_start(timeline.frame_count, loaded, float(st.session_state[key]), fps)
    data = {"classes": timeline.classes, "centres": [float(s + span / 2) / fps for s in timeline.starts],
            "probabilities": timeline.probabilities.round(4).tolist(), "duration": timeline.frame_count / fps,
            "window": span / fps, "selected": start / fps}
    _mount(key=f"{prefix}_timeline", data=data, on_pick_change=partial(_apply_pick, f"{prefix}_timeline", key, last_s))
    st.columns([1, 3])[0].number_input("Window start (s)", 0.0, last_s, step=round(span / fps / 2, 2), key=key,
                                       format="%.2f", help="Or click the timeline: the window centred on the "
                                       "clicked time is explained.")
    return start
