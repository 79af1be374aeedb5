"""Data: the bundled sample clips (the default), or a data folder's clips by class with counts per subset; a click opens
a clip in Explore."""

from pathlib import Path

import streamlit as st

from engine import UserError, read_clip
from engine.data import LAYOUTS, ClipRecord, load_dataset, read_record
from engine.io import load_sidecar
from engine.viz import encode_png
from ui import routing, state, widgets

SOURCES = {"samples": "Bundled sample clips", "folder": "Data folder"}

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
    return encode_png(clip.frames[0])


@st.cache_data(show_spinner="Indexing the folder…", ttl=60)
def index_folder(folder: str, layout: str):
    return load_dataset(folder, layout=layout)


@st.cache_data(show_spinner=False, max_entries=64)
def sample_thumbnail(path: str) -> bytes:
    """PNG of a sample clip's middle frame."""
    return encode_png(read_clip(path, 1, max_side=160).frames[0])


def open_in_explore(path: str, sample: str | None = None) -> None:
    """Explore with this clip picked: a bundled sample by name, any other video file as the opened clip."""
    if sample:
        st.session_state.update({"explore_clip_source": "sample", "explore_clip_sample": sample})
    else:
        st.session_state.update({widgets.opened_clip_key("explore"): path, "explore_clip_source": "opened"})
    st.switch_page("pages/explore.py")


def show_samples() -> None:
    """The bundled sample clips by class (from their sidecars), with thumbnails."""
    samples = state.list_sample_clips()
    if not samples:
        st.info("No bundled sample clips found (assets/clips).")
        return
    by_class: dict[str, list[str]] = {}
    for name, path in samples.items():
        by_class.setdefault(load_sidecar(path)[1].get("label") or "unlabelled", []).append(name)
    count = len(samples)
    st.caption(f"{count} bundled sample clip{'s' if count != 1 else ''} (assets/clips) · classes "
               f"{', '.join(by_class)} · open one in Explore with its button")
    for label, tab in zip(by_class, st.tabs(list(by_class))):
        with tab:
            for col, name in zip(st.columns(4), by_class[label]):
                col.image(sample_thumbnail(str(samples[name])), caption=name, width="stretch", output_format="PNG")
                if col.button("Open in Explore", key=f"{P}_open_{name}"):
                    open_in_explore(str(samples[name]), sample=name)


with st.sidebar:
    configured = state.data_dir() is not None
    source = st.radio("Show", list(SOURCES), format_func=SOURCES.get, index=1 if configured else 0,
                      key=f"{P}_source", horizontal=True)
if source == "samples":
    show_samples()
    st.stop()
with st.sidebar:
    folder = st.text_input("Data folder", str(state.data_dir() or ""), key=f"{P}_folder",
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
                if Path(record.source).is_file() and col.button("Open in Explore", key=f"{P}_open_{record.key}"):
                    open_in_explore(record.source)
