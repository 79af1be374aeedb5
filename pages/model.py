"""Model: the checkpoint card, its training curves, and an evaluation on a data folder."""

from pathlib import Path

import streamlit as st

from engine import UserError
from engine.data import LAYOUTS, SUBSETS, load_dataset
from engine.models import evaluate_records, read_log
from engine.viz import figures as plots
from ui import cache, routing, state, widgets

P = "model"
routing.require_app(P)
st.title("Model")
form_area = st.container()

with st.sidebar:
    device = widgets.device_picker(P)
    loaded = widgets.checkpoint_picker(P, device, form_area=form_area)
if loaded is None:
    widgets.missing_input(P, "Choose a checkpoint in the sidebar.")
meta = loaded.meta

st.subheader("Checkpoint card")
widgets.checkpoint_card(loaded)

st.subheader("Training curves")
history = meta.training.get("history") or []
logs = [p for p in (Path(meta.path).with_name("metrics.csv"), Path(meta.path).with_suffix(".metrics.csv")) if p.is_file()]
if not history and logs:
    history = read_log(logs[0])
if history:
    st.plotly_chart(plots.training_curves(history), key=f"{P}_curves")
else:
    st.info("This checkpoint has no training log (training['history'], or metrics.csv or <name>.metrics.csv beside it).")

st.subheader("Evaluate on a data folder")
default_folder = str(state.data_dir() or "")
cols = st.columns([3, 1, 1])
folder = cols[0].text_input("Data folder", default_folder, key=f"{P}_folder",
                            help="KTH videos, class sub-folders of videos, or a UCF101-style folder")
layout = cols[1].selectbox("Layout", LAYOUTS, key=f"{P}_layout")
subset = cols[2].selectbox("Subset", ["all", *SUBSETS], key=f"{P}_subset")
if not folder.strip():
    st.info("Enter a data folder (or set VSE_DATA_DIR) to evaluate the checkpoint.")
    st.stop()
try:
    index = load_dataset(folder.strip(), layout=layout)
except UserError as exc:
    st.error(str(exc))
    st.stop()
records = index.records if subset == "all" else index.subset(subset)
st.caption(f"{len(records)} clips ({index.layout} layout) · classes {', '.join(index.classes)}")
key = cache.evaluation_key(loaded, folder, layout, subset, records)
if not records:
    st.warning(f"The {subset} subset of this folder is empty.")
    st.stop()
if cache.result_store().get(key) is None and not st.button("Evaluate", key=f"{P}_evaluate", type="primary"):
    st.stop()


def compute(on_progress, cancel):
    def report(done: int, total: int) -> None:
        on_progress(f"{done}/{total} clips", done / total)

    return evaluate_records(loaded, records, index.classes, on_progress=report)


summary = widgets.compute_or_stop(P, key, compute, "Evaluation")
if summary is not None:
    st.metric("Accuracy", f"{summary['accuracy']:.1%}", f"{summary['count']} clips", delta_color="off")
    st.plotly_chart(plots.confusion_matrix(summary["confusion"], summary["classes"]), key=f"{P}_confusion")
    st.dataframe([{"class": c, "precision": summary["precision"][c], "recall": summary["recall"][c]}
                  for c in summary["classes"]], hide_index=True)
