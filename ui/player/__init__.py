"""The frame player: one Streamlit component (components v2) that draws every panel in the browser.

``paint.js``, ``chart.js``, ``dom.js``, ``player.js`` and ``player.css`` beside this file are the
whole component: plain JavaScript (the four files joined into one module) and CSS,
nothing built, nothing fetched. The payload comes from
:mod:`engine.viz.player`; Streamlit sends an element only once per session while its
content is unchanged (its message cache), so scrubbing and playback cost no round trip.
The player reports its view (frame and display settings) once it settles;
:func:`frame_player` returns that view.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

HERE = Path(__file__).parent
STARTS = "_vse_player_starts"
JS_FILES = ("paint.js", "chart.js", "dom.js", "player.js")
_mount = st.components.v2.component("vse_frame_player",
                                    js="\n".join((HERE / name).read_text() for name in JS_FILES),
                                    css=(HERE / "player.css").read_text())


def view_key(key: str) -> str:
    """Session-state key of the player's last settled view (tests may set it)."""
    return f"{key}_view"


def frame_player(key: str, payload: dict) -> dict:
    """Mounts the player and returns its settled view.

    Args:
        key: the widget key (one per page).
        payload: from :mod:`engine.viz.player` (not changed here; it may be shared by sessions).

    Returns:
        ``{"frame": 0-based index, "cmap", "opacity", "scale" ("clip" | "frame"), "flow_view"}``.
        A new result keeps the frame and the settings the user had.
    """
    count = len(payload["frames"])
    current = {"frame": 0, **payload["settings"], **(st.session_state.get(view_key(key)) or {})}
    current["frame"] = min(max(int(current["frame"]), 0), count - 1)
    starts = st.session_state.setdefault(STARTS, {})
    if starts.get(key, (None,))[0] != payload["id"]:  # a new result starts where the last one was
        starts[key] = (payload["id"], current["frame"], {k: v for k, v in current.items() if k != "frame"})
    _, start, settings = starts[key]
    data = {**payload, "start": start, "settings": {**payload["settings"], **settings}}
    result = _mount(key=key, data=data, on_view_change=lambda: None, default={"view": None})
    reported = result.get("view")
    if reported:
        current.update(reported)
        current["frame"] = min(max(int(current["frame"]), 0), count - 1)
    st.session_state[view_key(key)] = current
    return current
