"""Browse's pairs: two models' or two methods' results on the same clips, the most disagreeing first."""

from __future__ import annotations

import math

import streamlit as st

from engine.store import Filters, Store, pair_rows, sort_pairs
from ui.browse import PAGE_SIZE, _open, page_picker

BY = {"models": "Two models", "methods": "Two methods"}
RHO = {"map_rho": "maps (8x8 blocks)", "curve_rho": "time-step curves"}


def pairs_view(prefix: str, store: Store, filters: Filters) -> None:
    """Choose two models or two methods; a table of their pairs by disagreement, each pair openable."""
    cols = st.columns(4)
    by = cols[0].radio("Pair", list(BY), format_func=BY.get, key=f"{prefix}_pair_by")
    values = store.values("model" if by == "models" else "method")
    if len(values) < 2:
        st.info(f"This store holds results of {len(values)} {by[:-1]}; pairs need two.")
        return
    first = cols[1].selectbox("First", values, key=f"{prefix}_pair_a_{by}")
    second = cols[2].selectbox("Second", [v for v in values if v != first], key=f"{prefix}_pair_b_{by}")
    rho = cols[3].selectbox("Disagreement of", list(RHO), format_func=RHO.get, key=f"{prefix}_pair_sort")
    # the compared column's filter is replaced by the two choices; the other one still applies
    narrowed = Filters(filters.labels, filters.predicted, filters.models if by == "methods" else (),
                       filters.methods if by == "models" else (), filters.correct)
    pairs = sort_pairs(pair_rows(store, by, first, second, narrowed), rho)
    st.caption(f"{len(pairs)} pairs on the same clip and settings · sorted by Spearman's rank correlation of the "
               f"{RHO[rho]}, lowest (most disagreeing) first")
    if not pairs:
        return
    page = page_picker(f"{prefix}_pairs", len(pairs))
    shown = pairs[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]
    header = st.columns([3, 2, 2, 1, 1, 1])
    for col, text in zip(header, ("clip", first, second, "curves ρ", "maps ρ", "")):
        col.markdown(f"**{text}**")
    for pair in shown:
        a, b = pair["a"], pair["b"]
        line = st.columns([3, 2, 2, 1, 1, 1])
        line[0].write(f"{a['clip_name']} ({a['label'] or '?'})")
        line[1].write(f"{a['predicted']} {a['confidence']:.0%}")
        line[2].write(f"{b['predicted']} {b['confidence']:.0%}")
        line[3].write(_rho(pair["curve_rho"]))
        line[4].write(_rho(pair["map_rho"]))
        line[5].button("Open", key=f"{prefix}_open_pair_{a['key'][:12]}_{b['key'][:12]}", on_click=_open,
                       args=(prefix, a["key"], b["key"]))


def _rho(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:+.2f}"
