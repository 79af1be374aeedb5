"""A result opened from Browse: its file read back into the player, the paired result beside it (nothing recomputed)."""

from __future__ import annotations

import streamlit as st

from engine.saliency import REDUCTIONS
from engine.store import Store
from ui import analysis_view, cache, player
from ui.browse import open_key, read_row, title


def _close(prefix: str) -> None:
    st.session_state.pop(open_key(prefix), None)


def opened_view(prefix: str, store: Store) -> None:
    """The opened result (``st.session_state[open_key(prefix)]``) in the player, above the gallery."""
    opened = st.session_state.get(open_key(prefix))
    if not opened:
        return
    key, pair = opened
    first = read_row(store, key)
    second = read_row(store, pair) if pair else None
    if first is None or (pair and second is None):
        st.warning("That result is no longer in this store (removed or evicted).")
        _close(prefix)
        return
    row, analysis = first
    with st.container(border=True):
        head = st.columns([6, 1])
        head[0].markdown(f"**{title(row)}**" + (f"  vs  **{title(second[0])}**" if second else ""))
        head[1].button("Close", key=f"{prefix}_close", on_click=_close, args=(prefix,))
        st.caption(_summary(row) + (f" · {_summary(second[0])}" if second else ""))
        if second is not None and second[1].result.attributions.shape[0] == analysis.result.attributions.shape[0]:
            st.fragment(_pair_player)(prefix, {title(row): analysis, title(second[0]): second[1]}, (key, pair))
        else:
            st.fragment(analysis_view.frame_view)(prefix, analysis, ("store", str(store.folder), key), row["method"])
            if second is not None:
                st.info("The paired result samples other frames; it opens on its own.")


def _summary(row: dict) -> str:
    mark = {1: "right", 0: "wrong"}.get(row["correct"], "no label")
    return (f"class {row['label'] or '?'} · predicted {row['predicted']} ({row['confidence']:.1%}, {mark}) · "
            f"explained {row['explained']} · {row['seconds'] or 0:.2f} s on {row['device']}")


def _pair_player(prefix: str, analyses: dict, keys: tuple) -> None:
    """Both results' overlays in one player, moving together (the Compare page's multi-panel payload)."""
    reduction = st.columns([1, 3])[0].selectbox("Saliency sign", REDUCTIONS, key=f"{prefix}_pair_reduction")
    payload = cache.compare_payload(("store",) + keys, reduction, _analyses=analyses)
    shown = player.frame_player(f"{prefix}_pair_player", payload)
    clip = next(iter(analyses.values())).clip
    t = shown["frame"]
    st.markdown(f"**Frame {t + 1} / {clip.num_frames}** (settled) · source frame {int(clip.indices[t])}")
