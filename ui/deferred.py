"""A session's first result is drawn without its Plotly charts; they follow a moment later.

Plotly's browser bundle (4.7 MB) keeps a 2-core machine's browser busy for about
2 s, and it draws nothing else meanwhile: with the charts in the first view, the
prediction and heatmaps of a cold start wait for them. So the first view of a
session leaves the charts out (a short note holds their place), and a small
fragment at the end of the page, woken by a timer :data:`DELAY_S` after that view,
reruns the app to add them. Every later view has its charts at once. (The timer is
not on the player's fragment: changing a fragment's timer remounts what it holds.)

The wake-up call repeats until a run has drawn the charts, so a timer run that
the browser or server drops only delays them.
"""

from __future__ import annotations

import streamlit as st

STATE = "_vse_charts"  # absent: no view yet; DUE: a view left them out; DRAWN: views have them
DUE, DRAWN = "due", "drawn"
DELAY_S = 1.5


def charts_now() -> bool:
    """Called once per full run, before drawing: whether this run draws the charts.

    False until the session has shown one view without them (see :func:`left_out`).
    """
    if st.session_state.get(STATE) is None:
        return False
    st.session_state[STATE] = DRAWN
    return True


def timer() -> float | None:
    """``run_every`` for the view's fragment: a wake-up call while the charts are still to come."""
    return None if st.session_state.get(STATE) == DRAWN else DELAY_S


def left_out() -> None:
    """Called at the end of a run that drew a view without its charts."""
    st.session_state[STATE] = DUE


def add_when_due() -> None:
    """The timed fragment's body: a timed run after :func:`left_out` reruns the app."""
    if st.session_state.get(STATE) == DUE:
        st.rerun(scope="app")
