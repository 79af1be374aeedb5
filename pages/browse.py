"""Browse: a result store's results (the app's own, a batch run's or a study's): gallery, table, pairs, player."""

import streamlit as st

from ui import browse, browse_open, browse_pairs, routing

P = "browse"
VIEWS = {"gallery": "Gallery", "table": "Table", "pairs": "Pairs"}
routing.require_app(P)
st.title("Browse")

with st.sidebar:
    store = browse.store_picker(P)
    if store is not None and store.count():
        filters, sort, descending = browse.filter_controls(P, store)
if store is None:
    st.stop()
if not store.count():
    st.info(f"No results in {store.folder} yet. Explore and Compare keep theirs in the app's store; "
            "python -m engine saliency --data ... --out DIR writes a store in DIR.")
    st.stop()
browse_open.opened_view(P, store)
view = st.radio("View", list(VIEWS), format_func=VIEWS.get, horizontal=True, key=f"{P}_view")
if view == "pairs":
    browse_pairs.pairs_view(P, store, filters)
else:
    browse.results_view(P, store, filters, sort, descending, as_gallery=view == "gallery")
