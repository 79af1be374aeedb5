"""What the Live page shows beside the video: label, probabilities, a 30 s strip, the window's importance, rates.

Rendered by a fragment that reruns on a timer; it reads the loop's thread-safe snapshots
and never waits for the model.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import streamlit as st

from engine.live import HISTORY_S, LiveSession
from ui import analysis_view

STALL_S = 2.0  # no frame for this long while playing: the camera stopped sending


def camera_problem(loop: LiveSession) -> str | None:
    """A message when the camera stopped: its track ended, or no frame came for :data:`STALL_S` seconds."""
    if loop.ended:
        return ("The camera stopped (unplugged, switched off, or taken by another program). "
                "Press START again once it is back.")
    arrived = loop.ring.newest_arrival()
    if arrived is not None and time.monotonic() - arrived > STALL_S:
        return (f"No frame from the camera for {time.monotonic() - arrived:.0f} s: is it unplugged, covered or "
                "in use by another program?")
    return None


def probability_strip(loop: LiveSession) -> None:
    """Each class's probability over the last :data:`HISTORY_S` seconds."""
    ago, probs = loop.history()
    if len(ago) < 2:
        return
    frame = pd.DataFrame(probs, columns=list(loop.loaded.meta.classes))
    frame.insert(0, "seconds", np.round(ago, 2))
    st.caption(f"Class probability, last {HISTORY_S:.0f} s")
    st.line_chart(frame, x="seconds", height=160)


def window_importance(update) -> None:
    """The current window's share of saliency per frame (oldest left, newest right)."""
    frame = pd.DataFrame({"frame": np.arange(1, len(update.importance) + 1), "saliency share": update.importance})
    span = update.window.times[-1] - update.window.times[0]
    st.caption(f"This window's saliency per frame: {len(frame)} frames over {span:.2f} s, newest right")
    st.bar_chart(frame, x="frame", y="saliency share", height=160)


def rates_line(loop: LiveSession) -> str:
    """"4.6 updates/s · latency 212 ms · model 38 ms · camera 24.8 fps"."""
    rates = loop.rates()
    parts = [f"{rates['updates_per_s']:.1f} updates/s"]
    if rates["latency_s"] is not None:
        parts.append(f"latency {rates['latency_s'] * 1000:.0f} ms (frame in to overlay ready)")
    if rates["compute_s"] is not None:
        parts.append(f"saliency {rates['compute_s'] * 1000:.0f} ms")
    parts.append(f"camera {rates['camera_fps']:.1f} fps")
    return " · ".join(parts)


def status(loop: LiveSession | None) -> None:
    """The whole status panel of a loop (or a hint before START)."""
    if loop is None:
        st.info("Press START under the video. The label, the probabilities and the overlay follow what the camera "
                "sees.")
        return
    problem = camera_problem(loop)
    if problem:
        st.warning(problem)
    if loop.error:
        st.error(loop.error)
    update = loop.latest()
    if update is None:
        st.info("Collecting the first window of frames…")
        return
    if update.nobody_moving:
        st.metric("Prediction", "No one moving", update.motion.describe(), delta_color="off")
    else:
        analysis_view.prediction(update.result)
    st.caption(rates_line(loop))
    probability_strip(loop)
    window_importance(update)
