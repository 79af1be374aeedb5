"""Data: a data folder's clips by class, with thumbnails and counts per subset."""

import streamlit as st

from engine import appstate
from engine.data import ClipRecord, load_dataset, read_record
from engine.data.loading import LAYOUTS
from engine.errors import UserError
from ui import routing

P = "data"
routing.require_app(P)
st.title("Data")


@st.cache_data(show_spinner=False, max_entries=2048)
def thumbnail(source: str, start: int, stop: int | None, key: str) -> bytes | None:
    """PNG of a clip's middle frame, or None when it cannot be read."""
    try:
        clip = read_record(ClipRecord(source, "", "train", key, start, stop), 1, max_side=160)
    except UserError:
        return None
    return appstate.encode_png(clip.frames[0])


@st.cache_data(show_spinner="Indexing the folder…", ttl=60)
def index_folder(folder: str, layout: str):
    return load_dataset(folder, layout=layout)


with st.sidebar:
    folder = st.text_input("Data folder", str(appstate.data_dir() or ""), key=f"{P}_folder",
                           help="KTH videos, class sub-folders of videos, or a UCF101-style folder")
    layout = st.selectbox("Layout", LAYOUTS, key=f"{P}_layout")
    per_class = st.slider("Clips shown per class", 4, 48, 12, 4, key=f"{P}_per_class")
if not folder.strip():
    st.info("Enter a data folder in the sidebar (or set VSE_DATA_DIR).")
    st.stop()
try:
    index = index_folder(folder.strip(), layout)
except UserError as exc:
    st.error(str(exc))
    st.stop()

st.caption(f"{len(index.records)} clips · {index.layout} layout · classes {', '.join(index.classes)}")
counts = index.counts()
st.dataframe([{"class": c, **{s: counts[s][c] for s in counts}} for c in index.classes], hide_index=True)
for note in index.notes:
    st.caption(note)

for label, tab in zip(index.classes, st.tabs(index.classes)):
    records = [r for r in index.records if r.label == label][:per_class]
    with tab:
        for start in range(0, len(records), 4):
            for col, record in zip(st.columns(4), records[start:start + 4]):
                image = thumbnail(record.source, record.start, record.stop, record.key)
                if image is None:
                    col.warning(f"{record.key}: unreadable")
                else:
                    col.image(image, caption=f"{record.key} · {record.subset}", width="stretch", output_format="PNG")
